package chainproof_test

// These Examples are the README's tour: every Go snippet in README.md is
// copied from this file, and TestReadmeSnippets keeps the two in step, so
// the README's code always compiles and runs.

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/dsse"
	"github.com/chainproof/chainproof/proof"
	"github.com/chainproof/chainproof/sbom"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// Verify a public-good Sigstore bundle offline, with a policy naming the
// GitHub Actions workflow that must have signed it.
func Example_verify() {
	bundleJSON, _ := os.ReadFile("verify/testdata/conformance/happy-path-v0.3/bundle.sigstore.json")

	policy := verify.Policy{Identities: []verify.Identity{
		verify.GitHubWorkflowIdentity(
			"sigstore-conformance/extremely-dangerous-public-oidc-beacon",
			".github/workflows/extremely-dangerous-oidc-beacon.yml",
			"refs/heads/main"),
	}}
	res, err := verify.Verify(context.Background(), bundleJSON,
		verify.Artifact{Path: "verify/testdata/conformance/a.txt"},
		policy, verify.Options{}) // zero Options: the embedded public-good trusted root
	var verr *verify.Error
	if errors.As(err, &verr) {
		fmt.Println("refused by the", verr.Check, "check:", err)
		return
	}
	fmt.Println(res.Certificate.Extensions.SourceRepositoryURI)
	fmt.Println(res.Certificate.Extensions.RunnerEnvironment)
	// Output:
	// https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon
	// github-hosted
}

// Sign a file keylessly. Here the Sigstore is sign/signtest's in-process
// one; with the public-good instance use sign.PublicGood() and a real token.
func Example_sign() {
	ctx := context.Background()
	st, _ := signtest.New(signtest.Options{Now: time.Now})
	srv := httptest.NewServer(st.Handler())
	defer srv.Close()
	scJSON, _ := st.SigningConfigJSON(srv.URL)
	sc, _ := root.NewSigningConfigFromJSON(scJSON)
	workflow := signtest.GitHub(signtest.GitHubWorkflow{Repository: "acme/hello", Ref: "refs/tags/v1.0.0"})

	services, err := sign.ServicesFromSigningConfig(sc, time.Now())
	if err != nil {
		panic(err)
	}
	artifact, _ := os.Open("README.md")
	defer artifact.Close()
	// Keyless: or sign.EnvToken(""), sign.GitHubActionsToken{}, ...; sign.Key(k) for a key.
	signer := sign.Keyless(sign.StaticToken(st.Token(workflow)))
	bundle, err := sign.Sign(ctx, sign.Blob(artifact), signer, sign.Options{
		Services:    services,
		TrustedRoot: st.TrustedRoot(), // every bundle is verified right after signing
	})
	if err != nil {
		panic(err)
	}
	path := filepath.Join(os.TempDir(), "README.md.sigstore.json")
	if err := sign.WriteFile(path, bundle); err != nil { // atomic: never half-written
		panic(err)
	}
	defer os.Remove(path)
	fmt.Println(bundle.MediaType())
	// Output: application/vnd.dev.sigstore.bundle.v0.3+json
}

// Attest what is inside an artifact (an SBOM) and how it was built (SLSA
// provenance) as two in-toto statements over the same subject.
func Example_attest() {
	ctx := context.Background()
	subject := sbom.Component{Name: "hello", Version: "v1.0.0", Type: sbom.TypeApplication}
	deps := []sbom.Component{{Name: "golang.org/x/text", Version: "v0.41.0", PURL: sbom.GoPURL("golang.org/x/text", "v0.41.0")}}
	doc, _ := sbom.FromComponents(subject, deps, nil, sbom.Options{Now: func() time.Time { return time.Unix(0, 0) }})
	sbomPredicate, _ := attest.SBOMFromDocument(doc, sbom.CycloneDX)

	provenance, err := attest.NewProvenance(attest.Build{
		BuildType:          "https://example.com/make/v1",
		ExternalParameters: map[string]any{"target": "release"},
		BuilderID:          "https://example.com/builders/ci",
	})
	if err != nil {
		panic(err)
	}
	atts, err := attest.AttestFiles(ctx, []string{"README.md"}, attest.HashOptions{}, provenance, sbomPredicate)
	if err != nil {
		panic(err)
	}
	statement, _ := attest.Marshal(atts.SBOM) // deterministic bytes, ready for sign.Statement
	fmt.Println(atts.Provenance.GetPredicateType())
	fmt.Println(atts.SBOM.GetPredicateType(), strings.HasPrefix(string(statement), `{"_type":"https://in-toto.io/Statement/v1"`))
	// Output:
	// https://slsa.dev/provenance/v1
	// https://cyclonedx.org/bom true
}

// Sign a DSSE envelope with two keys and require both.
func Example_dsse() {
	ctx := context.Background()
	_, releaseKey, _ := ed25519.GenerateKey(nil)
	ci, _ := dsse.NewHMAC([]byte("ci shared secret"), "ci")
	release, _ := dsse.NewSigner(releaseKey, "release")

	env, _ := dsse.Sign(ctx, "application/vnd.in-toto+json", []byte(`{"_type":"..."}`), release, ci)

	releasePub, _ := dsse.NewVerifier(releaseKey.Public(), "release")
	v, err := dsse.Verify(ctx, env, dsse.VerifyOptions{Threshold: 2}, releasePub, ci)
	fmt.Println(v.KeyIDs, err)
	// Output: [release ci] <nil>
}

// Verify a proof record made by another language's implementation.
func Example_proof() {
	record, _ := os.ReadFile("proof/testdata/ophamin/proofs/pearson_scipy_vs_numpy_vs_pingouin_7b2498c1937091d1.json")

	v, err := proof.Verify(record, []byte("ophamin-scenario-proof-key"))
	if errors.Is(err, proof.ErrSignatureMismatch) {
		fmt.Println("wrong key or altered record")
		return
	}
	fmt.Println(v.ProofID[:16])
	// Output: 7b2498c1937091d1
}
