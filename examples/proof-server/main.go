// Command proof-server is an HTTP service that verifies proof records.
//
// POST a record (the JSON of a signed EmpiricalProofRecord) to /verify and
// it answers
//
//	{"verified": true, "proof_id": "...", "attested": false,
//	 "attestation_verified": false, "error": "", "check": "", "code": ""}
//
// with 200 when the record verifies, 400 when it is not JSON (or breaks the
// canonical JSON rules), 422 when a verification check fails (check names
// it, code names the failure, e.g. "signature_mismatch"), 413 when the body
// exceeds -max-body, 408 when the body has not arrived within ReadTimeout
// (15 s; a client that has not sent its headers within ReadHeaderTimeout,
// 5 s, is disconnected without an answer), and 405 for other methods.
// At most -max-conns connections are served at once; one more is answered
// 503 with Retry-After and code "busy", and closed.
//
// Attestations: without -attestation-key, a record's Ed25519 attestation,
// when present, must verify, but its key is not trusted
// (attestation_verified false). With -attestation-key the pinned keys are
// enforced: a record must carry an attestation made by one of them, else it
// is refused with 422, check "attestation" and code "attestation_missing"
// (none) or "attestation_untrusted" (another key); attestation_verified is
// true on every record it accepts. A pinned key of small order or with a
// non-canonical encoding is refused at startup (such a key would verify
// forged signatures), as is a record whose attestation carries one (422,
// code "attestation_invalid").
//
// The HMAC key comes from -key-file (the file's bytes, one trailing newline
// removed) or else the PROOF_HMAC_KEY environment variable. It is never
// printed, logged or echoed.
//
//	PROOF_HMAC_KEY=ophamin-scenario-proof-key proof-server -addr 127.0.0.1:8080
//	curl --data-binary @proof.json http://127.0.0.1:8080/verify
package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/chainproof/chainproof/dsse"
)

// KeyEnv is the environment variable holding the HMAC key when -key-file
// is not given.
const KeyEnv = "PROOF_HMAC_KEY"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "proof-server:", err)
		os.Exit(1)
	}
}

// run parses the flags, loads the key and serves until ctx is done. When
// ready is not nil it receives the listening address.
func run(ctx context.Context, args []string, getenv func(string) string, logw io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("proof-server", flag.ContinueOnError)
	fs.SetOutput(logw)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	keyFile := fs.String("key-file", "", "file holding the HMAC key (default: $"+KeyEnv+")")
	attKeys := fs.String("attestation-key", "", "comma-separated hex Ed25519 public keys to pin for attestations")
	maxBody := fs.Int64("max-body", DefaultMaxBody, "largest accepted request body, in bytes")
	maxConns := fs.Int("max-conns", DefaultMaxConns, "connections served at once (more are answered 503)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	key, source, err := loadKey(*keyFile, getenv)
	if err != nil {
		return err
	}
	pinned, err := parsePinned(*attKeys)
	if err != nil {
		return err
	}
	if *maxBody < 1 || *maxConns < 1 {
		return errors.New("-max-body and -max-conns must be at least 1")
	}
	cfg := Config{Key: key, AttestationKeys: pinned, MaxBody: *maxBody, MaxConns: *maxConns}
	srv := NewServer(cfg)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(logw, "proof-server: listening on %s (HMAC key from %s, %d pinned attestation keys)\n", ln.Addr(), source, len(pinned))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	}
}

// loadKey reads the HMAC key from a file or the environment and says where
// it came from (never what it is).
func loadKey(file string, getenv func(string) string) ([]byte, string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, "", fmt.Errorf("reading -key-file: %w", err)
		}
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		if len(b) == 0 {
			return nil, "", errors.New("-key-file is empty")
		}
		return b, "-key-file", nil
	}
	if k := getenv(KeyEnv); k != "" {
		return []byte(k), "$" + KeyEnv, nil
	}
	return nil, "", errors.New("no HMAC key: set -key-file or $" + KeyEnv)
}

func parsePinned(s string) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for _, h := range strings.Split(s, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("-attestation-key %q is not a 64-hex-digit Ed25519 public key", h)
		}
		if _, err := dsse.NewVerifier(ed25519.PublicKey(b), ""); errors.Is(err, dsse.ErrWeakKey) {
			return nil, fmt.Errorf("-attestation-key %q is of small order or not canonical: it would verify forged signatures", h)
		}
		keys = append(keys, ed25519.PublicKey(b))
	}
	return keys, nil
}
