package verify_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/chainproof/chainproof/verify"
)

// checkpointLines returns the happy-path v0.3 bundle with its checkpoint's
// signature block replaced by lines (each ending in "\n").
func checkpointLines(t testing.TB, lines func(real string) string) []byte {
	t.Helper()
	data, err := os.ReadFile(happyV03)
	if err != nil {
		t.Fatal(err)
	}
	var b map[string]any
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	cp := b["verificationMaterial"].(map[string]any)["tlogEntries"].([]any)[0].(map[string]any)["inclusionProof"].(map[string]any)["checkpoint"].(map[string]any)
	text, sig, _ := strings.Cut(cp["envelope"].(string), "\n\n")
	cp["envelope"] = text + "\n\n" + lines(sig)
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// bigBodyBundle returns the happy-path v0.3 bundle with a log entry body
// of n bytes.
func bigBodyBundle(t testing.TB, n int) []byte {
	t.Helper()
	data, err := os.ReadFile(happyV03)
	if err != nil {
		t.Fatal(err)
	}
	var b map[string]any
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	e := b["verificationMaterial"].(map[string]any)["tlogEntries"].([]any)[0].(map[string]any)
	e["canonicalizedBody"] = base64.StdEncoding.EncodeToString(make([]byte, n))
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// allocated returns the bytes f allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHostileBundlesBounded: a checkpoint with its signature line repeated
// 10^5 times and an envelope with 120,000 signatures (10 MB each) are
// refused while parsing, allocating a few kilobytes whatever their size;
// checkpoints are limited in lines and signers.
func TestHostileBundlesBounded(t *testing.T) {
	v := publicGood(t)
	pol := verify.Policy{Identities: []verify.Identity{beacon()}}
	for _, tc := range []struct {
		name  string
		data  []byte
		check verify.Check
		want  error
	}{
		{"checkpoint line repeated 10^5 times", repeatedCheckpointBundle(t, 100_000), verify.CheckBundle, verify.ErrBundle},
		{"envelope with 120,000 signatures", manySignaturesBundle(t, 120_000), verify.CheckBundle, verify.ErrBundle},
		{"envelope with 257 signatures", manySignaturesBundle(t, verify.MaxBundleArray+1), verify.CheckBundle, verify.ErrBundle},
		{"10 MB log entry body", bigBodyBundle(t, 10<<20), verify.CheckBundle, verify.ErrBundle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = verify.ParseBundle(tc.data) })
			t.Logf("%d bytes refused, %d bytes allocated: %v", len(tc.data), n, err)
			wantCheck(t, err, tc.check, tc.want)
			if limit := uint64(64 << 10); n > limit {
				t.Errorf("refusing %d bytes allocated %d bytes, want at most %d", len(tc.data), n, limit)
			}
		})
	}

	// A checkpoint's lines: at most MaxCheckpointSignatures, no signer
	// (name and key hint) twice, every Rekor v1 line naming the log.
	distinct := func(n int) func(string) string {
		return func(real string) string {
			name, _, _ := strings.Cut(strings.TrimPrefix(real, "\u2014 "), " ")
			var b strings.Builder
			for i := range n {
				sig := make([]byte, 72)
				binary.BigEndian.PutUint32(sig, uint32(i))
				fmt.Fprintf(&b, "\u2014 %s %s\n", name, base64.StdEncoding.EncodeToString(sig))
			}
			return b.String()
		}
	}
	for _, tc := range []struct {
		name  string
		lines func(string) string
	}{
		{"more lines than MaxCheckpointSignatures", distinct(verify.MaxCheckpointSignatures + 1)},
		{"line repeated twice", func(real string) string { return real + real }},
		{"line with another key hint", distinct(1)},
		{"real line and one with another key hint", func(real string) string { return real + distinct(1)(real) }},
		{"line of another signer", func(real string) string {
			return real + strings.Replace(real, "rekor.sigstore.dev", "evil.example", 1)
		}},
		{"no lines", func(string) string { return "" }},
		{"malformed line", func(string) string { return "\u2014 rekor.sigstore.dev\n" }},
		{"blank line among signatures", func(real string) string { return real + "\n" + real }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := checkpointLines(t, tc.lines)
			_, err := parseAndVerify(v, data, defaultArt, pol)
			t.Log(err)
			wantCheck(t, err, verify.CheckTransparencyLog, verify.ErrTransparencyLog)
		})
	}
	if _, err := parseAndVerify(v, checkpointLines(t, func(real string) string { return real }), defaultArt, pol); err != nil {
		t.Errorf("unmodified checkpoint: %v", err)
	}
}

// TestPrescanNames: the bounds hold whatever spelling of a field protojson
// accepts (JSON name, proto name, escaped key) and for in-memory bundles.
func TestPrescanNames(t *testing.T) {
	sigs := strings.Repeat(`{"sig":"AAAA"},`, verify.MaxBundleArray) + `{"sig":"AAAA"}`
	for _, doc := range []string{
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"payload":"","payloadType":"x","signatures":[` + sigs + `]}}`,
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsse_envelope":{"payload":"","payload_type":"x","signatures":[` + sigs + `]}}`,
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"payload":"","payloadType":"x","sign\u0061tures":[` + sigs + `]}}`,
		`{"verificationMaterial":{"tlogEntries":[` + strings.Repeat(`{},`, verify.MaxBundleArray) + `{}]}}`,
		`{"verificationMaterial":{"tlog_entries":[{"inclusion_proof":{"hashes":[` + strings.Repeat(`"",`, verify.MaxBundleArray) + `""]}}]}}`,
		`{"verificationMaterial":{"tlogEntries":[{"inclusionProof":{"checkpoint":{"envelope":"` + strings.Repeat("a", verify.MaxCheckpointSize) + `"}}}]}}`,
		`{"a":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}`,
		`{"verificationMaterial":{"tlogEntries":[{"canonicalizedBody":"` + strings.Repeat("A", verify.MaxBundleString) + `"}]}}`,
		`{"` + strings.Repeat("k", verify.MaxBundleString) + `":1}`,
	} {
		_, err := verify.ParseBundle([]byte(doc))
		t.Log(err)
		wantCheck(t, err, verify.CheckBundle, verify.ErrBundle)
		// JSON lines, in either shape.
		_, err = verify.ParseBundles(strings.NewReader(`{"bundle":` + doc + "}\n"))
		wantCheck(t, err, verify.CheckBundle, verify.ErrBundle)
	}

	data, err := os.ReadFile(happyDSSE)
	if err != nil {
		t.Fatal(err)
	}
	pb := new(protobundle.Bundle)
	if err := protojson.Unmarshal(data, pb); err != nil {
		t.Fatal(err)
	}
	env := pb.GetDsseEnvelope()
	for len(env.Signatures) <= verify.MaxBundleArray {
		env.Signatures = append(env.Signatures, &protodsse.Signature{Sig: env.Signatures[0].Sig})
	}
	_, err = verify.BundleFromProto(pb)
	wantCheck(t, err, verify.CheckBundle, verify.ErrBundle)
}

// stagesCtx is a context whose Err reports cancellation from its n-th
// call on: it counts the checks between stages.
type stagesCtx struct {
	context.Context
	calls, cancelAt int
}

func (c *stagesCtx) Err() error {
	c.calls++
	if c.calls >= c.cancelAt {
		return context.Canceled
	}
	return nil
}

// TestContextBetweenStages: Verify checks its context between stages:
// cancelled before the k-th check, for every k, it stops with the
// context's error rather than run the rest.
func TestContextBetweenStages(t *testing.T) {
	v := publicGood(t)
	pol := verify.Policy{Identities: []verify.Identity{beacon()}}
	for _, path := range []string{happyV03, happyDSSE} {
		b := mustBundle(t, path)
		full := &stagesCtx{Context: context.Background(), cancelAt: 1 << 30}
		if _, err := v.Verify(full, b, defaultArt, pol); err != nil {
			t.Fatal(err)
		}
		if full.calls < 3 {
			t.Errorf("%s: context checked %d times, want one per stage", path, full.calls)
		}
		for k := 1; k <= full.calls; k++ {
			ctx := &stagesCtx{Context: context.Background(), cancelAt: k}
			_, err := v.Verify(ctx, b, defaultArt, pol)
			t.Logf("cancelled at check %d: %v", k, err)
			if !errors.Is(err, context.Canceled) || !errors.Is(err, verify.ErrVerification) {
				t.Errorf("%s: cancelled at check %d: got %v", filepath.Base(filepath.Dir(path)), k, err)
			}
		}
	}
}

// cancellingReader is an endless reader that cancels its context after n
// reads and counts the reads made.
type cancellingReader struct {
	n, reads int
	cancel   context.CancelFunc
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	r.reads++
	if r.reads == r.n {
		r.cancel()
	}
	clear(p)
	return len(p), nil
}

// TestArtifactBounded: an endless artifact reader stops at the context's
// end, counted in reads; a FIFO, a device or a directory given as
// Artifact.Path is refused before it is read (a FIFO without a writer
// would block forever).
func TestArtifactBounded(t *testing.T) {
	v := publicGood(t)
	pol := verify.Policy{Identities: []verify.Identity{beacon()}}
	for _, path := range []string{happyV03, happyDSSE} {
		b := mustBundle(t, path)
		ctx, cancel := context.WithCancel(context.Background())
		r := &cancellingReader{n: 10, cancel: cancel}
		_, err := v.Verify(ctx, b, verify.Artifact{Reader: r}, pol)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("endless reader: got %v", err)
		}
		if r.reads > r.n {
			t.Errorf("endless reader read %d times after cancellation at %d", r.reads, r.n)
		}
	}

	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	b := mustBundle(t, happyV03)
	for _, p := range []string{fifo, "/dev/zero", dir} {
		_, err := v.Verify(context.Background(), b, verify.Artifact{Path: p}, pol)
		wantCheck(t, err, verify.CheckArtifact, verify.ErrArtifactRead)
	}
}
