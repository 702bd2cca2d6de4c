package oci_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/internal/sigstoretest"
	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/verify"
)

// TestInteropCosign is the image interop matrix with the real cosign
// v3.1.3, the real local Sigstore (Fulcio, Rekor v2, TSA) and both real
// registries (distribution: referrers tag schema; go-containerregistry's
// registry: referrers API):
//
//   - cosign → chainproof, per registry and format (v3 referrer bundles;
//     v2 legacy .sig/.att with an RFC 3161 timestamp and no log): cosign
//     sign and attest --type cyclonedx, then oci.VerifySignatures and
//     VerifyAttestations accept; a wrong identity is refused
//     (ErrNotVerified, verify.ErrIdentity); after TamperSignatures both
//     chainproof and cosign refuse.
//   - chainproof → cosign, per registry: oci.Sign and oci.Attest (and
//     SignLegacy and AttestLegacy), then cosign verify and
//     verify-attestation --type cyclonedx accept; a wrong
//     identity is refused by cosign; a tag moved to an unsigned manifest
//     (Modified) is refused by both.
func TestInteropCosign(t *testing.T) {
	s := sigstoretest.Local(t)
	cs := registrytest.NewCosign(t, s)
	ctx := context.Background()
	trJSON, err := os.ReadFile(s.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := verify.ParseTrustedRoot(trJSON, "local sigstore")
	if err != nil {
		t.Fatal(err)
	}
	// cosign's legacy layout carries no log entry (Rekor v2 cannot log
	// it), only a TSA timestamp: verified under the timestamp-only profile.
	trTSA, err := verify.ParseGitHubTrustedRoot(trJSON, "local sigstore (timestamp-only)")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := verify.New(verify.Options{TrustedRoot: tr})
	vTSA, _ := verify.New(verify.Options{TrustedRoot: trTSA})
	const email = "interop@example.com"
	pol := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(s.OIDCIssuerURL), SAN: verify.Exact(email)}}}
	wrong := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(s.OIDCIssuerURL), SAN: verify.Exact("mallory@example.com")}}}
	id := registrytest.Identity{SAN: email, Issuer: s.OIDCIssuerURL}
	c := oci.NewClient(oci.Options{})

	for _, reg := range registrytest.Both(t) {
		for _, f := range registrytest.Formats {
			t.Run(reg.Name+"/cosign-"+f.String()+"-to-chainproof", func(t *testing.T) {
				img := reg.PushRandom(t)
				cs.Sign(t, f, s.EmailToken(t, email), img.String())
				cs.Attest(t, f, "cyclonedx", registrytest.PredicateFile(t, registrytest.CycloneDXPredicate), s.EmailToken(t, email), img.String())
				ver := v
				if f == registrytest.Legacy {
					ver = vTSA
				}
				res, err := c.Resolve(ctx, img.TagRef(), oci.ResolveOptions{})
				if err != nil {
					t.Fatal(err)
				}
				sigs, err := c.VerifySignatures(ctx, ver, res, pol, oci.VerifyOptions{})
				if err != nil || len(sigs) != 1 {
					t.Fatalf("VerifySignatures = %d, %v", len(sigs), err)
				}
				if got := sigs[0].Item.Legacy; got != (f == registrytest.Legacy) {
					t.Errorf("legacy = %v for format %s", got, f)
				}
				if _, err := c.VerifyAttestations(ctx, ver, res, "cyclonedx", pol); err != nil {
					t.Fatalf("VerifyAttestations: %v", err)
				}
				if _, err := c.VerifySignatures(ctx, ver, res, wrong, oci.VerifyOptions{}); !errors.Is(err, oci.ErrNotVerified) || !errors.Is(err, verify.ErrIdentity) {
					t.Errorf("wrong identity: %v", err)
				}
				registrytest.TamperSignatures(t, img)
				if _, err := c.VerifySignatures(ctx, ver, res, pol, oci.VerifyOptions{}); !errors.Is(err, oci.ErrNotVerified) && !errors.Is(err, oci.ErrNoSignatures) {
					t.Errorf("tampered, chainproof: %v", err)
				}
				if err := cs.Verify(ctx, f, id, img.String()); err == nil {
					t.Errorf("tampered, cosign verify accepted")
				}
			})
		}
		t.Run(reg.Name+"/chainproof-to-cosign", func(t *testing.T) {
			img := reg.PushRandom(t)
			res, err := c.Resolve(ctx, img.TagRef(), oci.ResolveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			services, err := sign.ServicesFromSigningConfig(s.SigningConfig(t), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			opts := sign.Options{Services: services, TrustedRoot: s.VerifyRoot(t)}
			signer := func() sign.Signer { return sign.Keyless(sign.StaticToken(s.EmailToken(t, email))) }
			if _, err := c.Sign(ctx, res, signer(), opts); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Attest(ctx, res, "cyclonedx", []byte(registrytest.CycloneDXPredicate), signer(), opts); err != nil {
				t.Fatal(err)
			}
			if err := cs.Verify(ctx, registrytest.V3, id, img.String()); err != nil {
				t.Errorf("cosign verify: %v", err)
			}
			if err := cs.VerifyAttestation(ctx, registrytest.V3, "cyclonedx", id, img.String()); err != nil {
				t.Errorf("cosign verify-attestation: %v", err)
			}
			if err := cs.Verify(ctx, registrytest.V3, registrytest.Identity{SAN: "mallory@example.com", Issuer: s.OIDCIssuerURL}, img.String()); err == nil {
				t.Errorf("cosign accepted a wrong identity")
			}
			if _, err := c.VerifySignatures(ctx, v, res, pol, oci.VerifyOptions{}); err != nil {
				t.Errorf("chainproof: %v", err)
			}
			// The legacy layout, for verifiers before cosign v3: a Rekor v2
			// entry has no legacy form, so the signature carries its TSA
			// timestamp only (cosign: --insecure-ignore-tlog).
			legacy := reg.PushRandom(t)
			lres, err := c.Resolve(ctx, legacy.Ref.String(), oci.ResolveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.SignLegacy(ctx, lres, signer(), opts); err != nil {
				t.Fatal(err)
			}
			if _, err := c.AttestLegacy(ctx, lres, "cyclonedx", []byte(registrytest.CycloneDXPredicate), signer(), opts); err != nil {
				t.Fatal(err)
			}
			if err := cs.Verify(ctx, registrytest.Legacy, id, legacy.String()); err != nil {
				t.Errorf("cosign verify (legacy): %v", err)
			}
			if err := cs.VerifyAttestation(ctx, registrytest.Legacy, "cyclonedx", id, legacy.String()); err != nil {
				t.Errorf("cosign verify-attestation (legacy): %v", err)
			}

			moved := registrytest.Modified(t, img)
			if err := cs.Verify(ctx, registrytest.V3, id, moved.TagRef()); err == nil {
				t.Errorf("cosign accepted the moved tag")
			}
			mres, err := c.Resolve(ctx, moved.TagRef(), oci.ResolveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.VerifySignatures(ctx, v, mres, pol, oci.VerifyOptions{}); !errors.Is(err, oci.ErrNoSignatures) {
				t.Errorf("moved tag, chainproof: %v, want ErrNoSignatures", err)
			}
		})
	}
}
