package registrytest_test

import (
	"context"
	"errors"
	"os/exec"
	"testing"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/internal/sigstoretest"
)

// TestCosignSelfInterop checks the cosign invocations the package documents:
// cosign signs and attests an image on each CI registry in each format and
// verifies its own work, and refuses a wrong identity. (The interop with
// chainproof is oci/cosign_test.go.)
func TestCosignSelfInterop(t *testing.T) {
	s := sigstoretest.Local(t)
	cs := registrytest.NewCosign(t, s)
	const email = "cosign-self@example.com"
	id := registrytest.Identity{SAN: email, Issuer: s.OIDCIssuerURL}
	sbom := registrytest.PredicateFile(t, registrytest.CycloneDXPredicate)
	ctx := context.Background()
	for _, reg := range registrytest.Both(t) {
		for _, f := range registrytest.Formats {
			t.Run(reg.Name+"/"+f.String(), func(t *testing.T) {
				img := reg.PushRandom(t).String()
				cs.Sign(t, f, s.EmailToken(t, email), img)
				cs.Attest(t, f, "cyclonedx", sbom, s.EmailToken(t, email), img)
				if err := cs.Verify(ctx, f, id, img); err != nil {
					t.Errorf("verify: %v", err)
				}
				if err := cs.VerifyAttestation(ctx, f, "cyclonedx", id, img); err != nil {
					t.Errorf("verify-attestation: %v", err)
				}
				wrong := registrytest.Identity{SAN: "someone-else@example.com", Issuer: s.OIDCIssuerURL}
				err := cs.Verify(ctx, f, wrong, img)
				var ee *exec.ExitError
				if !errors.As(err, &ee) {
					t.Errorf("verify with a wrong identity: %v, want a non-zero exit", err)
				}
				if err := cs.VerifyAttestation(ctx, f, "slsaprovenance1", id, img); !errors.As(err, &ee) {
					t.Errorf("verify-attestation of a type never attested: %v, want a non-zero exit", err)
				}
			})
		}
	}
}
