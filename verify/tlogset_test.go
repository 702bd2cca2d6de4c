package verify

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"google.golang.org/protobuf/proto"
)

// TestVerifySET: verifySET and sigstore-go's tlog.VerifySET accept and
// refuse the same SETs: every conformance entry with a promise, and its
// mutations (each byte of the SET, the integrated time, the log index,
// the body, numbers past 2^53, the log's validity window).
func TestVerifySET(t *testing.T) {
	dir := "testdata/conformance"
	cases, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := PublicGood()
	if err != nil {
		t.Fatal(err)
	}
	checked, accepted := 0, 0
	agree := func(what string, tle *protorekor.TransparencyLogEntry, logs map[string]*root.TransparencyLog) {
		t.Helper()
		e, err := tlog.ParseTransparencyLogEntry(tle)
		if err != nil || !e.HasInclusionPromise() {
			return
		}
		checked++
		want, got := tlog.VerifySET(e, logs), verifySET(&logEntry{tle: tle, v2: e.IsRekorV2(), full: e}, logs)
		if (want == nil) != (got == nil) {
			t.Errorf("%s: tlog.VerifySET: %v; verifySET: %v", what, want, got)
		}
		if want == nil {
			accepted++
		}
	}
	for _, c := range cases {
		tr := pg
		if _, err := os.Stat(filepath.Join(dir, c.Name(), "trusted_root.json")); err == nil {
			if tr, err = LoadTrustedRoot(filepath.Join(dir, c.Name(), "trusted_root.json")); err != nil {
				continue
			}
		}
		b, err := ReadBundleFile(filepath.Join(dir, c.Name(), "bundle.sigstore.json"))
		if err != nil {
			continue
		}
		logs := tr.material.RekorLogs()
		for _, pe := range b.b.GetVerificationMaterial().GetTlogEntries() {
			if pe.GetInclusionPromise() == nil {
				continue
			}
			agree(c.Name(), pe, logs)
			mutate := func(what string, f func(*protorekor.TransparencyLogEntry)) {
				m := proto.Clone(pe).(*protorekor.TransparencyLogEntry)
				f(m)
				agree(c.Name()+": "+what, m, logs)
			}
			for i := range pe.GetInclusionPromise().GetSignedEntryTimestamp() {
				mutate("SET byte flipped", func(m *protorekor.TransparencyLogEntry) { m.InclusionPromise.SignedEntryTimestamp[i] ^= 0x01 })
			}
			for _, d := range []int64{-1, 1} {
				mutate("integrated time moved", func(m *protorekor.TransparencyLogEntry) { m.IntegratedTime += d })
				mutate("log index moved", func(m *protorekor.TransparencyLogEntry) { m.LogIndex += d })
			}
			mutate("integrated time 0", func(m *protorekor.TransparencyLogEntry) { m.IntegratedTime = 0 })
			mutate("log index 2^53", func(m *protorekor.TransparencyLogEntry) { m.LogIndex = 1 << 53 })
			mutate("integrated time 2^53", func(m *protorekor.TransparencyLogEntry) { m.IntegratedTime = 1 << 53 })
			mutate("body byte flipped", func(m *protorekor.TransparencyLogEntry) { m.CanonicalizedBody[len(m.CanonicalizedBody)/2] ^= 0x01 })
			// The log's validity window, closed before and opened after the
			// integrated time, and unset.
			at := time.Unix(pe.GetIntegratedTime(), 0)
			for what, w := range map[string][2]time.Time{
				"log valid only later":   {at.Add(time.Second), time.Time{}},
				"log expired before":     {at.Add(-time.Hour), at.Add(-time.Second)},
				"log validity start 0":   {time.Time{}, time.Time{}},
				"log valid exactly then": {at, at},
			} {
				moved := map[string]*root.TransparencyLog{}
				for id, l := range logs {
					c := *l
					c.ValidityPeriodStart, c.ValidityPeriodEnd = w[0], w[1]
					moved[id] = &c
				}
				agree(c.Name()+": "+what, pe, moved)
			}
		}
	}
	if checked < 100 || accepted < 10 {
		t.Fatalf("%d SETs checked, %d accepted", checked, accepted)
	}
	t.Logf("%d SETs checked, %d accepted", checked, accepted)
}
