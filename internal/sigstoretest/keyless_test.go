package sigstoretest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/chainproof/chainproof/internal/sigstoretest"
)

// signWith signs content keylessly against the local stack with sigstore-go
// directly: Fulcio certificate, Rekor v2 entry, RFC 3161 timestamp.
func signWith(t *testing.T, s *sigstoretest.Stack, tr root.TrustedMaterial, token string, content sign.Content) (*bundle.Bundle, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := sign.Bundle(content, kp, sign.BundleOptions{
		CertificateProvider:        sign.NewFulcio(&sign.FulcioOptions{BaseURL: s.FulcioURL}),
		CertificateProviderOptions: &sign.CertificateProviderOptions{IDToken: token},
		TransparencyLogs:           []sign.Transparency{sign.NewRekor(&sign.RekorOptions{BaseURL: s.RekorURL, Version: 2})},
		TimestampAuthorities:       []*sign.TimestampAuthority{sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: s.TSAURL})},
		TrustedRoot:                tr,
		Context:                    ctx,
	})
	if err != nil {
		return nil, err
	}
	// Round-trip through the bundle JSON, as a user would store it.
	js, err := protojson.Marshal(pb)
	if err != nil {
		t.Fatal(err)
	}
	var b bundle.Bundle
	b.Bundle = new(protobundle.Bundle)
	if err := b.UnmarshalJSON(js); err != nil {
		t.Fatalf("bundle JSON does not parse back: %v", err)
	}
	return &b, nil
}

func verifier(t *testing.T, tr root.TrustedMaterial) *verify.Verifier {
	t.Helper()
	v, err := verify.NewVerifier(tr,
		verify.WithTransparencyLog(1),
		verify.WithSignedTimestamps(1),
		verify.WithSignedCertificateTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func identity(t *testing.T, issuer, san string) verify.PolicyOption {
	t.Helper()
	id, err := verify.NewShortCertificateIdentity(issuer, "", san, "")
	if err != nil {
		t.Fatal(err)
	}
	return verify.WithCertificateIdentity(id)
}

// checkRefusals shows a wrong SAN and a tampered artifact are refused.
func checkRefusals(t *testing.T, v *verify.Verifier, b *bundle.Bundle, artifact []byte, issuer, san string) {
	t.Helper()
	_, err := v.Verify(b, verify.NewPolicy(verify.WithArtifact(bytes.NewReader(artifact)),
		identity(t, issuer, "mallory@example.com")))
	var idErr *verify.ErrNoMatchingCertificateIdentity
	if !errors.As(err, &idErr) {
		t.Errorf("wrong SAN: got %v, want ErrNoMatchingCertificateIdentity", err)
	}
	_, err = v.Verify(b, verify.NewPolicy(verify.WithArtifact(bytes.NewReader(artifact)),
		identity(t, "http://127.0.0.1:1/not-the-issuer", san)))
	if !errors.As(err, &idErr) {
		t.Errorf("wrong issuer: got %v, want ErrNoMatchingCertificateIdentity", err)
	}
	tampered := bytes.Clone(artifact)
	tampered[0] ^= 1
	_, err = v.Verify(b, verify.NewPolicy(verify.WithArtifact(bytes.NewReader(tampered)), identity(t, issuer, san)))
	if err == nil || errors.As(err, &idErr) {
		t.Errorf("tampered artifact: got %v, want an artifact/signature failure", err)
	}
}

func TestKeylessEmail(t *testing.T) {
	s := sigstoretest.Local(t)
	tr := s.TrustedRoot(t)
	const email = "alice@example.com"
	artifact := []byte("chainproof local sigstore: email identity\n")

	b, err := signWith(t, s, tr, s.EmailToken(t, email), &sign.PlainData{Data: artifact})
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	v := verifier(t, tr)
	res, err := v.Verify(b, verify.NewPolicy(verify.WithArtifact(bytes.NewReader(artifact)), identity(t, s.OIDCIssuerURL, email)))
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if got := res.Signature.Certificate.SubjectAlternativeName; got != email {
		t.Errorf("SAN = %q, want %q", got, email)
	}
	if got := res.Signature.Certificate.Issuer; got != s.OIDCIssuerURL {
		t.Errorf("issuer extension = %q, want %q", got, s.OIDCIssuerURL)
	}
	if len(res.VerifiedTimestamps) == 0 {
		t.Error("no verified timestamps")
	}
	checkRefusals(t, v, b, artifact, s.OIDCIssuerURL, email)
}

func TestKeylessGitHubWorkflowDSSE(t *testing.T) {
	s := sigstoretest.Local(t)
	tr := s.TrustedRoot(t)
	claims := sigstoretest.GitHubClaims{
		Repository: "chainproof/chainproof",
		Ref:        "refs/tags/v1.2.3",
		EventName:  "release",
	}
	artifact := []byte("chainproof local sigstore: github workflow identity\n")
	sum := sha256.Sum256(artifact)
	payload := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"artifact.txt","digest":{"sha256":"` +
		hex.EncodeToString(sum[:]) + `"}}],"predicateType":"https://example.com/predicate/v1","predicate":{}}`)

	b, err := signWith(t, s, tr, s.GitHubToken(t, claims),
		&sign.DSSEData{Data: payload, PayloadType: "application/vnd.in-toto+json"})
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	v := verifier(t, tr)
	san := claims.SAN()
	if want := "https://github.com/chainproof/chainproof/.github/workflows/release.yml@refs/tags/v1.2.3"; san != want {
		t.Fatalf("SAN() = %q, want %q", san, want)
	}
	res, err := v.Verify(b, verify.NewPolicy(verify.WithArtifact(bytes.NewReader(artifact)), identity(t, s.GitHubIssuerURL, san)))
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	ext := res.Signature.Certificate.Extensions
	c := claims.WithDefaults()
	for _, f := range []struct{ name, got, want string }{
		{"SAN", res.Signature.Certificate.SubjectAlternativeName, san},
		{"Issuer", ext.Issuer, s.GitHubIssuerURL},
		{"SourceRepositoryURI", ext.SourceRepositoryURI, "https://github.com/chainproof/chainproof"},
		{"SourceRepositoryRef", ext.SourceRepositoryRef, "refs/tags/v1.2.3"},
		{"SourceRepositoryDigest", ext.SourceRepositoryDigest, c.SHA},
		{"SourceRepositoryIdentifier", ext.SourceRepositoryIdentifier, c.RepositoryID},
		{"SourceRepositoryOwnerURI", ext.SourceRepositoryOwnerURI, "https://github.com/chainproof"},
		{"SourceRepositoryOwnerIdentifier", ext.SourceRepositoryOwnerIdentifier, c.RepositoryOwnerID},
		{"BuildSignerURI", ext.BuildSignerURI, san},
		{"BuildSignerDigest", ext.BuildSignerDigest, c.SHA},
		{"BuildConfigURI", ext.BuildConfigURI, "https://github.com/chainproof/chainproof/.github/workflows/release.yml@refs/tags/v1.2.3"},
		{"BuildTrigger", ext.BuildTrigger, "release"},
		{"RunnerEnvironment", ext.RunnerEnvironment, "github-hosted"},
		{"RunInvocationURI", ext.RunInvocationURI, "https://github.com/chainproof/chainproof/actions/runs/300003/attempts/1"},
		{"SourceRepositoryVisibilityAtSigning", ext.SourceRepositoryVisibilityAtSigning, "public"},
	} {
		if f.got != f.want {
			t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
		}
	}
	checkRefusals(t, v, b, artifact, s.GitHubIssuerURL, san)
}

func TestExpiredTokenRefused(t *testing.T) {
	s := sigstoretest.Local(t)
	_, err := signWith(t, s, s.TrustedRoot(t), s.ExpiredEmailToken(t, "late@example.com"), &sign.PlainData{Data: []byte("x")})
	if err == nil {
		t.Fatal("Fulcio issued a certificate for an expired token")
	}
}

// TestSigningConfigSelectsStack checks signing_config.json leads a client
// that selects services by API version and validity to the stack's URLs.
func TestSigningConfigSelectsStack(t *testing.T) {
	s := sigstoretest.Local(t)
	sc := s.SigningConfig(t)
	now := time.Now()
	for _, c := range []struct {
		name     string
		services []root.Service
		versions []uint32
		want     string
		wantV    uint32
	}{
		{"fulcio", sc.FulcioCertificateAuthorityURLs(), []uint32{1}, s.FulcioURL, 1},
		{"oidc", sc.OIDCProviderURLs(), []uint32{1}, s.OIDCIssuerURL, 1},
		{"rekor", sc.RekorLogURLs(), []uint32{1, 2}, s.RekorURL, 2},
		{"tsa", sc.TimestampAuthorityURLs(), []uint32{1}, s.TSAURL, 1},
	} {
		got, err := root.SelectService(c.services, c.versions, now)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.URL != c.want || got.MajorAPIVersion != c.wantV {
			t.Errorf("%s: selected %s v%d, want %s v%d", c.name, got.URL, got.MajorAPIVersion, c.want, c.wantV)
		}
	}
}
