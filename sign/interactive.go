package sign

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/pkg/browser"
	"golang.org/x/oauth2"
)

// PublicGoodOIDCIssuer is the public-good Sigstore OIDC issuer.
const PublicGoodOIDCIssuer = "https://oauth2.sigstore.dev/auth"

// Defaults and bounds of InteractiveToken.
const (
	// DefaultInteractiveWait bounds how long InteractiveToken waits for
	// the person when MaxWait is zero.
	DefaultInteractiveWait = 5 * time.Minute
	// DefaultClientID is the OAuth client ID InteractiveToken uses when
	// ClientID is empty (the one public-good Fulcio accepts).
	DefaultClientID = "sigstore"
	// defaultDeviceInterval is the polling interval when the device
	// authorization response has none (RFC 8628 3.2).
	defaultDeviceInterval = 5 * time.Second
	// slowDownStep is added to the interval on each slow_down (RFC 8628 3.5).
	slowDownStep = 5 * time.Second
	// maxDeviceInterval caps the polling interval a server may ask for.
	maxDeviceInterval = time.Minute
	// maxTokenResponseSize bounds a token endpoint's answer (id_token,
	// access token and metadata).
	maxTokenResponseSize = 1 << 20
	// maxIssuerResponseSize bounds every response body the issuer sends
	// the interactive flows (discovery document, JWKS, token and device
	// answers); a longer one is refused with ErrBadResponse.
	maxIssuerResponseSize = 1 << 20
	// maxPromptField bounds the user code and URL shown to the person.
	maxPromptField = 2048
	// callbackPath is the redirect listener's path when RedirectURL has none.
	callbackPath = "/auth/callback"
)

// InteractiveToken obtains an identity token from a person at a terminal,
// by the OAuth 2.0 authorization code flow in a browser with PKCE
// (RFC 6749 4.1, RFC 7636; the default) or by the device authorization
// grant (RFC 8628; Device true) for machines without a browser. The
// id_token is verified against the issuer's published keys (signature,
// issuer, audience = ClientID, expiry, and nonce in the browser flow)
// before it is returned. The zero value signs in at PublicGoodOIDCIssuer.
//
// Token waits for the person until ctx ends or MaxWait passes, whichever
// is first; either stops the flow at once (no request or goroutine of its
// own is left behind, and the browser flow's redirect listener is closed),
// even while OpenURL has not returned.
//
// The endpoints the issuer's discovery document names (authorization,
// token, device authorization, JWKS) and the device flow's
// verification_uri must be https URLs (http only on a loopback host) of
// printable ASCII without user info; anything else is refused before it
// is shown, opened or sent the code. Text the issuer sends that reaches an
// error (a response body, an error code) has its non-printable characters
// escaped, so printing the error cannot emit terminal escape sequences.
// Every answer of the issuer (discovery, JWKS, token, device) is read up
// to 1 MiB; a longer one is refused (ErrBadResponse, wrapping an
// *http.MaxBytesError).
//
// Errors: the person refused, *TokenError with Kind ErrTokenDenied; the
// device code expired first, ErrTokenExpired; the id_token does not
// verify, ErrTokenUnverified (or ErrTokenExpired, ErrTokenMalformed); the
// issuer cannot be reached, answers an error or garbage, names an endpoint
// refused above (ErrBadResponse), or the wait ends, *ServiceError with
// Service ServiceOIDC and Step StepToken.
type InteractiveToken struct {
	// Issuer is the OIDC issuer URL; PublicGoodOIDCIssuer when empty.
	Issuer string
	// ClientID defaults to DefaultClientID ("sigstore").
	ClientID string
	// RedirectURL for the browser flow: an http URL on a loopback host
	// (localhost, 127.0.0.1, ::1) with a port, where Token listens for the
	// redirect. Port 0 picks a free port, which the redirect the issuer is
	// sent names. Empty: http://127.0.0.1:PORT/auth/callback on a free
	// port (an IP literal, as RFC 8252 8.3 recommends over "localhost").
	RedirectURL string
	// Device selects the device flow (no browser on this machine).
	Device bool
	// Prompt receives the instructions for the person: the URL to open
	// and, in the device flow, the code to enter. Nil discards them.
	Prompt io.Writer
	// OpenURL opens the authorization URL in the browser flow. Nil uses
	// the system browser (github.com/pkg/browser, whose helper command may
	// write to the process's stdout and stderr). It runs on a goroutine of
	// its own while Token waits for the redirect; if it fails (or panics),
	// the flow goes on: the person can open the URL written to Prompt. If
	// it blocks, ctx and MaxWait still end the flow, and an OpenURL that
	// never returns is the one goroutine Token leaves behind.
	OpenURL func(url string) error
	// Client makes the requests to the issuer; http.DefaultClient when
	// nil. Transient failures (connection errors, 5xx) are retried as in
	// Options (DefaultTimeout per attempt, DefaultRetries).
	Client *http.Client
	// MaxWait bounds the whole flow; DefaultInteractiveWait when zero.
	MaxWait time.Duration
	// Now is the clock the id_token's expiry is checked against; time.Now
	// when nil.
	Now func() time.Time

	// wait sleeps between device polls; tests replace it (export_test.go).
	wait func(ctx context.Context, d time.Duration) error
}

// Causes of the flow's context ending, to tell them apart.
var (
	errMaxWait       = errors.New("the person did not finish signing in within MaxWait")
	errDeviceExpired = errors.New("the device code expired")
)

// errUnsafeEndpoint: an endpoint the issuer named (discovery, the device
// verification_uri) is not an https URL (http only on a loopback host) of
// printable ASCII. Reported in a *ServiceError of kind ErrBadResponse.
var errUnsafeEndpoint = errors.New("not an https URL (http only on a loopback host) of printable ASCII without user info or fragment")

// Token runs the flow and returns a verified id_token.
func (it InteractiveToken) Token(ctx context.Context) (string, error) {
	f, err := it.start(ctx)
	if err != nil {
		return "", err
	}
	defer f.cancel()
	if it.Device {
		return f.device()
	}
	return f.browser()
}

// flow is one run of InteractiveToken.Token.
type flow struct {
	it       InteractiveToken
	issuer   string
	ctx      context.Context // bounded by MaxWait; carries the HTTP client for oauth2/go-oidc
	cancel   context.CancelFunc
	tr       *serviceTransport
	limit    *limitTransport // over tr
	client   *http.Client    // the caller's client over limit
	prompt   io.Writer
	provider *oidc.Provider
	cfg      oauth2.Config
}

func (it InteractiveToken) start(ctx context.Context) (*flow, error) {
	f := &flow{it: it, issuer: it.Issuer, prompt: it.Prompt}
	if f.issuer == "" {
		f.issuer = PublicGoodOIDCIssuer
	}
	if f.prompt == nil {
		f.prompt = io.Discard
	}
	wait := it.MaxWait
	if wait <= 0 {
		wait = DefaultInteractiveWait
	}
	client := it.Client
	if client == nil {
		client = http.DefaultClient
	}
	f.ctx, f.cancel = context.WithTimeoutCause(ctx, wait, errMaxWait)
	f.tr = newServiceTransport(f.ctx, client.Transport, ServiceOIDC, StepToken, f.issuer, policy{})
	f.limit = &limitTransport{base: f.tr, max: maxIssuerResponseSize}
	c := *client
	c.Transport = f.limit
	f.client = &c
	f.ctx = oidc.ClientContext(f.ctx, f.client)

	p, err := oidc.NewProvider(f.ctx, f.issuer)
	if err != nil {
		err = f.fail(nil, fmt.Errorf("discovery: %w", err))
		f.cancel()
		return nil, err
	}
	clientID := it.ClientID
	if clientID == "" {
		clientID = DefaultClientID
	}
	if err := checkEndpoints(p); err != nil {
		err = f.fail(ErrBadResponse, err)
		f.cancel()
		return nil, err
	}
	f.provider = p
	f.cfg = oauth2.Config{
		ClientID: clientID,
		Endpoint: p.Endpoint(),
		Scopes:   []string{oidc.ScopeOpenID, "email"},
	}
	return f, nil
}

// checkEndpoints refuses a discovery document whose endpoints are not
// endpointURLs: the authorization endpoint is shown to the person and
// opened in a browser, the token and device endpoints receive the code and
// the PKCE verifier, and the JWKS decides which id_tokens verify.
func checkEndpoints(p *oidc.Provider) error {
	var d struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := p.Claims(&d); err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	ep := p.Endpoint()
	for _, e := range []struct {
		name, url string
		optional  bool
	}{
		{"authorization_endpoint", ep.AuthURL, true}, // the device flow needs none
		{"token_endpoint", ep.TokenURL, false},
		{"device_authorization_endpoint", ep.DeviceAuthURL, true},
		{"jwks_uri", d.JWKSURI, false},
	} {
		if (e.url != "" || !e.optional) && !endpointURL(e.url) {
			return fmt.Errorf("discovery: %s %q: %w", e.name, e.url, errUnsafeEndpoint)
		}
	}
	return nil
}

// fail reports err as a *ServiceError (kind nil: as the transport saw
// it), or, when the flow's context has ended, as the reason it ended.
// err's text, which may quote what the issuer sent, is cleaned.
func (f *flow) fail(kind, err error) error {
	if f.ctx.Err() != nil {
		return f.ended()
	}
	if tooLarge := f.limit.exceeded(); tooLarge != nil && !errors.Is(err, tooLarge) {
		// The libraries reading the body may have kept only its text.
		kind, err = ErrBadResponse, fmt.Errorf("%w: %w", tooLarge, err)
	}
	return f.tr.failKind(kind, cleanError{err})
}

// limitTransport refuses response bodies longer than max (go-oidc reads
// the discovery document and the JWKS whole, with no bound): a body that
// declares or turns out to be longer ends in a *tooLargeError, which
// exceeded reports afterwards.
type limitTransport struct {
	base http.RoundTripper
	max  int64

	mu  sync.Mutex
	err *tooLargeError
}

// tooLargeError reports a response body longer than the flow accepts. It
// unwraps to *http.MaxBytesError, whose Limit is the bound.
type tooLargeError struct{ mbe *http.MaxBytesError }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("the issuer's response is longer than %d bytes", e.mbe.Limit)
}
func (e *tooLargeError) Unwrap() error { return e.mbe }

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, t.exceed()
	}
	resp.Body = &limitBody{ReadCloser: resp.Body, left: t.max, t: t}
	return resp, nil
}

func (t *limitTransport) exceed() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		t.err = &tooLargeError{&http.MaxBytesError{Limit: t.max}}
	}
	return t.err
}

// exceeded returns the error of the first body that was too long, if any.
func (t *limitTransport) exceeded() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		return nil
	}
	return t.err
}

// limitBody reads at most left more bytes, then fails if there are more.
type limitBody struct {
	io.ReadCloser
	left int64
	t    *limitTransport
}

func (b *limitBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly max bytes from a longer one.
		var one [1]byte
		if n, err := b.ReadCloser.Read(one[:]); n == 0 {
			return 0, err
		}
		return 0, b.t.exceed()
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// cleanError shows an error whose text may carry what a server sent
// (response bodies, error_description) with every character that is not
// printable escaped, so a terminal printing it cannot be fed escape
// sequences; it is truncated like other causes. It unwraps to the error.
type cleanError struct{ err error }

func (e cleanError) Error() string { return truncate(clean(e.err.Error())) }
func (e cleanError) Unwrap() error { return e.err }

// clean escapes, Go style, the runes of s that are not printable
// (control characters, bidirectional overrides, invalid UTF-8).
func clean(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsPrint(r):
			b.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

// ended reports why the flow's context ended.
func (f *flow) ended() error {
	cause := context.Cause(f.ctx)
	if errors.Is(cause, errDeviceExpired) {
		return &TokenError{Kind: ErrTokenExpired, Reason: "the device code expired before the sign-in was completed"}
	}
	kind := ErrUnavailable // cancelled, as classify reports it
	if errors.Is(f.ctx.Err(), context.DeadlineExceeded) {
		kind = ErrTimeout
	}
	err := cause
	if cause != f.ctx.Err() && !errors.Is(cause, f.ctx.Err()) {
		err = fmt.Errorf("%w: %w", f.ctx.Err(), cause)
	}
	return &ServiceError{Service: ServiceOIDC, Step: StepToken, URL: f.issuer, Kind: kind, Err: err}
}

// verify checks the id_token against the issuer's keys, then the claims
// signing needs. nonce is checked when not empty; at_hash, when the
// id_token has one, against accessToken, the access token the token
// endpoint returned beside it (OpenID Connect Core 3.1.3.6, 3.1.3.8).
func (f *flow) verify(raw, nonce, accessToken string) (string, error) {
	now := f.it.Now
	if now == nil {
		now = time.Now
	}
	idt, err := f.provider.Verifier(&oidc.Config{ClientID: f.cfg.ClientID, Now: now}).Verify(f.ctx, raw)
	var expired *oidc.TokenExpiredError
	switch {
	case errors.As(err, &expired):
		return "", &TokenError{Kind: ErrTokenExpired, Reason: "the issuer's id_token expired at " + expired.Expiry.UTC().Format(time.RFC3339)}
	case err != nil && f.ctx.Err() != nil:
		return "", f.ended()
	case err != nil && f.limit.exceeded() != nil: // the JWKS
		return "", f.fail(ErrBadResponse, err)
	case err != nil:
		return "", &TokenError{Kind: ErrTokenUnverified, Reason: "the issuer's id_token does not verify", Err: cleanError{err}}
	case nonce != "" && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1:
		return "", &TokenError{Kind: ErrTokenUnverified, Reason: "the id_token's nonce is not the one sent"}
	case idt.AccessTokenHash != "" && idt.VerifyAccessToken(accessToken) != nil:
		return "", &TokenError{Kind: ErrTokenUnverified, Reason: "the id_token's at_hash does not match the access token"}
	}
	if _, err := ParseToken(raw, now()); err != nil {
		return "", err
	}
	return raw, nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// device runs the device authorization grant (RFC 8628).
func (f *flow) device() (string, error) {
	if f.cfg.Endpoint.DeviceAuthURL == "" {
		return "", f.fail(ErrBadResponse, errors.New("the issuer does not advertise a device_authorization_endpoint"))
	}
	verifier := oauth2.GenerateVerifier()
	da, err := f.cfg.DeviceAuth(f.ctx, oauth2.S256ChallengeOption(verifier))
	if err != nil {
		return "", f.fail(retrieveKind(err), fmt.Errorf("device authorization: %w", err))
	}
	if da.DeviceCode == "" || !printable(da.UserCode) || !endpointURL(da.VerificationURI) {
		return "", f.fail(ErrBadResponse, fmt.Errorf("device authorization response lacks a device_code, a printable user_code or a verification_uri: %w", errUnsafeEndpoint))
	}
	fmt.Fprintf(f.prompt, "To sign in, open %s in a browser and enter the code %s\n", da.VerificationURI, da.UserCode)
	if endpointURL(da.VerificationURIComplete) {
		fmt.Fprintf(f.prompt, "(or open %s)\n", da.VerificationURIComplete)
	}

	ctx := f.ctx
	if !da.Expiry.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadlineCause(f.ctx, da.Expiry, errDeviceExpired)
		defer cancel()
		f.ctx = ctx // so fail and ended see the expiry
	}
	interval := defaultDeviceInterval
	if da.Interval > 0 {
		interval = time.Duration(min(da.Interval, int64(maxDeviceInterval/time.Second))) * time.Second
	}
	wait := f.it.wait
	if wait == nil {
		wait = sleep
	}
	form := url.Values{
		"grant_type":    {"urn:ietf:params:oauth:grant-type:device_code"},
		"device_code":   {da.DeviceCode},
		"client_id":     {f.cfg.ClientID},
		"code_verifier": {verifier},
	}
	for {
		if err := wait(ctx, interval); err != nil || ctx.Err() != nil {
			return "", f.ended()
		}
		tok, code, err := f.poll(form)
		if err != nil {
			return "", err
		}
		switch code {
		case "":
			return f.verify(tok.idToken, "", tok.accessToken)
		case "authorization_pending":
		case "slow_down":
			interval = min(interval+slowDownStep, maxDeviceInterval)
		case "access_denied":
			return "", &TokenError{Kind: ErrTokenDenied, Reason: "the sign-in was refused at the issuer"}
		case "expired_token":
			return "", &TokenError{Kind: ErrTokenExpired, Reason: "the device code expired before the sign-in was completed"}
		default:
			return "", f.fail(ErrRejected, fmt.Errorf("token endpoint answered error %q", code))
		}
	}
}

// tokens is a successful token response: the id_token and the access
// token its at_hash (if any) is computed over.
type tokens struct {
	idToken, accessToken string
}

// poll asks the token endpoint once for the device's token. It returns
// the tokens, or the RFC 6749 5.2 error code the endpoint answered.
func (f *flow) poll(form url.Values) (tok tokens, errCode string, err error) {
	req, err := http.NewRequestWithContext(f.ctx, http.MethodPost, f.cfg.Endpoint.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return tokens{}, "", f.fail(ErrBadResponse, fmt.Errorf("token endpoint: %w", err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return tokens{}, "", f.fail(nil, fmt.Errorf("token endpoint: %w", err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponseSize+1))
	if err != nil {
		return tokens{}, "", f.fail(nil, fmt.Errorf("token endpoint: %w", err))
	}
	var v struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if len(body) > maxTokenResponseSize || json.Unmarshal(body, &v) != nil {
		return tokens{}, "", f.fail(ErrBadResponse, fmt.Errorf("token endpoint answered HTTP %d with no JSON object", resp.StatusCode))
	}
	switch {
	case resp.StatusCode == http.StatusOK && v.IDToken != "":
		return tokens{idToken: v.IDToken, accessToken: v.AccessToken}, "", nil
	case resp.StatusCode == http.StatusOK:
		return tokens{}, "", f.fail(ErrBadResponse, errors.New("token endpoint answered without an id_token"))
	case v.Error != "":
		return tokens{}, v.Error, nil
	default:
		return tokens{}, "", f.fail(ErrRejected, fmt.Errorf("token endpoint answered HTTP %d", resp.StatusCode))
	}
}

// retrieveKind classifies an error of the oauth2 package: an error
// response from the server is a rejection; anything else is left to the
// transport's record.
func retrieveKind(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
		return ErrRejected
	}
	return nil
}

// callback is what the redirect listener received.
type callback struct {
	code, errCode string
}

// browser runs the authorization code flow with PKCE and a loopback
// redirect (RFC 8252 7.3).
func (f *flow) browser() (string, error) {
	ln, redirect, err := listenRedirect(f.it.RedirectURL)
	if err != nil {
		return "", err
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	f.cfg.RedirectURL = redirect.String()

	got := make(chan callback, 1)
	var once sync.Once
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if r.URL.Path != redirect.Path || r.Method != http.MethodGet {
				http.NotFound(w, r)
				return
			}
			// A request without this flow's state did not come from the
			// issuer's redirect (RFC 6749 10.12): refuse it and keep waiting.
			if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
				http.Error(w, "sign-in refused: state mismatch", http.StatusBadRequest)
				return
			}
			cb := callback{code: q.Get("code"), errCode: q.Get("error")}
			if cb.code == "" && cb.errCode == "" {
				cb.errCode = "invalid_request"
			}
			// Answer the browser first, then hand the result over: the
			// flow stops the server as soon as it has the result.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if cb.errCode != "" {
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, "<!doctype html><title>Sign-in failed</title><p>Sign-in failed. Return to the terminal.</p>")
			} else {
				fmt.Fprint(w, "<!doctype html><title>Signed in</title><p>Signed in. You can close this tab and return to the terminal.</p>")
			}
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
			once.Do(func() { got <- cb })
		}),
	}
	go srv.Serve(ln)
	defer func() {
		// Let an answer being written finish (the browser would see a
		// reset connection instead of the page), then stop.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx) // waits for answers in progress
		srv.Close()
	}()
	defer ln.Close() // closed now even if Serve has not started yet

	authURL := f.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))
	fmt.Fprintf(f.prompt, "To sign in, open this URL in a browser (opening it now):\n%s\n", authURL)
	open := f.it.OpenURL
	if open == nil {
		open = browser.OpenURL
	}
	// The opener runs on its own: one that blocks (a browser helper that
	// never exits) must not hold the flow past ctx or MaxWait, nor keep
	// the person's redirect from being taken.
	opened := make(chan error, 1)
	go func() { opened <- openURL(open, authURL) }()

	var cb callback
	for waiting := true; waiting; {
		select {
		case <-f.ctx.Done():
			return "", f.ended()
		case err := <-opened:
			opened = nil
			if err != nil {
				fmt.Fprintf(f.prompt, "Could not open a browser (%s); open the URL above.\n", clean(err.Error()))
			}
		case cb = <-got:
			waiting = false
		}
	}
	switch cb.errCode {
	case "":
	case "access_denied":
		return "", &TokenError{Kind: ErrTokenDenied, Reason: "the sign-in was refused at the issuer"}
	default:
		return "", f.fail(ErrRejected, fmt.Errorf("authorization endpoint answered error %q", cb.errCode))
	}
	tok, err := f.cfg.Exchange(f.ctx, cb.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return "", f.fail(retrieveKind(err), fmt.Errorf("code exchange: %w", err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", f.fail(ErrBadResponse, errors.New("token endpoint answered without an id_token"))
	}
	return f.verify(raw, nonce, tok.AccessToken)
}

// openURL calls open, reporting a panic as an error: it runs on a
// goroutine of its own, where a panic could not reach Token's caller.
func openURL(open func(string) error, u string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("OpenURL panicked: %v", r)
		}
	}()
	return open(u)
}

// listenRedirect listens where the issuer will redirect the browser.
func listenRedirect(redirectURL string) (net.Listener, *url.URL, error) {
	if redirectURL == "" {
		redirectURL = "http://127.0.0.1:0" + callbackPath
	}
	u, err := url.Parse(redirectURL)
	if err != nil || u.Scheme != "http" || u.Port() == "" || u.RawQuery != "" || u.Fragment != "" || !loopbackHost(u.Hostname()) {
		return nil, nil, &Error{Step: "options", Kind: ErrInvalidOptions, Err: fmt.Errorf("RedirectURL %q is not an http URL with a loopback host and a port", redirectURL)}
	}
	if u.Path == "" {
		u.Path = callbackPath
	}
	ln, err := net.Listen("tcp", u.Host)
	if err != nil {
		return nil, nil, &Error{Step: "options", Kind: ErrInvalidOptions, Err: fmt.Errorf("cannot listen for the sign-in redirect: %w", err)}
	}
	if port, err := strconv.Atoi(u.Port()); err == nil && port == 0 {
		// The issuer must send the browser where the listener is.
		u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	return ln, u, nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// printable reports whether s can be shown on a terminal as is: valid
// UTF-8 of printable characters only (a hostile server could otherwise
// send escape sequences or bidirectional overrides) and not too long.
func printable(s string) bool {
	if s == "" || len(s) > maxPromptField {
		return false
	}
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// endpointURL reports whether s may be used as an issuer's endpoint and
// shown to the person: printable ASCII without spaces (no control
// characters, no look-alike Unicode), at most maxPromptField bytes, an
// absolute https URL, or http on a loopback host (a local issuer), with a
// host and neither user info nor a fragment.
func endpointURL(s string) bool {
	if s == "" || len(s) > maxPromptField {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" || u.User != nil || u.Fragment != "" || strings.Contains(s, "#") {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return loopbackHost(u.Hostname())
	}
	return false
}

// randomToken returns 256 random bits, base64url (state and nonce).
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
