package oidctest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Paths of the interactive flows, below the issuer URL.
const (
	AuthorizePath = "/authorize"    // authorization endpoint (RFC 6749 4.1, RFC 7636)
	DevicePath    = "/device/code"  // device authorization endpoint (RFC 8628 3.1)
	VerifyPath    = "/device/login" // the verification_uri shown to the person
)

// Device flow answers of the token endpoint (RFC 8628 3.5), for Login.Polls.
const (
	AuthorizationPending = "authorization_pending"
	SlowDown             = "slow_down"
	AccessDenied         = "access_denied"
	ExpiredToken         = "expired_token"
)

// DeviceCodeGrantType is the grant_type of a device token request.
const DeviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code"

// Defaults of the device authorization response.
const (
	DefaultDeviceExpiresIn = 600 // seconds
	// MaxPendingGrants bounds the authorization codes and device codes
	// waiting to be redeemed.
	MaxPendingGrants = 1024
)

// Login scripts the person behind the interactive flows: what happens when
// a browser reaches the authorization endpoint, and what the token
// endpoint answers to a device polling for its token. Set it with
// SetLogin. The zero value is a person who never signs in: the
// authorization endpoint shows a page and never redirects, and device
// polls are answered authorization_pending until the code expires.
type Login struct {
	// Claims of the identity the person signs in as (e.g. EmailClaims).
	// The issuer adds "aud" (the client ID), "nonce" (from the
	// authorization request) and "at_hash" (OpenID Connect Core 3.1.3.6,
	// over the access token returned beside the id_token, as Dex does)
	// unless Claims set them.
	Claims map[string]any
	// Deny: the person refuses. The authorization endpoint redirects with
	// error=access_denied; the device token endpoint answers access_denied
	// after Polls.
	Deny bool
	// Polls are the device token endpoint's answers, in order, before the
	// outcome (AuthorizationPending, SlowDown or any error code).
	Polls []string
	// Expire: the device token endpoint answers expired_token after Polls.
	Expire bool
	// UserCode handed out by the device endpoint; random when empty.
	UserCode string
	// Interval (seconds) in the device authorization response; omitted
	// when zero (the client then waits 5 seconds, RFC 8628 3.2).
	Interval int
	// ExpiresIn (seconds) of a device code; DefaultDeviceExpiresIn when
	// zero. The issuer's clock (Options.Now) decides expiry.
	ExpiresIn int
	// Tamper, if set, rewrites each id_token before it is returned (to
	// test clients that must refuse a bad token).
	Tamper func(idToken string) string
}

// SetLogin sets what the person does in the flows started after it.
func (i *Issuer) SetLogin(l Login) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.login = l
}

// grant is an authorization code or a device code waiting to be redeemed.
type grant struct {
	device      bool
	clientID    string
	redirectURI string // authorization code only
	nonce       string
	challenge   string // S256 PKCE challenge; "" if none was sent (device only)
	login       Login
	polls       int // device polls answered so far
	expires     time.Time
}

func (i *Issuer) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || (redirect.Scheme != "http" && redirect.Scheme != "https") || redirect.Host == "" || q.Get("client_id") == "" {
		// Without a redirect URI to trust, errors are shown, not redirected
		// (RFC 6749 4.1.2.1).
		http.Error(w, "oidctest: authorize: client_id and an http(s) redirect_uri are required", http.StatusBadRequest)
		return
	}
	fail := func(code string) {
		v := redirect.Query()
		v.Set("error", code)
		if s := q.Get("state"); s != "" {
			v.Set("state", s)
		}
		redirect.RawQuery = v.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type")
		return
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		fail("invalid_scope")
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		// PKCE with S256 is required of public clients here.
		fail("invalid_request")
		return
	}
	i.mu.Lock()
	login := i.login
	i.mu.Unlock()
	switch {
	case login.Deny:
		fail(AccessDenied)
		return
	case login.Claims == nil:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Sign in</title><p>oidctest: nobody signs in here.</p>")
		return
	}
	code := randomString()
	if !i.addGrant(code, &grant{
		clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), login: login, expires: i.now().Add(DefaultLifetime),
	}) {
		fail("temporarily_unavailable")
		return
	}
	v := redirect.Query()
	v.Set("code", code)
	if s := q.Get("state"); s != "" {
		v.Set("state", s)
	}
	redirect.RawQuery = v.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// DeviceResponse is the device authorization response (RFC 8628 3.2).
type DeviceResponse struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete,omitempty"`
	ExpiresIn               int    `json:"expires_in"`
	Interval                int    `json:"interval,omitempty"`
}

func (i *Issuer) serveDevice(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	if r.PostForm.Get("client_id") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_client")
		return
	}
	challenge := r.PostForm.Get("code_challenge")
	if challenge != "" && (r.PostForm.Get("code_challenge_method") != "S256" || len(challenge) != 43) {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	i.mu.Lock()
	login := i.login
	i.mu.Unlock()
	expiresIn := login.ExpiresIn
	if expiresIn <= 0 {
		expiresIn = DefaultDeviceExpiresIn
	}
	userCode := login.UserCode
	if userCode == "" {
		userCode = strings.ToUpper(randomString()[:4] + "-" + randomString()[:4])
	}
	deviceCode := randomString()
	if !i.addGrant(deviceCode, &grant{
		device: true, clientID: r.PostForm.Get("client_id"), challenge: challenge, login: login,
		expires: i.now().Add(time.Duration(expiresIn) * time.Second),
	}) {
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable")
		return
	}
	verify := i.url + VerifyPath
	writeJSON(w, http.StatusOK, DeviceResponse{
		DeviceCode:              deviceCode,
		UserCode:                userCode,
		VerificationURI:         verify,
		VerificationURIComplete: verify + "?user_code=" + url.QueryEscape(userCode),
		ExpiresIn:               expiresIn,
		Interval:                login.Interval,
	})
}

// serveGrant answers a form-encoded token request (RFC 6749 4.1.3, RFC
// 8628 3.4).
func (i *Issuer) serveGrant(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := r.PostForm
	device := false
	var code string
	switch f.Get("grant_type") {
	case "authorization_code":
		code = f.Get("code")
	case DeviceCodeGrantType:
		device, code = true, f.Get("device_code")
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	i.mu.Lock()
	g, ok := i.grants[code]
	if !ok || g.device != device || g.clientID != f.Get("client_id") ||
		(!device && g.redirectURI != f.Get("redirect_uri")) ||
		(g.challenge != "" && !pkceMatches(g.challenge, f.Get("code_verifier"))) {
		i.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	if !i.now().Before(g.expires) {
		delete(i.grants, code)
		i.mu.Unlock()
		if device {
			oauthError(w, http.StatusBadRequest, ExpiredToken)
		} else {
			oauthError(w, http.StatusBadRequest, "invalid_grant")
		}
		return
	}
	var answer string
	if device {
		switch {
		case g.polls < len(g.login.Polls):
			answer = g.login.Polls[g.polls]
		case g.login.Deny:
			answer = AccessDenied
		case g.login.Expire:
			answer = ExpiredToken
		case g.login.Claims == nil:
			answer = AuthorizationPending
		}
		g.polls++
	}
	if answer == "" || answer == AccessDenied || answer == ExpiredToken {
		delete(i.grants, code) // redeemed or finished: one use only
	}
	i.mu.Unlock()
	if answer != "" {
		oauthError(w, http.StatusBadRequest, answer)
		return
	}
	claims := make(map[string]any, len(g.login.Claims)+3)
	for k, v := range g.login.Claims {
		claims[k] = v
	}
	setDefault(claims, "aud", g.clientID)
	if g.nonce != "" {
		setDefault(claims, "nonce", g.nonce)
	}
	accessToken := randomString()
	setDefault(claims, "at_hash", accessTokenHash(accessToken))
	tok, err := i.Mint(claims)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error")
		return
	}
	if g.login.Tamper != nil {
		tok = g.login.Tamper(tok)
	}
	writeJSON(w, http.StatusOK, TokenResponse{
		IDToken: tok, AccessToken: accessToken, TokenType: "Bearer", ExpiresIn: int64(DefaultLifetime / time.Second),
	})
}

func (i *Issuer) addGrant(code string, g *grant) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	now := i.now()
	for k, old := range i.grants {
		if !now.Before(old.expires) {
			delete(i.grants, k)
		}
	}
	if len(i.grants) >= MaxPendingGrants {
		return false
	}
	if i.grants == nil {
		i.grants = make(map[string]*grant)
	}
	i.grants[code] = g
	return true
}

// accessTokenHash is the "at_hash" of an RS256 id_token issued with
// accessToken (OpenID Connect Core 3.1.3.6): the base64url left half of
// its SHA-256.
func accessTokenHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

func pkceMatches(challenge, verifier string) bool {
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return verifier != "" && subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, MaxTokenRequestSize)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return false
	}
	return true
}

// oauthError writes an RFC 6749 5.2 error response.
func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code})
}

func isForm(r *http.Request) bool {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded")
}

func randomString() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
