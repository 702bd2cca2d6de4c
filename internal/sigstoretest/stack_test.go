package sigstoretest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chainproof/chainproof/internal/oidctest"
	"github.com/chainproof/chainproof/internal/sigstoretest"
)

func TestLocalSkipsWhenUnset(t *testing.T) {
	t.Setenv(sigstoretest.EnvDir, "")
	var skipped bool
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		sigstoretest.Local(t)
	})
	if !skipped {
		t.Fatal("Local did not skip with CHAINPROOF_SIGSTORE_DIR unset")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := sigstoretest.Open(dir); !errors.Is(err, sigstoretest.ErrNotRunning) {
		t.Errorf("empty dir: got %v, want ErrNotRunning", err)
	}
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(sigstoretest.ManifestFile, "{")
	if _, err := sigstoretest.Open(dir); !errors.Is(err, sigstoretest.ErrNotRunning) {
		t.Errorf("bad json: got %v, want ErrNotRunning", err)
	}
	write(sigstoretest.ManifestFile, `{"fulcio_url":"http://127.0.0.1:1"}`)
	if _, err := sigstoretest.Open(dir); !errors.Is(err, sigstoretest.ErrNotRunning) {
		t.Errorf("missing URLs: got %v, want ErrNotRunning", err)
	}
	m, _ := json.Marshal(sigstoretest.Manifest{
		FulcioURL: "http://127.0.0.1:1", RekorURL: "http://127.0.0.1:1", TSAURL: "http://127.0.0.1:1/api/v1/timestamp",
		CTLogURL: "http://127.0.0.1:1/ctlog", OIDCIssuerURL: "http://127.0.0.1:1/email", OIDCTokenURL: "http://127.0.0.1:1/email/token",
		GitHubIssuerURL: "http://127.0.0.1:1/github", GitHubTokenURL: "http://127.0.0.1:1/github/token",
	})
	write(sigstoretest.ManifestFile, string(m))
	if _, err := sigstoretest.Open(dir); !errors.Is(err, sigstoretest.ErrNotRunning) {
		t.Errorf("no trusted root: got %v, want ErrNotRunning", err)
	}
	write(sigstoretest.TrustedRootFile, "{}")
	write(sigstoretest.SigningConfigFile, "{}")
	s, err := sigstoretest.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.TrustedRootPath != filepath.Join(dir, sigstoretest.TrustedRootFile) || s.FulcioURL != "http://127.0.0.1:1" {
		t.Errorf("stack = %+v", s)
	}
	// Nothing listens on port 1: the stack is described but down.
	if err := s.Check(context.Background()); !errors.Is(err, sigstoretest.ErrNotRunning) {
		t.Errorf("Check: got %v, want ErrNotRunning", err)
	}
}

func TestMintToken(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	iss, err := oidctest.New(srv.URL+"/email", oidctest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/email/", iss)
	tok, err := sigstoretest.MintToken(context.Background(), iss.TokenURL(), oidctest.EmailClaims("a@example.com"))
	if err != nil || tok == "" {
		t.Fatalf("MintToken: %q, %v", tok, err)
	}
	if _, err := sigstoretest.MintToken(context.Background(), iss.TokenURL(), map[string]any{"no": "sub"}); err == nil {
		t.Error("MintToken without sub succeeded")
	}
}
