package verify_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	rekorutil "github.com/sigstore/rekor/pkg/util"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// signtestKey derives the signtest instance's key for label, as signtest
// does (sha256 of seed, label and a counter, as a P-256 scalar).
func signtestKey(seed, label string) *ecdsa.PrivateKey {
	for i := 0; ; i++ {
		sum := sha256.Sum256([]byte(seed + "\x00" + label + "\x00" + strconv.Itoa(i)))
		if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), sum[:]); err == nil {
			return k
		}
	}
}

// TestV2EntryUnderV1Checkpoint: a Rekor v2 entry of another signature,
// proved under a checkpoint of Rekor v1's form (origin "<host> - <tree
// ID>") that the v2 log's key signed, is refused. sigstore-go verifies
// such an entry as a Rekor v1 one (the proof of the entry's own body) and
// skips the Rekor v1 comparison of body and bundle (it is a v2 entry), so
// the entry was never bound to the bundle: before, verify accepted a
// bundle whose only log entry recorded another signature.
func TestV2EntryUnderV1Checkpoint(t *testing.T) {
	const seed = "v2 entry under v1 checkpoint"
	st, v := signtestVerifier(t, seed)
	id := signtest.Email("alice@example.com")
	art := []byte("artifact")
	a, err := st.SignBlob(id, art, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.SignBlob(id, []byte("another artifact"), signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var other *protorekor.TransparencyLogEntry
	mutate(t, b, func(pb *protobundle.Bundle) { other = proto.Clone(entry0(pb)).(*protorekor.TransparencyLogEntry) })
	signer, err := signature.LoadECDSASigner(signtestKey(seed, "rekor"), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	p := other.GetInclusionProof()
	v1cp, err := rekorutil.CreateAndSignCheckpoint(context.Background(), signtest.LogOrigin, 1, uint64(p.GetTreeSize()), p.GetRootHash(), signer)
	if err != nil {
		t.Fatal(err)
	}
	opts := verify.Options{TrustedRoot: st.TrustedRoot()}
	artF := func() verify.Artifact { return verify.Artifact{Digest: digestOf(art)} }
	// The bundle's own entry under a v1-form checkpoint of its tree.
	own := mutate(t, a, func(pb *protobundle.Bundle) {
		p := entry0(pb).GetInclusionProof()
		cp, err := rekorutil.CreateAndSignCheckpoint(context.Background(), signtest.LogOrigin, 1, uint64(p.GetTreeSize()), p.GetRootHash(), signer)
		if err != nil {
			t.Fatal(err)
		}
		p.Checkpoint.Envelope = string(cp)
	})
	swapped := mutate(t, a, func(pb *protobundle.Bundle) {
		e := proto.Clone(other).(*protorekor.TransparencyLogEntry)
		e.InclusionProof.Checkpoint.Envelope = string(v1cp)
		pb.VerificationMaterial.TlogEntries[0] = e
	})
	if err := sigstoreGoVerify(t, st, swapped, art); err != nil {
		t.Logf("sigstore-go alone now refuses the swapped entry: %v", err)
	}
	for name, bj := range map[string][]byte{"own entry": own, "another signature's entry": swapped} {
		_, err := parseAndVerify(v, bj, artF(), alice)
		wantCheck(t, err, verify.CheckTransparencyLog, verify.ErrTransparencyLog)
		agree(t, name, bj, artF, alice, opts)
	}
	// The same entry under its own (note) checkpoint is another
	// signature's: refused, as before.
	_, err = parseAndVerify(v, mutate(t, a, func(pb *protobundle.Bundle) {
		pb.VerificationMaterial.TlogEntries[0] = proto.Clone(other).(*protorekor.TransparencyLogEntry)
	}), artF(), alice)
	wantCheck(t, err, verify.CheckTransparencyLog, verify.ErrTransparencyLog)
}

type issueFunc func(crypto.PublicKey) ([]byte, error)

func (f issueFunc) GetCertificate(_ context.Context, kp sgsign.Keypair, _ *sgsign.CertificateProviderOptions) ([]byte, error) {
	return f(kp.GetPublicKey())
}

// mintWith signs artifact (a message signature; DSSE over stmt when
// dsse) with a fresh key of alg, certified by st for alice, logged in
// st's Rekor v1 log (v2 when v2) and timestamped by its TSA.
func mintWith(t testing.TB, st *signtest.Sigstore, srv *signtest.Server, alg protocommon.PublicKeyDetails, content sgsign.Content, v2, noTSA bool) []byte {
	t.Helper()
	kp, err := sgsign.NewEphemeralKeypair(&sgsign.EphemeralKeypairOptions{Algorithm: alg})
	if err != nil {
		t.Fatal(err)
	}
	id := signtest.Email("alice@example.com")
	bo := sgsign.BundleOptions{
		Context: context.Background(),
		CertificateProvider: issueFunc(func(pub crypto.PublicKey) ([]byte, error) {
			c, err := st.IssueCertificate(id, pub)
			if err != nil {
				return nil, err
			}
			return c[0].Raw, nil
		}),
		CertificateProviderOptions: &sgsign.CertificateProviderOptions{IDToken: "unused"},
	}
	if !noTSA {
		bo.TimestampAuthorities = []*sgsign.TimestampAuthority{sgsign.NewTimestampAuthority(&sgsign.TimestampAuthorityOptions{URL: srv.TSAURL()})}
	}
	ver := uint32(1)
	if v2 {
		ver = 2
	}
	bo.TransparencyLogs = []sgsign.Transparency{sgsign.NewRekor(&sgsign.RekorOptions{BaseURL: srv.URL, Version: ver})}
	pb, err := sgsign.Bundle(content, kp, bo)
	if err != nil {
		t.Fatal(err)
	}
	out, err := protojson.Marshal(pb)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDifferentialAlgorithms: keyless bundles signed with each key and
// hash sigstore-go signs with (P-256, P-384 and P-521 with their hashes,
// Ed25519ph, RSA 3072, and P-384 over SHA-256 as old clients did),
// logged in Rekor v1 (read by leanHashedRekord) or v2, with and without a
// timestamp, as v0.3 and as v0.2 (where sigstore-go also takes P-384 over
// SHA-256): verify's pipeline and sigstore-go agree on each, and on each
// with another artifact.
func TestDifferentialAlgorithms(t *testing.T) {
	st, _ := signtestVerifier(t, "algorithms")
	srv := st.Serve(t)
	art := []byte("artifact")
	opts := verify.Options{TrustedRoot: st.TrustedRoot()}
	artF := func() verify.Artifact { return verify.Artifact{Reader: bytes.NewReader(art)} }
	otherF := func() verify.Artifact { return verify.Artifact{Reader: strings.NewReader("other")} }
	const v02 = "application/vnd.dev.sigstore.bundle+json;version=0.2"
	for _, alg := range []protocommon.PublicKeyDetails{
		protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256,
		protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_384,
		protocommon.PublicKeyDetails_PKIX_ECDSA_P521_SHA_512,
		protocommon.PublicKeyDetails_PKIX_ED25519_PH,
		protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_3072_SHA256,
		protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_256, //nolint:staticcheck // old clients
	} {
		for _, v2 := range []bool{false, true} {
			if v2 && alg == protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_256 { //nolint:staticcheck
				continue // Rekor v2 refuses it
			}
			for _, noTSA := range []bool{false, true} {
				name := fmt.Sprintf("%s, rekor v2 %v, no timestamp %v", alg, v2, noTSA)
				bj := mintWith(t, st, srv, alg, &sgsign.PlainData{Data: art}, v2, noTSA)
				// Rekor v2 gives no signed time: without a timestamp the
				// bundle has none and is refused.
				if got, want := agree(t, name, bj, artF, alice, opts), !(v2 && noTSA); got != want {
					t.Errorf("%s: accepted %v, want %v", name, got, want)
				}
				agree(t, name+", other artifact", bj, otherF, alice, opts)
				asV02 := mutate(t, bj, func(pb *protobundle.Bundle) {
					pb.MediaType = v02
					c := pb.GetVerificationMaterial().GetCertificate()
					pb.VerificationMaterial.Content = &protobundle.VerificationMaterial_X509CertificateChain{X509CertificateChain: &protocommon.X509CertificateChain{Certificates: []*protocommon.X509Certificate{c}}}
				})
				agree(t, name+", v0.2", asV02, artF, alice, opts)
			}
		}
	}
}

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

// TestDSSEKeyID: an envelope signature whose keyid names another key
// than the one that verifies it is refused, as sigstore-go's envelope
// verifier (go-securesystemslib: a keyid other than the key's SHA-256
// fingerprint is skipped) refuses it; before, verify's pipeline ignored
// the keyid and accepted. An empty keyid or the key's own fingerprint
// verify.
func TestDSSEKeyID(t *testing.T) {
	st, v := signtestVerifier(t, "dsse keyid")
	art := []byte("artifact")
	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + digestOf(art)[len("sha256:"):] + `"}}],"predicateType":"https://example.com/p","predicate":{}}`)
	opts := verify.Options{TrustedRoot: st.TrustedRoot()}
	artF := func() verify.Artifact { return verify.Artifact{Digest: digestOf(art)} }
	for _, mo := range []signtest.MintOptions{{}, {RekorV1: true}} {
		bj, err := st.SignDSSE(signtest.Email("alice@example.com"), attest.PayloadType, stmt, mo)
		if err != nil {
			t.Fatal(err)
		}
		var leaf *x509.Certificate
		mutate(t, bj, func(pb *protobundle.Bundle) {
			if leaf, err = x509.ParseCertificate(pb.GetVerificationMaterial().GetCertificate().GetRawBytes()); err != nil {
				t.Fatal(err)
			}
		})
		own, err := ssldsse.SHA256KeyID(leaf.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		withKeyID := func(id string) []byte {
			return mutate(t, bj, func(pb *protobundle.Bundle) { pb.GetDsseEnvelope().Signatures[0].Keyid = id })
		}
		for _, id := range []string{"", own} {
			if !agree(t, fmt.Sprintf("rekor v1 %v, keyid %q", mo.RekorV1, id), withKeyID(id), artF, alice, opts) {
				t.Errorf("keyid %q refused", id)
			}
		}
		for _, id := range []string{"not-the-key", own + "x", "SHA256:" + strings.Repeat("A", 43)} {
			m := withKeyID(id)
			_, err := parseAndVerify(v, m, artF(), alice)
			wantCheck(t, err, verify.CheckSignature, verify.ErrSignature)
			agree(t, fmt.Sprintf("rekor v1 %v, keyid %q", mo.RekorV1, id), m, artF, alice, opts)
		}
	}
}

// TestSharedBundleRace: one parsed Bundle verified from many goroutines
// at once (run with -race): a Rekor v1 message signature (a lean entry),
// the same with its entry's promise past 2^53 so that verifySET takes
// sigstore-go's parse (logEntry.sigstore's sync.Once), and a Rekor v2 DSSE
// bundle (sigstore-go's VerifyTlogEntry over the lazily parsed entries).
func TestSharedBundleRace(t *testing.T) {
	st, v := signtestVerifier(t, "shared bundle")
	art := []byte("artifact")
	blob, err := st.SignBlob(signtest.Email("alice@example.com"), art, signtest.MintOptions{RekorV1: true})
	if err != nil {
		t.Fatal(err)
	}
	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + digestOf(art)[len("sha256:"):] + `"}}],"predicateType":"https://example.com/p","predicate":{}}`)
	env, err := st.SignDSSE(signtest.Email("alice@example.com"), attest.PayloadType, stmt, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bigIndex := mutate(t, blob, func(pb *protobundle.Bundle) { entry0(pb).LogIndex = 1 << 53 })
	for _, c := range []struct {
		name string
		bj   []byte
		ok   bool
	}{{"rekor v1 blob", blob, true}, {"rekor v1 blob, index 2^53", bigIndex, false}, {"rekor v2 dsse", env, true}} {
		b, err := verify.ParseBundle(c.bj)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = v.Verify(context.Background(), b, verify.Artifact{Digest: digestOf(art)}, alice)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if (err == nil) != c.ok {
				t.Errorf("%s: %v", c.name, err)
			}
		}
	}
}
