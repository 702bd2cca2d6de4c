package sign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// verifyRekorV1 checks a bundle with sigstore-go's verifier, with the Rekor
// v1 entry's integrated time as the only observer timestamp.
func verifyRekorV1(t *testing.T, tr root.TrustedMaterial, b interface{ Sigstore() *bundle.Bundle }, id signtest.Identity, art verify.ArtifactPolicyOption) error {
	t.Helper()
	v, err := verify.NewVerifier(tr, verify.WithTransparencyLog(1), verify.WithIntegratedTimestamps(1), verify.WithSignedCertificateTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	ci, err := verify.NewShortCertificateIdentity(id.Issuer, "", id.Subject, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(b.Sigstore(), verify.NewPolicy(art, verify.WithCertificateIdentity(ci)))
	return err
}

// TestKeylessRekorV1 signs through sigstore-go's Rekor v1 client against
// signtest's Rekor v1 API on loopback, without a TSA: the integrated time
// is the signing time (verify-after-sign is on).
func TestKeylessRekorV1(t *testing.T) {
	e := newEnv(t)
	artifact := []byte("hello, world\n")
	sum := sha256.Sum256(artifact)
	for _, id := range []signtest.Identity{signtest.Email("alice@example.com"), signtest.GitHub(gh)} {
		for _, tc := range []struct {
			name    string
			content func() sign.Content
			art     func() verify.ArtifactPolicyOption
			kind    string
		}{
			{"blob", func() sign.Content { return sign.Blob(bytes.NewReader(artifact)) }, func() verify.ArtifactPolicyOption { return verify.WithArtifact(bytes.NewReader(artifact)) }, "hashedrekord"},
			{"digest", func() sign.Content { return sign.Digest(crypto.SHA256, sum[:]) }, func() verify.ArtifactPolicyOption { return verify.WithArtifactDigest("sha256", sum[:]) }, "hashedrekord"},
			{"statement", func() sign.Content { return sign.Statement(statement) }, verify.WithoutArtifactUnsafe, "dsse"},
		} {
			t.Run(id.Subject+"/"+tc.name, func(t *testing.T) {
				o := e.opts()
				signer := e.signer(id)
				o.Services = sign.Services{Fulcio: e.srv.URL, Rekor: []sign.Log{{URL: e.srv.URL, Version: 1}}}
				b, err := sign.Sign(context.Background(), tc.content(), signer, o)
				if err != nil {
					t.Fatal(err)
				}
				entries := b.Proto().GetVerificationMaterial().GetTlogEntries()
				if len(entries) != 1 {
					t.Fatalf("%d log entries", len(entries))
				}
				le := entries[0]
				if le.GetKindVersion().GetKind() != tc.kind || le.GetKindVersion().GetVersion() != "0.0.1" ||
					le.GetIntegratedTime() != e.st.Now().Unix() || len(le.GetInclusionPromise().GetSignedEntryTimestamp()) == 0 ||
					le.GetInclusionProof().GetCheckpoint().GetEnvelope() == "" || !bytes.Equal(le.GetLogId().GetKeyId(), e.st.LogV1ID()) {
					t.Errorf("log entry = %v", le)
				}
				if n := len(b.Proto().GetVerificationMaterial().GetTimestampVerificationData().GetRfc3161Timestamps()); n != 0 {
					t.Errorf("%d RFC 3161 timestamps, want none", n)
				}
				if err := verifyRekorV1(t, e.st.SigstoreTrustedRoot(), b, id, tc.art()); err != nil {
					t.Fatalf("independent verification: %v", err)
				}
				if err := verifyRekorV1(t, e.st.SigstoreTrustedRoot(), b, signtest.Email("mallory@example.com"), tc.art()); err == nil {
					t.Error("wrong identity accepted")
				}
				if tc.kind == "hashedrekord" {
					if err := verifyRekorV1(t, e.st.SigstoreTrustedRoot(), b, id, verify.WithArtifact(strings.NewReader("tampered"))); err == nil {
						t.Error("tampered artifact accepted")
					}
				}
			})
		}
	}
}

// TestRekorV1WithTSA logs in Rekor v1 and timestamps with the TSA: both
// observer timestamps verify.
func TestRekorV1WithTSA(t *testing.T) {
	e := newEnv(t)
	id := signtest.Email("alice@example.com")
	o := e.opts()
	signer := e.signer(id)
	o.Services.Rekor = []sign.Log{{URL: e.srv.URL, Version: 1}}
	b, err := sign.Sign(context.Background(), sign.Statement(statement), signer, o)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.NewVerifier(e.st.SigstoreTrustedRoot(), verify.WithTransparencyLog(1), verify.WithIntegratedTimestamps(1), verify.WithSignedTimestamps(1), verify.WithSignedCertificateTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	ci, _ := verify.NewShortCertificateIdentity(id.Issuer, "", id.Subject, "")
	res, err := v.Verify(b.Sigstore(), verify.NewPolicy(verify.WithoutArtifactUnsafe(), verify.WithCertificateIdentity(ci)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.VerifiedTimestamps) != 2 {
		t.Errorf("timestamps = %+v, want the integrated time and the TSA's", res.VerifiedTimestamps)
	}
}

// TestKeyBasedRekorV1 logs a key-based signature (hashedrekord with the
// public key) in Rekor v1.
func TestKeyBasedRekorV1(t *testing.T) {
	e := newEnv(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer := sign.Key(key)
	o := sign.Options{Services: sign.Services{Rekor: []sign.Log{{URL: e.srv.URL, Version: 1}}}, TrustedRoot: e.st.TrustedRoot()}
	for name, c := range map[string]sign.Content{"blob": sign.Blob(strings.NewReader("artifact")), "statement": sign.Statement(statement)} {
		b, err := sign.Sign(context.Background(), c, signer, o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if le := b.Proto().GetVerificationMaterial().GetTlogEntries(); len(le) != 1 || le[0].GetIntegratedTime() == 0 {
			t.Errorf("%s: log entries = %v", name, le)
		}
	}
}
