package verify_test

import (
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// TestEmptyPromise: a Rekor v1 entry whose inclusionPromise holds no
// signed entry timestamp is refused. Before, checkLogBinding verified a
// promise only when it had a SET, sigstore-go counted none, and the Result
// still reported the entry with Promise true and the integrated time (and
// log index) the bundle's author wrote, as if a promise had signed them.
func TestEmptyPromise(t *testing.T) {
	st, v := signtestVerifier(t, "empty promise")
	art := []byte("artifact")
	bj, err := st.SignBlob(signtest.Email("alice@example.com"), art, signtest.MintOptions{RekorV1: true})
	if err != nil {
		t.Fatal(err)
	}
	opts := verify.Options{TrustedRoot: st.TrustedRoot()}
	artF := func() verify.Artifact { return verify.Artifact{Digest: digestOf(art)} }
	for _, tc := range []struct {
		name string
		f    func(e *protorekor.TransparencyLogEntry)
	}{
		{"empty promise", func(e *protorekor.TransparencyLogEntry) { e.InclusionPromise = &protorekor.InclusionPromise{} }},
		{"empty promise, forged time and index", func(e *protorekor.TransparencyLogEntry) {
			e.InclusionPromise = &protorekor.InclusionPromise{}
			e.IntegratedTime += 60
			e.LogIndex += 1000
		}},
		{"zero-length SET", func(e *protorekor.TransparencyLogEntry) {
			e.InclusionPromise.SignedEntryTimestamp = []byte{}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mutate(t, bj, func(pb *protobundle.Bundle) { tc.f(entry0(pb)) })
			res, err := parseAndVerify(v, m, artF(), alice)
			if err == nil {
				t.Fatalf("accepted; log entries %+v", res.LogEntries)
			}
			wantCheck(t, err, verify.CheckTransparencyLog, verify.ErrTransparencyLog)
			agree(t, tc.name, m, artF, alice, opts)
		})
	}
	// Without the promise object the entry's time is unsigned and not
	// reported; its index must be the proof's.
	res, err := parseAndVerify(v, mutate(t, bj, func(pb *protobundle.Bundle) { entry0(pb).InclusionPromise = nil }), artF(), alice)
	if err != nil {
		t.Fatal(err)
	}
	if le := res.LogEntries[0]; le.Promise || !le.IntegratedTime.IsZero() {
		t.Errorf("entry without a promise reported as %+v", le)
	}
}
