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
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/examples/internal/stack"
	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/sbom"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign-image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	services := stack.AddFlags(fs)
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
		data, err := cli.ReadFile(*sbomFile, maxInput)
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
		data, err := cli.ReadFile(*predFile, maxInput)
		if err != nil {
			fmt.Fprintln(stderr, "sign-image:", err)
			return 2
		}
		atts = append(atts, attestation{*predType, data})
	}
	var key crypto.Signer
	if *keyFile != "" {
		k, err := cli.LoadSigner(*keyFile)
		if err != nil {
			fmt.Fprintln(stderr, "sign-image:", err)
			return 2
		}
		key = k
	}
	signer, opts, s, err := signOptions(services, *trOut)
	if err != nil {
		fmt.Fprintln(stderr, "sign-image:", err)
		return 2
	}
	defer s.Close()
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

// maxInput bounds an SBOM or predicate file.
const maxInput = 64 << 20

// signOptions returns a keyless signer and options for real services
// (signing config, trusted root, $SIGSTORE_ID_TOKEN) or for an in-process
// Sigstore served on loopback (its trusted root written to trOut) until
// the stack is closed.
func signOptions(f *stack.Flags, trOut string) (sign.Signer, sign.Options, *stack.Stack, error) {
	if err := f.Check(); err != nil {
		return sign.Signer{}, sign.Options{}, nil, err
	}
	s, err := f.Open()
	if err != nil {
		return sign.Signer{}, sign.Options{}, nil, err
	}
	opts := sign.Options{Services: s.Services, TrustedRoot: s.Trust}
	if f.IsReal() {
		return sign.Keyless(sign.EnvToken("")), opts, s, nil
	}
	if err := cli.WriteFile(trOut, s.TrustedJSON); err != nil {
		s.Close()
		return sign.Signer{}, sign.Options{}, nil, err
	}
	alice := sign.Keyless(sign.StaticToken(s.Sigstore.Token(signtest.Email("alice@example.com"))))
	return alice, opts, s, nil
}
