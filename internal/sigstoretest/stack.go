package sigstoretest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/chainproof/chainproof/internal/itest"
	"github.com/chainproof/chainproof/internal/oidctest"
	"github.com/chainproof/chainproof/verify"
)

// EnvDir names the environment variable that points at a running local
// Sigstore's directory.
const EnvDir = "CHAINPROOF_SIGSTORE_DIR"

// Files the harness writes in its directory.
const (
	ManifestFile      = "stack.json"
	TrustedRootFile   = "trusted_root.json"
	SigningConfigFile = "signing_config.json"
)

// MaxManifestSize bounds stack.json.
const MaxManifestSize = 1 << 20

// maxTokenResponseSize bounds a token endpoint answer.
const maxTokenResponseSize = 1 << 20

// requestTimeout bounds each HTTP call to the stack made by this package.
const requestTimeout = 10 * time.Second

// ErrNotRunning means the directory holds no usable stack, or its services
// do not answer.
var ErrNotRunning = errors.New("sigstoretest: local sigstore not running")

// Manifest is the content of stack.json, written by the harness once every
// service is ready.
type Manifest struct {
	FulcioURL       string    `json:"fulcio_url"`        // HTTP API base
	RekorURL        string    `json:"rekor_url"`         // Rekor v2 base, http://localhost:P
	TSAURL          string    `json:"tsa_url"`           // full .../api/v1/timestamp URL
	CTLogURL        string    `json:"ct_log_url"`        // RFC 6962 log prefix
	OIDCIssuerURL   string    `json:"oidc_issuer_url"`   // email issuer
	OIDCTokenURL    string    `json:"oidc_token_url"`    // its token endpoint
	GitHubIssuerURL string    `json:"github_issuer_url"` // GitHub-workflow issuer
	GitHubTokenURL  string    `json:"github_token_url"`  // its token endpoint
	PID             int       `json:"pid"`               // the harness process
	Started         time.Time `json:"started"`
}

// Stack is a running local Sigstore.
type Stack struct {
	Dir               string
	TrustedRootPath   string // trusted_root.json: Fulcio CA, Rekor v2 key, TSA chain, CT log key
	SigningConfigPath string // signing_config.json v0.2: Fulcio, OIDC, Rekor v2, TSA
	FulcioURL         string
	RekorURL          string // Rekor v2 (API version 2)
	TSAURL            string // the timestamp endpoint itself: .../api/v1/timestamp
	CTLogURL          string
	OIDCIssuerURL     string // issuer of email identities
	GitHubIssuerURL   string // issuer of GitHub-workflow identities
	Manifest          Manifest
}

// GitHubClaims describes a GitHub Actions workflow identity; zero fields take
// defaults (see oidctest.GitHubClaims).
type GitHubClaims = oidctest.GitHubClaims

// Local returns the stack named by CHAINPROOF_SIGSTORE_DIR. It skips the
// test when the variable is unset and fails it when the variable is set but
// the stack is missing or does not answer.
func Local(t testing.TB) *Stack {
	t.Helper()
	dir := os.Getenv(EnvDir)
	if dir == "" {
		itest.Skip(t, itest.LocalSigstore, "local sigstore not running (set "+EnvDir+"; .ci/run starts it)")
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("%s=%s: %v", EnvDir, dir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	if err := s.Check(ctx); err != nil {
		t.Fatalf("%s=%s: %v", EnvDir, dir, err)
	}
	return s
}

// Open reads the stack description in dir without contacting it.
func Open(dir string) (*Stack, error) {
	f, err := os.Open(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotRunning, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxManifestSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrNotRunning, ManifestFile, err)
	}
	if len(b) > MaxManifestSize {
		return nil, fmt.Errorf("%w: %s too large", ErrNotRunning, ManifestFile)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: parsing %s: %w", ErrNotRunning, ManifestFile, err)
	}
	if m.FulcioURL == "" || m.RekorURL == "" || m.TSAURL == "" || m.OIDCTokenURL == "" || m.GitHubTokenURL == "" {
		return nil, fmt.Errorf("%w: %s lacks service URLs", ErrNotRunning, ManifestFile)
	}
	s := &Stack{
		Dir:               dir,
		TrustedRootPath:   filepath.Join(dir, TrustedRootFile),
		SigningConfigPath: filepath.Join(dir, SigningConfigFile),
		FulcioURL:         m.FulcioURL,
		RekorURL:          m.RekorURL,
		TSAURL:            m.TSAURL,
		CTLogURL:          m.CTLogURL,
		OIDCIssuerURL:     m.OIDCIssuerURL,
		GitHubIssuerURL:   m.GitHubIssuerURL,
		Manifest:          m,
	}
	for _, p := range []string{s.TrustedRootPath, s.SigningConfigPath} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotRunning, err)
		}
	}
	return s, nil
}

// Check asks every service of the stack whether it is up.
func (s *Stack) Check(ctx context.Context) error {
	for _, u := range []string{
		s.OIDCIssuerURL + oidctest.DiscoveryPath,
		s.GitHubIssuerURL + oidctest.DiscoveryPath,
		s.FulcioURL + "/api/v2/trustBundle",
		s.RekorURL + "/healthz",
		s.TSAURL + "/certchain",
		s.CTLogURL + "/ct/v1/get-roots",
	} {
		if err := get(ctx, u); err != nil {
			return fmt.Errorf("%w: %w", ErrNotRunning, err)
		}
	}
	return nil
}

func get(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

// EmailToken returns a fresh identity token for email (verified), from the
// stack's email issuer.
func (s *Stack) EmailToken(t testing.TB, email string) string {
	t.Helper()
	return s.Token(t, s.Manifest.OIDCTokenURL, oidctest.EmailClaims(email))
}

// ExpiredEmailToken returns a correctly signed token for email that expired
// an hour ago.
func (s *Stack) ExpiredEmailToken(t testing.TB, email string) string {
	t.Helper()
	c := oidctest.EmailClaims(email)
	now := time.Now()
	c["iat"] = now.Add(-2 * time.Hour).Unix()
	c["nbf"] = now.Add(-2 * time.Hour).Unix()
	c["exp"] = now.Add(-time.Hour).Unix()
	return s.Token(t, s.Manifest.OIDCTokenURL, c)
}

// GitHubToken returns a fresh GitHub Actions identity token for c, from the
// stack's GitHub-workflow issuer. Fulcio turns it into a certificate with
// SAN c.SAN() and the GitHub workflow extensions.
func (s *Stack) GitHubToken(t testing.TB, c GitHubClaims) string {
	t.Helper()
	return s.Token(t, s.Manifest.GitHubTokenURL, c.Claims())
}

// Token asks the token endpoint tokenURL (Manifest.OIDCTokenURL or
// Manifest.GitHubTokenURL) to mint a token with claims, for tests of odd
// tokens (wrong audience: set "aud"; unverified email; expired: set "exp").
func (s *Stack) Token(t testing.TB, tokenURL string, claims map[string]any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	tok, err := MintToken(ctx, tokenURL, claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// MintToken posts claims to an oidctest token endpoint and returns the
// token.
func MintToken(ctx context.Context, tokenURL string, claims map[string]any) (string, error) {
	body, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("sigstoretest: encoding claims: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("sigstoretest: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("sigstoretest: token request: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponseSize))
	if err != nil {
		return "", fmt.Errorf("sigstoretest: token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("sigstoretest: token endpoint %s: %s: %s", tokenURL, resp.Status, bytes.TrimSpace(b))
	}
	var tr oidctest.TokenResponse
	if err := json.Unmarshal(b, &tr); err != nil || tr.IDToken == "" {
		return "", fmt.Errorf("sigstoretest: token endpoint %s: malformed answer", tokenURL)
	}
	return tr.IDToken, nil
}

// TrustedRoot loads the stack's trusted_root.json.
func (s *Stack) TrustedRoot(t testing.TB) *root.TrustedRoot {
	t.Helper()
	tr, err := root.NewTrustedRootFromPath(s.TrustedRootPath)
	if err != nil {
		t.Fatalf("sigstoretest: %v", err)
	}
	return tr
}

// VerifyRoot loads the stack's trusted_root.json for package verify (and
// sign.Options).
func (s *Stack) VerifyRoot(t testing.TB) *verify.TrustedRoot {
	t.Helper()
	tr, err := verify.LoadTrustedRoot(s.TrustedRootPath)
	if err != nil {
		t.Fatalf("sigstoretest: %v", err)
	}
	return tr
}

// SigningConfig loads the stack's signing_config.json.
func (s *Stack) SigningConfig(t testing.TB) *root.SigningConfig {
	t.Helper()
	sc, err := root.NewSigningConfigFromPath(s.SigningConfigPath)
	if err != nil {
		t.Fatalf("sigstoretest: %v", err)
	}
	return sc
}
