package verify_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/chainproof/chainproof/verify"
)

// batchCases are the conformance cases VerifyBatch is checked on: the
// public-good happy paths and failures of each kind, all against the
// embedded root and the beacon identity.
var batchCases = []string{
	"happy-path-v0.1", "happy-path-v0.2", "happy-path-v0.3", "happy-path-intoto-in-dsse-v3",
	"signature-mismatch_fail", "set-invalid-signature_fail", "invalid-inclusion-proof_fail",
	"wrong-hashedrekord-entry_fail", "bundle-malformed-json_fail",
}

// TestVerifyBatch: every item of a batch gets what Verify gives it (the
// same acceptance, the same failing check), in order, whatever the number
// of workers; repeated items are verified once.
func TestVerifyBatch(t *testing.T) {
	v := publicGood(t)
	pol := &verify.Policy{Identities: []verify.Identity{beacon()}}
	art := verify.Artifact{Digest: fileDigest(t, defaultArt.Path)}
	var items []verify.BatchItem
	type want struct {
		ok    bool
		check verify.Check
	}
	var wants []want
	for _, c := range batchCases {
		data, err := os.ReadFile(filepath.Join(casesDir, c, "bundle.sigstore.json"))
		if err != nil {
			t.Fatal(err)
		}
		var w want
		_, err = verify.Verify(context.Background(), data, art, *pol, verify.Options{})
		if w.ok = err == nil; !w.ok {
			w.check = err.(*verify.Error).Check
		}
		// Each case three times: as JSON (twice) and parsed.
		items = append(items, verify.BatchItem{JSON: data, Artifact: art, Policy: pol}, verify.BatchItem{JSON: data, Artifact: art, Policy: pol})
		wants = append(wants, w, w)
		if b, err := verify.ParseBundle(data); err == nil {
			items = append(items, verify.BatchItem{Bundle: b, Artifact: art, Policy: pol})
			wants = append(wants, w)
		}
	}
	// An artifact given as a path, a nil policy, an empty policy.
	items = append(items,
		verify.BatchItem{JSON: items[0].JSON, Artifact: verify.Artifact{Path: defaultArt.Path}, Policy: pol},
		verify.BatchItem{JSON: items[0].JSON, Artifact: art},
		verify.BatchItem{JSON: items[0].JSON, Artifact: art, Policy: &verify.Policy{}})
	wants = append(wants, want{ok: true}, want{check: verify.CheckPolicy}, want{check: verify.CheckPolicy})

	for _, workers := range []int{0, 1, 2, 7, 100} {
		before := verify.CryptoRuns.Load()
		res := v.VerifyBatch(context.Background(), items, verify.BatchOptions{Workers: workers})
		runs := verify.CryptoRuns.Load() - before
		if len(res) != len(items) {
			t.Fatalf("workers %d: %d results for %d items", workers, len(res), len(items))
		}
		for i, r := range res {
			w := wants[i]
			if w.ok {
				if r.Err != nil || r.Result == nil {
					t.Errorf("workers %d: item %d: %v", workers, i, r.Err)
				}
				continue
			}
			var e *verify.Error
			if !errors.As(r.Err, &e) || e.Check != w.check || e.Bundle != i || r.Result != nil {
				t.Errorf("workers %d: item %d: %v, want check %s and Bundle %d", workers, i, r.Err, w.check, i)
			}
		}
		// Parsed once per distinct JSON and verified once per distinct
		// bundle: the parsed items are other bundles, the path item is
		// verified on its own.
		if max := int64(2*len(batchCases) + 1); runs > max {
			t.Errorf("workers %d: %d cryptographic verifications, want at most %d", workers, runs, max)
		}
	}
	// Results are copies: changing one changes no other.
	res := v.VerifyBatch(context.Background(), items[:2], verify.BatchOptions{})
	res[0].Result.Identity = 42
	if res[1].Result.Identity == 42 {
		t.Error("repeated items share one *Result")
	}
	if len(v.VerifyBatch(context.Background(), nil, verify.BatchOptions{})) != 0 {
		t.Error("results for no items")
	}
}

// TestVerifyBatchCanceled: a batch whose context has ended refuses every
// item with the context's error, and returns.
func TestVerifyBatchCanceled(t *testing.T) {
	v := publicGood(t)
	data, err := os.ReadFile(happyV03)
	if err != nil {
		t.Fatal(err)
	}
	pol := &verify.Policy{Identities: []verify.Identity{beacon()}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	items := make([]verify.BatchItem, 50)
	for i := range items {
		items[i] = verify.BatchItem{JSON: data, Artifact: verify.Artifact{Path: defaultArt.Path}, Policy: pol}
	}
	for i, r := range v.VerifyBatch(ctx, items, verify.BatchOptions{Workers: 3}) {
		if !errors.Is(r.Err, context.Canceled) {
			t.Fatalf("item %d: %v", i, r.Err)
		}
	}
}

// BenchmarkVerifyBatch verifies 1,000 public-good bundles (the four
// happy-path conformance bundles, cycled; each item its own parsed
// bundle, so nothing is deduplicated) with VerifyBatch on one worker and
// on GOMAXPROCS workers, alternately in one loop, and reports the
// speed-up. One op = both batches.
func BenchmarkVerifyBatch(b *testing.B) {
	const n = 1000
	v := publicGood(b)
	pol := &verify.Policy{Identities: []verify.Identity{beacon()}}
	art := verify.Artifact{Digest: fileDigest(b, defaultArt.Path)}
	var raw [][]byte
	for _, c := range batchCases[:4] {
		d, err := os.ReadFile(filepath.Join(casesDir, c, "bundle.sigstore.json"))
		if err != nil {
			b.Fatal(err)
		}
		raw = append(raw, d)
	}
	items := func() []verify.BatchItem {
		out := make([]verify.BatchItem, n)
		for i := range out {
			bu, err := verify.ParseBundle(raw[i%len(raw)])
			if err != nil {
				b.Fatal(err)
			}
			out[i] = verify.BatchItem{Bundle: bu, Artifact: art, Policy: pol}
		}
		return out
	}
	workers := runtime.GOMAXPROCS(0)
	var seq, par time.Duration
	for b.Loop() {
		b.StopTimer()
		one, many := items(), items()
		b.StartTimer()
		t0 := time.Now()
		for _, r := range v.VerifyBatch(context.Background(), one, verify.BatchOptions{Workers: 1}) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		t1 := time.Now()
		for _, r := range v.VerifyBatch(context.Background(), many, verify.BatchOptions{Workers: workers}) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		seq, par = seq+t1.Sub(t0), par+time.Since(t1)
	}
	b.ReportMetric(float64(workers), "workers")
	b.ReportMetric(float64(seq.Milliseconds())/float64(b.N), "sequential-ms")
	b.ReportMetric(float64(par.Milliseconds())/float64(b.N), "parallel-ms")
	b.ReportMetric(float64(seq)/float64(par), "x-speedup")
}
