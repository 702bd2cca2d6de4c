// Command quickstart shows chainproof end to end, in one command and a few
// seconds, with no network and no setup:
//
//  1. it builds a small release artifact (or takes the path you give),
//  2. signs it keylessly, as a GitHub Actions release workflow, against an
//     in-process Sigstore (sign/signtest) served on loopback,
//  3. makes the artifact's SBOM (CycloneDX) and SLSA provenance and signs
//     both as in-toto attestations,
//  4. makes a proof record about it and wraps it in a Sigstore-signed DSSE
//     envelope (HMAC inside, Sigstore outside),
//  5. verifies everything with a release policy (this workflow, a tag ref,
//     a GitHub-hosted runner, SBOM and provenance required), prints a report
//     and writes the bundles to a directory it names,
//  6. and shows two verifications that are refused: a tampered artifact
//     and the wrong workflow.
//
// Usage:
//
//	go run ./examples/quickstart [flags] [ARTIFACT]
//
// Flags point it at real services instead of the in-process Sigstore:
//
//	-signing-config FILE  signing_config.json (v0.2) naming Fulcio, Rekor, TSA
//	-trusted-root FILE    trusted_root.json to verify against
//	-token TOKEN          an OIDC identity token (or -token-file FILE, or
//	                      $SIGSTORE_ID_TOKEN)
//	-issuer URL           the token's issuer, when it is not GitHub Actions'
//	-email ADDR           expect an email identity instead of a workflow
//
// The GitHub Actions environment that the provenance describes is
// simulated from -repository, -workflow and -ref.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/examples/internal/stack"
	"github.com/chainproof/chainproof/proof"
	"github.com/chainproof/chainproof/sbom"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

func main() {
	cli.Run("quickstart", 2*time.Minute, func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stdout) })
}

// demoProofKey is the HMAC key of the proof record. A real deployment
// keeps its proof key secret; this one is printed in the docs on purpose.
var demoProofKey = []byte("chainproof quickstart demo proof key")

type config struct {
	out        string
	stack      *stack.Flags
	idToken    string
	tokenFile  string
	issuer     string
	email      string
	repository string
	workflow   string
	ref        string
	artifact   string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.out, "out", "", "directory for the bundles (default: a new temporary directory)")
	c.stack = stack.AddFlags(fs)
	fs.StringVar(&c.idToken, "token", "", "OIDC identity token for the real services")
	fs.StringVar(&c.tokenFile, "token-file", "", "file holding the OIDC identity token")
	fs.StringVar(&c.issuer, "issuer", "", "expected OIDC issuer (default: GitHub Actions')")
	fs.StringVar(&c.email, "email", "", "expect this email identity instead of a GitHub workflow")
	fs.StringVar(&c.repository, "repository", "acme/hello", "GitHub repository of the release workflow")
	fs.StringVar(&c.workflow, "workflow", ".github/workflows/release.yml", "path of the release workflow")
	fs.StringVar(&c.ref, "ref", "refs/tags/v1.0.0", "git ref the workflow ran for")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch fs.NArg() {
	case 0:
	case 1:
		c.artifact = fs.Arg(0)
	default:
		return nil, fmt.Errorf("at most one artifact, got %d", fs.NArg())
	}
	if err := c.stack.Check(); err != nil {
		return nil, err
	}
	if !c.stack.IsReal() && (c.idToken != "" || c.tokenFile != "") {
		return nil, errors.New("-token and -token-file need -signing-config and -trusted-root")
	}
	if c.email != "" && c.issuer == "" {
		return nil, errors.New("-email needs -issuer (the OIDC issuer that vouches for the address)")
	}
	if !strings.HasPrefix(c.ref, "refs/tags/") {
		return nil, fmt.Errorf("-ref %q: a release is built from a tag (refs/tags/...)", c.ref)
	}
	return c, nil
}

func (c *config) workflowIdentity() signtest.GitHubWorkflow {
	return signtest.GitHubWorkflow{
		Repository:   c.repository,
		WorkflowPath: c.workflow,
		Ref:          c.ref,
		SHA:          demoCommit,
	}
}

const demoCommit = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

// token is the identity token to sign with: one the in-process Sigstore
// mints for the demo workflow, or -token, -token-file or
// $SIGSTORE_ID_TOKEN for real services.
func (c *config) token(s *stack.Stack) sign.TokenSource {
	switch {
	case s.Sigstore != nil:
		return sign.StaticToken(s.Sigstore.Token(signtest.GitHub(c.workflowIdentity())))
	case c.idToken != "":
		return sign.StaticToken(c.idToken)
	case c.tokenFile != "":
		return sign.FileToken(c.tokenFile)
	}
	return sign.EnvToken("")
}

func run(ctx context.Context, args []string, w io.Writer) error {
	c, err := parseFlags(args, w)
	if err != nil {
		return err
	}
	out := c.out
	if out == "" {
		if out, err = os.MkdirTemp("", "chainproof-quickstart-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	// 1. The artifact.
	artifact := c.artifact
	var files []demoFile
	if artifact == "" {
		artifact = filepath.Join(out, "hello-"+strings.TrimPrefix(c.ref, "refs/tags/")+".tar.gz")
		if files, err = buildArtifact(artifact); err != nil {
			return fmt.Errorf("building the artifact: %w", err)
		}
	}
	digest, err := cli.FileSHA256(artifact)
	if err != nil {
		return err
	}
	name := filepath.Base(artifact)

	// 2. Where to sign, what to trust.
	s, err := c.stack.Open()
	if err != nil {
		return err
	}
	defer s.Close()
	if err := cli.WriteFile(filepath.Join(out, "trusted_root.json"), s.TrustedJSON); err != nil {
		return err
	}
	signer := sign.Keyless(c.token(s))
	opts := sign.Options{Services: s.Services, TrustedRoot: s.Trust}

	fmt.Fprintf(w, "chainproof quickstart\n\n")
	fmt.Fprintf(w, "  artifact  %s  sha256:%s\n", name, digest)
	fmt.Fprintf(w, "  sigstore  %s\n", s.Description)

	// 2. Sign the artifact keylessly.
	signed, err := signFile(ctx, artifact, signer, opts)
	if err != nil {
		return fmt.Errorf("signing the artifact: %w", err)
	}
	// What sign returns, verify takes as it is.
	bundles := map[string]*verify.Bundle{"artifact.sigstore.json": signed}

	// 3. SBOM and SLSA provenance, signed as attestations.
	doc, err := artifactSBOM(artifact, name, digest, c.ref, files)
	if err != nil {
		return fmt.Errorf("sbom: %w", err)
	}
	sb, err := attest.SBOMFromDocument(doc, sbom.CycloneDX)
	if err != nil {
		return err
	}
	env, event := c.githubEnvironment()
	prov, err := attest.GitHubProvenance(ctx, attest.Environ(env), attest.GitHubOptions{Event: event})
	if err != nil {
		return fmt.Errorf("provenance: %w", err)
	}
	atts, err := attest.AttestFiles(ctx, []string{artifact}, attest.HashOptions{}, prov, sb)
	if err != nil {
		return err
	}
	for file, st := range map[string]*intoto.Statement{"sbom.sigstore.json": atts.SBOM, "provenance.sigstore.json": atts.Provenance} {
		b, err := signStatement(ctx, st, signer, opts)
		if err != nil {
			return fmt.Errorf("signing %s: %w", file, err)
		}
		bundles[file] = b
	}

	// 4. A proof record about the artifact, HMAC-signed, wrapped in an
	// in-toto statement and signed with Sigstore: two layers.
	record, err := proofRecord(name, digest, c.ref).Sign(demoProofKey)
	if err != nil {
		return fmt.Errorf("proof record: %w", err)
	}
	recVerified, err := proof.Verify(record, demoProofKey)
	if err != nil {
		return err
	}
	stmt, err := proof.Statement(record, demoProofKey, proof.StatementOptions{})
	if err != nil {
		return err
	}
	if bundles["proof.sigstore.json"], err = sign.Sign(ctx, sign.Statement(stmt), signer, opts); err != nil {
		return fmt.Errorf("signing the proof statement: %w", err)
	}
	if err := cli.WriteFile(filepath.Join(out, "proof-record.json"), record); err != nil {
		return err
	}
	for file, b := range bundles {
		data, err := sign.Marshal(b)
		if err != nil {
			return err
		}
		if err := cli.WriteFile(filepath.Join(out, file), data); err != nil {
			return err
		}
	}

	// 5. Verify everything with a release policy.
	identity := c.releaseIdentity()
	fmt.Fprintf(w, "  identity  %s\n\n", describeIdentity(c))
	fmt.Fprintf(w, "signed and written to %s\n", out)
	for _, f := range []string{"artifact.sigstore.json", "sbom.sigstore.json", "provenance.sigstore.json", "proof.sigstore.json", "proof-record.json", "trusted_root.json"} {
		fmt.Fprintf(w, "  %s\n", f)
	}

	v, err := verify.New(verify.Options{TrustedRoot: s.Trust})
	if err != nil {
		return err
	}
	release := verify.CombinedPolicy{Requirements: []verify.Requirement{
		{Name: "signed", Policy: verify.Policy{Identities: []verify.Identity{identity}}},
		{Name: "sbom", Policy: verify.Policy{Identities: []verify.Identity{identity},
			Attestation: &verify.AttestationPolicy{PredicateType: "cyclonedx"}}},
		{Name: "provenance", Policy: verify.Policy{Identities: []verify.Identity{identity},
			Attestation: &verify.AttestationPolicy{PredicateType: "slsaprovenance1", SLSA: &verify.SLSAPolicy{
				BuildType:        verify.Exact(attest.BuildTypeGitHubWorkflowV1),
				BuilderID:        verify.Exact("https://github.com/" + c.repository + "/" + c.workflow + "@" + c.ref),
				SourceRepository: verify.Exact("https://github.com/" + c.repository),
				Ref:              verify.Regexp(`refs/tags/v.*`),
			}}}},
	}}
	parsed := []*verify.Bundle{bundles["artifact.sigstore.json"], bundles["sbom.sigstore.json"], bundles["provenance.sigstore.json"]}
	fmt.Fprintf(w, "\nverified against %s with the release policy:\n", "trusted_root.json")
	fmt.Fprintf(w, "  %s, an SBOM and SLSA provenance required\n", describePolicy(c))
	res, err := v.VerifyAll(ctx, parsed, verify.Artifact{Path: artifact}, release)
	if err != nil {
		return fmt.Errorf("release verification failed: %w", err)
	}
	for _, r := range res.Requirements {
		fmt.Fprintf(w, "  ok  %-11s %s\n", r.Name, summarize(r))
	}

	// The proof: the outer layer is a Sigstore attestation whose subject
	// is the record's proof_id; the inner layer is the record's HMAC.
	outer, err := v.Verify(ctx, bundles["proof.sigstore.json"], verify.Artifact{Digest: "sha256:" + recVerified.ProofID},
		verify.Policy{Identities: []verify.Identity{identity}, Attestation: &verify.AttestationPolicy{PredicateType: proof.PredicateType}})
	if err != nil {
		return fmt.Errorf("proof, outer layer: %w", err)
	}
	inner, err := proof.VerifyStatement(outer.Statement.Payload, demoProofKey)
	if err != nil {
		return fmt.Errorf("proof, inner layer: %w", err)
	}
	fmt.Fprintf(w, "  ok  %-11s record %s: Sigstore signature outside, HMAC-SHA256 inside\n", "proof", inner.ProofID[:16])

	// 6. Two refusals, with the typed errors' messages.
	fmt.Fprintf(w, "\nrefused, as they should be:\n")
	tampered := filepath.Join(out, "tampered-"+name)
	if err := tamper(artifact, tampered); err != nil {
		return err
	}
	sigBundle := parsed[0]
	_, err = v.Verify(ctx, sigBundle, verify.Artifact{Path: tampered}, verify.Policy{Identities: []verify.Identity{identity}})
	if err := cli.ExpectRefusal(w, "tampered", err, verify.ErrArtifact, verify.ErrSignature); err != nil {
		return err
	}
	wrong := verify.GitHubWorkflowIdentity(c.repository, ".github/workflows/nightly.yml", "refs/tags/v*")
	if c.issuer != "" {
		wrong.Issuer = verify.Exact(c.issuer)
	}
	if c.email != "" {
		wrong = verify.Identity{Issuer: identity.Issuer, SAN: verify.Exact("someone-else@example.com")}
	}
	_, err = v.Verify(ctx, sigBundle, verify.Artifact{Path: artifact}, verify.Policy{Identities: []verify.Identity{wrong}})
	if err := cli.ExpectRefusal(w, "wrong-id", err, verify.ErrIdentity); err != nil {
		return err
	}
	return nil
}

// releaseIdentity is who must have signed: the release workflow at a
// version tag, on a GitHub-hosted runner (or the -email identity).
func (c *config) releaseIdentity() verify.Identity {
	if c.email != "" {
		issuer := c.issuer
		return verify.Identity{Issuer: verify.Exact(issuer), SAN: verify.Exact(c.email)}
	}
	id := verify.GitHubWorkflowIdentity(c.repository, c.workflow, "refs/tags/v*")
	if c.issuer != "" {
		id.Issuer = verify.Exact(c.issuer)
	}
	return id
}

func describeIdentity(c *config) string {
	if c.email != "" {
		return c.email + " (issuer " + c.issuer + ")"
	}
	return "https://github.com/" + c.repository + "/" + c.workflow + "@" + c.ref
}

func describePolicy(c *config) string {
	if c.email != "" {
		return "signer " + c.email
	}
	return "workflow " + c.repository + "/" + c.workflow + " at refs/tags/v*, GitHub-hosted runner"
}

func summarize(r verify.RequirementResult) string {
	res := r.Result
	var b strings.Builder
	if res.Certificate != nil {
		fmt.Fprintf(&b, "by %s", res.Certificate.SAN)
	}
	if len(res.Timestamps) > 0 {
		fmt.Fprintf(&b, " at %s", res.Timestamps[0].Time.UTC().Format(time.RFC3339))
	}
	if len(res.LogEntries) > 0 {
		fmt.Fprintf(&b, ", %d log entry", len(res.LogEntries))
	}
	if st := res.Statement; st != nil {
		fmt.Fprintf(&b, ", %s", st.PredicateType)
	}
	return b.String()
}

func signFile(ctx context.Context, path string, signer sign.Signer, opts sign.Options) (*verify.Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return sign.Sign(ctx, sign.Blob(f), signer, opts)
}

func signStatement(ctx context.Context, st *intoto.Statement, signer sign.Signer, opts sign.Options) (*verify.Bundle, error) {
	data, err := attest.Marshal(st)
	if err != nil {
		return nil, err
	}
	return sign.Sign(ctx, sign.Statement(data), signer, opts)
}
