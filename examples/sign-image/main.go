// Command sign-image signs a container image and attests an SBOM for it,
// storing both in the registry as cosign v3 does (OCI 1.1 referrers, or
// the referrers tag schema), so `cosign verify` and
// `go run ./examples/verify-image` accept them.
//
// Usage:
//
//	go run ./examples/sign-image [flags] IMAGE
//
// By default it signs keylessly against an in-process Sigstore
// (sign/signtest) on a loopback port, as alice@example.com, and writes
// that Sigstore's trusted root to -trusted-root-out so the signature can be
// verified. Flags point it at real services:
//
//	-signing-config SC     signing_config.json (v0.2) of real services
//	-trusted-root TR       their trusted_root.json (verify-after-sign)
//	                       (the identity token comes from $SIGSTORE_ID_TOKEN)
//	-key KEY.pem           sign with this PEM PKCS#8 private key (ECDSA or
//	                       Ed25519) instead of keylessly
//	-sbom FILE             also attest this CycloneDX or SPDX JSON SBOM
//	-type T -predicate F   also attest predicate F (a JSON object) of type T
//	                       (a URI or a cosign short name: slsaprovenance1,
//	                       cyclonedx, spdxjson, vuln, custom, ...)
//	-legacy                also write cosign v2's sha256-<hex>.sig/.att tags
//	                       for verifiers older than cosign v3 (with a Rekor v2
//	                       log they carry only the RFC 3161 timestamp)
//	-allow-http-registry   plain HTTP to a registry not on loopback
//	-trusted-root-out FILE where to write the in-process trusted root
//	                       (default trusted_root.json)
package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/sbom"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign-image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	signingConfig := fs.String("signing-config", "", "signing_config.json of real services")
	trustedRoot := fs.String("trusted-root", "", "trusted_root.json of those services")
	sbomFile := fs.String("sbom", "", "CycloneDX or SPDX JSON SBOM to attest")
	keyFile := fs.String("key", "", "PEM PKCS#8 private key (ECDSA or Ed25519); default: keyless")
	predType := fs.String("type", "", "predicate type of -predicate (URI or cosign short name)")
	predFile := fs.String("predicate", "", "JSON predicate to attest with -type")
	legacy := fs.Bool("legacy", false, "also write cosign v2's .sig/.att tags")
	allowHTTP := fs.Bool("allow-http-registry", false, "plain HTTP to registries not on loopback")
	trOut := fs.String("trusted-root-out", "trusted_root.json", "where to write the in-process trusted root")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: sign-image [flags] IMAGE")
		return 2
	}
	if (*predType == "") != (*predFile == "") {
		fmt.Fprintln(stderr, "sign-image: -type and -predicate go together")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// Read every input before anything is signed or pushed.
	var atts []attestation
	if *sbomFile != "" {
		data, err := readInput(*sbomFile)
		if err != nil {
			fmt.Fprintln(stderr, "sign-image:", err)
			return 2
		}
		_, f, err := sbom.Decode(data)
		if err != nil {
			fmt.Fprintln(stderr, "sign-image:", err)
			return 2
		}
		pt := attest.PredicateCycloneDX
		if f == sbom.SPDX {
			pt = attest.PredicateSPDX
		}
		atts = append(atts, attestation{pt, data})
	}
	if *predFile != "" {
		data, err := readInput(*predFile)
		if err != nil {
			fmt.Fprintln(stderr, "sign-image:", err)
			return 2
		}
		atts = append(atts, attestation{*predType, data})
	}
	var key crypto.Signer
	if *keyFile != "" {
		k, err := loadKey(*keyFile)
		if err != nil {
			fmt.Fprintln(stderr, "sign-image:", err)
			return 2
		}
		key = k
	}
	signer, opts, stop, err := signOptions(*signingConfig, *trustedRoot, *trOut)
	if err != nil {
		fmt.Fprintln(stderr, "sign-image:", err)
		return 2
	}
	defer stop()
	if key != nil {
		signer = sign.Key(key)
	}

	c := oci.NewClient(oci.Options{Keychain: authn.DefaultKeychain, InsecureAllowHTTP: *allowHTTP})
	img, err := c.Resolve(ctx, fs.Arg(0), oci.ResolveOptions{})
	if err != nil {
		fmt.Fprintln(stderr, "sign-image:", err)
		return 1
	}
	fmt.Fprintf(stdout, "image  %s\n", img)
	it, err := c.Sign(ctx, img, signer, opts)
	if err != nil {
		fmt.Fprintln(stderr, "sign-image:", err)
		return 1
	}
	fmt.Fprintf(stdout, "signed    %s\n", it.Source)
	if *legacy {
		it, err := c.SignLegacy(ctx, img, signer, opts)
		if err != nil {
			fmt.Fprintln(stderr, "sign-image:", err)
			return 1
		}
		fmt.Fprintf(stdout, "signed    %s (legacy)\n", it.Source)
	}
	for _, a := range atts {
		it, err := c.Attest(ctx, img, a.predicateType, a.predicate, signer, opts)
		if err != nil {
			fmt.Fprintln(stderr, "sign-image:", err)
			return 1
		}
		fmt.Fprintf(stdout, "attested  %s %s\n", it.PredicateType, it.Source)
		if *legacy {
			it, err := c.AttestLegacy(ctx, img, a.predicateType, a.predicate, signer, opts)
			if err != nil {
				fmt.Fprintln(stderr, "sign-image:", err)
				return 1
			}
			fmt.Fprintf(stdout, "attested  %s %s (legacy)\n", a.predicateType, it.Source)
		}
	}
	return 0
}

// attestation is one predicate to attest.
type attestation struct {
	predicateType string
	predicate     []byte
}

// maxInput bounds an SBOM or predicate file; maxKeyFile a private key file.
const (
	maxInput   = 64 << 20
	maxKeyFile = 64 << 10
)

// readInput reads a file of at most maxInput bytes.
func readInput(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInput {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxInput)
	}
	return data, nil
}

// loadKey reads a PEM PKCS#8 ECDSA or Ed25519 private key.
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
		return nil, fmt.Errorf("%s: key file larger than %d bytes", path, maxKeyFile)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PEM \"PRIVATE KEY\" (PKCS#8) block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	default:
		return nil, fmt.Errorf("%s: %T keys are not supported (use ECDSA or Ed25519)", path, k)
	}
}

// signOptions returns a keyless signer and options for real services
// (signing config, trusted root, $SIGSTORE_ID_TOKEN) or for an in-process
// Sigstore served on loopback until stop is called.
func signOptions(signingConfig, trustedRoot, trOut string) (sign.Signer, sign.Options, func(), error) {
	if signingConfig != "" || trustedRoot != "" {
		if signingConfig == "" || trustedRoot == "" {
			return sign.Signer{}, sign.Options{}, nil, errors.New("-signing-config and -trusted-root go together")
		}
		services, err := sign.LoadSigningConfig(signingConfig, time.Now())
		if err != nil {
			return sign.Signer{}, sign.Options{}, nil, err
		}
		tr, err := verify.LoadTrustedRoot(trustedRoot)
		if err != nil {
			return sign.Signer{}, sign.Options{}, nil, err
		}
		return sign.Keyless(sign.EnvToken("")), sign.Options{Services: services, TrustedRoot: tr}, func() {}, nil
	}
	st, err := signtest.New(signtest.Options{Now: time.Now})
	if err != nil {
		return sign.Signer{}, sign.Options{}, nil, err
	}
	trJSON, err := st.TrustedRootJSON()
	if err != nil {
		return sign.Signer{}, sign.Options{}, nil, err
	}
	if err := os.WriteFile(trOut, trJSON, 0o644); err != nil {
		return sign.Signer{}, sign.Options{}, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return sign.Signer{}, sign.Options{}, nil, err
	}
	srv := &http.Server{Handler: st.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	base := "http://" + ln.Addr().String()
	return sign.Keyless(sign.StaticToken(st.Token(signtest.Email("alice@example.com")))), sign.Options{
		Services:    sign.Services{Fulcio: base, Rekor: []sign.Log{{URL: base, Version: 2}}, TSA: []string{base + signtest.PathTimestamp}},
		TrustedRoot: st.TrustedRoot(),
		Now:         time.Now,
	}, func() { srv.Close() }, nil
}
