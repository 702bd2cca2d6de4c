package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
)

// TestVerifyImage signs and attests an image on an in-process registry
// (signtest's Sigstore) and runs the command as a user would: signatures
// and attestations verify (exit 0), a wrong identity or a missing
// predicate type exit 1 with the reason, bad flags exit 2.
func TestVerifyImage(t *testing.T) {
	ctx := context.Background()
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := st.Serve(t)
	trJSON, err := st.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	trPath := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(trPath, trJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	reg := registrytest.New(t, registrytest.Options{Referrers: true})
	pushed := reg.PushRandom(t)
	c := oci.NewClient(oci.Options{})
	img, err := c.Resolve(ctx, pushed.TagRef(), oci.ResolveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	alice := sign.Keyless(sign.StaticToken(st.Token(signtest.Email("alice@example.com"))))
	opts := sign.Options{
		Services:    sign.Services{Fulcio: srv.URL, Rekor: []sign.Log{{URL: srv.URL, Version: 2}}, TSA: []string{srv.TSAURL()}},
		TrustedRoot: st.TrustedRoot(),
		Now:         st.Now,
	}
	if _, err := c.Sign(ctx, img, alice, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Attest(ctx, img, "cyclonedx", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6"}`), alice, opts); err != nil {
		t.Fatal(err)
	}
	id := []string{"--trusted-root", trPath, "--certificate-oidc-issuer", signtest.DefaultIssuer}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"signature", append(id, "--certificate-identity", "alice@example.com", pushed.TagRef()), 0, "ok  signature by alice@example.com"},
		{"attestation", append(id, "--certificate-identity-regexp", "alice@.*", "--type", "cyclonedx", pushed.TagRef()), 0, "ok  attestation https://cyclonedx.org/bom"},
		{"wrong-identity", append(id, "--certificate-identity", "mallory@example.com", pushed.TagRef()), 1, "none verified"},
		{"no-provenance", append(id, "--certificate-identity", "alice@example.com", "--type", "slsaprovenance1", pushed.TagRef()), 1, "no signatures found; searched"},
		{"no-identity", []string{pushed.TagRef()}, 2, "certificate-identity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			code := run(ctx, tc.args, &out, &out)
			if code != tc.code || !strings.Contains(out.String(), tc.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", code, tc.code, tc.want, out.String())
			}
		})
	}
}
