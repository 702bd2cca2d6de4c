package registrytest_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/internal/sigstoretest"
	"github.com/chainproof/chainproof/verify"
)

// referrerBundles returns the Sigstore bundles cosign v3 attached to img, by
// the predicate type annotation of their manifests (found through the
// referrers API or the tag schema, as go-containerregistry finds them).
func referrerBundles(t *testing.T, img registrytest.Image) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, d := range registrytest.Referrers(t, img) {
		ri, err := remote.Image(img.Ref.Context().Digest(d.Digest.String()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := ri.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if m.ArtifactType != "application/vnd.dev.sigstore.bundle.v0.3+json" || len(m.Layers) != 1 {
			continue
		}
		ls, err := ri.Layers()
		if err != nil {
			t.Fatal(err)
		}
		rc, err := ls[0].Compressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, verify.MaxBundleSize))
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[m.Annotations["dev.sigstore.bundle.predicateType"]] = b
	}
	return out
}

// TestVerifyCosignV3Bundles is the bundle-level half of the interop the oci
// package builds on: every bundle cosign v3 stores for an image (its
// signature, an in-toto Statement v1 with predicate type
// https://sigstore.dev/cosign/sign/v1 and a digest-only subject, and
// attestations, in-toto Statement v0.1) verifies with chainproof's verify
// against the image digest; a wrong identity, another image's digest and a
// flipped signature bit are refused with the check that failed.
func TestVerifyCosignV3Bundles(t *testing.T) {
	s := sigstoretest.Local(t)
	cs := registrytest.NewCosign(t, s)
	tr, err := verify.LoadTrustedRoot(s.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	const email = "cosign-v3@example.com"
	id := verify.Identity{Issuer: verify.Exact(s.OIDCIssuerURL), SAN: verify.Exact(email)}
	types := []string{registrytest.CosignSignType, registrytest.CycloneDXType, registrytest.SLSAType}
	check := func(t *testing.T, bundles map[string][]byte, digest string, id verify.Identity, want error) {
		t.Helper()
		for _, pt := range types {
			b, ok := bundles[pt]
			if !ok {
				t.Errorf("no bundle of predicate type %s among %d", pt, len(bundles))
				continue
			}
			pol := verify.Policy{Identities: []verify.Identity{id}, Attestation: &verify.AttestationPolicy{PredicateType: pt}}
			_, err := verify.Verify(context.Background(), b, verify.Artifact{Digest: digest}, pol, verify.Options{TrustedRoot: tr})
			if want == nil && err != nil {
				t.Errorf("%s: %v", pt, err)
			}
			if want != nil && !errors.Is(err, want) {
				t.Errorf("%s: %v, want %v", pt, err, want)
			}
		}
	}
	for _, reg := range registrytest.Both(t) {
		t.Run(reg.Name, func(t *testing.T) {
			img := reg.PushRandom(t)
			cs.Sign(t, registrytest.V3, s.EmailToken(t, email), img.String())
			cs.Attest(t, registrytest.V3, "cyclonedx", registrytest.PredicateFile(t, registrytest.CycloneDXPredicate), s.EmailToken(t, email), img.String())
			cs.Attest(t, registrytest.V3, "slsaprovenance1", registrytest.PredicateFile(t, registrytest.SLSAPredicate), s.EmailToken(t, email), img.String())
			bundles := referrerBundles(t, img)
			t.Run("accepted", func(t *testing.T) { check(t, bundles, img.Digest.String(), id, nil) })
			t.Run("wrong-identity", func(t *testing.T) {
				check(t, bundles, img.Digest.String(), verify.Identity{Issuer: id.Issuer, SAN: verify.Exact("someone-else@example.com")}, verify.ErrIdentity)
			})
			other := registrytest.PushRandomTo(t, img.Repo, "other")
			registrytest.CopySignatures(t, img, other)
			t.Run("wrong-digest", func(t *testing.T) { check(t, referrerBundles(t, other), other.Digest.String(), id, verify.ErrArtifact) })
			registrytest.TamperSignatures(t, img)
			t.Run("tampered-signature", func(t *testing.T) { check(t, referrerBundles(t, img), img.Digest.String(), id, verify.ErrVerification) })
		})
	}
}
