package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

const content = "release notes, v1.2.3\n"

// runOK runs the example and checks the parts of the report every mode
// prints.
func runOK(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, args, &out); err != nil {
		t.Fatalf("sign-blob %v: %v\n%s", args, err, out.String())
	}
	report := out.String()
	t.Logf("report:\n%s", report)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^  file +notes\.txt  sha256:[0-9a-f]{64}$`),
		regexp.MustCompile(`(?m)^  digest +sha(256|384):[0-9a-f]{64,96}$`),
		regexp.MustCompile(`(?m)^  log +hashedrekord 0\.0\.2 entry #\d+ in log [0-9a-f]{16}…, inclusion proof true$`),
		regexp.MustCompile(`(?m)^  time +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(tsa https://tsa\.signtest\.invalid\)$`),
		regexp.MustCompile(`(?m)^  no  tampered +check "artifact" failed: verify: artifact: `),
		regexp.MustCompile(`(?m)^  no  wrong-key +check "identity" failed: verify: `),
	} {
		if !want.MatchString(report) {
			t.Errorf("report lacks %v", want)
		}
	}
	return report
}

func artifact(t *testing.T) (dir, path string) {
	dir = t.TempDir()
	path = filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

// signtestTrust is the trusted root of the in-process Sigstore,
// regenerated here from the same (default) seed: the run's root is not
// written anywhere, and does not need to be.
func signtestTrust(t *testing.T) *verify.TrustedRoot {
	t.Helper()
	st, err := signtest.New(signtest.Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	data, err := st.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := verify.ParseTrustedRoot(data, "signtest")
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// verifyWritten verifies the bundle the run wrote, independently of the
// run, then checks that a tampered artifact is refused at the artifact
// check.
func verifyWritten(t *testing.T, trust *verify.TrustedRoot, bundlePath, file string, policy verify.Policy) *verify.Result {
	t.Helper()
	data, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opts := verify.Options{TrustedRoot: trust}
	res, err := verify.Verify(ctx, data, verify.Artifact{Path: file}, policy, opts)
	if err != nil {
		t.Fatalf("%s does not verify: %v", bundlePath, err)
	}
	_, err = verify.Verify(ctx, data, verify.Artifact{Reader: bytes.NewReader([]byte(content + "!"))}, policy, opts)
	var ve *verify.Error
	if !errors.As(err, &ve) || !errors.Is(err, verify.ErrArtifact) || ve.Check != verify.CheckArtifact {
		t.Errorf("tampered artifact: got %v, want check %q", err, verify.CheckArtifact)
	}
	return res
}

func readPublicKey(t *testing.T, path string) crypto.PublicKey {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("%s: no PUBLIC KEY block", path)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func writeKey(t *testing.T, dir string, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "signing-key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGeneratedKey(t *testing.T) {
	dir, file := artifact(t)
	report := runOK(t, file)
	bundlePath := file + ".sigstore.json"
	pubPath := filepath.Join(dir, "notes.txt.pub.pem")
	if !regexp.MustCompile(`(?m)^  key +a fresh ECDSA P-256 key, public key written to ` + regexp.QuoteMeta(pubPath) + `$`).MatchString(report) {
		t.Errorf("report does not name the public key file %s", pubPath)
	}
	pub := readPublicKey(t, pubPath)
	if _, ok := pub.(*ecdsa.PublicKey); !ok {
		t.Errorf("public key is %T, want ECDSA", pub)
	}
	res := verifyWritten(t, signtestTrust(t), bundlePath, file, verify.Policy{PublicKeys: []crypto.PublicKey{pub}})
	if res.PublicKey != 0 || len(res.LogEntries) != 1 || len(res.Timestamps) == 0 {
		t.Errorf("result: key %d, %d log entries, %d timestamps", res.PublicKey, len(res.LogEntries), len(res.Timestamps))
	}
	// Nothing but the bundle and the public key was written.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"notes.txt", "notes.txt.pub.pem", "notes.txt.sigstore.json"}; !slices.Equal(names, want) {
		t.Errorf("directory holds %q, want %q", names, want)
	}
}

func TestKeyFile(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384()} {
		t.Run(curve.Params().Name, func(t *testing.T) {
			dir, file := artifact(t)
			k, err := ecdsa.GenerateKey(curve, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out", "notes.bundle")
			if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
				t.Fatal(err)
			}
			runOK(t, "-key", writeKey(t, dir, k), "-out", out, file)
			verifyWritten(t, signtestTrust(t), out, file, verify.Policy{PublicKeys: []crypto.PublicKey{k.Public()}})
			if _, err := os.Stat(pubPath(out)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a public key file was written for a given key: %v", err)
			}
		})
	}
}

// TestEd25519 signs with an Ed25519 key: the message signature is
// Ed25519ph over the streamed blob's digest (Sigstore's PKIX_ED25519_PH),
// and verify.Policy.PublicKeys checks it as such.
func TestEd25519(t *testing.T) {
	dir, file := artifact(t)
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-key", writeKey(t, dir, k), file}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	verifyWritten(t, signtestTrust(t), file+".sigstore.json", file, verify.Policy{PublicKeys: []crypto.PublicKey{k.Public()}})
}

func TestKeyless(t *testing.T) {
	_, file := artifact(t)
	report := runOK(t, "-keyless", "-email", "bob@example.com", file)
	if !regexp.MustCompile(`(?m)^  signer +bob@example\.com \(issuer https://\S+, CA .*signtest`).MatchString(report) {
		t.Error("report does not name the keyless signer")
	}
	res := verifyWritten(t, signtestTrust(t), file+".sigstore.json", file, verify.Policy{Identities: []verify.Identity{
		{Issuer: verify.Regexp(`https://.*`), SAN: verify.Exact("bob@example.com")},
	}})
	if res.Certificate == nil || res.Certificate.SAN != "bob@example.com" {
		t.Errorf("certificate %+v", res.Certificate)
	}
}

// TestRealServicesFlags points the example at "real" services through
// -signing-config and -trusted-root: signtest served by the test, with
// its files on disk.
func TestRealServicesFlags(t *testing.T) {
	dir, file := artifact(t)
	st, err := signtest.New(signtest.Options{Seed: "another instance", Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := st.Serve(t)
	sc, err := st.SigningConfigJSON(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := st.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	scPath, trPath := filepath.Join(dir, "signing_config.json"), filepath.Join(dir, "trusted_root.json")
	if err := os.WriteFile(scPath, sc, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(trPath, tr, 0o644); err != nil {
		t.Fatal(err)
	}
	report := runOK(t, "-signing-config", scPath, "-trusted-root", trPath, file)
	if !regexp.MustCompile(`(?m)^  sigstore +services of ` + regexp.QuoteMeta(scPath) + `$`).MatchString(report) {
		t.Error("report does not name the signing config")
	}
	trust, err := verify.LoadTrustedRoot(trPath)
	if err != nil {
		t.Fatal(err)
	}
	pub := readPublicKey(t, filepath.Join(dir, "notes.txt.pub.pem"))
	verifyWritten(t, trust, file+".sigstore.json", file, verify.Policy{PublicKeys: []crypto.PublicKey{pub}})

	// The default instance's root does not trust this instance's log.
	data, err := os.ReadFile(file + ".sigstore.json")
	if err != nil {
		t.Fatal(err)
	}
	_, err = verify.Verify(context.Background(), data, verify.Artifact{Path: file},
		verify.Policy{PublicKeys: []crypto.PublicKey{pub}}, verify.Options{TrustedRoot: signtestTrust(t)})
	if !errors.Is(err, verify.ErrTransparencyLog) {
		t.Errorf("bundle from another instance: got %v, want %v", err, verify.ErrTransparencyLog)
	}
}

func TestErrors(t *testing.T) {
	dir, file := artifact(t)
	notPEM := filepath.Join(dir, "not-a-key.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPath := writeKey(t, t.TempDir(), rsaKey)
	missing := filepath.Join(dir, "missing.txt")
	for _, tc := range []struct {
		name string
		args []string
		want error
	}{
		{"no file", nil, cli.ErrUsage},
		{"two files", []string{file, file}, cli.ErrUsage},
		{"unknown flag", []string{"-frobnicate", file}, cli.ErrUsage},
		{"signing config alone", []string{"-signing-config", "sc.json", file}, cli.ErrUsage},
		{"trusted root alone", []string{"-trusted-root", "tr.json", file}, cli.ErrUsage},
		{"keyless and key", []string{"-keyless", "-key", notPEM, file}, cli.ErrUsage},
		{"email without keyless", []string{"-email", "a@example.com", file}, cli.ErrUsage},
		{"keyless real services without identity", []string{"-keyless", "-signing-config", "sc.json", "-trusted-root", "tr.json", file}, cli.ErrUsage},
		{"missing file", []string{missing}, fs.ErrNotExist},
		{"missing key", []string{"-key", filepath.Join(dir, "missing.pem"), file}, fs.ErrNotExist},
		{"key not PEM", []string{"-key", notPEM, file}, cli.ErrKey},
		{"RSA key", []string{"-key", rsaPath, file}, cli.ErrKey},
		{"missing signing config", []string{"-signing-config", filepath.Join(dir, "sc.json"), "-trusted-root", filepath.Join(dir, "tr.json"), file}, fs.ErrNotExist},
		{"out in missing directory", []string{"-out", filepath.Join(dir, "no", "such", "dir", "b.json"), file}, fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tc.args, &out)
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(file + ".sigstore.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed run left a bundle: %v", err)
	}
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-h"}, &out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte("-signing-config")) {
		t.Errorf("usage does not list the flags:\n%s", out.String())
	}
}
