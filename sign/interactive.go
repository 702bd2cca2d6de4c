package sign

// InteractiveToken and what its flows share: discovery, the endpoint
// checks, how a flow fails or ends. The flows are in
// interactive_browser.go (authorization code with PKCE) and
// interactive_device.go (RFC 8628); the id_token check in
// interactive_idtoken.go; the bounded, printable reading of the issuer's
// answers in interactive_http.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
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
// The device flow polls the token endpoint with x/oauth2's
// Config.DeviceAccessToken: at the interval the issuer asks for (at most a
// minute; 5 seconds when it names none), 5 seconds more after each
// slow_down, until the code expires.
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
	// OpenURL opens the authorization URL in the browser flow. Nil opens
	// nothing: the person opens the URL written to Prompt. To open the
	// system browser, pass systembrowser.Open (package
	// sign/systembrowser), an explicit choice because its helper command
	// may write to the process's stdout and stderr. OpenURL runs on a
	// goroutine of its own while Token waits for the redirect; if it
	// fails (or panics), the flow goes on: the person can open the URL
	// written to Prompt. If it blocks, ctx and MaxWait still end the
	// flow, and an OpenURL that never returns is the one goroutine Token
	// leaves behind.
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
	// A public client (no secret) names itself in the request body (RFC
	// 6749 2.3.1, RFC 8628 3.4). Left to probe, x/oauth2 would send each
	// token request twice (Basic auth first), and a device poll answered
	// authorization_pending would count twice at the issuer.
	f.cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
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

// ended reports why the flow's context ended.
func (f *flow) ended() error {
	cause := context.Cause(f.ctx)
	if errors.Is(cause, errDeviceExpired) {
		return errCodeExpired()
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
