package sign_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"go/parser"
	"go/token"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chainproof/chainproof/internal/oidctest"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/systembrowser"
)

// issuer serves an oidctest issuer on loopback with the given login.
func issuer(t *testing.T, login oidctest.Login) *oidctest.Issuer {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss, err := oidctest.New(srv.URL+"/oidc", oidctest.Options{Key: rsaKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/oidc/", iss)
	iss.SetLogin(login)
	return iss
}

// syncBuffer is a Prompt that tests read while the flow writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	ch chan struct{} // closed at the first write
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{ch: make(chan struct{})} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() == 0 {
		close(s.ch)
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestInteractiveCancel(t *testing.T) {
	for _, device := range []bool{true, false} {
		name := map[bool]string{true: "device", false: "browser"}[device]
		t.Run(name, func(t *testing.T) {
			// Nobody ever signs in; the real (5 s) poll wait is used.
			iss := issuer(t, oidctest.Login{})
			prompt := newSyncBuffer()
			opened := make(chan string, 1)
			it := sign.InteractiveToken{Issuer: iss.URL(), Device: device, Prompt: prompt,
				OpenURL: func(u string) error { opened <- u; return nil }}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := it.Token(ctx)
				done <- err
			}()
			<-prompt.ch // the flow is waiting for the person
			cancel()
			err := <-done
			var se *sign.ServiceError
			if !errors.Is(err, context.Canceled) || !errors.As(err, &se) || se.Service != sign.ServiceOIDC {
				t.Fatalf("got %v, want an oidc *ServiceError wrapping context.Canceled", err)
			}
			if device {
				return
			}
			// The redirect listener is gone.
			u := redirectOf(t, <-opened)
			if resp, err := http.Get(u.String()); err == nil {
				resp.Body.Close()
				t.Errorf("redirect listener still answers after Token returned: %s", resp.Status)
			}
		})
	}
}

func TestInteractiveMaxWait(t *testing.T) {
	iss := issuer(t, oidctest.Login{})
	it := sign.InteractiveToken{Issuer: iss.URL(), MaxWait: 50 * time.Millisecond, OpenURL: func(string) error { return nil }}
	_, err := it.Token(context.Background())
	if !errors.Is(err, sign.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
}

func redirectOf(t *testing.T, authURL string) *url.URL {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	r, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// browserUser plays the browser: it follows the authorization URL, whose
// redirect lands on the flow's loopback listener.
func browserUser(t *testing.T, wg *sync.WaitGroup) func(string) error {
	return func(u string) error {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(u)
			if err != nil {
				t.Errorf("browser: %v", err)
				return
			}
			resp.Body.Close()
		}()
		return nil
	}
}

func TestInteractiveBrowserFlow(t *testing.T) {
	iss := issuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
	var wg sync.WaitGroup
	defer wg.Wait()
	urls := make(chan string, 1)
	user := browserUser(t, &wg)
	prompt := newSyncBuffer()
	it := sign.InteractiveToken{Issuer: iss.URL(), Prompt: prompt, OpenURL: func(u string) error {
		urls <- u
		return user(u)
	}}
	tok, err := it.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	authURL := <-urls
	c, err := sign.ParseToken(tok, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != iss.URL() || c.Email != "dev@example.com" {
		t.Errorf("claims %+v", c)
	}
	if atHash(t, tok) == "" {
		t.Error("the issuer's id_token has no at_hash: the at_hash check was not exercised")
	}
	if !strings.Contains(prompt.String(), authURL) {
		t.Errorf("prompt %q does not show the URL", prompt.String())
	}

	// The authorization request: code flow, PKCE S256, state and nonce of
	// 256 bits, a loopback redirect.
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"response_type": "code", "client_id": "sigstore", "scope": "openid email", "code_challenge_method": "S256",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	for k, n := range map[string]int{"code_challenge": 43, "state": 43, "nonce": 43} {
		if len(q.Get(k)) != n {
			t.Errorf("%s = %q, want %d characters", k, q.Get(k), n)
		}
	}
	// The default redirect listens on the IP literal (RFC 8252 8.3).
	if r := redirectOf(t, authURL); r.Scheme != "http" || r.Hostname() != "127.0.0.1" || r.Port() == "" || r.Port() == "0" || r.Path != "/auth/callback" {
		t.Errorf("redirect_uri = %s", r)
	}
	if u.Scheme+"://"+u.Host+u.Path != iss.URL()+oidctest.AuthorizePath {
		t.Errorf("authorization endpoint = %s", u)
	}
}

func TestInteractiveBrowserStateMismatchRefused(t *testing.T) {
	iss := issuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
	var wg sync.WaitGroup
	defer wg.Wait()
	user := browserUser(t, &wg)
	it := sign.InteractiveToken{Issuer: iss.URL(), OpenURL: func(u string) error {
		// A forged redirect (another page the person visits, say) comes
		// first, with a code of the attacker's and no or the wrong state.
		r := redirectOf(t, u)
		for _, state := range []string{"", "forged"} {
			f := *r
			f.RawQuery = url.Values{"code": {"attacker-code"}, "state": {state}}.Encode()
			resp, err := http.Get(f.String())
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("forged redirect with state %q: %s, want 400", state, resp.Status)
			}
		}
		return user(u)
	}}
	// The forged codes were ignored: the real one is exchanged.
	if _, err := it.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestInteractiveBrowserErrors(t *testing.T) {
	email := oidctest.EmailClaims("dev@example.com")
	for name, c := range map[string]struct {
		login oidctest.Login
		kind  error
	}{
		"denied":         {oidctest.Login{Claims: email, Deny: true}, sign.ErrTokenDenied},
		"bad signature":  {oidctest.Login{Claims: email, Tamper: flipSignature}, sign.ErrTokenUnverified},
		"wrong nonce":    {oidctest.Login{Claims: with(email, "nonce", "replayed")}, sign.ErrTokenUnverified},
		"no nonce":       {oidctest.Login{Claims: with(email, "nonce", "")}, sign.ErrTokenUnverified},
		"wrong audience": {oidctest.Login{Claims: with(email, "aud", "other")}, sign.ErrTokenUnverified},
		"no email, sub":  {oidctest.Login{Claims: map[string]any{"sub": ""}}, sign.ErrTokenMalformed},
		"wrong at_hash":  {oidctest.Login{Claims: with(email, "at_hash", "AAAAAAAAAAAAAAAAAAAAAA")}, sign.ErrTokenUnverified},
	} {
		t.Run(name, func(t *testing.T) {
			iss := issuer(t, c.login)
			var wg sync.WaitGroup
			defer wg.Wait()
			_, err := sign.InteractiveToken{Issuer: iss.URL(), OpenURL: browserUser(t, &wg)}.Token(context.Background())
			var te *sign.TokenError
			if !errors.As(err, &te) || te.Kind != c.kind {
				t.Fatalf("got %v, want a *TokenError of kind %v", err, c.kind)
			}
		})
	}
}

func TestInteractiveBrowserCannotOpen(t *testing.T) {
	// The browser does not open: the person copies the URL from Prompt.
	iss := issuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
	prompt := newSyncBuffer()
	var wg sync.WaitGroup
	defer wg.Wait()
	user := browserUser(t, &wg)
	it := sign.InteractiveToken{Issuer: iss.URL(), Prompt: prompt, OpenURL: func(string) error { return errors.New("no display") }}
	go func() {
		<-prompt.ch
		for !strings.Contains(prompt.String(), "no display") {
			time.Sleep(time.Millisecond)
		}
		line := strings.Split(prompt.String(), "\n")[1]
		_ = user(line)
	}()
	if _, err := it.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestInteractiveRedirectURL(t *testing.T) {
	iss := issuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
	for _, bad := range []string{"https://localhost:8080/cb", "http://example.com:8080/cb", "http://localhost/cb", "http://192.0.2.1:80/cb", "::"} {
		_, err := sign.InteractiveToken{Issuer: iss.URL(), RedirectURL: bad}.Token(context.Background())
		if !errors.Is(err, sign.ErrInvalidOptions) {
			t.Errorf("RedirectURL %q: got %v, want ErrInvalidOptions", bad, err)
		}
	}
	// An explicit loopback redirect is used as given.
	ln := freePort(t)
	var wg sync.WaitGroup
	defer wg.Wait()
	user := browserUser(t, &wg)
	urls := make(chan string, 1)
	it := sign.InteractiveToken{Issuer: iss.URL(), RedirectURL: "http://127.0.0.1:" + ln + "/cb", OpenURL: func(u string) error {
		urls <- u
		return user(u)
	}}
	if _, err := it.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := redirectOf(t, <-urls).String(); got != "http://127.0.0.1:"+ln+"/cb" {
		t.Errorf("redirect_uri = %s", got)
	}
}

func TestInteractiveRedirectURLPortZero(t *testing.T) {
	// Port 0: Token listens on a free port and sends the issuer that port,
	// so the browser's redirect reaches it.
	iss := issuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
	for _, c := range []struct{ redirect, host, path string }{
		{"http://127.0.0.1:0/cb", "127.0.0.1", "/cb"},
		{"http://[::1]:0", "::1", "/auth/callback"},
		{"http://localhost:0/cb", "localhost", "/cb"},
	} {
		t.Run(c.redirect, func(t *testing.T) {
			if c.host == "::1" {
				if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
					t.Skip("no IPv6 loopback")
				} else {
					ln.Close()
				}
			}
			var wg sync.WaitGroup
			defer wg.Wait()
			user := browserUser(t, &wg)
			got := make(chan *url.URL, 1)
			// MaxWait: a redirect to port 0 would never arrive.
			it := sign.InteractiveToken{Issuer: iss.URL(), RedirectURL: c.redirect, MaxWait: 20 * time.Second, OpenURL: func(u string) error {
				got <- redirectOf(t, u)
				return user(u)
			}}
			if _, err := it.Token(context.Background()); err != nil {
				t.Fatal(err)
			}
			r := <-got
			if r.Hostname() != c.host || r.Port() == "" || r.Port() == "0" || r.Path != c.path {
				t.Errorf("redirect_uri = %s, want %s with the port listened on", r, c.redirect)
			}
		})
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	u, _ := url.Parse(srv.URL)
	srv.Close()
	return u.Port()
}

var (
	keysOnce  sync.Once
	issuerKey *rsa.PrivateKey
	forgerKey *rsa.PrivateKey
)

func keys(t *testing.T) {
	keysOnce.Do(func() {
		var err error
		if issuerKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if forgerKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
}

// rsaKey is the test issuers' key (generated once: RSA generation is slow).
func rsaKey(t *testing.T) *rsa.PrivateKey { keys(t); return issuerKey }

// otherKey is an impostor's key.
func otherKey(t *testing.T) *rsa.PrivateKey { keys(t); return forgerKey }

// blockingOpener is an OpenURL that never returns until the test ends (a
// browser helper that hangs), recording the URL it was given.
func blockingOpener(t *testing.T) (open func(string) error, urls <-chan string) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	ch := make(chan string, 1)
	return func(u string) error {
		ch <- u
		<-release
		return nil
	}, ch
}

// tokenWithin runs it.Token and fails the test if it has not returned in
// a minute (a watchdog for a flow that would hang, not a timing check).
func tokenWithin(t *testing.T, ctx context.Context, it sign.InteractiveToken) (string, error) {
	t.Helper()
	type result struct {
		tok string
		err error
	}
	done := make(chan result, 1)
	go func() {
		tok, err := it.Token(ctx)
		done <- result{tok, err}
	}()
	select {
	case r := <-done:
		return r.tok, r.err
	case <-time.After(time.Minute):
		t.Fatal("Token did not return while OpenURL blocks")
		return "", nil
	}
}

func TestInteractiveOpenURLBlocks(t *testing.T) {
	t.Run("MaxWait", func(t *testing.T) {
		iss := issuer(t, oidctest.Login{})
		open, urls := blockingOpener(t)
		it := sign.InteractiveToken{Issuer: iss.URL(), MaxWait: 50 * time.Millisecond, OpenURL: open}
		_, err := tokenWithin(t, context.Background(), it)
		if !errors.Is(err, sign.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want ErrTimeout", err)
		}
		// The redirect listener is gone although OpenURL has not returned.
		if resp, err := http.Get(redirectOf(t, <-urls).String()); err == nil {
			resp.Body.Close()
			t.Errorf("redirect listener still answers after Token returned: %s", resp.Status)
		}
	})
	t.Run("ctx", func(t *testing.T) {
		iss := issuer(t, oidctest.Login{})
		open, _ := blockingOpener(t)
		prompt := newSyncBuffer()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-prompt.ch
			cancel()
		}()
		_, err := tokenWithin(t, ctx, sign.InteractiveToken{Issuer: iss.URL(), Prompt: prompt, OpenURL: open})
		var se *sign.ServiceError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &se) || se.Service != sign.ServiceOIDC {
			t.Fatalf("got %v, want an oidc *ServiceError wrapping context.Canceled", err)
		}
	})
	t.Run("the person opens the URL", func(t *testing.T) {
		// The browser helper hangs; the person copies the URL from Prompt
		// and signs in, and Token takes the redirect.
		iss := issuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
		open, urls := blockingOpener(t)
		var wg sync.WaitGroup
		defer wg.Wait()
		user := browserUser(t, &wg)
		go func() { _ = user(<-urls) }()
		tok, err := tokenWithin(t, context.Background(), sign.InteractiveToken{Issuer: iss.URL(), OpenURL: open})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sign.ParseToken(tok, time.Now()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestInteractiveOpenURLPanics(t *testing.T) {
	// OpenURL runs on its own goroutine: a panic there is reported as a
	// failure to open (the person uses the URL in Prompt), not a crash.
	iss := issuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
	prompt := newSyncBuffer()
	var wg sync.WaitGroup
	defer wg.Wait()
	user := browserUser(t, &wg)
	urls := make(chan string, 1)
	it := sign.InteractiveToken{Issuer: iss.URL(), Prompt: prompt, OpenURL: func(u string) error {
		urls <- u
		panic("no display")
	}}
	go func() {
		u := <-urls
		for !strings.Contains(prompt.String(), "Could not open a browser") {
			time.Sleep(time.Millisecond)
		}
		_ = user(u)
	}()
	if _, err := tokenWithin(t, context.Background(), it); err != nil {
		t.Fatal(err)
	}
}

// promptURLs hands each http(s) line written to the prompt to urls.
type promptURLs struct {
	mu   sync.Mutex
	text strings.Builder
	urls chan string
}

func (p *promptURLs) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.text.Write(b)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
			p.urls <- line
		}
	}
	return len(b), nil
}

// TestInteractiveNilOpenURL: with no OpenURL nothing is opened; the URL
// reaches the person through Prompt, and the flow completes when they
// open it themselves.
func TestInteractiveNilOpenURL(t *testing.T) {
	iss := issuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
	var wg sync.WaitGroup
	defer wg.Wait()
	user := browserUser(t, &wg)
	prompt := &promptURLs{urls: make(chan string, 4)}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := user(<-prompt.urls); err != nil {
			t.Error(err)
		}
	}()
	tok, err := sign.InteractiveToken{Issuer: iss.URL(), Prompt: prompt}.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sign.ParseToken(tok, time.Now()); err != nil {
		t.Fatal(err)
	}
	prompt.mu.Lock()
	defer prompt.mu.Unlock()
	if text := prompt.text.String(); strings.Contains(text, "opening it now") || strings.Contains(text, "Could not open") {
		t.Errorf("prompt %q claims a browser was opened", text)
	}
}

// TestInteractiveNilOpenURLStartsNothing: a nil OpenURL starts no
// process. Every browser helper a system opener would try (and $BROWSER)
// is a trap on PATH that leaves a mark; none is left.
func TestInteractiveNilOpenURLStartsNothing(t *testing.T) {
	bin := t.TempDir()
	mark := filepath.Join(bin, "opened")
	for _, name := range []string{"xdg-open", "x-www-browser", "www-browser", "sensible-browser", "wslview", "open", "browser"} {
		script := "#!/bin/sh\necho \"$0 $*\" >> " + mark + "\n"
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	t.Setenv("BROWSER", filepath.Join(bin, "browser"))

	iss := issuer(t, oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
	var wg sync.WaitGroup
	defer wg.Wait()
	user := browserUser(t, &wg)
	prompt := &promptURLs{urls: make(chan string, 4)}
	go func() { _ = user(<-prompt.urls) }()
	if _, err := (sign.InteractiveToken{Issuer: iss.URL(), Prompt: prompt}).Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(mark); err == nil {
		t.Errorf("a browser helper ran: %s", b)
	}
	// The trap works: the system opener, chosen explicitly, is caught.
	if runtime.GOOS == "linux" {
		if err := systembrowser.Open("https://example.com/"); err != nil {
			t.Fatalf("systembrowser.Open with the trap on PATH: %v", err)
		}
		if _, err := os.ReadFile(mark); err != nil {
			t.Errorf("systembrowser.Open left no mark: the trap does not catch an opener")
		}
	}
}

// TestNoBrowserInLibrary: package sign neither prints nor starts a
// browser; the system opener is package systembrowser, which a program
// passes as OpenURL by choice.
func TestNoBrowserInLibrary(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	banned := []string{"os/exec", "github.com/pkg/browser", "github.com/chainproof/chainproof/sign/systembrowser", "log"}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); slices.Contains(banned, p) {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}
