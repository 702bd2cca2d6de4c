// Command verify-image verifies the Sigstore signatures (or attestations)
// of a container image in a registry, the way `cosign verify` and `cosign
// verify-attestation` do, with chainproof's oci and verify packages.
//
// Usage:
//
//	go run ./examples/verify-image [flags] IMAGE
//
// IMAGE is REGISTRY/REPO:TAG (resolved once to a digest),
// REGISTRY/REPO@sha256:... or oci://DIR for an OCI image layout. Flags, as
// cosign names them:
//
//	--certificate-identity ID           the signer's certificate identity (SAN)
//	--certificate-identity-regexp RE    ... as a regular expression (anchored)
//	--certificate-oidc-issuer URL       the OIDC issuer of the identity
//	--certificate-oidc-issuer-regexp RE ... as a regular expression (anchored)
//	--key FILE                          a PEM public key instead of an identity
//	--trusted-root FILE                 trusted_root.json (default: the embedded
//	                                    public-good root)
//	--type PREDICATE                    verify attestations of this predicate type
//	                                    (a URI or cosign's short names: cyclonedx,
//	                                    spdxjson, slsaprovenance1, ...) instead of
//	                                    signatures
//	--allow-http-registry               plain HTTP to a registry not on loopback
//	--timeout DURATION                  bound the whole run (default 2m)
//
// It exits 0 when at least one signature (or attestation of the type)
// verifies, and 1 with the reason otherwise: nothing found (and where it
// looked), found but none verified (each one's reason), or a registry
// failure; 2 for bad usage. Registry credentials come from the Docker
// config.
package main

import (
	"context"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/verify"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify-image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		identity      = fs.String("certificate-identity", "", "the signer's certificate identity (SAN)")
		identityRE    = fs.String("certificate-identity-regexp", "", "the signer's identity as an anchored regexp")
		issuer        = fs.String("certificate-oidc-issuer", "", "the identity's OIDC issuer")
		issuerRE      = fs.String("certificate-oidc-issuer-regexp", "", "the OIDC issuer as an anchored regexp")
		keyFile       = fs.String("key", "", "PEM public key to verify with instead of an identity")
		trustedRoot   = fs.String("trusted-root", "", "trusted_root.json (default: embedded public-good root)")
		predicateType = fs.String("type", "", "verify attestations of this predicate type instead of signatures")
		allowHTTP     = fs.Bool("allow-http-registry", false, "plain HTTP to registries not on loopback")
		timeout       = fs.Duration("timeout", 2*time.Minute, "bound the whole run")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: verify-image [flags] IMAGE")
		return 2
	}
	pol, err := policy(*identity, *identityRE, *issuer, *issuerRE, *keyFile)
	if err != nil {
		fmt.Fprintln(stderr, "verify-image:", err)
		return 2
	}
	var tr *verify.TrustedRoot
	if *trustedRoot != "" {
		if tr, err = verify.LoadTrustedRoot(*trustedRoot); err != nil {
			fmt.Fprintln(stderr, "verify-image:", err)
			return 2
		}
	}
	v, err := verify.New(verify.Options{TrustedRoot: tr})
	if err != nil {
		fmt.Fprintln(stderr, "verify-image:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	c := oci.NewClient(oci.Options{Keychain: authn.DefaultKeychain, InsecureAllowHTTP: *allowHTTP})

	img, err := c.Resolve(ctx, fs.Arg(0), oci.ResolveOptions{})
	if err != nil {
		fmt.Fprintln(stderr, "verify-image:", err)
		return 1
	}
	fmt.Fprintf(stdout, "image    %s\n", img)
	var found []oci.Verified
	if *predicateType != "" {
		found, err = c.VerifyAttestations(ctx, v, img, *predicateType, pol)
	} else {
		found, err = c.VerifySignatures(ctx, v, img, pol, oci.VerifyOptions{})
	}
	if err != nil {
		report(stderr, err)
		return 1
	}
	for _, f := range found {
		signer := "key"
		if cert := f.Result.Certificate; cert != nil {
			signer = fmt.Sprintf("%s (issuer %s)", cert.SAN, cert.Issuer)
		}
		what := f.Item.Kind.String()
		if f.Item.PredicateType != "" && f.Item.Kind == oci.KindAttestation {
			what += " " + f.Item.PredicateType
		}
		fmt.Fprintf(stdout, "  ok  %s by %s\n      from %s\n", what, signer, f.Item.Source)
	}
	fmt.Fprintf(stdout, "%d verified\n", len(found))
	return 0
}

// report prints why verification failed, one line per found item.
func report(w io.Writer, err error) {
	var oe *oci.Error
	switch {
	case errors.Is(err, oci.ErrNoSignatures) && errors.As(err, &oe):
		fmt.Fprintf(w, "no signatures found; searched:\n")
		for _, s := range oe.Searched {
			fmt.Fprintf(w, "  %s\n", s)
		}
	case errors.Is(err, oci.ErrNotVerified) && errors.As(err, &oe):
		fmt.Fprintf(w, "%d found, none verified:\n", len(oe.Failures))
		for _, f := range oe.Failures {
			fmt.Fprintf(w, "  no  %s: %v\n", f.Source, f.Err)
		}
	default:
		fmt.Fprintln(w, "verify-image:", err)
	}
}

// policy builds the verify policy from cosign's flags.
func policy(identity, identityRE, issuer, issuerRE, keyFile string) (verify.Policy, error) {
	if keyFile != "" {
		if identity != "" || identityRE != "" || issuer != "" || issuerRE != "" {
			return verify.Policy{}, errors.New("--key excludes the --certificate-* flags")
		}
		pub, err := cli.LoadPublicKey(keyFile)
		if err != nil {
			return verify.Policy{}, err
		}
		return verify.Policy{PublicKeys: []crypto.PublicKey{pub}}, nil
	}
	id := verify.Identity{}
	switch {
	case identity != "" && identityRE == "":
		id.SAN = verify.Exact(identity)
	case identityRE != "" && identity == "":
		id.SAN = verify.Regexp(identityRE)
	default:
		return verify.Policy{}, errors.New("give exactly one of --certificate-identity and --certificate-identity-regexp (or --key)")
	}
	switch {
	case issuer != "" && issuerRE == "":
		id.Issuer = verify.Exact(issuer)
	case issuerRE != "" && issuer == "":
		id.Issuer = verify.Regexp(issuerRE)
	default:
		return verify.Policy{}, errors.New("give exactly one of --certificate-oidc-issuer and --certificate-oidc-issuer-regexp")
	}
	return verify.Policy{Identities: []verify.Identity{id}}, nil
}
