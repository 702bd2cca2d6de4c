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
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/proof"
	"github.com/chainproof/chainproof/sbom"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// demoProofKey is the HMAC key of the proof record. A real deployment
// keeps its proof key secret; this one is printed in the docs on purpose.
var demoProofKey = []byte("chainproof quickstart demo proof key")

type config struct {
	out           string
	signingConfig string
	trustedRoot   string
	token         string
	tokenFile     string
	issuer        string
	email         string
	repository    string
	workflow      string
	ref           string
	artifact      string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.out, "out", "", "directory for the bundles (default: a new temporary directory)")
	fs.StringVar(&c.signingConfig, "signing-config", "", "signing_config.json of real services (default: an in-process Sigstore)")
	fs.StringVar(&c.trustedRoot, "trusted-root", "", "trusted_root.json of those services")
	fs.StringVar(&c.token, "token", "", "OIDC identity token for the real services")
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
	if (c.signingConfig == "") != (c.trustedRoot == "") {
		return nil, errors.New("-signing-config and -trusted-root go together")
	}
	if c.signingConfig == "" && (c.token != "" || c.tokenFile != "") {
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

// stack is where signing happens and what verification trusts.
type stack struct {
	description string
	services    sign.Services
	trustedJSON []byte
	token       sign.TokenSource
	stop        func()
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

// embeddedStack serves the deterministic in-process Sigstore of
// sign/signtest on a loopback port and mints a GitHub-workflow token.
func embeddedStack(c *config) (*stack, error) {
	st, err := signtest.New(signtest.Options{Now: time.Now})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: st.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	base := "http://" + ln.Addr().String()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx) //nolint:errcheck
	}
	scJSON, err := st.SigningConfigJSON(base)
	if err != nil {
		stop()
		return nil, err
	}
	services, err := servicesFrom(scJSON)
	if err != nil {
		stop()
		return nil, err
	}
	trJSON, err := st.TrustedRootJSON()
	if err != nil {
		stop()
		return nil, err
	}
	return &stack{
		description: "in-process Sigstore (sign/signtest) on " + base,
		services:    services,
		trustedJSON: trJSON,
		token:       sign.StaticToken(st.Token(signtest.GitHub(c.workflowIdentity()))),
		stop:        stop,
	}, nil
}

func servicesFrom(scJSON []byte) (sign.Services, error) {
	sc, err := root.NewSigningConfigFromJSON(scJSON)
	if err != nil {
		return sign.Services{}, fmt.Errorf("signing config: %w", err)
	}
	return sign.ServicesFromSigningConfig(sc, time.Now())
}

// realStack reads the services, trust and token the flags name.
func realStack(c *config) (*stack, error) {
	scJSON, err := os.ReadFile(c.signingConfig)
	if err != nil {
		return nil, err
	}
	services, err := servicesFrom(scJSON)
	if err != nil {
		return nil, err
	}
	trJSON, err := os.ReadFile(c.trustedRoot)
	if err != nil {
		return nil, err
	}
	var tok sign.TokenSource
	switch {
	case c.token != "":
		tok = sign.StaticToken(c.token)
	case c.tokenFile != "":
		tok = sign.FileToken(c.tokenFile)
	default:
		tok = sign.EnvToken("")
	}
	return &stack{
		description: "services of " + c.signingConfig,
		services:    services,
		trustedJSON: trJSON,
		token:       tok,
		stop:        func() {},
	}, nil
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
	digest, err := fileSHA256(artifact)
	if err != nil {
		return err
	}
	name := filepath.Base(artifact)

	// 2. Where to sign, what to trust.
	var s *stack
	if c.signingConfig == "" {
		s, err = embeddedStack(c)
	} else {
		s, err = realStack(c)
	}
	if err != nil {
		return err
	}
	defer s.stop()
	trust, err := verify.ParseTrustedRoot(s.trustedJSON, "trusted_root.json")
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "trusted_root.json"), s.trustedJSON); err != nil {
		return err
	}
	signer := sign.Keyless(s.token)
	opts := sign.Options{Services: s.services, TrustedRoot: trust}

	fmt.Fprintf(w, "chainproof quickstart\n\n")
	fmt.Fprintf(w, "  artifact  %s  sha256:%s\n", name, digest)
	fmt.Fprintf(w, "  sigstore  %s\n", s.description)

	// 2. Sign the artifact keylessly.
	signed, err := signFile(ctx, artifact, signer, opts)
	if err != nil {
		return fmt.Errorf("signing the artifact: %w", err)
	}
	bundles := map[string][]byte{"artifact.sigstore.json": signed}

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
	proofBundle, err := sign.Sign(ctx, sign.Statement(stmt), signer, opts)
	if err != nil {
		return fmt.Errorf("signing the proof statement: %w", err)
	}
	if bundles["proof.sigstore.json"], err = sign.Marshal(proofBundle); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(out, "proof-record.json"), record); err != nil {
		return err
	}
	for file, data := range bundles {
		if err := writeFile(filepath.Join(out, file), data); err != nil {
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

	v, err := verify.New(verify.Options{TrustedRoot: trust})
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
	var parsed []*verify.Bundle
	for _, f := range []string{"artifact.sigstore.json", "sbom.sigstore.json", "provenance.sigstore.json"} {
		b, err := verify.ParseBundle(bundles[f])
		if err != nil {
			return err
		}
		parsed = append(parsed, b)
	}
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
	pb, err := verify.ParseBundle(bundles["proof.sigstore.json"])
	if err != nil {
		return err
	}
	outer, err := v.Verify(ctx, pb, verify.Artifact{Digest: "sha256:" + recVerified.ProofID},
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
	if err := expectRefusal(w, "tampered", err, verify.ErrArtifact, verify.ErrSignature); err != nil {
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
	if err := expectRefusal(w, "wrong-id", err, verify.ErrIdentity); err != nil {
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

// expectRefusal prints a refused verification and fails if it was not
// refused, or refused for another reason than one of want.
func expectRefusal(w io.Writer, label string, err error, want ...error) error {
	if err == nil {
		return fmt.Errorf("%s: verification unexpectedly succeeded", label)
	}
	var verr *verify.Error
	if !errors.As(err, &verr) {
		return fmt.Errorf("%s: untyped error: %w", label, err)
	}
	for _, sentinel := range want {
		if errors.Is(err, sentinel) {
			fmt.Fprintf(w, "  no  %-11s check %q failed: %s\n", label, verr.Check, firstLine(err.Error()))
			return nil
		}
	}
	return fmt.Errorf("%s: refused for the wrong reason: %w", label, err)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func signFile(ctx context.Context, path string, signer sign.Signer, opts sign.Options) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := sign.Sign(ctx, sign.Blob(f), signer, opts)
	if err != nil {
		return nil, err
	}
	return sign.Marshal(b)
}

func signStatement(ctx context.Context, st *intoto.Statement, signer sign.Signer, opts sign.Options) ([]byte, error) {
	data, err := attest.Marshal(st)
	if err != nil {
		return nil, err
	}
	b, err := sign.Sign(ctx, sign.Statement(data), signer, opts)
	if err != nil {
		return nil, err
	}
	return sign.Marshal(b)
}

// writeFile writes atomically: a temporary file renamed into place, so a
// failure never leaves a half-written bundle.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func tamper(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if len(data) == 0 {
		data = []byte{0}
	} else {
		data[len(data)/2] ^= 0x01
	}
	return writeFile(dst, data)
}

type demoFile struct {
	name string
	data []byte
}

// buildArtifact writes a small, byte-reproducible release tarball.
func buildArtifact(path string) ([]demoFile, error) {
	files := []demoFile{
		{"hello/README.md", []byte("# hello\n\nA tiny release made by the chainproof quickstart.\n")},
		{"hello/hello.sh", []byte("#!/bin/sh\necho 'hello, supply chain'\n")},
		{"hello/LICENSE", []byte("Apache-2.0\n")},
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	gz.ModTime = time.Unix(0, 0)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: time.Unix(1767225600, 0), Format: tar.FormatPAX}
		if strings.HasSuffix(f.name, ".sh") {
			hdr.Mode = 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return files, writeFile(path, buf.Bytes())
}

// artifactSBOM describes the artifact: a Go binary by its build info, a
// tarball the quickstart built by its files, anything else by itself.
func artifactSBOM(path, name, digest, ref string, files []demoFile) (*sbom.Document, error) {
	opts := sbom.Options{Now: func() time.Time { return time.Unix(1767225600, 0).UTC() }}
	if doc, err := sbom.FromBinary(path, opts); err == nil {
		return doc, nil
	} else if !errors.Is(err, sbom.ErrNoBuildInfo) {
		return nil, err
	}
	subject := sbom.Component{
		Name:    name,
		Version: strings.TrimPrefix(ref, "refs/tags/"),
		Type:    sbom.TypeFile,
		Hashes:  []sbom.Hash{{Algorithm: sbom.SHA256, Value: digest}},
	}
	var comps []sbom.Component
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		comps = append(comps, sbom.Component{
			Name:   f.name,
			Type:   sbom.TypeFile,
			Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: hex.EncodeToString(sum[:])}},
		})
	}
	return sbom.FromComponents(subject, comps, nil, opts)
}

// githubEnvironment simulates the GitHub Actions run of the release
// workflow: its variables and its push event.
func (c *config) githubEnvironment() ([]string, []byte) {
	owner, _, _ := strings.Cut(c.repository, "/")
	env := []string{
		"GITHUB_ACTIONS=true",
		"GITHUB_SERVER_URL=https://github.com",
		"GITHUB_REPOSITORY=" + c.repository,
		"GITHUB_REPOSITORY_ID=1",
		"GITHUB_REPOSITORY_OWNER=" + owner,
		"GITHUB_REPOSITORY_OWNER_ID=1",
		"GITHUB_EVENT_NAME=push",
		"GITHUB_REF=" + c.ref,
		"GITHUB_SHA=" + demoCommit,
		"GITHUB_WORKFLOW_REF=" + c.repository + "/" + c.workflow + "@" + c.ref,
		"GITHUB_RUN_ID=1",
		"GITHUB_RUN_ATTEMPT=1",
		"RUNNER_ENVIRONMENT=github-hosted",
	}
	event := fmt.Sprintf(`{"ref":%q,"after":%q,"repository":{"id":1,"full_name":%q,"owner":{"id":1,"login":%q}}}`,
		c.ref, demoCommit, c.repository, owner)
	return env, []byte(event)
}

// proofRecord is a small empirical claim about the artifact: that
// rebuilding it gives the same bytes.
func proofRecord(name, digest, ref string) *proof.Record {
	at := proof.Timestamp(time.Unix(1767225600, 0).UTC())
	th := proof.Threshold{Metric: "identical_rebuilds", Comparator: ">=", Value: 2, Units: "builds"}
	return &proof.Record{
		Identity: proof.Identity{OphaminVersion: "chainproof-quickstart", CreatedAt: at},
		Claim: proof.Claim{
			Statement:          name + " is reproducible",
			Operationalization: "rebuild from the tagged source and compare SHA-256 digests",
			H0:                 "rebuilds differ",
			H1:                 "rebuilds are byte-identical",
			Threshold:          th,
		},
		Preregistration: proof.Preregistration{
			ConfigHash: "sha256:" + digest, DataHash: "sha256:" + digest,
			AnalysisPlan: "two independent rebuilds", PreregisteredAt: at,
		},
		Data: proof.Data{
			SubstrateName: name,
			Datasets:      []proof.Dataset{{Name: name, ContentHash: "sha256:" + digest, NRecords: 2, Source: ref, Kind: "artifact"}},
		},
		Evidence: []proof.Evidence{{
			Pillar: "reproducibility", StatisticName: "identical_rebuilds", StatisticValue: 2,
			Library: "chainproof", LibraryVersion: "quickstart", CrossCheck: "passed",
		}},
		Verdict: proof.Verdict{
			Outcome: "VALIDATED", ObservedValue: 2, Threshold: th,
			Reasoning: "both rebuilds produced sha256:" + digest,
		},
		Reproduction: proof.Reproduction{
			Command:     "go run ./examples/quickstart",
			Environment: map[string]string{"GOTOOLCHAIN": "local"},
		},
	}
}
