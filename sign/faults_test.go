package sign_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
)

// faultServer serves signtest's services, except that requests to path
// get the given fault. It counts the faulty requests.
func faultServer(t *testing.T, st *signtest.Sigstore, path, fault string) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	release := make(chan struct{})
	h := st.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			h.ServeHTTP(w, r)
			return
		}
		hits.Add(1)
		switch fault {
		case "500":
			http.Error(w, "internal error", http.StatusInternalServerError)
		case "slow":
			select {
			case <-r.Context().Done():
			case <-release:
			}
		case "garbage":
			w.WriteHeader(http.StatusOK)
			w.Write([]byte("\x00<<garbage>>\xff"))
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: unblocks slow handlers
	return srv, &hits
}

func downURL(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return u
}

func TestServiceFaults(t *testing.T) {
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const retries = 2
	for _, svc := range []struct {
		name      string
		service   sign.Service
		path      string
		rekorVers uint32
	}{
		{"fulcio", sign.ServiceFulcio, signtest.PathSigningCert, 2},
		{"rekor", sign.ServiceRekor, signtest.PathLogEntries, 2},
		{"rekor-v1", sign.ServiceRekor, signtest.PathLogEntriesV1, 1},
		{"tsa", sign.ServiceTSA, signtest.PathTimestamp, 2},
	} {
		for _, fault := range []string{"down", "500", "slow", "garbage"} {
			t.Run(svc.name+"/"+fault, func(t *testing.T) {
				srv, hits := faultServer(t, st, svc.path, fault)
				s := sign.Services{Fulcio: srv.URL, Rekor: []sign.Log{{URL: srv.URL, Version: svc.rekorVers}}, TSA: []string{srv.URL + signtest.PathTimestamp}}
				if fault == "down" {
					d := downURL(t)
					switch svc.service {
					case sign.ServiceFulcio:
						s.Fulcio = d
					case sign.ServiceRekor:
						s.Rekor[0].URL = d
					case sign.ServiceTSA:
						s.TSA[0] = d + signtest.PathTimestamp
					}
				}
				signer := sign.Keyless(sign.StaticToken(st.Token(signtest.Email("alice@example.com"))))
				opts := sign.Options{
					Services:    s,
					TrustedRoot: st.TrustedRoot(),
					Now:         st.Now,
					Timeout:     150 * time.Millisecond,
					Retries:     retries,
					Backoff:     time.Millisecond,
				}
				_, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("artifact")), signer, opts)
				var se *sign.ServiceError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v (%T), want *ServiceError", err, err)
				}
				if se.Service != svc.service {
					t.Errorf("Service = %q, want %q (%v)", se.Service, svc.service, err)
				}
				want := map[string]error{"down": sign.ErrUnavailable, "500": sign.ErrUnavailable, "slow": sign.ErrTimeout, "garbage": sign.ErrBadResponse}[fault]
				if !errors.Is(err, want) || !errors.Is(err, sign.ErrService) {
					t.Errorf("err = %v, want %v", err, want)
				}
				wantAttempts := retries + 1
				if fault == "garbage" {
					wantAttempts = 1 // not transient: not retried
				}
				if se.Attempts != wantAttempts {
					t.Errorf("Attempts = %d, want %d", se.Attempts, wantAttempts)
				}
				if fault != "down" && int(hits.Load()) != wantAttempts {
					t.Errorf("server saw %d requests, want %d", hits.Load(), wantAttempts)
				}
				if fault == "500" && se.Status != http.StatusInternalServerError {
					t.Errorf("Status = %d, want 500 (%v)", se.Status, err)
				}
				if strings.Contains(err.Error(), "eyJ") {
					t.Errorf("error message leaks a token: %v", err)
				}
			})
		}
	}
}

func TestTransientThenSuccess(t *testing.T) {
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	h := st.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 { // the first two requests (Fulcio) fail
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	signer := sign.Keyless(sign.StaticToken(st.Token(signtest.Email("alice@example.com"))))
	opts := sign.Options{
		Services:    sign.Services{Fulcio: srv.URL, Rekor: []sign.Log{{URL: srv.URL, Version: 2}}, TSA: []string{srv.URL + signtest.PathTimestamp}},
		TrustedRoot: st.TrustedRoot(),
		Now:         st.Now,
		Backoff:     time.Millisecond,
	}
	if _, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("a")), signer, opts); err != nil {
		t.Fatalf("transient 503s were not retried: %v", err)
	}
}

func TestContextCancelled(t *testing.T) {
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := faultServer(t, st, signtest.PathSigningCert, "slow")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	signer := sign.Keyless(sign.StaticToken(st.Token(signtest.Email("alice@example.com"))))
	opts := sign.Options{
		Services:    sign.Services{Fulcio: srv.URL},
		TrustedRoot: st.TrustedRoot(),
		Now:         st.Now,
	}
	_, err = sign.Sign(ctx, sign.Blob(strings.NewReader("a")), signer, opts)
	var se *sign.ServiceError
	if !errors.As(err, &se) || se.Service != sign.ServiceFulcio || !errors.Is(err, sign.ErrTimeout) {
		t.Fatalf("err = %v, want fulcio ErrTimeout", err)
	}
}

func jwt(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"ES256"}`)) + "." + enc([]byte(payload)) + "." + enc([]byte("sig"))
}

func TestTokenErrorsBeforeNetwork(t *testing.T) {
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, hits := countingServer(t)
	good := st.Token(signtest.Email("alice@example.com"))
	for name, tc := range map[string]struct {
		src  sign.TokenSource
		now  time.Time
		want error
	}{
		"expired":       {sign.StaticToken(good), st.Now().Add(time.Hour), sign.ErrTokenExpired},
		"empty":         {sign.StaticToken(""), st.Now(), sign.ErrToken},
		"two parts":     {sign.StaticToken("a.b"), st.Now(), sign.ErrTokenMalformed},
		"bad base64":    {sign.StaticToken("a.!!!.c"), st.Now(), sign.ErrTokenMalformed},
		"not json":      {sign.StaticToken(jwt("[1]")), st.Now(), sign.ErrTokenMalformed},
		"no iss":        {sign.StaticToken(jwt(`{"sub":"x","exp":9999999999}`)), st.Now(), sign.ErrTokenMalformed},
		"no subject":    {sign.StaticToken(jwt(`{"iss":"https://i","exp":9999999999}`)), st.Now(), sign.ErrTokenMalformed},
		"no exp":        {sign.StaticToken(jwt(`{"iss":"https://i","sub":"x"}`)), st.Now(), sign.ErrTokenMalformed},
		"bad exp":       {sign.StaticToken(jwt(`{"iss":"https://i","sub":"x","exp":"soon"}`)), st.Now(), sign.ErrTokenMalformed},
		"bad aud":       {sign.StaticToken(jwt(`{"iss":"https://i","sub":"x","exp":9999999999,"aud":1}`)), st.Now(), sign.ErrTokenMalformed},
		"env unset":     {sign.EnvToken("CHAINPROOF_TEST_UNSET_TOKEN"), st.Now(), sign.ErrToken},
		"missing file":  {sign.FileToken("/nonexistent/token"), st.Now(), sign.ErrToken},
		"source failed": {sign.TokenFunc(func(context.Context) (string, error) { return "", errors.New("boom") }), st.Now(), sign.ErrToken},
	} {
		t.Run(name, func(t *testing.T) {
			now := tc.now
			signer := sign.Keyless(tc.src)
			opts := sign.Options{
				Services:    sign.Services{Fulcio: srv.URL, Rekor: []sign.Log{{URL: srv.URL, Version: 2}}, TSA: []string{srv.URL}},
				TrustedRoot: st.TrustedRoot(),
				Now:         func() time.Time { return now },
			}
			_, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("a")), signer, opts)
			var te *sign.TokenError
			if !errors.As(err, &te) || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want *TokenError %v", err, tc.want)
			}
			if strings.Contains(err.Error(), good) {
				t.Error("error message contains the token")
			}
		})
	}
	if hits.Load() != 0 {
		t.Errorf("%d network calls were made with a bad token", hits.Load())
	}
}

func TestTokenSources(t *testing.T) {
	t.Setenv("CHAINPROOF_TEST_TOKEN", " tok-env \n")
	if got, err := sign.EnvToken("CHAINPROOF_TEST_TOKEN").Token(context.Background()); err != nil || got != "tok-env" {
		t.Errorf("EnvToken = %q, %v", got, err)
	}
	t.Setenv("SIGSTORE_ID_TOKEN", "tok-default")
	if got, err := sign.EnvToken("").Token(context.Background()); err != nil || got != "tok-default" {
		t.Errorf("EnvToken(\"\") = %q, %v", got, err)
	}
	path := t.TempDir() + "/token"
	if err := writeFile(path, "tok-file\n"); err != nil {
		t.Fatal(err)
	}
	if got, err := sign.FileToken(path).Token(context.Background()); err != nil || got != "tok-file" {
		t.Errorf("FileToken = %q, %v", got, err)
	}
}

// githubEndpoint behaves like GitHub Actions' ID token endpoint.
func githubEndpoint(t *testing.T, reqToken, idToken string, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+reqToken {
			http.Error(w, `{"message":"bad credentials"}`, http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("api-version") != "2.0" || r.URL.Query().Get("audience") != "sigstore" {
			http.Error(w, "bad query "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		if status != http.StatusOK {
			http.Error(w, "unavailable", status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"count":1,"value":"` + idToken + `"}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestGitHubActionsToken(t *testing.T) {
	e := newEnv(t)
	id := signtest.GitHub(gh)
	srv := githubEndpoint(t, "req-secret", e.st.Token(id), http.StatusOK)
	env := map[string]string{
		"ACTIONS_ID_TOKEN_REQUEST_URL":   srv.URL + "/token?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "req-secret",
	}
	src := sign.GitHubActionsToken{Getenv: func(k string) string { return env[k] }}
	b, err := sign.Sign(context.Background(), sign.Statement(statement), sign.Keyless(src), e.opts())
	if err != nil {
		t.Fatal(err)
	}
	if err := independentVerify(t, e.st.SigstoreTrustedRoot(), b, id, nil); err != nil {
		t.Fatal(err)
	}

	// Not in Actions.
	_, err = sign.GitHubActionsToken{Getenv: func(string) string { return "" }}.Token(context.Background())
	if !errors.Is(err, sign.ErrToken) {
		t.Errorf("unset env: err = %v", err)
	}
	// Wrong request token: rejected, named oidc.
	bad := map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": env["ACTIONS_ID_TOKEN_REQUEST_URL"], "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "wrong"}
	_, err = sign.GitHubActionsToken{Getenv: func(k string) string { return bad[k] }}.Token(context.Background())
	var se *sign.ServiceError
	if !errors.As(err, &se) || se.Service != sign.ServiceOIDC || !errors.Is(err, sign.ErrRejected) {
		t.Errorf("wrong request token: err = %v", err)
	}
	// Endpoint down with 503: retried, then unavailable.
	srv503 := githubEndpoint(t, "req-secret", "", http.StatusServiceUnavailable)
	env503 := map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": srv503.URL + "/token?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "req-secret"}
	_, err = sign.GitHubActionsToken{Getenv: func(k string) string { return env503[k] }, Retries: 1}.Token(context.Background())
	if !errors.As(err, &se) || se.Service != sign.ServiceOIDC || !errors.Is(err, sign.ErrUnavailable) || se.Attempts != 2 {
		t.Errorf("503: err = %v", err)
	}
}
