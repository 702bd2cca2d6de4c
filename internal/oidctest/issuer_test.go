package oidctest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/chainproof/chainproof/internal/oidctest"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// key returns one RSA key for the whole test binary (generation is slow).
func key(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

// serve runs an issuer at srv.URL+path and returns it.
func serve(t *testing.T, path string, now func() time.Time) (*oidctest.Issuer, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss, err := oidctest.New(srv.URL+path, oidctest.Options{Key: key(t), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(path+"/", iss)
	return iss, srv
}

// verifier checks tokens the way Fulcio does: go-oidc discovery, JWKS,
// client ID "sigstore".
func verifier(t *testing.T, issuerURL string, now func() time.Time) *oidc.IDTokenVerifier {
	t.Helper()
	p, err := oidc.NewProvider(context.Background(), issuerURL)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return p.Verifier(&oidc.Config{ClientID: oidctest.Audience, Now: now})
}

func postToken(t *testing.T, url string, body string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestEmailTokenVerifiesWithGoOIDC(t *testing.T) {
	iss, _ := serve(t, "/email", nil)
	body, _ := json.Marshal(oidctest.EmailClaims("alice@example.com"))
	resp, b := postToken(t, iss.TokenURL(), string(body))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token endpoint: %s: %s", resp.Status, b)
	}
	var tr oidctest.TokenResponse
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	if tr.TokenType != "Bearer" || tr.ExpiresIn <= 0 {
		t.Errorf("token response = %+v", tr)
	}
	idt, err := verifier(t, iss.URL(), nil).Verify(context.Background(), tr.IDToken)
	if err != nil {
		t.Fatalf("go-oidc rejects the token: %v", err)
	}
	var c struct {
		Email    string `json:"email"`
		Verified bool   `json:"email_verified"`
	}
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if idt.Issuer != iss.URL() || idt.Subject != "alice@example.com" || c.Email != "alice@example.com" || !c.Verified {
		t.Errorf("claims: iss=%q sub=%q %+v", idt.Issuer, idt.Subject, c)
	}
}

func TestGitHubClaimsRoundTrip(t *testing.T) {
	iss, _ := serve(t, "/github", nil)
	gh := oidctest.GitHubClaims{Repository: "acme/app", Ref: "refs/tags/v1"}
	tok, err := iss.Mint(gh.Claims())
	if err != nil {
		t.Fatal(err)
	}
	idt, err := verifier(t, iss.URL(), nil).Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := idt.Claims(&got); err != nil {
		t.Fatal(err)
	}
	// Every claim Fulcio's github-workflow templates read must be present.
	for _, k := range []string{"event_name", "sha", "workflow", "repository", "ref", "job_workflow_ref",
		"job_workflow_sha", "runner_environment", "repository_id", "repository_owner",
		"repository_owner_id", "workflow_ref", "workflow_sha", "run_id", "run_attempt", "repository_visibility"} {
		if s, ok := got[k].(string); !ok || s == "" {
			t.Errorf("claim %q = %v, want a non-empty string", k, got[k])
		}
	}
	if got["sub"] != "repo:acme/app:ref:refs/tags/v1" || got["ref_type"] != "tag" {
		t.Errorf("sub=%v ref_type=%v", got["sub"], got["ref_type"])
	}
	if want := "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1"; gh.SAN() != want {
		t.Errorf("SAN() = %q, want %q", gh.SAN(), want)
	}
}

func TestExpiredTokenRejectedByGoOIDC(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	iss, _ := serve(t, "/email", clock)
	c := oidctest.EmailClaims("late@example.com")
	c["iat"] = now.Add(-2 * time.Hour).Unix()
	c["exp"] = now.Add(-time.Hour).Unix()
	tok, err := iss.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	_, err = verifier(t, iss.URL(), clock).Verify(context.Background(), tok)
	var expired *oidc.TokenExpiredError
	if !errors.As(err, &expired) {
		t.Fatalf("got %v, want *oidc.TokenExpiredError", err)
	}
	// The same token within its lifetime is fine: the clock is what failed.
	earlier := func() time.Time { return now.Add(-90 * time.Minute) }
	if _, err := verifier(t, iss.URL(), earlier).Verify(context.Background(), tok); err != nil {
		t.Fatalf("within lifetime: %v", err)
	}
}

func TestWrongAudienceRejectedByGoOIDC(t *testing.T) {
	iss, _ := serve(t, "/email", nil)
	c := oidctest.EmailClaims("a@example.com")
	c["aud"] = "not-sigstore"
	tok, err := iss.Mint(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifier(t, iss.URL(), nil).Verify(context.Background(), tok); err == nil ||
		!strings.Contains(err.Error(), "audience") {
		t.Fatalf("got %v, want an audience error", err)
	}
}

func TestMintRejects(t *testing.T) {
	iss, err := oidctest.New("http://127.0.0.1:1/x", oidctest.Options{Key: key(t)})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]map[string]any{
		"iss set":     {"sub": "a", "iss": "http://evil"},
		"sub missing": {"email": "a@example.com"},
	} {
		if _, err := iss.Mint(c); !errors.Is(err, oidctest.ErrClaims) {
			t.Errorf("%s: got %v, want ErrClaims", name, err)
		}
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:80", "ftp://h", "http://", "http://h/x/", "http://h?q=1", "http://h#f"} {
		if _, err := oidctest.New(u, oidctest.Options{Key: key(t)}); !errors.Is(err, oidctest.ErrIssuerURL) {
			t.Errorf("New(%q): got %v, want ErrIssuerURL", u, err)
		}
	}
}

func TestEndpoints(t *testing.T) {
	iss, srv := serve(t, "/email", nil)
	cases := []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/email" + oidctest.DiscoveryPath, "", 200},
		{"GET", "/email" + oidctest.JWKSPath, "", 200},
		{"POST", "/email" + oidctest.DiscoveryPath, "", 405},
		{"GET", "/email" + oidctest.TokenPath, "", 405},
		{"POST", "/email" + oidctest.TokenPath, "not json", 400},
		{"POST", "/email" + oidctest.TokenPath, "[]", 400},
		{"POST", "/email" + oidctest.TokenPath, "null", 400},
		{"POST", "/email" + oidctest.TokenPath, `{"email":"no-sub"}`, 400},
		{"POST", "/email" + oidctest.TokenPath, `{"sub":"` + strings.Repeat("a", oidctest.MaxTokenRequestSize) + `"}`, 400},
		{"GET", "/email/nope", "", 404},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
	}
	var d oidctest.Discovery
	resp, err := http.Get(iss.URL() + oidctest.DiscoveryPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d.Issuer != iss.URL() || d.JWKSURI != iss.URL()+oidctest.JWKSPath || d.TokenEndpoint != iss.TokenURL() {
		t.Errorf("discovery = %+v", d)
	}
}

func BenchmarkMint(b *testing.B) {
	iss, err := oidctest.New("http://127.0.0.1:1/x", oidctest.Options{Key: key(b)})
	if err != nil {
		b.Fatal(err)
	}
	c := oidctest.EmailClaims("a@example.com")
	for b.Loop() {
		if _, err := iss.Mint(c); err != nil {
			b.Fatal(err)
		}
	}
}
