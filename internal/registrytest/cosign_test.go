package registrytest_test

import (
	"context"
	"errors"
	"os/exec"
	"testing"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/internal/sigstoretest"
)

// TestCosignSelfInterop checks the cosign invocations the package documents
// and the tampering helpers: cosign signs and attests an image on each CI
// registry in each format and verifies its own work; it refuses a wrong
// identity, a type never attested, signatures copied to another digest
// (CopySignatures), signatures with a flipped bit (TamperSignatures) and a
// tag moved to an unsigned manifest (Modified). (The interop with chainproof
// is oci/cosign_test.go.)
func TestCosignSelfInterop(t *testing.T) {
	s := sigstoretest.Local(t)
	cs := registrytest.NewCosign(t, s)
	const email = "cosign-self@example.com"
	id := registrytest.Identity{SAN: email, Issuer: s.OIDCIssuerURL}
	sbom := registrytest.PredicateFile(t, registrytest.CycloneDXPredicate)
	ctx := context.Background()
	refused := func(t *testing.T, what string, err error) {
		t.Helper()
		var ee *exec.ExitError
		if testing.Verbose() && err != nil {
			var ce *registrytest.CosignError
			if errors.As(err, &ce) {
				t.Logf("%s: refused: %.200s", what, ce.Reason())
			}
		}
		if !errors.As(err, &ee) {
			t.Errorf("%s: %v, want cosign to refuse (non-zero exit)", what, err)
		}
	}
	for _, reg := range registrytest.Both(t) {
		for _, f := range registrytest.Formats {
			t.Run(reg.Name+"/"+f.String(), func(t *testing.T) {
				img := reg.PushRandom(t)
				cs.Sign(t, f, s.EmailToken(t, email), img.String())
				cs.Attest(t, f, "cyclonedx", sbom, s.EmailToken(t, email), img.String())
				if err := cs.Verify(ctx, f, id, img.String()); err != nil {
					t.Errorf("verify: %v", err)
				}
				if err := cs.VerifyAttestation(ctx, f, "cyclonedx", id, img.String()); err != nil {
					t.Errorf("verify-attestation: %v", err)
				}
				wrong := registrytest.Identity{SAN: "someone-else@example.com", Issuer: s.OIDCIssuerURL}
				refused(t, "verify, wrong identity", cs.Verify(ctx, f, wrong, img.String()))
				refused(t, "verify-attestation, wrong identity", cs.VerifyAttestation(ctx, f, "cyclonedx", wrong, img.String()))
				refused(t, "verify-attestation, type never attested", cs.VerifyAttestation(ctx, f, "slsaprovenance1", id, img.String()))

				// Wrong digest: the signatures of img attached to another image.
				other := registrytest.PushRandomTo(t, img.Repo, "other")
				if n := registrytest.CopySignatures(t, img, other); n != 2 {
					t.Fatalf("CopySignatures copied %d manifests, want 2", n)
				}
				refused(t, "verify, signatures of another digest", cs.Verify(ctx, f, id, other.String()))
				refused(t, "verify-attestation, attestations of another digest", cs.VerifyAttestation(ctx, f, "cyclonedx", id, other.String()))

				// Tampered manifest: the tag moved to a manifest no one signed.
				mod := registrytest.Modified(t, img)
				refused(t, "verify, tag moved to an unsigned manifest", cs.Verify(ctx, f, id, mod.TagRef()))

				// Tampered signatures: one bit flipped in each.
				if n := registrytest.TamperSignatures(t, img); n != 2 {
					t.Fatalf("TamperSignatures altered %d manifests, want 2", n)
				}
				refused(t, "verify, tampered signature", cs.Verify(ctx, f, id, img.String()))
				refused(t, "verify-attestation, tampered signature", cs.VerifyAttestation(ctx, f, "cyclonedx", id, img.String()))
			})
		}
	}
}
