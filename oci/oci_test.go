package oci_test

import (
	"context"
	"errors"
	"testing"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

const cyclonedx = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}`

type fixture struct {
	st       *signtest.Sigstore
	srv      *signtest.Server
	verifier *verify.Verifier
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	trJSON, err := st.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := verify.ParseTrustedRoot(trJSON, "signtest")
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(verify.Options{TrustedRoot: tr})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, srv: st.Serve(t), verifier: v}
}

func (f *fixture) signer(email string) sign.Signer {
	return sign.Keyless(sign.StaticToken(f.st.Token(signtest.Email(email))))
}

func (f *fixture) signOpts() sign.Options {
	return sign.Options{
		Services:    sign.Services{Fulcio: f.srv.URL, Rekor: []sign.Log{{URL: f.srv.URL, Version: 2}}, TSA: []string{f.srv.TSAURL()}},
		TrustedRoot: f.st.TrustedRoot(),
		Now:         f.st.Now,
	}
}

func policy(email string) verify.Policy {
	return verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact(email)}}}
}

// TestSignAttestDiscoverVerify signs and attests an image on a registry
// with and without the referrers API, then finds and verifies both; a
// wrong identity, another image and a missing predicate type are refused
// with the typed error naming why.
func TestSignAttestDiscoverVerify(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, referrers := range []bool{true, false} {
		name := "tag-schema"
		if referrers {
			name = "referrers-api"
		}
		t.Run(name, func(t *testing.T) {
			reg := registrytest.New(t, registrytest.Options{Referrers: referrers})
			pushed := reg.PushRandom(t)
			c := oci.NewClient(oci.Options{})
			img, err := c.Resolve(ctx, pushed.TagRef(), oci.ResolveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if img.Digest != pushed.Digest {
				t.Fatalf("resolved %s, pushed %s", img.Digest, pushed.Digest)
			}
			if _, err := c.VerifySignatures(ctx, f.verifier, img, policy("alice@example.com"), oci.VerifyOptions{}); !errors.Is(err, oci.ErrNoSignatures) {
				t.Fatalf("unsigned image: %v, want ErrNoSignatures", err)
			}
			if _, err := c.Sign(ctx, img, f.signer("alice@example.com"), f.signOpts()); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Attest(ctx, img, "cyclonedx", []byte(cyclonedx), f.signer("alice@example.com"), f.signOpts()); err != nil {
				t.Fatal(err)
			}
			d, err := c.Discover(ctx, img)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Items) != 2 {
				t.Fatalf("found %d items, want 2: %+v", len(d.Items), d.Items)
			}
			sigs, err := c.VerifySignatures(ctx, f.verifier, img, policy("alice@example.com"), oci.VerifyOptions{})
			if err != nil || len(sigs) != 1 {
				t.Fatalf("VerifySignatures = %d, %v", len(sigs), err)
			}
			atts, err := c.VerifyAttestations(ctx, f.verifier, img, "cyclonedx", policy("alice@example.com"))
			if err != nil || len(atts) != 1 {
				t.Fatalf("VerifyAttestations = %d, %v", len(atts), err)
			}
			_, err = c.VerifySignatures(ctx, f.verifier, img, policy("mallory@example.com"), oci.VerifyOptions{})
			if !errors.Is(err, oci.ErrNotVerified) || !errors.Is(err, verify.ErrIdentity) {
				t.Errorf("wrong identity: %v, want ErrNotVerified and verify.ErrIdentity", err)
			}
			var oe *oci.Error
			if !errors.As(err, &oe) || len(oe.Failures) != 1 {
				t.Errorf("wrong identity: failures %+v", oe)
			}
			if _, err := c.VerifyAttestations(ctx, f.verifier, img, "slsaprovenance1", policy("alice@example.com")); !errors.Is(err, oci.ErrNoSignatures) {
				t.Errorf("no provenance: %v, want ErrNoSignatures", err)
			}
			res, err := c.VerifyAll(ctx, f.verifier, img, verify.CombinedPolicy{Requirements: []verify.Requirement{
				{Name: "signed", Policy: withAttestation(policy("alice@example.com"), oci.CosignSignPredicateType)},
				{Name: "sbom", Policy: withAttestation(policy("alice@example.com"), "cyclonedx")},
			}})
			if err != nil {
				t.Fatalf("VerifyAll: %v", err)
			}
			for _, r := range res.Requirements {
				if !r.Satisfied {
					t.Errorf("requirement %s unsatisfied", r.Name)
				}
			}
			// The signatures of this image say nothing about another one.
			other := registrytest.PushRandomTo(t, pushed.Repo, "other")
			oimg, err := c.Resolve(ctx, other.Ref.String(), oci.ResolveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.VerifySignatures(ctx, f.verifier, oimg, policy("alice@example.com"), oci.VerifyOptions{}); !errors.Is(err, oci.ErrNoSignatures) {
				t.Errorf("other image: %v, want ErrNoSignatures", err)
			}
		})
	}
}

func withAttestation(p verify.Policy, predicateType string) verify.Policy {
	p.Attestation = &verify.AttestationPolicy{PredicateType: predicateType}
	return p
}
