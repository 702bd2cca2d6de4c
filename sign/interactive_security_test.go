package sign_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
	"unicode"

	"golang.org/x/oauth2"

	"github.com/chainproof/chainproof/internal/oidctest"
	"github.com/chainproof/chainproof/sign"
)

// hostileIssuer serves an oidctest issuer on loopback whose answers a
// test replaces: discovery, if set, edits the discovery document; o, if
// set and it returns true, has answered the request itself (path is below
// the issuer URL).
func hostileIssuer(t *testing.T, login oidctest.Login, discovery func(*oidctest.Discovery), o override) *oidctest.Issuer {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss, err := oidctest.New(srv.URL+"/oidc", oidctest.Options{Key: rsaKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	iss.SetLogin(login)
	mux.Handle("/oidc/", issuerHandler(t, iss, "/oidc", discovery, o))
	return iss
}

// loopbackOnly refuses requests to hosts other than 127.0.0.1, so a
// test of a flow that should not follow an issuer's non-loopback endpoint
// never reaches the network even if it does.
var loopbackOnly = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() != "127.0.0.1" {
		return nil, fmt.Errorf("test: request to %s refused", r.URL.Host)
	}
	return http.DefaultTransport.RoundTrip(r)
})}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// terminalSafe reports whether s has only printable characters (so a
// CLI printing an error cannot be fed terminal escape sequences).
func terminalSafe(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

const escapes = "\x1b]0;owned\x07\x1b[2J\u202e\r\n"

func TestInteractiveUnsafeEndpoints(t *testing.T) {
	email := oidctest.EmailClaims("dev@example.com")
	for name, c := range map[string]struct {
		edit   func(d *oidctest.Discovery)
		device bool
	}{
		"file authorization endpoint with escapes": {edit: func(d *oidctest.Discovery) { d.AuthorizationEndpoint = "file:///etc/passwd" + escapes }},
		"authorization endpoint with escapes":      {edit: func(d *oidctest.Discovery) { d.AuthorizationEndpoint += "?x=" + escapes }},
		"javascript authorization endpoint":        {edit: func(d *oidctest.Discovery) { d.AuthorizationEndpoint = "javascript:alert(1)" }},
		"plain http authorization endpoint":        {edit: func(d *oidctest.Discovery) { d.AuthorizationEndpoint = "http://example.com/authorize" }},
		"user info in authorization endpoint": {edit: func(d *oidctest.Discovery) {
			d.AuthorizationEndpoint = "https://accounts.example.com@evil.example/authorize"
		}},
		"look-alike authorization endpoint": {edit: func(d *oidctest.Discovery) { d.AuthorizationEndpoint = "https://\u0430ccounts.example/authorize" }},
		"relative authorization endpoint":   {edit: func(d *oidctest.Discovery) { d.AuthorizationEndpoint = "/authorize" }},
		"plain http token endpoint":         {edit: func(d *oidctest.Discovery) { d.TokenEndpoint = "http://192.0.2.1/token" }},
		"plain http token endpoint, device": {edit: func(d *oidctest.Discovery) { d.TokenEndpoint = "http://192.0.2.1/token" }, device: true},
		"no token endpoint":                 {edit: func(d *oidctest.Discovery) { d.TokenEndpoint = "" }},
		"file device endpoint, device":      {edit: func(d *oidctest.Discovery) { d.DeviceAuthorizationEndpoint = "file:///dev/tty" }, device: true},
		"device endpoint with escapes":      {edit: func(d *oidctest.Discovery) { d.DeviceAuthorizationEndpoint += escapes }},
		"plain http jwks, device":           {edit: func(d *oidctest.Discovery) { d.JWKSURI = "http://example.com/jwks" }, device: true},
	} {
		t.Run(name, func(t *testing.T) {
			iss := hostileIssuer(t, oidctest.Login{Claims: email}, c.edit, nil)
			var prompt bytes.Buffer
			var opened atomic.Bool
			// MaxWait: without the check, the flow would wait for a person.
			it := sign.InteractiveToken{Issuer: iss.URL(), Device: c.device, Prompt: &prompt, MaxWait: 2 * time.Second, Client: loopbackOnly,
				OpenURL: func(string) error { opened.Store(true); return nil }}
			tok, err := it.Token(context.Background())
			var se *sign.ServiceError
			if !errors.As(err, &se) || se.Service != sign.ServiceOIDC || se.Step != sign.StepToken ||
				!errors.Is(err, sign.ErrBadResponse) || !errors.Is(err, sign.ErrUnsafeEndpoint) {
				t.Fatalf("got %q, %v; want an oidc *ServiceError of kind ErrBadResponse for an unsafe endpoint", tok, err)
			}
			if opened.Load() || prompt.Len() != 0 {
				t.Errorf("opened a browser: %v; prompt %q; want nothing shown", opened.Load(), prompt.String())
			}
			if !terminalSafe(err.Error()) {
				t.Errorf("error text carries control characters: %q", err.Error())
			}
		})
	}
}

func TestInteractiveUnsafeVerificationURI(t *testing.T) {
	// The device authorization response names a verification_uri that is
	// not https: refused, nothing shown (as for the user_code's escapes).
	iss := hostileIssuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")}, nil,
		func(w http.ResponseWriter, r *http.Request, path string) bool {
			if path != oidctest.DevicePath {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(oidctest.DeviceResponse{DeviceCode: "dc", UserCode: "WDJB-MJHT", VerificationURI: "http://phish.example/device", ExpiresIn: 60})
			return true
		})
	var prompt bytes.Buffer
	_, err := sign.InteractiveToken{Issuer: iss.URL(), Device: true, Prompt: &prompt}.Token(context.Background())
	if !errors.Is(err, sign.ErrBadResponse) || !errors.Is(err, sign.ErrUnsafeEndpoint) || prompt.Len() != 0 {
		t.Fatalf("got %v, prompt %q; want ErrBadResponse for an unsafe endpoint and nothing shown", err, prompt.String())
	}
}

// TestInteractiveServerTextCleaned: text the issuer sends that ends up in
// an error (a response body, an error_description) cannot carry terminal
// escapes; the typed cause is still there for errors.As.
func TestInteractiveServerTextCleaned(t *testing.T) {
	email := oidctest.EmailClaims("dev@example.com")
	answer := func(at, contentType string, status int, body string) func(http.ResponseWriter, *http.Request, string) bool {
		return func(w http.ResponseWriter, r *http.Request, path string) bool {
			if path != at {
				return false
			}
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
			return true
		}
	}
	for name, c := range map[string]struct {
		device   bool
		override func(http.ResponseWriter, *http.Request, string) bool
		check    func(t *testing.T, err error)
	}{
		"discovery error body": {
			override: answer(oidctest.DiscoveryPath, "text/plain", http.StatusNotFound, "not here"+escapes),
			check:    wantService(sign.ErrRejected),
		},
		"code exchange error body": {
			override: answer(oidctest.TokenPath, "text/plain", http.StatusBadRequest, "no"+escapes),
			check: func(t *testing.T, err error) {
				wantService(sign.ErrRejected)(t, err)
				var re *oauth2.RetrieveError
				if !errors.As(err, &re) {
					t.Errorf("got %v, want it to wrap the *oauth2.RetrieveError", err)
				}
			},
		},
		"code exchange error_description": {
			override: answer(oidctest.TokenPath, "application/json", http.StatusBadRequest, `{"error":"invalid_grant","error_description":"\u001b]0;owned\u0007"}`),
			check:    wantService(sign.ErrRejected),
		},
		"device authorization error body": {
			device:   true,
			override: answer(oidctest.DevicePath, "text/plain", http.StatusBadRequest, "no"+escapes),
			check:    wantService(sign.ErrRejected),
		},
		"device poll error code": {
			device:   true,
			override: answer(oidctest.TokenPath, "application/json", http.StatusBadRequest, `{"error":"\u001b]0;owned\u0007"}`),
			check:    wantService(sign.ErrRejected),
		},
		"jwks garbage": {
			device:   true,
			override: answer(oidctest.JWKSPath, "application/json", http.StatusOK, "{"+escapes),
			check: func(t *testing.T, err error) {
				var te *sign.TokenError
				if !errors.As(err, &te) || te.Kind != sign.ErrTokenUnverified {
					t.Errorf("got %v, want a *TokenError of kind ErrTokenUnverified", err)
				}
			},
		},
	} {
		check := func(t *testing.T, err error) {
			if err == nil {
				t.Fatal("no error")
			}
			c.check(t, err)
			if !terminalSafe(err.Error()) {
				t.Errorf("error text carries control characters: %q", err.Error())
			}
		}
		t.Run(name, func(t *testing.T) {
			if c.device {
				// The device flow polls: in a bubble, on its clock.
				synctest.Test(t, func(t *testing.T) {
					iss, client := memIssuer(t, oidctest.Login{Claims: email}, nil, c.override)
					_, err := deviceToken(iss, client, nil).Token(context.Background())
					check(t, err)
				})
				return
			}
			iss := hostileIssuer(t, oidctest.Login{Claims: email}, nil, c.override)
			var wg sync.WaitGroup
			defer wg.Wait()
			_, err := sign.InteractiveToken{Issuer: iss.URL(), OpenURL: browserUser(t, &wg)}.Token(context.Background())
			check(t, err)
		})
	}
}

func wantService(kind error) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var se *sign.ServiceError
		if !errors.As(err, &se) || se.Service != sign.ServiceOIDC || !errors.Is(err, kind) {
			t.Errorf("got %v, want an oidc *ServiceError of kind %v", err, kind)
		}
	}
}

// TestInteractiveResponseSizeBounded: an issuer answering a huge
// discovery document or JWKS is refused after a bounded read, instead of
// having it all read into memory (go-oidc uses io.ReadAll).
func TestInteractiveResponseSizeBounded(t *testing.T) {
	const huge = 64 << 20
	chunk := bytes.Repeat([]byte(" "), 32<<10)
	send := func(at string, declare bool) override {
		return func(w http.ResponseWriter, r *http.Request, path string) bool {
			if path != at {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			if declare {
				w.Header().Set("Content-Length", strconv.Itoa(huge))
			}
			for sent := 0; sent < huge; sent += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return true // the client hung up
				}
			}
			return true
		}
	}
	for name, c := range map[string]struct {
		device   bool
		override override
	}{
		"discovery":                   {override: send(oidctest.DiscoveryPath, false)},
		"discovery, declared length":  {override: send(oidctest.DiscoveryPath, true)},
		"jwks":                        {device: true, override: send(oidctest.JWKSPath, false)},
		"device authorization answer": {device: true, override: send(oidctest.DevicePath, false)},
		"device token answer":         {device: true, override: send(oidctest.TokenPath, false)},
	} {
		// In a bubble, on its clock: the device flow polls before it
		// fetches the JWKS.
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				iss, client := memIssuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")}, nil, c.override)
				it := sign.InteractiveToken{Issuer: iss.URL(), Device: c.device, Client: client}
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				_, err := it.Token(context.Background())
				runtime.ReadMemStats(&after)
				// Reading the bounded prefix costs a few MiB (io.ReadAll doubles
				// its buffer); reading the whole body would cost over 64 MiB.
				alloc := after.TotalAlloc - before.TotalAlloc
				t.Logf("allocated %d KiB", alloc>>10)
				if alloc > 16<<20 {
					t.Errorf("the flow allocated %d MiB for a %d MiB answer; want the read bounded", alloc>>20, huge>>20)
				}
				// x/oauth2 reads the device answers through its own 1 MiB
				// io.LimitReader; the flow's bound still tells a longer answer
				// from a truncated one.
				var se *sign.ServiceError
				var mbe *http.MaxBytesError
				if !errors.As(err, &se) || se.Service != sign.ServiceOIDC || !errors.Is(err, sign.ErrBadResponse) || !errors.As(err, &mbe) {
					t.Fatalf("got %v, want an oidc *ServiceError of kind ErrBadResponse wrapping *http.MaxBytesError", err)
				}
				if mbe.Limit > 1<<20 {
					t.Errorf("limit %d bytes, want at most 1 MiB", mbe.Limit)
				}
			})
		})
	}
}
