package oidctest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/internal/oidctest"
)

const pkceVerifier = "0123456789abcdef0123456789abcdef0123456789abcdef"

func challenge(v string) string {
	s := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func postForm(t *testing.T, u string, v url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("POST %s: %s: body is not JSON: %v", u, resp.Status, err)
	}
	return resp.StatusCode, m
}

func authorize(t *testing.T, iss *oidctest.Issuer, q url.Values) *url.URL {
	t.Helper()
	resp, err := noRedirect.Get(iss.URL() + oidctest.AuthorizePath + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %s, want a redirect", resp.Status)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func authQuery() url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {"sigstore"}, "scope": {"openid email"},
		"redirect_uri": {"http://localhost:1/auth/callback"}, "state": {"st"}, "nonce": {"n0"},
		"code_challenge": {challenge(pkceVerifier)}, "code_challenge_method": {"S256"},
	}
}

func TestAuthorizationCodeFlow(t *testing.T) {
	iss, _ := serve(t, "/email", nil)
	iss.SetLogin(oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
	loc := authorize(t, iss, authQuery())
	if loc.Host != "localhost:1" || loc.Query().Get("state") != "st" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect = %s", loc)
	}
	redeem := url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "client_id": {"sigstore"},
		"redirect_uri": {"http://localhost:1/auth/callback"}, "code_verifier": {pkceVerifier},
	}
	// A wrong PKCE verifier is refused and does not use up the code.
	bad := url.Values{}
	for k, v := range redeem {
		bad[k] = v
	}
	bad.Set("code_verifier", pkceVerifier+"x")
	if st, m := postForm(t, iss.TokenURL(), bad); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %v", st, m)
	}
	st, m := postForm(t, iss.TokenURL(), redeem)
	if st != 200 {
		t.Fatalf("token: %d %v", st, m)
	}
	idt, err := verifier(t, iss.URL(), nil).Verify(context.Background(), m["id_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != "n0" || idt.Subject != "dev@example.com" || m["access_token"] == "" {
		t.Errorf("nonce=%q sub=%q access_token=%v", idt.Nonce, idt.Subject, m["access_token"])
	}
	// at_hash binds the id_token to the access token beside it (as Dex does).
	if at, _ := m["access_token"].(string); idt.AccessTokenHash == "" || idt.VerifyAccessToken(at) != nil {
		t.Errorf("at_hash %q does not match access_token %q", idt.AccessTokenHash, at)
	}
	// A code is good once.
	if st, m := postForm(t, iss.TokenURL(), redeem); st != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("second redemption: %d %v", st, m)
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	iss, _ := serve(t, "/email", nil)
	iss.SetLogin(oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
	for name, c := range map[string]struct {
		key, value, want string
	}{
		"no pkce":       {"code_challenge_method", "", "invalid_request"},
		"plain pkce":    {"code_challenge_method", "plain", "invalid_request"},
		"no openid":     {"scope", "email", "invalid_scope"},
		"implicit flow": {"response_type", "token", "unsupported_response_type"},
	} {
		q := authQuery()
		q.Set(c.key, c.value)
		if got := authorize(t, iss, q).Query(); got.Get("error") != c.want || got.Get("state") != "st" {
			t.Errorf("%s: redirect query %v, want error=%s", name, got, c.want)
		}
	}
	iss.SetLogin(oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com"), Deny: true})
	if got := authorize(t, iss, authQuery()).Query().Get("error"); got != oidctest.AccessDenied {
		t.Errorf("deny: error=%q", got)
	}
	// Nobody signs in: a page, no redirect.
	iss.SetLogin(oidctest.Login{})
	resp, err := noRedirect.Get(iss.URL() + oidctest.AuthorizePath + "?" + authQuery().Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("nobody signs in: %s, want 200", resp.Status)
	}
	// No redirect_uri: an error page, never a redirect.
	q := authQuery()
	q.Del("redirect_uri")
	resp, err = noRedirect.Get(iss.URL() + oidctest.AuthorizePath + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no redirect_uri: %s, want 400", resp.Status)
	}
}

func TestDeviceFlowScript(t *testing.T) {
	iss, _ := serve(t, "/email", nil)
	iss.SetLogin(oidctest.Login{
		Claims:   oidctest.EmailClaims("dev@example.com"),
		Polls:    []string{oidctest.AuthorizationPending, oidctest.SlowDown},
		UserCode: "ABCD-EFGH",
		Interval: 3,
	})
	st, m := postForm(t, iss.URL()+oidctest.DevicePath, url.Values{
		"client_id": {"sigstore"}, "scope": {"openid email"},
		"code_challenge": {challenge(pkceVerifier)}, "code_challenge_method": {"S256"},
	})
	if st != 200 || m["user_code"] != "ABCD-EFGH" || m["interval"] != 3.0 ||
		m["verification_uri"] != iss.URL()+oidctest.VerifyPath || m["expires_in"] != float64(oidctest.DefaultDeviceExpiresIn) {
		t.Fatalf("device: %d %v", st, m)
	}
	poll := url.Values{
		"grant_type": {oidctest.DeviceCodeGrantType}, "device_code": {m["device_code"].(string)},
		"client_id": {"sigstore"}, "code_verifier": {pkceVerifier},
	}
	for _, want := range []string{oidctest.AuthorizationPending, oidctest.SlowDown} {
		if st, m := postForm(t, iss.TokenURL(), poll); st != 400 || m["error"] != want {
			t.Fatalf("poll: %d %v, want %s", st, m, want)
		}
	}
	st, m = postForm(t, iss.TokenURL(), poll)
	if st != 200 {
		t.Fatalf("poll: %d %v", st, m)
	}
	idt, err := verifier(t, iss.URL(), nil).Verify(context.Background(), m["id_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if at, _ := m["access_token"].(string); idt.AccessTokenHash == "" || idt.VerifyAccessToken(at) != nil {
		t.Errorf("at_hash %q does not match access_token %q", idt.AccessTokenHash, at)
	}
}

func TestDeviceFlowOutcomes(t *testing.T) {
	iss, _ := serve(t, "/email", nil)
	for name, c := range map[string]struct {
		login oidctest.Login
		want  string
	}{
		"deny":         {oidctest.Login{Claims: oidctest.EmailClaims("a@example.com"), Deny: true}, oidctest.AccessDenied},
		"expire":       {oidctest.Login{Expire: true}, oidctest.ExpiredToken},
		"nobody":       {oidctest.Login{}, oidctest.AuthorizationPending},
		"scripted err": {oidctest.Login{Polls: []string{"invalid_client"}}, "invalid_client"},
	} {
		iss.SetLogin(c.login)
		_, m := postForm(t, iss.URL()+oidctest.DevicePath, url.Values{"client_id": {"sigstore"}})
		poll := url.Values{"grant_type": {oidctest.DeviceCodeGrantType}, "device_code": {m["device_code"].(string)}, "client_id": {"sigstore"}}
		if st, m := postForm(t, iss.TokenURL(), poll); st != 400 || m["error"] != c.want {
			t.Errorf("%s: %d %v, want %s", name, st, m, c.want)
		}
		// Another client cannot poll for the code (and a finished code is gone).
		poll.Set("client_id", "other")
		if st, m := postForm(t, iss.TokenURL(), poll); st != 400 || m["error"] != "invalid_grant" {
			t.Errorf("%s: other client: %d %v", name, st, m)
		}
	}
	for name, v := range map[string]url.Values{
		"no grant type":  {"device_code": {"x"}},
		"unknown device": {"grant_type": {oidctest.DeviceCodeGrantType}, "device_code": {"nope"}, "client_id": {"sigstore"}},
	} {
		st, m := postForm(t, iss.TokenURL(), v)
		if e, _ := m["error"].(string); st != 400 || e == "" || !strings.Contains("unsupported_grant_type invalid_grant", e) {
			t.Errorf("%s: %d %v", name, st, m)
		}
	}
}
