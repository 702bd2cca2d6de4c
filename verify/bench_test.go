package verify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
	merkleproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/chainproof/chainproof/verify"
)

// BenchmarkBytesToVerified compares, on the conformance happy-path v0.3
// bundle (public-good, embedded root), bundle bytes -> verified result
// through this package against parsing plus sigstore-go's Verifier.Verify
// with the same checks, and the crypto floor measured in the same run.
func BenchmarkBytesToVerified(b *testing.B) {
	data, err := os.ReadFile(happyV03)
	if err != nil {
		b.Fatal(err)
	}
	art, _ := os.ReadFile(defaultArt.Path)
	v := publicGood(b)
	tr, _ := verify.PublicGood()
	pol := verify.Policy{Identities: []verify.Identity{beacon()}}
	ctx := context.Background()

	b.Run("chainproof", func(b *testing.B) {
		for b.Loop() {
			bu, err := verify.ParseBundle(data)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Verify(ctx, bu, verify.Artifact{Reader: bytes.NewReader(art)}, pol); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sigstore-go", func(b *testing.B) {
		id, err := sgverify.NewShortCertificateIdentity(beaconIssuer, "", beaconSAN, "")
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			var bu bundle.Bundle
			if err := bu.UnmarshalJSON(data); err != nil {
				b.Fatal(err)
			}
			sv, err := sgverify.NewVerifier(tr.Material(), sgverify.WithTransparencyLog(1),
				sgverify.WithIntegratedTimestamps(1), sgverify.WithSignedCertificateTimestamps(1))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := sv.Verify(&bu, sgverify.NewPolicy(sgverify.WithArtifact(bytes.NewReader(art)), sgverify.WithCertificateIdentity(id))); err != nil {
				b.Fatal(err)
			}
		}
	})

	// The crypto floor: each unavoidable check once, with pools and keys
	// prepared outside the loop.
	var sb bundle.Bundle
	if err := sb.UnmarshalJSON(data); err != nil {
		b.Fatal(err)
	}
	vc, _ := sb.VerificationContent()
	leaf := vc.Certificate()
	entries, _ := sb.TlogEntries()
	entry := entries[0]
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range tr.Material().FulcioCertificateAuthorities() {
		f := c.(*root.FulcioCertificateAuthority)
		roots.AddCert(f.Root)
		for _, i := range f.Intermediates {
			inters.AddCert(i)
		}
	}
	at := entry.IntegratedTime()
	chainOpts := x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
	chains, err := leaf.Verify(chainOpts)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256(art)
	sig := sb.GetMessageSignature().GetSignature()
	logs := tr.Material().RekorLogs()
	tl := logs[hex.EncodeToString([]byte(entry.LogKeyID()))]
	logVerifier, err := signature.LoadVerifier(tl.PublicKey, tl.SignatureHashFunc)
	if err != nil {
		b.Fatal(err)
	}
	floor := map[string]func(){
		"cert-chain": func() {
			if _, err := leaf.Verify(chainOpts); err != nil {
				b.Fatal(err)
			}
		},
		"artifact-signature": func() {
			h := sha256.Sum256(art)
			if !ecdsa.VerifyASN1(leaf.PublicKey.(*ecdsa.PublicKey), h[:], sig) || h != digest {
				b.Fatal("signature")
			}
		},
		"set": func() {
			if err := tlog.VerifySET(entry, logs); err != nil {
				b.Fatal(err)
			}
		},
		"checkpoint+inclusion-proof": func() {
			if err := tlog.VerifyInclusion(entry, logVerifier); err != nil {
				b.Fatal(err)
			}
		},
		"sct": func() {
			if err := sgverify.VerifySignedCertificateTimestamp(chains, 1, tr.Material()); err != nil {
				b.Fatal(err)
			}
		},
	}
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			for _, f := range floor {
				f()
			}
		}
	})
	// The leaf's signature by the intermediate alone: the chain's share
	// of floor B.
	issuer := chains[0][1]
	floor["leaf-by-intermediate"] = func() {
		if err := leaf.CheckSignatureFrom(issuer); err != nil {
			b.Fatal(err)
		}
	}
	// Floor B: the unavoidable work once the trusted intermediate has been
	// verified by its root (once per trusted root, outside the loop), in
	// raw crypto: the leaf's signature by the intermediate, the embedded
	// SCT's signature over the precertificate, the SET and the checkpoint
	// signature with the Merkle inclusion proof, the artifact signature.
	floorB := rawFloorB(b, &sb, leaf, chains[0][1], tr.Material(), art)
	b.Run("floorB", func(b *testing.B) {
		for b.Loop() {
			floorB()
		}
	})
	// The ratio, from chainproof and floor B run alternately in one loop
	// (so that a busy machine slows both alike).
	b.Run("chainproof-vs-floorB", func(b *testing.B) {
		var cp, fl time.Duration
		for b.Loop() {
			t0 := time.Now()
			bu, err := verify.ParseBundle(data)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Verify(ctx, bu, verify.Artifact{Reader: bytes.NewReader(art)}, pol); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			floorB()
			cp, fl = cp+t1.Sub(t0), fl+time.Since(t1)
		}
		b.ReportMetric(float64(cp.Microseconds())/float64(b.N), "chainproof-us")
		b.ReportMetric(float64(fl.Microseconds())/float64(b.N), "floorB-us")
		b.ReportMetric(float64(cp)/float64(fl), "x-floorB")
	})
	for _, name := range []string{"cert-chain", "leaf-by-intermediate", "artifact-signature", "set", "checkpoint+inclusion-proof", "sct"} {
		b.Run("floor/"+name, func(b *testing.B) {
			for b.Loop() {
				floor[name]()
			}
		})
	}
}

// BenchmarkThousand verifies 1,000 public-good bundles (the four happy-path
// conformance bundles over a.txt, cycled) against one Verifier,
// sequentially and with GOMAXPROCS workers. One op = 1,000 verifications.
func BenchmarkThousand(b *testing.B) {
	var raw [][]byte
	for _, c := range []string{"happy-path-v0.1", "happy-path-v0.2", "happy-path-v0.3", "happy-path-intoto-in-dsse-v3"} {
		d, err := os.ReadFile(filepath.Join(casesDir, c, "bundle.sigstore.json"))
		if err != nil {
			b.Fatal(err)
		}
		raw = append(raw, d)
	}
	const n = 1000
	v := publicGood(b)
	pol := verify.Policy{Identities: []verify.Identity{beacon()}}
	art := verify.Artifact{Digest: fileDigest(b, defaultArt.Path)}
	one := func(i int) {
		bu, err := verify.ParseBundle(raw[i%len(raw)])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), bu, art, pol); err != nil {
			b.Fatal(err)
		}
	}
	sequential := func() {
		for i := 0; i < n; i++ {
			one(i)
		}
	}
	workers := runtime.GOMAXPROCS(0)
	parallel := func() {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					one(i)
				}
			}()
		}
		wg.Wait()
	}
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			sequential()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportMetric(float64(workers), "workers")
		for b.Loop() {
			parallel()
		}
	})
	// The speed-up, both timed alternately in one loop so that the
	// machine's other work weighs on both alike.
	b.Run("speedup", func(b *testing.B) {
		var seq, par time.Duration
		for b.Loop() {
			t0 := time.Now()
			sequential()
			t1 := time.Now()
			parallel()
			seq, par = seq+t1.Sub(t0), par+time.Since(t1)
		}
		b.ReportMetric(float64(workers), "workers")
		b.ReportMetric(float64(seq.Milliseconds())/float64(b.N), "sequential-ms")
		b.ReportMetric(float64(par.Milliseconds())/float64(b.N), "parallel-ms")
		b.ReportMetric(float64(seq)/float64(par), "x-speedup")
	})
}

// largeAttestation mints, with sigstore-go's VirtualSigstore, a DSSE
// bundle whose SLSA-typed statement carries a predicate of about size
// bytes, plus a GitHub-style (timestamp-only) trusted root for it.
func largeAttestation(tb testing.TB, size int, artifact []byte) (bundleJSON []byte, tr *verify.TrustedRoot) {
	tb.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		tb.Fatal(err)
	}
	d := sha256.Sum256(artifact)
	var st bytes.Buffer
	fmt.Fprintf(&st, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"%x"}}],"predicateType":"https://example.com/big/v1","predicate":{"blob":"`, d)
	st.WriteString(strings.Repeat("x", size))
	st.WriteString(`"}}`)
	ent, err := vs.Attest("someone@example.com", "https://issuer.example", st.Bytes())
	if err != nil {
		tb.Fatal(err)
	}
	vc, _ := ent.VerificationContent()
	sc, _ := ent.SignatureContent()
	env := sc.EnvelopeContent().RawEnvelope()
	payload, _ := base64.StdEncoding.DecodeString(env.Payload)
	sigBytes, _ := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	tss, _ := ent.Timestamps()
	pb := &protobundle.Bundle{
		MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content:                   &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: vc.Certificate().Raw}},
			TimestampVerificationData: &protobundle.TimestampVerificationData{Rfc3161Timestamps: []*protocommon.RFC3161SignedTimestamp{{SignedTimestamp: tss[0]}}},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload: payload, PayloadType: env.PayloadType,
			Signatures: []*protodsse.Signature{{Sig: sigBytes}},
		}},
	}
	bundleJSON, err = protojson.Marshal(pb)
	if err != nil {
		tb.Fatal(err)
	}
	trJSON, err := json.Marshal(mustTrustedRoot(tb, vs))
	if err != nil {
		tb.Fatal(err)
	}
	tr, err = verify.ParseGitHubTrustedRoot(trJSON, "virtual sigstore (timestamp-only)")
	if err != nil {
		tb.Fatal(err)
	}
	return bundleJSON, tr
}

func mustTrustedRoot(tb testing.TB, vs *ca.VirtualSigstore) *root.TrustedRoot {
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, vs.FulcioCertificateAuthorities(), nil, vs.TimestampingAuthorities(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// TestTimestampOnlyProfile: a GitHub-style (TSA-only, no log) bundle
// verifies under ProfileTimestampOnly and not under the default profile.
func TestTimestampOnlyProfile(t *testing.T) {
	art := []byte("artifact")
	bj, tr := largeAttestation(t, 10, art)
	v, _ := verify.New(verify.Options{TrustedRoot: tr})
	b, err := verify.ParseBundle(bj)
	if err != nil {
		t.Fatal(err)
	}
	pol := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact("https://issuer.example"), SAN: verify.Exact("someone@example.com")}}}
	res, err := v.Verify(context.Background(), b, verify.Artifact{Reader: bytes.NewReader(art)}, pol)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Timestamps) != 1 || res.Timestamps[0].Kind != "tsa" || len(res.LogEntries) != 0 {
		t.Fatalf("timestamps %+v entries %+v", res.Timestamps, res.LogEntries)
	}
	if _, err := v.Verify(context.Background(), b, verify.Artifact{Reader: strings.NewReader("other")}, pol); err == nil {
		t.Fatal("wrong artifact verified")
	}
	// The same root under the default profile has no log: refused.
	raw, _ := json.Marshal(tr.Material())
	if _, err := verify.ParseTrustedRoot(raw, "x"); err == nil {
		t.Fatal("default profile accepted a root without logs")
	}
}

// BenchmarkLargePredicateHeap reports the peak heap while reading and
// verifying an attestation bundle with a 50 MB predicate, relative to the
// payload size (goal: at most 3x).
func BenchmarkLargePredicateHeap(b *testing.B) {
	const size = 50 << 20
	art := []byte("artifact")
	bj, tr := largeAttestation(b, size, art)
	path := filepath.Join(b.TempDir(), "big.sigstore.json")
	if err := os.WriteFile(path, bj, 0o600); err != nil {
		b.Fatal(err)
	}
	bj = nil
	v, _ := verify.New(verify.Options{TrustedRoot: tr})
	pol := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact("https://issuer.example"), SAN: verify.Exact("someone@example.com")}}}
	var peak uint64
	for b.Loop() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		stop := make(chan struct{})
		done := make(chan uint64)
		go func() {
			var max uint64
			var m runtime.MemStats
			t := time.NewTicker(2 * time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > max {
					max = m.HeapAlloc
				}
				select {
				case <-stop:
					done <- max
					return
				case <-t.C:
				}
			}
		}()
		bu, err := verify.ReadBundleFile(path)
		if err != nil {
			b.Fatal(err)
		}
		res, err := v.Verify(context.Background(), bu, verify.Artifact{Reader: bytes.NewReader(art)}, pol)
		if err != nil {
			b.Fatal(err)
		}
		runtime.KeepAlive(res)
		close(stop)
		if p := <-done - base; p > peak {
			peak = p
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peak)/float64(size), "x-payload")
}

// TestLargeAttestation: an attestation above the size from which the DSSE
// payload is decoded directly verifies, returns its whole predicate, and is
// still checked against the artifact and its signature.
func TestLargeAttestation(t *testing.T) {
	art := []byte("artifact")
	bj, tr := largeAttestation(t, 2<<20, art)
	v, _ := verify.New(verify.Options{TrustedRoot: tr})
	pol := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact("https://issuer.example"), SAN: verify.Exact("someone@example.com")}}}
	b, err := verify.ParseBundle(bj)
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(context.Background(), b, verify.Artifact{Reader: bytes.NewReader(art)}, pol)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Statement.Predicate); n < 2<<20 || res.Statement.PredicateType != "https://example.com/big/v1" {
		t.Fatalf("predicate of %d bytes, type %q", n, res.Statement.PredicateType)
	}
	_, err = v.Verify(context.Background(), b, verify.Artifact{Reader: strings.NewReader("other")}, pol)
	if e, ok := err.(*verify.Error); !ok || e.Check != verify.CheckArtifact || !errors.Is(err, verify.ErrArtifact) {
		t.Fatalf("wrong artifact: %v", err)
	}
	// One flipped byte in the predicate: the signature no longer verifies.
	i := bytes.Index(bj, []byte("eHh4eHh4")) // base64 of "xxxxxx"
	bad := append([]byte{}, bj...)
	bad[i] = 'f'
	b, err = verify.ParseBundle(bad)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), b, verify.Artifact{Reader: bytes.NewReader(art)}, pol)
	if e, ok := err.(*verify.Error); !ok || e.Check != verify.CheckSignature || !errors.Is(err, verify.ErrSignature) {
		t.Fatalf("flipped predicate byte: %v", err)
	}
}

// TestConcurrentVerify: parsed bundles (with their shared, parsed log
// entries) verified from several goroutines at once; run with -race.
func TestConcurrentVerify(t *testing.T) {
	v := publicGood(t)
	pol := verify.Policy{Identities: []verify.Identity{beacon()}}
	art := verify.Artifact{Digest: fileDigest(t, defaultArt.Path)}
	var bs []*verify.Bundle
	for _, c := range []string{"happy-path-v0.1", "happy-path-v0.2", "happy-path-v0.3", "happy-path-intoto-in-dsse-v3"} {
		b, err := verify.ReadBundleFile(filepath.Join(casesDir, c, "bundle.sigstore.json"))
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(bs))
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range bs {
				if _, err := v.Verify(context.Background(), b, art, pol); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// hostileCheckpointLines is how many times BenchmarkHostileRefused repeats
// the checkpoint signature line (issue 10's bundle: before the fix,
// verifying it took 74 s of CPU).
const hostileCheckpointLines = 1_000_000

// BenchmarkHostileRefused measures refusing the two hostile bundles of
// issue 10: the public-good bundle with its checkpoint signature line
// repeated 10^6 times, and the DSSE bundle with 1.2 million envelope
// signatures (about 108 MB). It reports the peak live heap above the
// input (peak-heap-B) and the bytes allocated per refusal.
func BenchmarkHostileRefused(b *testing.B) {
	for _, c := range []struct {
		name string
		data func(testing.TB) []byte
	}{
		{"checkpoint-1e6-lines", func(tb testing.TB) []byte { return repeatedCheckpointBundle(tb, hostileCheckpointLines) }},
		{"dsse-1.2e6-signatures", func(tb testing.TB) []byte { return manySignaturesBundle(tb, 1_200_000) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			data := c.data(b)
			b.SetBytes(int64(len(data)))
			ctx := context.Background()
			var peak uint64
			b.ResetTimer()
			for b.Loop() {
				p, _ := peakHeap(func() {
					if err := refuse(ctx, data); err == nil || err.Error() == "verified" {
						b.Fatal("not refused:", err)
					}
				})
				peak = max(peak, p)
			}
			b.ReportMetric(float64(peak), "peak-heap-B")
		})
	}
}

// rawFloorB returns floor B for the message-signature bundle sb signed by
// leaf, whose issuer is inter (see BenchmarkBytesToVerified): each call
// checks, with crypto/ecdsa, hashing and cryptobyte only (the SCT through
// verifySCTs), what no verifier can skip.
func rawFloorB(tb testing.TB, sb *bundle.Bundle, leaf, inter *x509.Certificate, tm root.TrustedMaterial, art []byte) func() {
	tb.Helper()
	entry := sb.GetVerificationMaterial().GetTlogEntries()[0]
	logKey := tm.RekorLogs()[hex.EncodeToString(entry.GetLogId().GetKeyId())].PublicKey.(*ecdsa.PublicKey)
	sig := sb.GetMessageSignature().GetSignature()
	set := entry.GetInclusionPromise().GetSignedEntryTimestamp()
	proof := entry.GetInclusionProof()
	env := proof.GetCheckpoint().GetEnvelope()
	text, sigLine, _ := strings.Cut(env, "\n\n")
	chain := [][]*x509.Certificate{{leaf, inter}}
	ctlogs := tm.CTLogs()
	check := func(ok bool, what string) {
		if !ok {
			tb.Fatal("floor B:", what)
		}
	}
	return func() {
		// The leaf's signature by the intermediate, and its validity.
		check(leaf.CheckSignatureFrom(inter) == nil, "leaf signature")
		// The embedded SCT: signed over the precertificate TBS (the leaf's
		// TBS without the SCT list) and the issuer's key hash, checked by
		// the production code (verifySCTs: cryptobyte and crypto/ecdsa).
		check(verify.VerifySCTs(chain, 1, ctlogs) == nil, "sct")
		// The SET: the log's signature over the canonical JSON of the entry.
		payload := fmt.Sprintf(`{"body":%q,"integratedTime":%d,"logID":%q,"logIndex":%d}`,
			base64.StdEncoding.EncodeToString(entry.GetCanonicalizedBody()), entry.GetIntegratedTime(),
			hex.EncodeToString(entry.GetLogId().GetKeyId()), entry.GetLogIndex())
		h := sha256.Sum256([]byte(payload))
		check(ecdsa.VerifyASN1(logKey, h[:], set), "set")
		// The checkpoint's signature, and the inclusion proof of the
		// entry's leaf hash up to the checkpoint's root hash.
		_, b64, _ := strings.Cut(strings.TrimSuffix(sigLine, "\n")[len("\u2014 "):], " ")
		raw, err := base64.StdEncoding.DecodeString(b64)
		check(err == nil && len(raw) > 4, "checkpoint signature line")
		h = sha256.Sum256([]byte(text + "\n"))
		check(ecdsa.VerifyASN1(logKey, h[:], raw[4:]), "checkpoint signature")
		lh := rfc6962.DefaultHasher.HashLeaf(entry.GetCanonicalizedBody())
		check(merkleproof.VerifyInclusion(rfc6962.DefaultHasher, uint64(proof.GetLogIndex()), uint64(proof.GetTreeSize()), lh, proof.GetHashes(), proof.GetRootHash()) == nil, "inclusion proof")
		// The artifact's signature.
		h = sha256.Sum256(art)
		check(ecdsa.VerifyASN1(leaf.PublicKey.(*ecdsa.PublicKey), h[:], sig), "artifact signature")
	}
}

// TestSigstoreBundle: ParseBundle has sigstore-go check the bundle's
// shape without parsing its log entries a second time; Sigstore() still
// returns the bundle as bundle.NewBundle makes it.
func TestSigstoreBundle(t *testing.T) {
	for _, c := range []struct {
		name           string
		promise, proof bool
	}{
		{"happy-path-v0.1", true, true},
		{"happy-path-v0.3", true, true},
		{"rekor2-happy-path", false, true},
	} {
		b, err := verify.ReadBundleFile(filepath.Join(casesDir, c.name, "bundle.sigstore.json"))
		if err != nil {
			t.Fatal(err)
		}
		sb := b.Sigstore()
		if sb.HasInclusionPromise() != c.promise || sb.HasInclusionProof() != c.proof || sb != b.Sigstore() {
			t.Errorf("%s: promise %v, proof %v", c.name, sb.HasInclusionPromise(), sb.HasInclusionProof())
		}
	}
}

// BenchmarkImportCost measures what importing this package adds to a
// program's start: two programs are built, one that imports verify and
// does nothing else, one that imports nothing, and each op starts both
// (alternately). It reports both start times and the difference, and logs
// the package initializations that cost the most (GODEBUG=inittrace=1).
func BenchmarkImportCost(b *testing.B) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	dir := b.TempDir()
	progs := map[string]string{
		"with":    "package main\n\nimport _ \"github.com/chainproof/chainproof/verify\"\n\nfunc main() {}\n",
		"without": "package main\n\nfunc main() {}\n",
	}
	for name, src := range progs {
		path := filepath.Join(dir, name+".go")
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			b.Fatal(err)
		}
		// Built from this directory, inside the module.
		if out, err := exec.Command(gobin, "build", "-o", filepath.Join(dir, name), path).CombinedOutput(); err != nil {
			b.Fatalf("build %s: %v\n%s", name, err, out)
		}
	}
	start := func(name string) time.Duration {
		t0 := time.Now()
		if err := exec.Command(filepath.Join(dir, name)).Run(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var with, without time.Duration
	for b.Loop() {
		without += start("without")
		with += start("with")
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(b.N) / 1e6 }
	b.ReportMetric(ms(with), "with-ms")
	b.ReportMetric(ms(without), "without-ms")
	b.ReportMetric(ms(with-without), "added-ms")

	// Which initializations cost it: "init PKG @T ms, D ms clock, ...".
	cmd := exec.Command(filepath.Join(dir, "with"))
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatal(err)
	}
	type cost struct {
		pkg string
		ms  float64
	}
	var costs []cost
	var total float64
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != "init" {
			continue
		}
		var d float64
		if _, err := fmt.Sscan(f[4], &d); err == nil {
			costs = append(costs, cost{f[1], d})
			total += d
		}
	}
	sort.Slice(costs, func(i, j int) bool { return costs[i].ms > costs[j].ms })
	b.ReportMetric(total, "init-ms")
	for _, c := range costs[:min(8, len(costs))] {
		b.Logf("init %-60s %5.2f ms", c.pkg, c.ms)
	}
}
