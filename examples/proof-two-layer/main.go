// Command proof-two-layer wraps a proof record in a signed DSSE envelope
// and verifies both layers, as PROOF-SPEC section 4 describes:
//
//   - inner layer: the record's HMAC-SHA256 over its canonical body, made
//     with the proof key;
//   - outer layer: an in-toto statement whose subject is the record's
//     proof_id, in a DSSE envelope signed with a different key: Ed25519 by
//     default, or HMAC as the upstream implementation does.
//
// By default it uses a record made by the Python reference implementation
// (embedded from testdata), so the run also shows byte-for-byte interop.
//
// Usage:
//
//	go run ./examples/proof-two-layer [-record FILE -key KEY] [-outer ed25519|hmac] [-out FILE]
//
// It writes the envelope, verifies it, and then shows two refusals: the
// wrong proof key (inner layer) and a tampered envelope (outer layer).
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/chainproof/chainproof/dsse"
	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/proof"
)

//go:embed testdata/upstream-proof.json
var upstreamProof []byte

// upstreamKey is the upstream project's default key for its shipped proofs.
const upstreamKey = "ophamin-scenario-proof-key"

func main() {
	cli.Run("proof-two-layer", 0, func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stdout) })
}

func run(ctx context.Context, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("proof-two-layer", flag.ContinueOnError)
	fs.SetOutput(w)
	recordPath := fs.String("record", "", "proof record JSON (default: an upstream record, embedded)")
	key := fs.String("key", upstreamKey, "HMAC key of the record (the inner layer)")
	outer := fs.String("outer", "ed25519", "outer signer: ed25519 or hmac")
	outPath := fs.String("out", "", "where to write the envelope (default: a temporary file)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	record := upstreamProof
	if *recordPath != "" {
		data, err := os.ReadFile(*recordPath)
		if err != nil {
			return err
		}
		record = data
	}
	proofKey := []byte(*key)

	// The inner layer on its own first: the record verifies with its key.
	rv, err := proof.Verify(record, proofKey)
	if err != nil {
		return fmt.Errorf("the record itself does not verify: %w", err)
	}
	fmt.Fprintf(w, "record     proof_id %s (HMAC-SHA256 verified)\n", rv.ProofID)

	// The outer signer and the verifier that goes with it.
	var signer dsse.Signer
	var verifier dsse.Verifier
	switch *outer {
	case "ed25519":
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		id, err := dsse.PublicKeyID(pub)
		if err != nil {
			return err
		}
		if signer, err = dsse.NewSigner(priv, id); err != nil {
			return err
		}
		if verifier, err = dsse.NewVerifier(pub, id); err != nil {
			return err
		}
	case "hmac":
		h, err := dsse.NewHMAC([]byte("outer envelope key, not the proof key"), "")
		if err != nil {
			return err
		}
		signer, verifier = h, h
	default:
		return fmt.Errorf("-outer %q: want ed25519 or hmac", *outer)
	}

	env, err := proof.SignEnvelope(ctx, record, proofKey, proof.StatementOptions{}, signer)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return err
	}
	out := *outPath
	if out == "" {
		dir, err := os.MkdirTemp("", "chainproof-proof-")
		if err != nil {
			return err
		}
		out = filepath.Join(dir, "proof.dsse.json")
	}
	if err := cli.WriteFile(out, data); err != nil {
		return err
	}
	fmt.Fprintf(w, "envelope   %s (%s outer signature, %d bytes)\n", out, *outer, len(data))

	// Verify both layers from the bytes on disk.
	onDisk, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	parsed, err := dsse.Parse(onDisk)
	if err != nil {
		return err
	}
	v, err := proof.VerifyEnvelope(ctx, parsed, proofKey, dsse.VerifyOptions{}, verifier)
	if err != nil {
		return fmt.Errorf("two-layer verification failed: %w", err)
	}
	fmt.Fprintf(w, "verified   outer DSSE (%s), statement subject %q, inner HMAC, subject digest = sha256(body)\n", *outer, v.SubjectName)

	// Refusals: the wrong proof key, and a tampered envelope.
	_, err = proof.VerifyEnvelope(ctx, parsed, []byte("not the proof key"), dsse.VerifyOptions{}, verifier)
	if err := refused(w, "wrong key", err); err != nil {
		return err
	}
	tampered := *parsed
	tampered.Payload = append([]byte(nil), parsed.Payload...)
	tampered.Payload[len(tampered.Payload)/2] ^= 0x01
	_, err = proof.VerifyEnvelope(ctx, &tampered, proofKey, dsse.VerifyOptions{}, verifier)
	return refused(w, "tampered", err)
}

func refused(w io.Writer, label string, err error) error {
	var perr *proof.Error
	if !errors.As(err, &perr) {
		return fmt.Errorf("%s: expected a *proof.Error, got %v", label, err)
	}
	fmt.Fprintf(w, "refused    %-10s check %q: %v\n", label, perr.Check, err)
	return nil
}
