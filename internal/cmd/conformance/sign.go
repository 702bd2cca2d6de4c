package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tuf"

	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/verify"
)

func init() { commands["sign-bundle"] = signBundle }

// signTimeout bounds one sign-bundle run.
const signTimeout = 2 * time.Minute

// maxStatementSize bounds an --in-toto statement file.
const maxStatementSize = sign.MaxPayloadSize

// signBundle implements
//
//	sign-bundle [--staging] [--in-toto] --identity-token T --bundle OUT [--trusted-root TR] [--signing-config SC] FILE
//
// It signs FILE keylessly (a message signature, or with --in-toto a DSSE
// bundle of the in-toto statement in FILE), verifies the bundle against the
// trusted root and writes it atomically to OUT. Services come from
// --signing-config, else the public-good (or with --staging, the staging)
// instance; the trusted root from --trusted-root, else the embedded
// public-good snapshot (with --staging, the staging root over TUF).
func signBundle(args []string) error {
	fs := flag.NewFlagSet("sign-bundle", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	staging := fs.Bool("staging", false, "use the Sigstore staging instance")
	inToto := fs.Bool("in-toto", false, "FILE is an in-toto statement: make a DSSE bundle")
	token := fs.String("identity-token", "", "OIDC identity token")
	out := fs.String("bundle", "", "output bundle path")
	trPath := fs.String("trusted-root", "", "trusted_root.json")
	scPath := fs.String("signing-config", "", "signing_config.json (v0.2)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want exactly one FILE argument, got %d", errUsage, fs.NArg())
	}
	if *token == "" || *out == "" {
		return fmt.Errorf("%w: --identity-token and --bundle are required", errUsage)
	}
	file := fs.Arg(0)

	ctx, cancel := context.WithTimeout(context.Background(), signTimeout)
	defer cancel()

	var (
		tm  *verify.TrustedRoot
		err error
	)
	switch {
	case *trPath != "":
		if tm, err = verify.LoadTrustedRoot(*trPath); err != nil {
			return err
		}
	case *staging:
		tr, err := root.FetchTrustedRootWithOptions(tuf.DefaultOptions().WithRoot(tuf.StagingRoot()).WithRepositoryBaseURL(tuf.StagingMirror))
		if err != nil {
			return fmt.Errorf("staging trusted root: %w", err)
		}
		raw, err := tr.MarshalJSON()
		if err != nil {
			return fmt.Errorf("staging trusted root: %w", err)
		}
		if tm, err = verify.ParseTrustedRoot(raw, "staging (TUF)"); err != nil {
			return err
		}
	default:
		if tm, err = verify.PublicGood(); err != nil {
			return err
		}
	}

	var services sign.Services
	switch {
	case *scPath != "":
		if services, err = sign.LoadSigningConfig(*scPath, time.Now()); err != nil {
			return err
		}
	case *staging:
		services = sign.Services{
			Fulcio: "https://fulcio.sigstage.dev",
			Rekor:  []sign.Log{{URL: "https://rekor.sigstage.dev", Version: 1}},
			TSA:    []string{"https://timestamp.sigstage.dev/api/v1/timestamp"},
		}
	default:
		services = sign.PublicGood()
	}

	var content sign.Content
	if *inToto {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		stmt, err := io.ReadAll(io.LimitReader(f, maxStatementSize+1))
		f.Close()
		if err != nil {
			return err
		}
		if len(stmt) > maxStatementSize {
			return fmt.Errorf("%s: statement larger than %d bytes", file, maxStatementSize)
		}
		content = sign.Statement(stmt)
	} else {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		content = sign.Blob(f) // streamed: hashed, never held in memory
	}

	b, err := sign.Sign(ctx, content, sign.Keyless(sign.StaticToken(*token)), sign.Options{
		Services:    services,
		TrustedRoot: tm,
	})
	if err != nil {
		return err
	}
	return sign.WriteFile(*out, b)
}
