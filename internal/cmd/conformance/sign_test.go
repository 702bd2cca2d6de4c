package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
)

// TestSignBundle signs with sign-bundle against signtest served on loopback
// (a live clock, since the client uses the wall clock), then checks the
// bundle with this client's own verify-bundle.
func TestSignBundle(t *testing.T) {
	st, err := signtest.New(signtest.Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := st.Serve(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tr, err := st.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	sc, err := st.SigningConfigJSON(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	trPath, scPath := write("trusted_root.json", tr), write("signing_config.json", sc)
	artifact := write("a.txt", []byte("hello, world\n"))
	stmt := write("statement.json", []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a.txt","digest":{"sha256":"853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020"}}],"predicateType":"https://example.com/p","predicate":{}}`))
	id := signtest.Email("alice@example.com")
	tok := st.Token(id)

	for _, tc := range []struct {
		name  string
		extra []string
		file  string
	}{
		{"blob", nil, artifact},
		{"in-toto", []string{"--in-toto"}, stmt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name+".sigstore.json")
			args := append(append([]string{}, tc.extra...), "--identity-token", tok, "--bundle", out, "--trusted-root", trPath, "--signing-config", scPath, tc.file)
			if err := signBundle(args); err != nil {
				t.Fatalf("sign-bundle: %v", err)
			}
			verifyArgs := []string{"--bundle", out, "--certificate-identity", id.Subject, "--certificate-oidc-issuer", id.Issuer, "--trusted-root", trPath, artifact}
			if err := verifyBundle(verifyArgs); err != nil {
				t.Fatalf("verify-bundle refused the bundle: %v", err)
			}
			wrong := []string{"--bundle", out, "--certificate-identity", "mallory@example.com", "--certificate-oidc-issuer", id.Issuer, "--trusted-root", trPath, artifact}
			if err := verifyBundle(wrong); err == nil {
				t.Error("verify-bundle accepted a wrong identity")
			}
		})
	}

	// Usage errors and an expired token, which leaves no bundle behind.
	if err := signBundle([]string{"--bundle", "x"}); !errors.Is(err, errUsage) {
		t.Errorf("missing token: err = %v, want usage error", err)
	}
	out := filepath.Join(dir, "expired.sigstore.json")
	err = signBundle([]string{"--identity-token", "a.b.c", "--bundle", out, "--trusted-root", trPath, "--signing-config", scPath, artifact})
	if !errors.Is(err, sign.ErrToken) {
		t.Errorf("malformed token: err = %v, want sign.ErrToken", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a bundle was written despite the failure")
	}
}
