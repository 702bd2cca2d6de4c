// Package cli is the plumbing the example programs share, so that each
// program's main.go shows the SDK calls and little else: usage errors and
// exit codes, bounded and atomic file I/O, PEM keys, and how a refused
// verification is reported.
package cli

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/chainproof/chainproof/verify"
)

// ErrUsage marks a wrong command line: Exit exits 2 for it.
var ErrUsage = errors.New("usage")

// ErrKey: a key file is not a usable key.
var ErrKey = errors.New("unusable key")

// MaxKeyFile bounds a PEM key file.
const MaxKeyFile = 64 << 10

// Usagef returns a usage error.
func Usagef(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUsage}, args...)...)
}

// Exit ends the program for err: nothing when nil; exit 2 for a usage
// error (the flag package has printed the usage); otherwise "name: err"
// on stderr and exit 1.
func Exit(name string, err error) {
	switch {
	case err == nil:
		return
	case errors.Is(err, ErrUsage):
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// ReadFile reads a file of at most limit bytes.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, nil
}

// WriteFile writes data to path atomically: a temporary file beside it,
// synced and renamed into place, so a failure never leaves half a file.
func WriteFile(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// FileSHA256 returns the hex SHA-256 of a file, streamed.
func FileSHA256(path string) (string, error) {
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

// LoadSigner reads a PEM PKCS#8 private key: ECDSA or Ed25519. Errors
// wrap ErrKey and never quote key bytes.
func LoadSigner(path string) (crypto.Signer, error) {
	data, err := ReadFile(path, MaxKeyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: %w: no PEM \"PRIVATE KEY\" (PKCS#8) block", path, ErrKey)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, ErrKey, err)
	}
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("%s: %w: %T keys are not supported here (use ECDSA or Ed25519)", path, ErrKey, k)
}

// LoadPublicKey reads a PEM PKIX public key.
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	data, err := ReadFile(path, MaxKeyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%s: %w: not a PEM PUBLIC KEY", path, ErrKey)
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, ErrKey, err)
	}
	return k, nil
}

// PublicKeyPEM encodes a public key as PEM PKIX.
func PublicKeyPEM(k crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ExpectRefusal reports a verification the example expects to be
// refused: one line "  no  LABEL check "CHECK" failed: MESSAGE" when err
// is a *verify.Error wrapping one of want, an error otherwise (it
// verified, or was refused for another reason).
func ExpectRefusal(w io.Writer, label string, err error, want ...error) error {
	if err == nil {
		return fmt.Errorf("%s: verification unexpectedly succeeded", label)
	}
	var verr *verify.Error
	if !errors.As(err, &verr) {
		return fmt.Errorf("%s: untyped error: %w", label, err)
	}
	for _, sentinel := range want {
		if errors.Is(err, sentinel) {
			fmt.Fprintf(w, "  no  %-11s check %q failed: %s\n", label, verr.Check, FirstLine(err.Error()))
			return nil
		}
	}
	return fmt.Errorf("%s: refused for the wrong reason: %w", label, err)
}

// FirstLine is s up to its first newline.
func FirstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Run runs a program's body with a context that ends after timeout (none
// when 0) or on an interrupt, and exits as Exit does.
func Run(name string, timeout time.Duration, body func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	err := body(ctx)
	stop()
	Exit(name, err)
}
