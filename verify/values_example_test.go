package verify_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// A verified attestation turns into a typed value in one call: here the
// SLSA provenance GitHub's attest-build-provenance action writes, read as
// an attest.ProvenanceView with the workflow that built the artifact.
// (Statement.SBOM gives an SBOM attestation as an sbom.Document.)
func ExampleStatement_Provenance() {
	st, _ := signtest.New(signtest.Options{})
	statement, _ := os.ReadFile("../attest/testdata/provenance-github.golden")
	parsed, _ := attest.ParseStatement(statement)
	wf := signtest.GitHub(signtest.GitHubWorkflow{Repository: "chainproof/chainproof", Ref: "refs/tags/v0.3.1"})
	bundle, err := st.SignDSSE(wf, attest.PayloadType, statement, signtest.MintOptions{})
	if err != nil {
		panic(err)
	}

	policy := verify.GitHubProvenancePolicy("chainproof/chainproof", ".github/workflows/release.yml", "refs/tags/v*")
	var digest string
	for alg, hex := range parsed.Subject[0].Digest {
		digest = alg + ":" + hex
	}
	res, err := verify.Verify(context.Background(), bundle, verify.Artifact{Digest: digest}, policy, verify.Options{TrustedRoot: st.TrustedRoot()})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := res.Statement.Provenance()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("built by:", p.GitHub.Repository, p.GitHub.Path, "at", p.GitHub.Ref)
	fmt.Println("run:", strings.TrimPrefix(p.InvocationID, "https://github.com/"))
	fmt.Println("from:", p.ResolvedDependencies[0].URI)
	// Output:
	// built by: https://github.com/chainproof/chainproof .github/workflows/release.yml at refs/tags/v0.3.1
	// run: chainproof/chainproof/actions/runs/14021987654/attempts/2
	// from: git+https://github.com/chainproof/chainproof@refs/tags/v0.3.1
}
