package sign_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chainproof/chainproof/internal/sigstoretest"
	"github.com/chainproof/chainproof/sign"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// TestLocalSigstore signs keylessly against the real local stack (Fulcio,
// Rekor v2, timestamp-authority, CT log) for an email and a GitHub-workflow
// identity, blob and DSSE, and checks the bundles with sigstore-go's
// verifier: the right identity verifies; a wrong identity and a tampered
// artifact are refused. Skipped when the stack is not running.
func TestLocalSigstore(t *testing.T) {
	s := sigstoretest.Local(t)
	tr := s.TrustedRoot(t)
	services, err := sign.ServicesFromSigningConfig(s.SigningConfig(t), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	claims := sigstoretest.GitHubClaims{Repository: "chainproof/chainproof", Ref: "refs/tags/v1.2.3", EventName: "release"}
	artifact := []byte("chainproof sign: local sigstore integration\n")
	sum := sha256.Sum256(artifact)
	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"artifact.txt","digest":{"sha256":"` +
		hex.EncodeToString(sum[:]) + `"}}],"predicateType":"https://example.com/predicate/v1","predicate":{}}`)

	type ident struct {
		name, issuer, san string
		token             func() string
		ext               certificate.Extensions
	}
	idents := []ident{
		{"email", s.OIDCIssuerURL, "alice@example.com", func() string { return s.EmailToken(t, "alice@example.com") }, certificate.Extensions{}},
		{"github", s.GitHubIssuerURL, claims.SAN(), func() string { return s.GitHubToken(t, claims) },
			certificate.Extensions{SourceRepositoryURI: "https://github.com/chainproof/chainproof", SourceRepositoryRef: "refs/tags/v1.2.3", BuildTrigger: "release"}},
	}
	v, err := verify.NewVerifier(tr, verify.WithTransparencyLog(1), verify.WithSignedTimestamps(1), verify.WithSignedCertificateTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, b interface{ Sigstore() *bundle.Bundle }, art verify.ArtifactPolicyOption, issuer, san string, ext certificate.Extensions) error {
		t.Helper()
		sanM, _ := verify.NewSANMatcher(san, "")
		issM, _ := verify.NewIssuerMatcher(issuer, "")
		ci, err := verify.NewCertificateIdentity(sanM, issM, ext)
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(b.Sigstore(), verify.NewPolicy(art, verify.WithCertificateIdentity(ci)))
		return err
	}
	for _, id := range idents {
		for _, kind := range []string{"blob", "dsse"} {
			t.Run(id.name+"/"+kind, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				content := sign.Blob(bytes.NewReader(artifact))
				if kind == "dsse" {
					content = sign.Statement(stmt)
				}
				b, err := sign.Sign(ctx, content, sign.Keyless(sign.StaticToken(id.token())), sign.Options{Services: services, TrustedRoot: s.VerifyRoot(t)})
				if err != nil {
					t.Fatalf("sign: %v", err)
				}
				art := verify.WithArtifact(bytes.NewReader(artifact))
				if err := check(t, b, art, id.issuer, id.san, id.ext); err != nil {
					t.Fatalf("verify: %v", err)
				}
				var idErr *verify.ErrNoMatchingCertificateIdentity
				err = check(t, b, verify.WithArtifact(bytes.NewReader(artifact)), id.issuer, "mallory@example.com", certificate.Extensions{})
				if !errors.As(err, &idErr) {
					t.Errorf("wrong identity: err = %v, want ErrNoMatchingCertificateIdentity", err)
				}
				err = check(t, b, verify.WithArtifact(strings.NewReader("tampered")), id.issuer, id.san, id.ext)
				if err == nil || errors.As(err, &idErr) {
					t.Errorf("tampered artifact: err = %v, want an artifact failure", err)
				}
			})
		}
	}

	// An expired token is refused before any network call.
	_, err = sign.Sign(context.Background(), sign.Blob(bytes.NewReader(artifact)),
		sign.Keyless(sign.StaticToken(s.ExpiredEmailToken(t, "alice@example.com"))), sign.Options{Services: services, TrustedRoot: s.VerifyRoot(t)})
	if !errors.Is(err, sign.ErrTokenExpired) {
		t.Errorf("expired token: err = %v, want ErrTokenExpired", err)
	}
}
