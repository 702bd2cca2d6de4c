// Package sigstoreouter_test checks a Sigstore-signed outer layer around a
// proof statement. It lives apart from package proof so that proof's own
// tests do not depend on the sign and verify packages building.
package sigstoreouter_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/proof"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// TestSigstoreOuterLayer: the statement wrapping a proof record is signed
// keylessly (a Sigstore DSSE bundle from the deterministic in-process
// Sigstore), the bundle is verified by package verify against an identity
// policy, and the inner layer by proof.VerifyStatement.
func TestSigstoreOuterLayer(t *testing.T) {
	ctx := context.Background()
	key := []byte("ophamin-scenario-proof-key")
	rec, err := os.ReadFile("../../testdata/ophamin/proofs/anova_scipy_vs_statsmodels_vs_pingouin_b0fcc417fb505410.json")
	if err != nil {
		t.Fatal(err)
	}
	st, err := proof.Statement(rec, key, proof.StatementOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ss, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := signtest.Email("alice@example.com")
	bundle, err := ss.SignDSSE(id, attest.PayloadType, st, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ss.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	root, err := verify.ParseTrustedRoot(tr, "signtest")
	if err != nil {
		t.Fatal(err)
	}
	v, err := proof.Verify(rec, key)
	if err != nil {
		t.Fatal(err)
	}
	policy := verify.Policy{
		Identities:  []verify.Identity{{Issuer: verify.Match{Exact: signtest.DefaultIssuer}, SAN: verify.Match{Exact: "alice@example.com"}}},
		Attestation: &verify.AttestationPolicy{PredicateType: proof.PredicateType},
	}
	res, err := verify.Verify(ctx, bundle, verify.Artifact{Digest: "sha256:" + v.ProofID}, policy, verify.Options{TrustedRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(res.Statement)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := proof.VerifyStatement(payload, key)
	if err != nil {
		t.Fatal(err)
	}
	if ev.ProofID != v.ProofID || ev.KeyIDs != nil {
		t.Errorf("VerifyStatement = %+v", ev)
	}
	if _, err := proof.VerifyStatement(payload, []byte("wrong key")); !errors.Is(err, proof.ErrSignatureMismatch) {
		t.Errorf("wrong proof key: %v", err)
	}
	// Another identity is refused by the outer layer.
	policy.Identities[0].SAN.Exact = "mallory@example.com"
	if _, err := verify.Verify(ctx, bundle, verify.Artifact{Digest: "sha256:" + v.ProofID}, policy, verify.Options{TrustedRoot: root}); err == nil {
		t.Error("bundle verified for the wrong identity")
	}
}
