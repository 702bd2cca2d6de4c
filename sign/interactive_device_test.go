package sign_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/chainproof/chainproof/internal/oidctest"
	"github.com/chainproof/chainproof/sign"
)

// deviceToken is the device flow against an in-memory issuer.
func deviceToken(iss *oidctest.Issuer, client *http.Client, prompt io.Writer) sign.InteractiveToken {
	return sign.InteractiveToken{Issuer: iss.URL(), Device: true, Prompt: prompt, Client: client}
}

// polls records when the device authorization and each token request
// reached the issuer (on the bubble's clock), and the token requests.
type polls struct {
	mu    sync.Mutex
	start time.Time
	at    []time.Time
	forms []http.Request
}

func (p *polls) override(w http.ResponseWriter, r *http.Request, path string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch path {
	case oidctest.DevicePath:
		p.start = time.Now()
	case oidctest.TokenPath:
		p.at = append(p.at, time.Now())
		if err := r.ParseForm(); err == nil { // the issuer reads the parsed form
			p.forms = append(p.forms, http.Request{Header: r.Header.Clone(), PostForm: r.PostForm})
		}
	}
	return false
}

// waits is the time before each token request: since the device
// authorization answer, then since the previous request.
func (p *polls) waits() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var d []time.Duration
	last := p.start
	for _, at := range p.at {
		d = append(d, at.Sub(last))
		last = at
	}
	return d
}

func TestInteractiveDeviceFlow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &polls{}
		iss, client := memIssuer(t, oidctest.Login{
			Claims:   oidctest.EmailClaims("dev@example.com"),
			Polls:    []string{oidctest.AuthorizationPending, oidctest.AuthorizationPending, oidctest.SlowDown, oidctest.AuthorizationPending},
			UserCode: "WDJB-MJHT",
			Interval: 2,
		}, nil, p.override)
		var prompt bytes.Buffer
		tok, err := deviceToken(iss, client, &prompt).Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c, err := sign.ParseToken(tok, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		want := &sign.Claims{Issuer: iss.URL(), Subject: "dev@example.com", Email: "dev@example.com", Audience: []string{"sigstore"}}
		if diff := cmp.Diff(want, c, cmpIgnoreTimes); diff != "" {
			t.Errorf("claims (-want +got):\n%s", diff)
		}
		// The id_token is bound to an access token by at_hash, as Dex's are:
		// the flow checked it against the access_token the poll returned.
		if atHash(t, tok) == "" {
			t.Error("the issuer's id_token has no at_hash: the at_hash check was not exercised")
		}
		// The person is told where to go and what to enter.
		verify := iss.URL() + oidctest.VerifyPath
		for _, s := range []string{"WDJB-MJHT", verify + " ", verify + "?user_code=WDJB-MJHT"} {
			if !strings.Contains(prompt.String(), s) {
				t.Errorf("prompt %q does not contain %q", prompt.String(), s)
			}
		}
		// Five polls: the interval the server gave, then 5 s more after
		// slow_down (RFC 8628 3.5).
		s := time.Second
		if diff := cmp.Diff([]time.Duration{2 * s, 2 * s, 2 * s, 7 * s, 7 * s}, p.waits()); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
	})
}

func TestInteractiveDeviceDefaultInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &polls{}
		iss, client := memIssuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")}, nil, p.override)
		if _, err := deviceToken(iss, client, nil).Token(context.Background()); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]time.Duration{5 * time.Second}, p.waits()); diff != "" {
			t.Errorf("no interval given: waits (-want +got):\n%s", diff)
		}
	})
}

// TestInteractiveDeviceSlowDown: x/oauth2 polls, adding 5 s for this and
// every later request at each slow_down and keeping the interval on
// authorization_pending; every poll is one request of a public client
// (client_id in the body, no Basic auth) with the PKCE verifier.
func TestInteractiveDeviceSlowDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &polls{}
		iss, client := memIssuer(t, oidctest.Login{
			Claims:   oidctest.EmailClaims("dev@example.com"),
			Polls:    []string{oidctest.SlowDown, oidctest.SlowDown, oidctest.AuthorizationPending, oidctest.SlowDown},
			Interval: 1,
		}, nil, p.override)
		if _, err := deviceToken(iss, client, nil).Token(context.Background()); err != nil {
			t.Fatal(err)
		}
		s := time.Second
		if diff := cmp.Diff([]time.Duration{1 * s, 6 * s, 11 * s, 11 * s, 16 * s}, p.waits()); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.forms) != 5 {
			t.Fatalf("%d token requests, want 5 (one per poll)", len(p.forms))
		}
		for i, r := range p.forms {
			f := r.PostForm
			if r.Header.Get("Authorization") != "" || f.Get("client_id") != "sigstore" ||
				f.Get("grant_type") != oidctest.DeviceCodeGrantType || f.Get("device_code") == "" || len(f.Get("code_verifier")) != 43 {
				t.Errorf("poll %d: Authorization %q, form %v; want a public client's device grant with a PKCE verifier", i, r.Header.Get("Authorization"), f)
			}
		}
	})
}

// TestInteractiveDeviceHostileInterval: the interval the issuer asks for
// is capped at a minute; a negative one (which would make a ticker panic)
// means the default 5 s.
func TestInteractiveDeviceHostileInterval(t *testing.T) {
	for name, c := range map[string]struct {
		interval int64
		want     time.Duration
	}{
		"huge":     {1 << 62, time.Minute},
		"negative": {-3, 5 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &polls{}
				var iss *oidctest.Issuer
				iss, client := memIssuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")}, nil,
					func(w http.ResponseWriter, r *http.Request, path string) bool {
						p.override(w, r, path)
						if path != oidctest.DevicePath {
							return false
						}
						rec := httptest.NewRecorder()
						iss.ServeHTTP(rec, r)
						var d map[string]any
						if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
							t.Errorf("device answer: %v", err)
						}
						d["interval"] = c.interval
						w.Header().Set("Content-Type", "application/json")
						_ = json.NewEncoder(w).Encode(d)
						return true
					})
				if _, err := deviceToken(iss, client, nil).Token(context.Background()); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]time.Duration{c.want}, p.waits()); diff != "" {
					t.Errorf("interval %d: waits (-want +got):\n%s", c.interval, diff)
				}
			})
		})
	}
}

var cmpIgnoreTimes = cmp.Comparer(func(a, b time.Time) bool { return true })

// atHash returns the at_hash claim of a JWT (unverified).
func atHash(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		AtHash string `json:"at_hash"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	return c.AtHash
}

// tamper returns a Login.Tamper that replaces the token.
func replaceWith(tok string) func(string) string { return func(string) string { return tok } }

func TestInteractiveDeviceErrors(t *testing.T) {
	email := oidctest.EmailClaims("dev@example.com")
	for name, c := range map[string]struct {
		login  func() oidctest.Login // called in the bubble, on its clock
		kind   error
		forged bool // the token comes from an impostor at the issuer's URL, with another key
	}{
		"denied": {func() oidctest.Login {
			return oidctest.Login{Claims: email, Deny: true, Polls: []string{oidctest.AuthorizationPending}}
		}, sign.ErrTokenDenied, false},
		"expired code":   {func() oidctest.Login { return oidctest.Login{Expire: true, Polls: []string{oidctest.SlowDown}} }, sign.ErrTokenExpired, false},
		"bad signature":  {func() oidctest.Login { return oidctest.Login{Claims: email, Tamper: flipSignature} }, sign.ErrTokenUnverified, false},
		"other key":      {func() oidctest.Login { return oidctest.Login{Claims: email} }, sign.ErrTokenUnverified, true},
		"wrong audience": {func() oidctest.Login { return oidctest.Login{Claims: with(email, "aud", "not-sigstore")} }, sign.ErrTokenUnverified, false},
		"expired id_token": {func() oidctest.Login {
			return oidctest.Login{Claims: with(with(email, "exp", time.Now().Add(-time.Hour).Unix()), "iat", time.Now().Add(-2*time.Hour).Unix())}
		}, sign.ErrTokenExpired, false},
		"not a jwt":     {func() oidctest.Login { return oidctest.Login{Claims: email, Tamper: replaceWith("not.a-jwt")} }, sign.ErrTokenUnverified, false},
		"wrong at_hash": {func() oidctest.Login { return oidctest.Login{Claims: with(email, "at_hash", "AAAAAAAAAAAAAAAAAAAAAA")} }, sign.ErrTokenUnverified, false},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				login := c.login()
				iss, client := memIssuer(t, login, nil, nil)
				if c.forged {
					forged, err := oidctest.New(iss.URL(), oidctest.Options{Key: otherKey(t)})
					if err != nil {
						t.Fatal(err)
					}
					tok, err := forged.Mint(email)
					if err != nil {
						t.Fatal(err)
					}
					login.Tamper = replaceWith(tok)
					iss.SetLogin(login)
				}
				tok, err := deviceToken(iss, client, nil).Token(context.Background())
				var te *sign.TokenError
				if !errors.As(err, &te) || te.Kind != c.kind || !errors.Is(err, sign.ErrToken) {
					t.Fatalf("got %q, %v; want a *TokenError of kind %v", tok, err, c.kind)
				}
			})
		})
	}
}

func flipSignature(tok string) string {
	b := []byte(tok)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func with(m map[string]any, k string, v any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	c[k] = v
	return c
}

func TestInteractiveDeviceServiceErrors(t *testing.T) {
	t.Run("unknown error code", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			iss, client := memIssuer(t, oidctest.Login{Polls: []string{"invalid_client"}}, nil, nil)
			_, err := deviceToken(iss, client, nil).Token(context.Background())
			var se *sign.ServiceError
			if !errors.As(err, &se) || se.Service != sign.ServiceOIDC || se.Step != sign.StepToken || !errors.Is(err, sign.ErrRejected) {
				t.Fatalf("got %v, want a rejected oidc *ServiceError", err)
			}
		})
	})
	t.Run("no issuer", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		defer srv.Close()
		_, err := sign.InteractiveToken{Issuer: srv.URL + "/nope", Device: true}.Token(context.Background())
		var se *sign.ServiceError
		if !errors.As(err, &se) || se.Service != sign.ServiceOIDC || se.Status != http.StatusNotFound || !errors.Is(err, sign.ErrRejected) {
			t.Fatalf("got %v, want a rejected oidc *ServiceError with HTTP 404", err)
		}
	})
	t.Run("terminal escapes in the user code", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			iss, client := memIssuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com"), UserCode: "\x1b[2J\x1b]0;pwned\a"}, nil, nil)
			var prompt bytes.Buffer
			_, err := deviceToken(iss, client, &prompt).Token(context.Background())
			if !errors.Is(err, sign.ErrBadResponse) || prompt.Len() != 0 {
				t.Fatalf("got %v, prompt %q; want ErrBadResponse and nothing shown", err, prompt.String())
			}
		})
	})
	t.Run("token answer without an id_token", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			iss, client := memIssuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")}, nil,
				func(w http.ResponseWriter, r *http.Request, path string) bool {
					if path != oidctest.TokenPath {
						return false
					}
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, `{"access_token":"at","token_type":"Bearer"}`)
					return true
				})
			_, err := deviceToken(iss, client, nil).Token(context.Background())
			var se *sign.ServiceError
			if !errors.As(err, &se) || se.Service != sign.ServiceOIDC || !errors.Is(err, sign.ErrBadResponse) {
				t.Fatalf("got %v, want an oidc *ServiceError of kind ErrBadResponse", err)
			}
		})
	})
}

func TestInteractiveDeviceCodeExpiresLocally(t *testing.T) {
	// Nobody signs in and the server never says expired_token: the client
	// stops at expires_in by itself (1 s, before the first 5 s poll).
	synctest.Test(t, func(t *testing.T) {
		p := &polls{}
		iss, client := memIssuer(t, oidctest.Login{ExpiresIn: 1}, nil, p.override)
		_, err := deviceToken(iss, client, nil).Token(context.Background())
		var te *sign.TokenError
		if !errors.As(err, &te) || te.Kind != sign.ErrTokenExpired {
			t.Fatalf("got %v, want a *TokenError of kind ErrTokenExpired", err)
		}
		if n := len(p.waits()); n != 0 {
			t.Errorf("%d polls after the code expired", n)
		}
	})
}

// TestInteractiveDeviceMaxWait: MaxWait ends the polling (x/oauth2's
// loop stops with the context), reported as a timeout, not an expiry.
func TestInteractiveDeviceMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iss, client := memIssuer(t, oidctest.Login{}, nil, nil)
		it := deviceToken(iss, client, nil)
		it.MaxWait = 12 * time.Second
		start := time.Now()
		_, err := it.Token(context.Background())
		if !errors.Is(err, sign.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d != 12*time.Second {
			t.Errorf("returned after %v, want MaxWait (12s)", d)
		}
	})
}
