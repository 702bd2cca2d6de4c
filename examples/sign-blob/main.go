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
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/examples/internal/stack"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

func main() {
	cli.Run("sign-blob", 2*time.Minute, func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stdout) })
}

// defaultEmail is the keyless identity of the in-process Sigstore.
const defaultEmail = "alice@example.com"

type config struct {
	file    string
	keyPath string
	out     string
	stack   *stack.Flags
	keyless bool
	email   string
	issuer  string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("sign-blob", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.keyPath, "key", "", "PEM PKCS#8 private key (ECDSA or Ed25519); default: a fresh ECDSA P-256 key")
	fs.StringVar(&c.out, "out", "", "bundle to write (default FILE.sigstore.json)")
	c.stack = stack.AddFlags(fs)
	fs.BoolVar(&c.keyless, "keyless", false, "sign keylessly (Fulcio certificate for an OIDC identity) instead of with a key")
	fs.StringVar(&c.email, "email", "", "keyless identity (default "+defaultEmail+" in-process)")
	fs.StringVar(&c.issuer, "issuer", "", "keyless identity's OIDC issuer (with -signing-config)")
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("%w: %w", cli.ErrUsage, err)
	}
	if fs.NArg() != 1 {
		return nil, cli.Usagef("want exactly one FILE to sign, got %d arguments", fs.NArg())
	}
	c.file = fs.Arg(0)
	if err := c.stack.Check(); err != nil {
		return nil, err
	}
	if c.keyless && c.keyPath != "" {
		return nil, cli.Usagef("-keyless and -key are exclusive")
	}
	if !c.keyless && (c.email != "" || c.issuer != "") {
		return nil, cli.Usagef("-email and -issuer need -keyless")
	}
	if c.keyless && c.stack.IsReal() && (c.email == "" || c.issuer == "") {
		return nil, cli.Usagef("-keyless with real services needs -email and -issuer (the identity to expect)")
	}
	if c.issuer != "" && !c.stack.IsReal() {
		return nil, cli.Usagef("-issuer names the identity provider of real services (with -signing-config)")
	}
	if c.keyless && c.email == "" {
		c.email = defaultEmail
	}
	if c.out == "" {
		c.out = c.file + ".sigstore.json"
	}
	return c, nil
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
	digest, err := cli.FileSHA256(c.file)
	if err != nil {
		return err
	}

	// The key, unless keyless.
	var key crypto.Signer
	var keySource string
	switch {
	case c.keyless:
	case c.keyPath != "":
		if key, err = cli.LoadSigner(c.keyPath); err != nil {
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
	s, err := c.stack.Open()
	if err != nil {
		return err
	}
	defer s.Close()

	// Sign and write the bundle.
	signer, issuer := sign.Key(key), ""
	if c.keyless {
		signer, issuer = keyless(s, c)
	}
	b, err := signFile(ctx, c.file, signer, sign.Options{Services: s.Services, TrustedRoot: s.Trust})
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	if err := sign.WriteFile(c.out, b); err != nil {
		return err
	}
	if !c.keyless && c.keyPath == "" {
		// Keep the generated key's public half; the private half is
		// dropped when the program ends.
		pub, err := cli.PublicKeyPEM(key.Public())
		if err == nil {
			err = cli.WriteFile(pubPath(c.out), pub)
		}
		if err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "sign-blob\n\n")
	fmt.Fprintf(w, "  file      %s  sha256:%s\n", filepath.Base(c.file), digest)
	if c.keyless {
		fmt.Fprintf(w, "  signer    %s (issuer %s), keyless\n", c.email, issuer)
	} else {
		fmt.Fprintf(w, "  key       %s\n", keySource)
	}
	fmt.Fprintf(w, "  sigstore  %s\n", s.Description)
	fmt.Fprintf(w, "  bundle    %s\n", c.out)

	// Verify what was written, from disk, with a policy naming the key
	// (or the keyless identity).
	bundleJSON, err := os.ReadFile(c.out)
	if err != nil {
		return err
	}
	var policy verify.Policy
	if c.keyless {
		policy.Identities = []verify.Identity{{Issuer: verify.Exact(issuer), SAN: verify.Exact(c.email)}}
	} else {
		policy.PublicKeys = []crypto.PublicKey{key.Public()}
	}
	v, err := verify.New(verify.Options{TrustedRoot: s.Trust})
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
		hint := parsed.Proto().GetVerificationMaterial().GetPublicKey().GetHint()
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
	if err := cli.ExpectRefusal(w, "tampered", err, verify.ErrArtifact, verify.ErrSignature); err != nil {
		return err
	}
	wrong := policy
	if c.keyless {
		wrong.Identities = []verify.Identity{{Issuer: verify.Exact(issuer), SAN: verify.Exact("mallory@example.com")}}
	} else {
		other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		wrong.PublicKeys = []crypto.PublicKey{other.Public()}
	}
	_, err = v.Verify(ctx, parsed, verify.Artifact{Path: c.file}, wrong)
	return cli.ExpectRefusal(w, "wrong-key", err, verify.ErrIdentity)
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

// keyless is the signer and expected issuer of a keyless signature: a
// token the in-process Sigstore mints for c.email, or $SIGSTORE_ID_TOKEN
// with real services (whose issuer -issuer names).
func keyless(s *stack.Stack, c *config) (sign.Signer, string) {
	if s.Sigstore == nil {
		return sign.Keyless(sign.EnvToken("")), c.issuer
	}
	id := signtest.Email(c.email)
	return sign.Keyless(sign.StaticToken(s.Sigstore.Token(id))), id.Issuer
}
