package sign

// The browser flow of InteractiveToken: authorization code with PKCE and
// a loopback redirect (RFC 8252).

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

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
	var opened chan error
	if open := f.it.OpenURL; open != nil {
		fmt.Fprintf(f.prompt, "To sign in, open this URL in a browser (opening it now):\n%s\n", authURL)
		// The opener runs on its own: one that blocks (a browser helper
		// that never exits) must not hold the flow past ctx or MaxWait,
		// nor keep the person's redirect from being taken.
		opened = make(chan error, 1)
		go func() { opened <- openURL(open, authURL) }()
	} else {
		fmt.Fprintf(f.prompt, "To sign in, open this URL in a browser:\n%s\n", authURL)
	}

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
