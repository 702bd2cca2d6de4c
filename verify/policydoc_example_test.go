package verify_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/chainproof/chainproof/verify"
)

// ExampleParsePolicyDocument reads a policy a person wrote in YAML and
// turns it into the combined policy VerifyAll applies; a typo is refused
// with the field it is in.
func ExampleParsePolicyDocument() {
	doc, err := verify.ParsePolicyDocument([]byte(`
apiVersion: chainproof.dev/v1
kind: Policy
requirements:
  - name: signed
    kind: signature
    identities:
      - github: {repository: acme/app, workflow: .github/workflows/release.yml, ref: refs/tags/v*}
  - name: sbom
    kind: attestation
    identities:
      - github: {repository: acme/app, workflow: .github/workflows/*, ref: refs/tags/v*}
    attestation: {predicateType: cyclonedx}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	cp, _ := doc.CombinedPolicy()
	for _, r := range cp.Requirements {
		fmt.Println(r.Name, r.Kind)
	}

	_, err = verify.ParsePolicyDocument([]byte(`{"apiVersion":"chainproof.dev/v1","kind":"Policy","requirements":[{"name":"signed","identites":[]}]}`))
	var ve *verify.Error
	if errors.As(err, &ve) && errors.Is(err, verify.ErrPolicyDocument) {
		fmt.Println("refused:", ve.Path)
	}
	// Output:
	// signed signature
	// sbom attestation
	// refused: identites
}

// ExampleParseClusterImagePolicy applies a policy-controller
// ClusterImagePolicy: its image globs and its authorities.
func ExampleParseClusterImagePolicy() {
	cip, err := verify.ParseClusterImagePolicy([]byte(`
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: {name: acme}
spec:
  images:
  - glob: "ghcr.io/acme/**"
  authorities:
  - name: release
    keyless:
      identities:
      - issuer: https://token.actions.githubusercontent.com
        subjectRegExp: "https://github.com/acme/.*"
    attestations:
    - name: sbom
      predicateType: cyclonedx
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cip.Matches("ghcr.io/acme/app:v1"), cip.Matches("docker.io/library/nginx:1"))
	for _, r := range cip.Policy.Requirements {
		fmt.Println(r.Name, r.Policy.Attestation.PredicateType)
	}
	// Output:
	// true false
	// release/sbom https://cyclonedx.org/bom
}

// ExampleGitHubProvenancePolicy is the policy for provenance made by a
// repository's workflow about a build of that same repository.
func ExampleGitHubProvenancePolicy() {
	p := verify.GitHubProvenancePolicy("acme/app", ".github/workflows/release.yml", "refs/tags/v*")
	fmt.Println(p.Attestation.PredicateType, p.Attestation.SameRepository, p.Validate() == nil)
	// Output:
	// https://slsa.dev/provenance/v1 true true
}

// ExampleVerifier_VerifyAny takes any bundle of a set that satisfies one
// policy: here the attestation, the one bundle with SLSA provenance.
func ExampleVerifier_VerifyAny() {
	v, _ := verify.New(verify.Options{})
	sig, _ := verify.ReadBundleFile(exBundle)
	att, _ := verify.ReadBundleFile(exDSSE)
	res, i, err := v.VerifyAny(context.Background(), []*verify.Bundle{sig, att}, verify.Artifact{Path: exArt},
		verify.Policy{Identities: []verify.Identity{exIdentity}, Attestation: &verify.AttestationPolicy{PredicateType: "slsaprovenance1"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(i, res.Statement.PredicateType)
	// Output:
	// 1 https://slsa.dev/provenance/v1
}
