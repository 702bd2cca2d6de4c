package signtest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/internal/itest"
)

// TestGoldensWithSigstoreJS has an independent implementation, sigstore-js
// (@sigstore/verify), verify the golden bundles against the golden
// trusted root, and refuse one with the wrong artifact or identity. It
// runs when .ci/test.d/83-signtest-sigstore-js.sh sets
// CHAINPROOF_SIGSTORE_JS (the verify.cjs script) and CHAINPROOF_NODE.
func TestGoldensWithSigstoreJS(t *testing.T) {
	script := os.Getenv("CHAINPROOF_SIGSTORE_JS")
	if script == "" {
		itest.Skip(t, itest.SigstoreJS, "CHAINPROOF_SIGSTORE_JS not set (.ci/test.d/83-signtest-sigstore-js.sh sets it)")
	}
	node := os.Getenv("CHAINPROOF_NODE")
	if node == "" {
		node = "node"
	}
	dir := t.TempDir()
	artifact := filepath.Join(dir, "hello.txt")
	if err := os.WriteFile(artifact, []byte("hello, world\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.txt")
	if err := os.WriteFile(other, []byte("hello, world!\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		out, err := exec.Command(node, append([]string{script, "--trusted-root", "testdata/trusted_root.json"}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	const email, emailIssuer = "alice@example.com", "https://oidc.signtest.invalid"
	workflow := "https://github.com/" + ghWorkflow.WorkflowRef()
	for _, tc := range []struct {
		file, identity, issuer, artifact string
	}{
		{"email-blob.sigstore.json", email, emailIssuer, artifact},
		{"email-blob-rekor-v1.sigstore.json", email, emailIssuer, artifact},
		{"github-dsse.sigstore.json", workflow, "https://token.actions.githubusercontent.com", ""},
		{"github-dsse-rekor-v1.sigstore.json", workflow, "https://token.actions.githubusercontent.com", ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			args := []string{"--bundle", filepath.Join("testdata", tc.file), "--identity", tc.identity, "--issuer", tc.issuer}
			if tc.artifact != "" {
				args = append(args, "--artifact", tc.artifact)
			}
			out, err := run(args...)
			if err != nil {
				t.Fatalf("sigstore-js refused a golden bundle: %v: %s", err, out)
			}
			t.Log(out)
			bad := append([]string{}, args...)
			bad[3] = "mallory@example.com"
			if out, err := run(bad...); err == nil {
				t.Errorf("sigstore-js accepted a wrong identity: %s", out)
			}
			if tc.artifact != "" {
				bad := append([]string{}, args...)
				bad[len(bad)-1] = other
				if out, err := run(bad...); err == nil {
					t.Errorf("sigstore-js accepted the wrong artifact: %s", out)
				}
			}
		})
	}
}
