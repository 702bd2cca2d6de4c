package sign_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/chainproof/chainproof/internal/oidctest"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/systembrowser"
)

func ExampleInteractiveToken() {
	// At a terminal: writes the public-good issuer's sign-in URL to
	// Prompt, opens it in the system browser (an explicit choice:
	// systembrowser.Open; nil opens nothing) and listens on 127.0.0.1 for
	// the redirect. Not run here.
	src := sign.InteractiveToken{Prompt: os.Stderr, OpenURL: systembrowser.Open}
	_ = sign.Keyless(src) // sign.Sign(ctx, content, sign.Keyless(src), sign.Options{})
}

// exampleIssuer starts a stand-in OIDC issuer on loopback where the
// person signs in as login says.
func exampleIssuer(login oidctest.Login) (*oidctest.Issuer, func()) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	iss, err := oidctest.New(srv.URL+"/oidc", oidctest.Options{})
	if err != nil {
		panic(err)
	}
	mux.Handle("/oidc/", iss)
	iss.SetLogin(login)
	return iss, srv.Close
}

func ExampleInteractiveToken_device() {
	// The device flow (RFC 8628): the person opens the URL on another
	// machine and enters the code. Here a stand-in issuer approves it.
	iss, stop := exampleIssuer(oidctest.Login{
		Claims:   oidctest.EmailClaims("dev@example.com"),
		UserCode: "WDJB-MJHT",
		Interval: 1, // seconds between polls
	})
	defer stop()

	var prompt strings.Builder // os.Stderr at a terminal
	src := sign.InteractiveToken{Issuer: iss.URL(), Device: true, Prompt: &prompt}
	tok, err := src.Token(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	claims, _ := sign.ParseToken(tok, time.Now())
	fmt.Println(strings.Contains(prompt.String(), "enter the code WDJB-MJHT"))
	fmt.Println(claims.Email)
	// Output:
	// true
	// dev@example.com
}

func ExampleInteractiveToken_browser() {
	// The browser flow with a stand-in browser: OpenURL receives the
	// authorization URL; following it lands on Token's loopback listener.
	iss, stop := exampleIssuer(oidctest.Login{Claims: oidctest.EmailClaims("dev@example.com")})
	defer stop()

	done := make(chan struct{})
	src := sign.InteractiveToken{Issuer: iss.URL(), OpenURL: func(u string) error {
		go func() {
			defer close(done)
			if resp, err := http.Get(u); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}}
	tok, err := src.Token(context.Background())
	<-done
	if err != nil {
		fmt.Println(err)
		return
	}
	claims, _ := sign.ParseToken(tok, time.Now())
	fmt.Println(claims.Issuer == iss.URL(), claims.Email)
	// Output: true dev@example.com
}
