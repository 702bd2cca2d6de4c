package verify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// TestCombinedSemantics is the admission question answered exactly: a
// signature requirement is met only by a signature; attribution prefers
// the most specific bundle; an unmet requirement whose bundles were all
// taken says so; VerifyAny takes any satisfying bundle of a set.
func TestCombinedSemantics(t *testing.T) {
	st, v := signtestVerifier(t, "")
	ctx := context.Background()
	artifact := []byte("app image")
	sum := sha256.Sum256(artifact)
	alice := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact("alice@example.com")}}}
	att := func(pt string) verify.Policy {
		p := alice
		p.Attestation = &verify.AttestationPolicy{PredicateType: pt}
		return p
	}
	statement := func(pt, pred string) *verify.Bundle {
		stmt := fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":%q}}],"predicateType":%q,"predicate":%s}`, hex.EncodeToString(sum[:]), pt, pred)
		b, err := st.SignDSSE(signtest.Email("alice@example.com"), "application/vnd.in-toto+json", []byte(stmt), signtest.MintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return parse(t, b)
	}
	sbom1 := statement("https://cyclonedx.org/bom", `{"bomFormat":"CycloneDX","specVersion":"1.6"}`)
	sbom2 := statement("https://cyclonedx.org/bom", `{"bomFormat":"CycloneDX","specVersion":"1.5"}`)
	prov := statement("https://slsa.dev/provenance/v1", `{"buildDefinition":{"buildType":"https://example.com/bt"},"runDetails":{"builder":{"id":"https://example.com/b"}}}`)
	imageSig := statement(verify.PredicateCosignSign, `{}`)
	blob, err := st.SignBlob(signtest.Email("alice@example.com"), artifact, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgSig := parse(t, blob)
	art := func() verify.Artifact { return verify.Artifact{Digest: "sha256:" + hex.EncodeToString(sum[:])} }
	signedAndSBOM := verify.CombinedPolicy{Requirements: []verify.Requirement{
		{Name: "signed", Policy: alice, Kind: verify.KindSignature},
		{Name: "sbom", Policy: att("cyclonedx"), Kind: verify.KindAttestation},
	}}

	t.Run("two-sboms-no-signature", func(t *testing.T) {
		res, err := v.VerifyAll(ctx, []*verify.Bundle{sbom1, sbom2}, art(), signedAndSBOM)
		if !errors.Is(err, verify.ErrPolicy) || res.Requirements[0].Satisfied {
			t.Fatalf("two SBOMs admitted as signed: %v", err)
		}
		for _, e := range res.Requirements[0].Errors {
			if !errors.Is(e, verify.ErrPredicate) || !strings.Contains(e.Error(), "wants a signature") {
				t.Errorf("why bundle %d is no signature: %v", e.Bundle, e)
			}
		}
	})
	t.Run("signature-kinds", func(t *testing.T) {
		for name, sig := range map[string]*verify.Bundle{"message-signature": msgSig, "cosign-image-signature": imageSig} {
			res, err := v.VerifyAll(ctx, []*verify.Bundle{sbom1, sig}, art(), signedAndSBOM)
			if err != nil || res.Requirements[0].Bundle != 1 || res.Requirements[1].Bundle != 0 {
				t.Errorf("%s: %v %+v", name, err, res)
			}
		}
	})
	t.Run("most-specific-attribution", func(t *testing.T) {
		// Without kinds, "signed" could take the provenance attestation
		// (it verifies as alice's too); it takes the signature, and the
		// provenance goes to "provenance".
		cp := verify.CombinedPolicy{Requirements: []verify.Requirement{
			{Name: "signed", Policy: alice},
			{Name: "provenance", Policy: att("slsaprovenance1")},
		}}
		res, err := v.VerifyAll(ctx, []*verify.Bundle{prov, msgSig}, art(), cp)
		if err != nil {
			t.Fatal(err)
		}
		if res.Requirements[0].Bundle != 1 || res.Requirements[1].Bundle != 0 {
			t.Errorf("signed by bundle %d, provenance by %d; want 1 and 0", res.Requirements[0].Bundle, res.Requirements[1].Bundle)
		}
		// Shared bundles: still the most specific.
		cp.AllowSharedBundles = true
		res, err = v.VerifyAll(ctx, []*verify.Bundle{prov, msgSig}, art(), cp)
		if err != nil || res.Requirements[0].Bundle != 1 {
			t.Errorf("shared: signed by bundle %d (%v), want 1", res.Requirements[0].Bundle, err)
		}
	})
	t.Run("taken-by-another", func(t *testing.T) {
		cp := verify.CombinedPolicy{Requirements: []verify.Requirement{
			{Name: "first", Policy: alice},
			{Name: "second", Policy: alice},
		}}
		res, err := v.VerifyAll(ctx, []*verify.Bundle{msgSig}, art(), cp)
		if !errors.Is(err, verify.ErrPolicy) || !strings.Contains(err.Error(), "each needed by another requirement") {
			t.Fatalf("%v", err)
		}
		unmet := res.Requirements[1]
		if unmet.Satisfied || len(unmet.Candidates) != 1 || unmet.Candidates[0] != 0 {
			t.Errorf("unmet requirement: %+v", unmet)
		}
	})
	t.Run("verify-any", func(t *testing.T) {
		res, i, err := v.VerifyAny(ctx, []*verify.Bundle{sbom1, prov, sbom2}, art(), att("slsaprovenance1"))
		if err != nil || i != 1 || res.Statement.PredicateType != verify.PredicateSLSAProvenanceV1 {
			t.Fatalf("VerifyAny = %d, %v", i, err)
		}
		if _, _, err := v.VerifyAny(ctx, []*verify.Bundle{sbom1, sbom2}, art(), att("slsaprovenance1")); !errors.Is(err, verify.ErrPolicy) {
			t.Errorf("no provenance: %v", err)
		}
	})
	t.Run("bad-kind", func(t *testing.T) {
		cp := verify.CombinedPolicy{Requirements: []verify.Requirement{{Name: "x", Policy: alice, Kind: "sbom"}}}
		if _, err := v.VerifyAll(ctx, []*verify.Bundle{msgSig}, art(), cp); !errors.Is(err, verify.ErrPolicy) {
			t.Errorf("unknown kind: %v", err)
		}
	})
}
