package dsse_test

import (
	"crypto"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/chainproof/chainproof/dsse"
)

// weakEd25519Keys are Ed25519 public keys NewVerifier must refuse: the 8
// points of small order (canonical encodings, as libsodium's small-order
// blocklist with both signs of x) and non-canonical encodings (y >= p,
// which crypto/ed25519 reduces mod p, and x = 0 with its sign bit set).
var weakEd25519Keys = []struct{ name, hex string }{
	{"order 1 (identity)", "0100000000000000000000000000000000000000000000000000000000000000"},
	{"order 2", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"order 4", "0000000000000000000000000000000000000000000000000000000000000000"},
	{"order 4, x negated", "0000000000000000000000000000000000000000000000000000000000000080"},
	{"order 8", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"},
	{"order 8, x negated", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"},
	{"order 8, y negated", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"},
	{"order 8, both negated", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"},
	{"non-canonical y = p (order 4)", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"non-canonical y = p+1 (identity)", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"non-canonical y = p+3 (large order)", "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"non-canonical y = 2^255-1", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
	{"non-canonical identity, x = -0", "0100000000000000000000000000000000000000000000000000000000000080"},
	{"non-canonical order 2, x = -0", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
	{"not a curve point", "0200000000000000000000000000000000000000000000000000000000000000"},
}

// weakSigner is a crypto.Signer reporting a chosen public key.
type weakSigner struct{ pub ed25519.PublicKey }

func (w weakSigner) Public() crypto.PublicKey { return w.pub }
func (w weakSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return make([]byte, ed25519.SignatureSize), nil
}

func TestWeakEd25519KeysRefused(t *testing.T) {
	for _, k := range weakEd25519Keys {
		t.Run(k.name, func(t *testing.T) {
			raw, _ := hex.DecodeString(k.hex)
			pub := ed25519.PublicKey(raw)
			_, err := dsse.NewVerifier(pub, "")
			if !errors.Is(err, dsse.ErrWeakKey) || !errors.Is(err, dsse.ErrInvalidKey) {
				t.Fatalf("NewVerifier err = %v, want ErrWeakKey and ErrInvalidKey", err)
			}
			if _, err := dsse.NewSigner(weakSigner{pub}, ""); !errors.Is(err, dsse.ErrWeakKey) {
				t.Fatalf("NewSigner err = %v, want ErrWeakKey", err)
			}
		})
	}
	// Ordinary keys are not affected.
	for i := range 32 {
		seed := make([]byte, ed25519.SeedSize)
		seed[0] = byte(i)
		pub := ed25519.NewKeyFromSeed(seed).Public()
		if _, err := dsse.NewVerifier(pub, ""); err != nil {
			t.Fatalf("generated key %d: %v", i, err)
		}
	}
}

// TestSmallOrderKeyForgesEverywhere shows what the check prevents: with
// the identity as public key, the signature R = identity, S = 0 passes
// crypto/ed25519.Verify over the PAE of any payload.
func TestSmallOrderKeyForgesEverywhere(t *testing.T) {
	identity, _ := hex.DecodeString(weakEd25519Keys[0].hex)
	forged := make([]byte, ed25519.SignatureSize)
	forged[0] = 1
	for _, payload := range []string{"", "release v1", `{"_type":"https://in-toto.io/Statement/v1"}`} {
		if !ed25519.Verify(identity, dsse.PAE("application/vnd.in-toto+json", []byte(payload)), forged) {
			t.Fatalf("forgery did not verify over %q: the test no longer shows the attack", payload)
		}
	}
	if _, err := dsse.NewVerifier(ed25519.PublicKey(identity), ""); !errors.Is(err, dsse.ErrWeakKey) {
		t.Fatalf("NewVerifier accepted the identity key: %v", err)
	}
}
