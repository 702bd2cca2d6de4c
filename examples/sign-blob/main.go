// Command sign-blob signs a file with a key of your own (any crypto.Signer),
// writes the Sigstore bundle, verifies it with a public-key policy and shows
// that a tampered copy of the file is refused.
//
// By default it signs against an in-process Sigstore (sign/signtest) served
// on a loopback port: the signature goes to its Rekor v2 log and is
// timestamped by its RFC 3161 TSA, as its signing config says. Nothing
// leaves the machine. Flags point it at real services instead.
//
// Usage:
//
//	go run ./examples/sign-blob [flags] FILE
//
// Flags:
//
//	-key KEY.pem          PEM PKCS#8 private key (ECDSA P-256/P-384/P-521 or
//	                      Ed25519) to sign with; default: a fresh ECDSA
//	                      P-256 key, whose public key is written beside the
//	                      bundle (BUNDLE without .sigstore.json + .pub.pem)
//	-out BUNDLE           where to write the bundle (default FILE.sigstore.json);
//	                      written atomically, never half
//	-signing-config SC    signing_config.json (v0.2) of real services
//	-trusted-root TR      trusted_root.json of those services (with -signing-config)
//	-keyless              sign keylessly instead: a Fulcio certificate for an
//	                      OIDC identity (a signtest email token by default;
//	                      $SIGSTORE_ID_TOKEN with -signing-config, whose
//	                      identity -email and -issuer then name)
//	-email ADDR           the keyless identity (default alice@example.com)
//	-issuer URL           the keyless identity's OIDC issuer (real services)
//
// The report names the artifact digest, the key (its hint in the bundle)
// or certificate identity, the transparency log entry and the verified
// timestamps, then the refusals with the check that failed.
//
// Ed25519 keys sign the file's SHA-512 digest (Ed25519ph, Sigstore's
// PKIX_ED25519_PH), since the file is streamed, not held in memory.
//
// The example writes only the bundle and, for a generated key, the public
// key; the private key of a generated key is never written.
package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sign-blob:", err)
		os.Exit(1)
	}
}

// maxKeyFile bounds a private key PEM file.
const maxKeyFile = 64 << 10

// defaultEmail is the keyless identity of the in-process Sigstore.
const defaultEmail = "alice@example.com"

var (
	// errUsage: the command line is wrong.
	errUsage = errors.New("usage")
	// errKey: the -key file is not a usable private key.
	errKey = errors.New("unusable key")
)

func usagef(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

type config struct {
	file          string
	keyPath       string
	out           string
	signingConfig string
	trustedRoot   string
	keyless       bool
	email         string
	issuer        string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("sign-blob", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.keyPath, "key", "", "PEM PKCS#8 private key (ECDSA or Ed25519); default: a fresh ECDSA P-256 key")
	fs.StringVar(&c.out, "out", "", "bundle to write (default FILE.sigstore.json)")
	fs.StringVar(&c.signingConfig, "signing-config", "", "signing_config.json of real services (default: an in-process Sigstore)")
	fs.StringVar(&c.trustedRoot, "trusted-root", "", "trusted_root.json of those services")
	fs.BoolVar(&c.keyless, "keyless", false, "sign keylessly (Fulcio certificate for an OIDC identity) instead of with a key")
	fs.StringVar(&c.email, "email", "", "keyless identity (default "+defaultEmail+" in-process)")
	fs.StringVar(&c.issuer, "issuer", "", "keyless identity's OIDC issuer (with -signing-config)")
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() != 1 {
		return nil, usagef("want exactly one FILE to sign, got %d arguments", fs.NArg())
	}
	c.file = fs.Arg(0)
	if (c.signingConfig == "") != (c.trustedRoot == "") {
		return nil, usagef("-signing-config and -trusted-root go together")
	}
	if c.keyless && c.keyPath != "" {
		return nil, usagef("-keyless and -key are exclusive")
	}
	if !c.keyless && (c.email != "" || c.issuer != "") {
		return nil, usagef("-email and -issuer need -keyless")
	}
	if c.keyless && c.signingConfig != "" && (c.email == "" || c.issuer == "") {
		return nil, usagef("-keyless with real services needs -email and -issuer (the identity to expect)")
	}
	if c.issuer != "" && c.signingConfig == "" {
		return nil, usagef("-issuer names the identity provider of real services (with -signing-config)")
	}
	if c.keyless && c.email == "" {
		c.email = defaultEmail
	}
	if c.out == "" {
		c.out = c.file + ".sigstore.json"
	}
	return c, nil
}

// stack is where signing happens and what verification trusts.
type stack struct {
	description string
	services    sign.Services
	trustedJSON []byte
	token       sign.TokenSource // keyless only
	issuer      string           // keyless only
	stop        func()
}

// embeddedStack serves the in-process Sigstore of sign/signtest on a
// loopback port. Its signing config names Fulcio, Rekor v2 and a TSA.
func embeddedStack(c *config) (*stack, error) {
	st, err := signtest.New(signtest.Options{Now: time.Now})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: st.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	base := "http://" + ln.Addr().String()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx) //nolint:errcheck
	}
	s := &stack{description: "in-process Sigstore (sign/signtest) on " + base, stop: stop}
	scJSON, err := st.SigningConfigJSON(base)
	if err == nil {
		s.services, err = servicesFrom(scJSON)
	}
	if err == nil {
		s.trustedJSON, err = st.TrustedRootJSON()
	}
	if err != nil {
		stop()
		return nil, err
	}
	if c.keyless {
		id := signtest.Email(c.email)
		s.token = sign.StaticToken(st.Token(id))
		claims, err := sign.ParseToken(st.Token(id), time.Now())
		if err != nil {
			stop()
			return nil, err
		}
		s.issuer = claims.Issuer
	}
	return s, nil
}

// realStack reads the services and trust the flags name.
func realStack(c *config) (*stack, error) {
	scJSON, err := os.ReadFile(c.signingConfig)
	if err != nil {
		return nil, err
	}
	services, err := servicesFrom(scJSON)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.signingConfig, err)
	}
	trJSON, err := os.ReadFile(c.trustedRoot)
	if err != nil {
		return nil, err
	}
	s := &stack{description: "services of " + c.signingConfig, services: services, trustedJSON: trJSON, stop: func() {}}
	if c.keyless {
		s.token = sign.EnvToken("") // SIGSTORE_ID_TOKEN
		s.issuer = c.issuer
	}
	return s, nil
}

func servicesFrom(scJSON []byte) (sign.Services, error) {
	sc, err := root.NewSigningConfigFromJSON(scJSON)
	if err != nil {
		return sign.Services{}, fmt.Errorf("signing config: %w", err)
	}
	return sign.ServicesFromSigningConfig(sc, time.Now())
}

// loadKey reads a PEM PKCS#8 private key (ECDSA or Ed25519).
func loadKey(path string) (crypto.Signer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", path, errKey, maxKeyFile)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: %w: no PEM \"PRIVATE KEY\" (PKCS#8) block", path, errKey)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		// The parser's message names the problem, never the key bytes.
		return nil, fmt.Errorf("%s: %w: %w", path, errKey, err)
	}
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	default:
		return nil, fmt.Errorf("%s: %w: %T keys are not supported here (use ECDSA or Ed25519)", path, errKey, k)
	}
}

// pubPath is where the public key of a generated key goes: beside the
// bundle, named after it.
func pubPath(bundlePath string) string {
	base := strings.TrimSuffix(bundlePath, ".sigstore.json")
	if base == bundlePath {
		base = strings.TrimSuffix(bundlePath, filepath.Ext(bundlePath))
	}
	return base + ".pub.pem"
}

func run(ctx context.Context, args []string, w io.Writer) error {
	c, err := parseFlags(args, w)
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h: the flag set printed the usage
	}
	if err != nil {
		return err
	}
	digest, err := fileSHA256(c.file)
	if err != nil {
		return err
	}

	// The key, unless keyless.
	var key crypto.Signer
	var keySource string
	switch {
	case c.keyless:
	case c.keyPath != "":
		if key, err = loadKey(c.keyPath); err != nil {
			return err
		}
		keySource = c.keyPath
	default:
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return err
		}
		keySource = "a fresh ECDSA P-256 key, public key written to " + pubPath(c.out)
	}

	// Where to sign, what to trust.
	var s *stack
	if c.signingConfig == "" {
		s, err = embeddedStack(c)
	} else {
		s, err = realStack(c)
	}
	if err != nil {
		return err
	}
	defer s.stop()
	trust, err := verify.ParseTrustedRoot(s.trustedJSON, trustSource(c))
	if err != nil {
		return err
	}

	// Sign and write the bundle.
	signer := sign.Key(key)
	if c.keyless {
		signer = sign.Keyless(s.token)
	}
	b, err := signFile(ctx, c.file, signer, sign.Options{Services: s.services, TrustedRoot: trust})
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	if err := sign.WriteFile(c.out, b); err != nil {
		return err
	}
	if !c.keyless && c.keyPath == "" {
		// Keep the generated key's public half; the private half is
		// dropped when the program ends.
		der, err := x509.MarshalPKIXPublicKey(key.Public())
		if err != nil {
			return err
		}
		if err := writeFile(pubPath(c.out), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "sign-blob\n\n")
	fmt.Fprintf(w, "  file      %s  sha256:%s\n", filepath.Base(c.file), digest)
	if c.keyless {
		fmt.Fprintf(w, "  signer    %s (issuer %s), keyless\n", c.email, s.issuer)
	} else {
		fmt.Fprintf(w, "  key       %s\n", keySource)
	}
	fmt.Fprintf(w, "  sigstore  %s\n", s.description)
	fmt.Fprintf(w, "  bundle    %s\n", c.out)

	// Verify what was written, from disk, with a policy naming the key
	// (or the keyless identity).
	bundleJSON, err := os.ReadFile(c.out)
	if err != nil {
		return err
	}
	var policy verify.Policy
	if c.keyless {
		policy.Identities = []verify.Identity{{Issuer: verify.Exact(s.issuer), SAN: verify.Exact(c.email)}}
	} else {
		policy.PublicKeys = []crypto.PublicKey{key.Public()}
	}
	v, err := verify.New(verify.Options{TrustedRoot: trust})
	if err != nil {
		return err
	}
	parsed, err := verify.ParseBundle(bundleJSON)
	if err != nil {
		return err
	}
	res, err := v.Verify(ctx, parsed, verify.Artifact{Path: c.file}, policy)
	if err != nil {
		return fmt.Errorf("the bundle just written does not verify: %w", err)
	}
	fmt.Fprintf(w, "\nverified against %s:\n", res.TrustedRoot)
	fmt.Fprintf(w, "  digest    %s\n", res.Artifact)
	if res.Certificate != nil {
		fmt.Fprintf(w, "  signer    %s (issuer %s, CA %s)\n", res.Certificate.SAN, res.Certificate.Issuer, res.Certificate.CA)
	} else {
		hint := parsed.Sigstore().GetVerificationMaterial().GetPublicKey().GetHint()
		fmt.Fprintf(w, "  key       hint %s (policy key #%d)\n", hint, res.PublicKey)
	}
	for _, e := range res.LogEntries {
		fmt.Fprintf(w, "  log       %s %s entry #%d in log %s, inclusion proof %v\n", e.Kind, e.Version, e.LogIndex, short(e.LogID), e.InclusionProof)
	}
	for _, ts := range res.Timestamps {
		fmt.Fprintf(w, "  time      %s (%s%s)\n", ts.Time.UTC().Format(time.RFC3339), ts.Kind, optional(" ", ts.URI))
	}

	// Refusals: a tampered copy, and (key mode) a different key.
	fmt.Fprintf(w, "\nrefused, as they should be:\n")
	tampered, err := os.ReadFile(c.file)
	if err != nil {
		return err
	}
	if len(tampered) == 0 {
		tampered = []byte{0}
	} else {
		tampered[len(tampered)/2] ^= 0x01
	}
	_, err = v.Verify(ctx, parsed, verify.Artifact{Reader: bytes.NewReader(tampered)}, policy)
	if err := expectRefusal(w, "tampered", err, verify.ErrArtifact, verify.ErrSignature); err != nil {
		return err
	}
	wrong := policy
	if c.keyless {
		wrong.Identities = []verify.Identity{{Issuer: verify.Exact(s.issuer), SAN: verify.Exact("mallory@example.com")}}
	} else {
		other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		wrong.PublicKeys = []crypto.PublicKey{other.Public()}
	}
	_, err = v.Verify(ctx, parsed, verify.Artifact{Path: c.file}, wrong)
	return expectRefusal(w, "wrong-key", err, verify.ErrIdentity)
}

func trustSource(c *config) string {
	if c.trustedRoot != "" {
		return c.trustedRoot
	}
	return "signtest trusted_root.json"
}

func short(hexID string) string {
	if len(hexID) > 16 {
		return hexID[:16] + "…"
	}
	return hexID
}

func optional(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// expectRefusal prints a refused verification, and fails if it was not
// refused, or refused for another reason than one of want.
func expectRefusal(w io.Writer, label string, err error, want ...error) error {
	if err == nil {
		return fmt.Errorf("%s: verification unexpectedly succeeded", label)
	}
	var verr *verify.Error
	if !errors.As(err, &verr) {
		return fmt.Errorf("%s: untyped error: %w", label, err)
	}
	for _, sentinel := range want {
		if errors.Is(err, sentinel) {
			fmt.Fprintf(w, "  no  %-10s check %q failed: %s\n", label, verr.Check, firstLine(err.Error()))
			return nil
		}
	}
	return fmt.Errorf("%s: refused for the wrong reason: %w", label, err)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// signFile signs a file as a stream: only its digest is signed, so a
// large file is never held in memory.
func signFile(ctx context.Context, path string, signer sign.Signer, opts sign.Options) (*verify.Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return sign.Sign(ctx, sign.Blob(f), signer, opts)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeFile writes atomically: a temporary file renamed into place.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
