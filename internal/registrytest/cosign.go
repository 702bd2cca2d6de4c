package registrytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chainproof/chainproof/internal/sigstoretest"
)

// Format is the layout cosign stores signatures and attestations in.
type Format int

const (
	// V3 is cosign v3's default: a Sigstore bundle v0.3 (DSSE) stored as an
	// OCI 1.1 referrer of the image (artifactType
	// application/vnd.dev.sigstore.bundle.v0.3+json), found through the
	// referrers API or, on registries without it, the referrers tag schema
	// (tag sha256-<hex>: an index). Signed with the signing config (Fulcio,
	// Rekor v2, TSA).
	V3 Format = iota
	// Legacy is cosign v2's layout: tags sha256-<hex>.sig (simple-signing
	// payload layers, signature/certificate/chain/rfc3161timestamp
	// annotations) and sha256-<hex>.att (DSSE envelope layers). Rekor v2
	// cannot log these, so they carry only an RFC 3161 timestamp (no log
	// entry, no SET).
	Legacy
)

// String names the format for subtests.
func (f Format) String() string {
	switch f {
	case V3:
		return "v3"
	case Legacy:
		return "legacy"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Formats lists every format, for tables.
var Formats = []Format{V3, Legacy}

// cosignTimeout bounds one cosign run (cosign's own default is 3 min).
const cosignTimeout = 60 * time.Second

// Cosign runs the real cosign (CHAINPROOF_COSIGN) against a local Sigstore
// (sigstoretest.Stack) and the loopback registries. Its methods build the
// exact command lines documented in the package comment.
type Cosign struct {
	Path  string
	Stack *sigstoretest.Stack
	// Home is the HOME (and TUF_ROOT parent) cosign runs with: a test
	// temp dir, so it never reads or writes the user's ~/.sigstore or
	// ~/.docker.
	Home string
}

// NewCosign returns the cosign binary bound to s; skipped (failed in CI)
// when CHAINPROOF_COSIGN is unset.
func NewCosign(t testing.TB, s *sigstoretest.Stack) *Cosign {
	t.Helper()
	return &Cosign{Path: CosignPath(t), Stack: s, Home: t.TempDir()}
}

// Env returns the environment cosign runs with: PATH, a private HOME, the
// TUF cache under it, no proxies, no ambient OIDC providers, and
// COSIGN_YES so it never prompts.
func (c *Cosign) Env() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + c.Home,
		"TUF_ROOT=" + filepath.Join(c.Home, ".sigstore", "root"),
		"DOCKER_CONFIG=" + filepath.Join(c.Home, ".docker"),
		"COSIGN_YES=true",
		"NO_PROXY=*",
	}
}

// CosignError is a failed cosign run.
type CosignError struct {
	Args   []string
	Stderr string
	Err    error // *exec.ExitError, context.DeadlineExceeded, ...
}

func (e *CosignError) Error() string {
	return fmt.Sprintf("cosign %s: %v: %s", strings.Join(redact(e.Args), " "), e.Err, strings.TrimSpace(e.Stderr))
}

// Reason returns cosign's own "Error: ..." line (it prints warnings before
// it), or the last line of standard error.
func (e *CosignError) Reason() string {
	lines := strings.Split(strings.TrimSpace(e.Stderr), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "Error: ") {
			return strings.TrimPrefix(l, "Error: ")
		}
	}
	return lines[len(lines)-1]
}

func (e *CosignError) Unwrap() error { return e.Err }

// redact hides identity tokens in error messages.
func redact(args []string) []string {
	out := append([]string(nil), args...)
	for i := range out {
		if i > 0 && out[i-1] == "--identity-token" {
			out[i] = "<token>"
		}
	}
	return out
}

// Run runs cosign with args and returns its standard output; a non-zero
// exit is a *CosignError carrying standard error.
func (c *Cosign) Run(ctx context.Context, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, cosignTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Path, args...)
	cmd.Env = c.Env()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = errors.Join(err, ctx.Err())
		}
		return stdout.Bytes(), &CosignError{Args: args, Stderr: stderr.String(), Err: err}
	}
	return stdout.Bytes(), nil
}

// registryFlags: both registries are plain HTTP on loopback.
var registryFlags = []string{"--allow-http-registry", "--allow-insecure-registry"}

// SignArgs returns the arguments of `cosign sign` for image
// (REPO@sha256:...) in format f with an identity token (see the package
// comment for the full command lines).
func (c *Cosign) SignArgs(f Format, token, image string) []string {
	args := append([]string{"sign"}, c.signFlags(f, token)...)
	return append(args, image)
}

// AttestArgs returns the arguments of `cosign attest --type typ --predicate
// FILE` (typ: a cosign short name such as cyclonedx, spdxjson,
// slsaprovenance1, or a predicate type URI), with the same signing flags as
// SignArgs.
func (c *Cosign) AttestArgs(f Format, typ, predicateFile, token, image string) []string {
	args := append([]string{"attest", "--type", typ, "--predicate", predicateFile}, c.signFlags(f, token)...)
	return append(args, image)
}

func (c *Cosign) signFlags(f Format, token string) []string {
	s := c.Stack
	var args []string
	switch f {
	case Legacy:
		args = []string{"--yes", "--new-bundle-format=false", "--use-signing-config=false", "--tlog-upload=false",
			"--fulcio-url", s.FulcioURL, "--timestamp-server-url", s.TSAURL, "--trusted-root", s.TrustedRootPath}
	default:
		args = []string{"--yes", "--signing-config", s.SigningConfigPath, "--trusted-root", s.TrustedRootPath}
	}
	args = append(args, "--identity-token", token)
	return append(args, registryFlags...)
}

// Identity is the certificate identity cosign verify is asked for.
type Identity struct {
	SAN    string // --certificate-identity (an email for the stack's email issuer)
	Issuer string // --certificate-oidc-issuer
}

// VerifyArgs returns the arguments of `cosign verify` for image against
// the stack's trusted root; for Legacy also --insecure-ignore-tlog (the
// signature has no log entry) and --use-signed-timestamps (its time comes
// from the TSA's token). See the package comment.
func (c *Cosign) VerifyArgs(f Format, id Identity, image string) []string {
	args := append([]string{"verify"}, c.verifyFlags(f, id, true)...)
	return append(args, image)
}

// VerifyAttestationArgs returns the arguments of `cosign verify-attestation
// --type typ` for image. For Legacy it passes --insecure-ignore-tlog but NOT
// --use-signed-timestamps: cosign v3.1.3 timestamps a legacy attestation's
// DSSE signature bytes when it signs, but checks the token against the whole
// envelope when it verifies, so it refuses its own legacy attestations with
// that flag ("expected at least one verified timestamp"). Without it the
// certificate is checked at the current time (it is valid for 10 minutes).
func (c *Cosign) VerifyAttestationArgs(f Format, typ string, id Identity, image string) []string {
	args := append([]string{"verify-attestation", "--type", typ}, c.verifyFlags(f, id, false)...)
	return append(args, image)
}

func (c *Cosign) verifyFlags(f Format, id Identity, signedTimestamps bool) []string {
	args := []string{"--trusted-root", c.Stack.TrustedRootPath,
		"--certificate-identity", id.SAN, "--certificate-oidc-issuer", id.Issuer}
	if f == Legacy {
		args = append(args, "--insecure-ignore-tlog")
		if signedTimestamps {
			args = append(args, "--use-signed-timestamps")
		}
	}
	return append(args, registryFlags...)
}

// Sign signs image with cosign, failing the test on error.
func (c *Cosign) Sign(t testing.TB, f Format, token, image string) {
	t.Helper()
	if _, err := c.Run(context.Background(), c.SignArgs(f, token, image)...); err != nil {
		t.Fatal(err)
	}
}

// Attest attests image with cosign (predicate from predicateFile), failing
// the test on error.
func (c *Cosign) Attest(t testing.TB, f Format, typ, predicateFile, token, image string) {
	t.Helper()
	if _, err := c.Run(context.Background(), c.AttestArgs(f, typ, predicateFile, token, image)...); err != nil {
		t.Fatal(err)
	}
}

// Verify runs cosign verify; nil means cosign accepted a signature.
func (c *Cosign) Verify(ctx context.Context, f Format, id Identity, image string) error {
	_, err := c.Run(ctx, c.VerifyArgs(f, id, image)...)
	return err
}

// VerifyAttestation runs cosign verify-attestation --type typ; nil means
// cosign accepted an attestation of that type.
func (c *Cosign) VerifyAttestation(ctx context.Context, f Format, typ string, id Identity, image string) error {
	_, err := c.Run(ctx, c.VerifyAttestationArgs(f, typ, id, image)...)
	return err
}

// Predicates cosign attests in the tests: a minimal CycloneDX 1.6 SBOM and a
// minimal SLSA provenance v1 predicate.
const (
	CycloneDXPredicate = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"example","version":"1.0.0","purl":"pkg:golang/example.com/example@v1.0.0"}]}`
	SLSAPredicate      = `{"buildDefinition":{"buildType":"https://chainproof.dev/test/build/v1","externalParameters":{"ref":"refs/heads/main"}},"runDetails":{"builder":{"id":"https://chainproof.dev/test/builder"}}}`
)

// Predicate types cosign writes for its short names.
const (
	CycloneDXType = "https://cyclonedx.org/bom"
	SLSAType      = "https://slsa.dev/provenance/v1"
	// CosignSignType is the predicate type of the in-toto statement inside
	// a cosign v3 image signature bundle (an empty predicate, the image
	// digest as the only subject).
	CosignSignType = "https://sigstore.dev/cosign/sign/v1"
)

// PredicateFile writes content to a file in the test's temp dir and returns
// its path (for cosign attest --predicate).
func PredicateFile(t testing.TB, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "predicate.json")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
