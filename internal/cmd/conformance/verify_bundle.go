package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/chainproof/chainproof/verify"
)

// maxKeyFileSize bounds a --key PEM file.
const maxKeyFileSize = 64 << 10

// verifyBundle implements
//
//	verify-bundle --bundle B (--key K | --certificate-identity I --certificate-oidc-issuer O) [--trusted-root TR] ARTIFACT|sha256:HEX
//
// Without --trusted-root it uses verify's embedded public-good root; it never
// uses the network. On success it prints the verify.Result as JSON.
func verifyBundle(args []string) error {
	fs := flag.NewFlagSet("verify-bundle", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bundlePath := fs.String("bundle", "", "bundle file")
	keyPath := fs.String("key", "", "PEM public key (managed key)")
	identity := fs.String("certificate-identity", "", "certificate SAN (exact)")
	issuer := fs.String("certificate-oidc-issuer", "", "certificate OIDC issuer (exact)")
	trustedRoot := fs.String("trusted-root", "", "trusted_root.json (default: embedded public-good snapshot)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want exactly one ARTIFACT or sha256:HEX argument, got %d", errUsage, fs.NArg())
	}
	if *bundlePath == "" {
		return fmt.Errorf("%w: --bundle is required", errUsage)
	}
	var policy verify.Policy
	switch {
	case *keyPath != "" && (*identity != "" || *issuer != ""):
		return fmt.Errorf("%w: --key excludes --certificate-identity/--certificate-oidc-issuer", errUsage)
	case *keyPath != "":
		f, err := os.Open(*keyPath)
		if err != nil {
			return err
		}
		pemBytes, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize))
		f.Close()
		if err != nil {
			return err
		}
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(pemBytes)
		if err != nil {
			return fmt.Errorf("--key %s: %w", *keyPath, err)
		}
		policy.PublicKeys = append(policy.PublicKeys, pub)
	case *identity != "" && *issuer != "":
		policy.Identities = append(policy.Identities, verify.Identity{
			Issuer: verify.Exact(*issuer),
			SAN:    verify.Exact(*identity),
		})
	default:
		return fmt.Errorf("%w: need --key, or --certificate-identity and --certificate-oidc-issuer", errUsage)
	}

	var opts verify.Options
	if *trustedRoot != "" {
		tr, err := verify.LoadTrustedRoot(*trustedRoot)
		if err != nil {
			return err
		}
		opts.TrustedRoot = tr
	}
	v, err := verify.New(opts)
	if err != nil {
		return err
	}
	b, err := verify.ReadBundleFile(*bundlePath)
	if err != nil {
		return err
	}
	res, err := v.Verify(context.Background(), b, verify.ArtifactArg(fs.Arg(0)), policy)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(os.Stdout, "%s\n", out)
	return err
}
