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
//	-sbom FILE             also attest this CycloneDX or SPDX JSON SBOM
//	-allow-http-registry   plain HTTP to a registry not on loopback
//	-trusted-root-out FILE where to write the in-process trusted root
//	                       (default trusted_root.json)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/chainproof/chainproof/attest"
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
	signingConfig := fs.String("signing-config", "", "signing_config.json of real services")
	trustedRoot := fs.String("trusted-root", "", "trusted_root.json of those services")
	sbomFile := fs.String("sbom", "", "CycloneDX or SPDX JSON SBOM to attest")
	allowHTTP := fs.Bool("allow-http-registry", false, "plain HTTP to registries not on loopback")
	trOut := fs.String("trusted-root-out", "trusted_root.json", "where to write the in-process trusted root")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: sign-image [flags] IMAGE")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	opts, stop, err := signOptions(*signingConfig, *trustedRoot, *trOut)
	if err != nil {
		fmt.Fprintln(stderr, "sign-image:", err)
		return 2
	}
	defer stop()

	c := oci.NewClient(oci.Options{Keychain: authn.DefaultKeychain, InsecureAllowHTTP: *allowHTTP})
	img, err := c.Resolve(ctx, fs.Arg(0), oci.ResolveOptions{})
	if err != nil {
		fmt.Fprintln(stderr, "sign-image:", err)
		return 1
	}
	fmt.Fprintf(stdout, "image  %s\n", img)
	it, err := c.Sign(ctx, img, opts)
	if err != nil {
		fmt.Fprintln(stderr, "sign-image:", err)
		return 1
	}
	fmt.Fprintf(stdout, "signed    %s\n", it.Source)
	if *sbomFile != "" {
		data, err := os.ReadFile(*sbomFile)
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
		it, err := c.Attest(ctx, img, pt, data, opts)
		if err != nil {
			fmt.Fprintln(stderr, "sign-image:", err)
			return 1
		}
		fmt.Fprintf(stdout, "attested  %s %s\n", pt, it.Source)
	}
	return 0
}

// signOptions returns keyless options for real services (signing config,
// trusted root, $SIGSTORE_ID_TOKEN) or for an in-process Sigstore served
// on loopback until stop is called.
func signOptions(signingConfig, trustedRoot, trOut string) (sign.Options, func(), error) {
	if signingConfig != "" || trustedRoot != "" {
		if signingConfig == "" || trustedRoot == "" {
			return sign.Options{}, nil, errors.New("-signing-config and -trusted-root go together")
		}
		sc, err := root.NewSigningConfigFromPath(signingConfig)
		if err != nil {
			return sign.Options{}, nil, err
		}
		services, err := sign.ServicesFromSigningConfig(sc, time.Now())
		if err != nil {
			return sign.Options{}, nil, err
		}
		tr, err := root.NewTrustedRootFromPath(trustedRoot)
		if err != nil {
			return sign.Options{}, nil, err
		}
		return sign.Options{Token: sign.EnvToken(""), Services: services, TrustedRoot: tr}, func() {}, nil
	}
	st, err := signtest.New(signtest.Options{Now: time.Now})
	if err != nil {
		return sign.Options{}, nil, err
	}
	trJSON, err := st.TrustedRootJSON()
	if err != nil {
		return sign.Options{}, nil, err
	}
	if err := os.WriteFile(trOut, trJSON, 0o644); err != nil {
		return sign.Options{}, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return sign.Options{}, nil, err
	}
	srv := &http.Server{Handler: st.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	base := "http://" + ln.Addr().String()
	return sign.Options{
		Token:       sign.StaticToken(st.Token(signtest.Email("alice@example.com"))),
		Services:    sign.Services{Fulcio: base, Rekor: []sign.Log{{URL: base, Version: 2}}, TSA: []string{base + signtest.PathTimestamp}},
		TrustedRoot: st.TrustedRoot(),
		Now:         time.Now,
	}, func() { srv.Close() }, nil
}
