package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chainproof/chainproof/internal/itest"
	"github.com/chainproof/chainproof/internal/sigstoretest"
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

// TestSigstoreJS signs with the conformance client binary against the real
// local Sigstore (email and GitHub-workflow identities, blob and in-toto)
// and has sigstore-js (@sigstore/verify) verify every bundle; a wrong
// identity and a tampered artifact must be refused. It runs when
// .ci/test.d/82-sigstore-js.sh provides CHAINPROOF_SIGSTORE_JS (the
// verify.cjs script), CHAINPROOF_CONFORMANCE_BIN and optionally
// CHAINPROOF_NODE, and the stack is up.
func TestSigstoreJS(t *testing.T) {
	script, bin := os.Getenv("CHAINPROOF_SIGSTORE_JS"), os.Getenv("CHAINPROOF_CONFORMANCE_BIN")
	if script == "" || bin == "" {
		itest.Skip(t, itest.SigstoreJS, "CHAINPROOF_SIGSTORE_JS / CHAINPROOF_CONFORMANCE_BIN not set (.ci/test.d/82-sigstore-js.sh sets them)")
	}
	s := sigstoretest.Local(t)
	dir := t.TempDir()
	artifact := filepath.Join(dir, "artifact.txt")
	data := []byte("chainproof: signed by the conformance client, verified by sigstore-js\n")
	if err := os.WriteFile(artifact, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tampered := filepath.Join(dir, "tampered.txt")
	if err := os.WriteFile(tampered, append([]byte("X"), data[1:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	stmt := filepath.Join(dir, "statement.json")
	if err := os.WriteFile(stmt, []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"artifact.txt","digest":{"sha256":"`+
		hex.EncodeToString(sum[:])+`"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	claims := sigstoretest.GitHubClaims{Repository: "chainproof/chainproof", Ref: "refs/heads/main"}
	idents := []struct {
		name, issuer, san string
		token             func() string
	}{
		{"email", s.OIDCIssuerURL, "alice@example.com", func() string { return s.EmailToken(t, "alice@example.com") }},
		{"github", s.GitHubIssuerURL, claims.SAN(), func() string { return s.GitHubToken(t, claims) }},
	}
	node := func(args ...string) (string, error) {
		nodeBin := os.Getenv("CHAINPROOF_NODE")
		if nodeBin == "" {
			nodeBin = "node"
		}
		cmd := exec.Command(nodeBin, append([]string{script}, args...)...)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	for _, id := range idents {
		for _, inToto := range []bool{false, true} {
			name := id.name + "/blob"
			if inToto {
				name = id.name + "/in-toto"
			}
			t.Run(name, func(t *testing.T) {
				out := filepath.Join(dir, strings.ReplaceAll(name, "/", "-")+".sigstore.json")
				args := []string{"sign-bundle", "--identity-token", id.token(), "--bundle", out,
					"--trusted-root", s.TrustedRootPath, "--signing-config", s.SigningConfigPath}
				file := artifact
				if inToto {
					args = append(args, "--in-toto")
					file = stmt
				}
				if msg, err := exec.Command(bin, append(args, file)...).CombinedOutput(); err != nil {
					t.Fatalf("sign-bundle: %v: %s", err, msg)
				}
				base := []string{"--bundle", out, "--trusted-root", s.TrustedRootPath, "--issuer", id.issuer}
				art := []string{"--artifact", artifact}
				if inToto {
					art = nil
				}
				msg, err := node(append(append(append([]string{}, base...), "--identity", id.san), art...)...)
				if err != nil {
					t.Fatalf("sigstore-js refused a good bundle: %v: %s", err, msg)
				}
				t.Log(msg)
				if msg, err := node(append(append(append([]string{}, base...), "--identity", "mallory@example.com"), art...)...); err == nil {
					t.Errorf("sigstore-js accepted a wrong identity: %s", msg)
				}
				if !inToto {
					if msg, err := node(append(append([]string{}, base...), "--identity", id.san, "--artifact", tampered)...); err == nil {
						t.Errorf("sigstore-js accepted a tampered artifact: %s", msg)
					}
				}
			})
		}
	}
}
