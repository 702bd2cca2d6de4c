package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chainproof/chainproof/internal/sigstoretest"
	"github.com/chainproof/chainproof/proof"
	"github.com/chainproof/chainproof/verify"
)

var bundleFiles = []string{"artifact.sigstore.json", "sbom.sigstore.json", "provenance.sigstore.json", "proof.sigstore.json"}

// checkRun runs the quickstart and checks its report and every file it
// wrote, re-verifying the bundles independently of the run.
func checkRun(t *testing.T, args []string, identity verify.Identity) string {
	t.Helper()
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var report bytes.Buffer
	if err := run(ctx, append([]string{"-out", out}, args...), &report); err != nil {
		t.Fatalf("quickstart failed: %v\n%s", err, report.String())
	}
	got := report.String()
	t.Logf("report:\n%s", got)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`artifact  hello-v1\.0\.0\.tar\.gz  sha256:[0-9a-f]{64}`),
		regexp.MustCompile(`(?m)^  ok  signed +by `),
		regexp.MustCompile(`(?m)^  ok  sbom +by .*https://cyclonedx\.org/bom`),
		regexp.MustCompile(`(?m)^  ok  provenance +by .*https://slsa\.dev/provenance/v1`),
		regexp.MustCompile(`(?m)^  ok  proof +record [0-9a-f]{16}: Sigstore signature outside, HMAC-SHA256 inside`),
		regexp.MustCompile(`(?m)^  no  tampered +check "(artifact|signature)" failed: verify: `),
		regexp.MustCompile(`(?m)^  no  wrong-id +check "identity" failed: verify: `),
		regexp.MustCompile(`signed and written to ` + regexp.QuoteMeta(out)),
	} {
		if !want.MatchString(got) {
			t.Errorf("report lacks %v", want)
		}
	}

	// The files it wrote are what it says, and verify on their own.
	trust, err := verify.LoadTrustedRoot(filepath.Join(out, "trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	artifact := filepath.Join(out, "hello-v1.0.0.tar.gz")
	policy := verify.Policy{Identities: []verify.Identity{identity}}
	for _, f := range bundleFiles[:3] {
		data, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		p := policy
		switch f {
		case "sbom.sigstore.json":
			p.Attestation = &verify.AttestationPolicy{PredicateType: "https://cyclonedx.org/bom"}
		case "provenance.sigstore.json":
			p.Attestation = &verify.AttestationPolicy{PredicateType: "https://slsa.dev/provenance/v1"}
		}
		if _, err := verify.Verify(context.Background(), data, verify.Artifact{Path: artifact}, p, verify.Options{TrustedRoot: trust}); err != nil {
			t.Errorf("%s does not verify: %v", f, err)
		}
	}
	rec, err := os.ReadFile(filepath.Join(out, "proof-record.json"))
	if err != nil {
		t.Fatal(err)
	}
	pv, err := proof.Verify(rec, demoProofKey)
	if err != nil {
		t.Fatalf("proof-record.json: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(out, "proof.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	p := policy
	p.Attestation = &verify.AttestationPolicy{PredicateType: proof.PredicateType}
	res, err := verify.Verify(context.Background(), data, verify.Artifact{Digest: "sha256:" + pv.ProofID}, p, verify.Options{TrustedRoot: trust})
	if err != nil {
		t.Fatalf("proof bundle: %v", err)
	}
	if _, err := proof.VerifyStatement(res.Statement.Payload, []byte("not the proof key")); err == nil {
		t.Error("inner layer verified with the wrong HMAC key")
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("left a temporary file %s", e.Name())
		}
	}
	return got
}

func TestQuickstartInProcess(t *testing.T) {
	checkRun(t, nil, verify.GitHubWorkflowIdentity("acme/hello", ".github/workflows/release.yml", "refs/tags/v*"))
}

func TestQuickstartOwnArtifact(t *testing.T) {
	dir := t.TempDir()
	artifact := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(artifact, []byte("release notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var report bytes.Buffer
	if err := run(context.Background(), []string{"-out", t.TempDir(), artifact}, &report); err != nil {
		t.Fatalf("%v\n%s", err, report.String())
	}
	if !strings.Contains(report.String(), "artifact  notes.txt  sha256:") {
		t.Fatalf("report:\n%s", report.String())
	}
}

func TestQuickstartFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-signing-config", "sc.json"},
		{"-token", "x"},
		{"-ref", "refs/heads/main"},
		{"-email", "me@example.com"},
		{"a", "b"},
		{"-no-such-flag"},
	} {
		if err := run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// TestQuickstartLocalSigstore runs the quickstart against the real local
// Sigstore (Fulcio, Rekor v2, TSA, OIDC issuer, CT log) that .ci/run
// starts; it skips, saying so, when the stack is not running.
func TestQuickstartLocalSigstore(t *testing.T) {
	stack := sigstoretest.Local(t)
	claims := sigstoretest.GitHubClaims{Repository: "acme/hello", WorkflowPath: ".github/workflows/release.yml", Ref: "refs/tags/v1.0.0"}
	token := stack.GitHubToken(t, claims)
	id := verify.GitHubWorkflowIdentity("acme/hello", ".github/workflows/release.yml", "refs/tags/v*")
	id.Issuer = verify.Exact(stack.GitHubIssuerURL)
	report := checkRun(t, []string{
		"-signing-config", stack.SigningConfigPath,
		"-trusted-root", stack.TrustedRootPath,
		"-token", token,
		"-issuer", stack.GitHubIssuerURL,
	}, id)
	if !strings.Contains(report, "services of "+stack.SigningConfigPath) {
		t.Errorf("report does not name the local stack:\n%s", report)
	}
}
