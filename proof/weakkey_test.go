package proof

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/chainproof/chainproof/dsse"
)

// weakKeys are Ed25519 public keys of small order (all 8 points) and
// non-canonical encodings of points (y >= p, x = 0 with its sign bit).
var weakKeys = []struct{ name, hex string }{
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
	{"non-canonical identity, x = -0", "0100000000000000000000000000000000000000000000000000000000000080"},
}

// forgedAttestation is an attestation by pubHex with the signature
// R = identity, S = 0, which crypto/ed25519 accepts over every body when
// the key is the identity.
func forgedAttestation(pubHex string) string {
	return `{"algorithm":"ed25519","author":"mallory","public_key":"` + pubHex + `","signature":"` + hex.EncodeToString(forgedSig()) + `"}`
}

// forgedSig is the signature R = identity (y = 1), S = 0.
func forgedSig() []byte {
	sig := make([]byte, ed25519.SignatureSize)
	sig[0] = 1
	return sig
}

func TestWeakAttestationKeys(t *testing.T) {
	rec := signedSample(t)
	// The attack: with the identity as key the forged signature verifies
	// over this record's body as over any other.
	v, err := Verify(rec, testKey)
	if err != nil {
		t.Fatal(err)
	}
	identity, _ := hex.DecodeString(weakKeys[0].hex)
	if !ed25519.Verify(identity, v.Body, forgedSig()) {
		t.Fatal("the forgery does not verify: the test no longer shows the attack")
	}
	for _, k := range weakKeys {
		t.Run(k.name, func(t *testing.T) {
			forged := setField(t, rec, "attestation", forgedAttestation(k.hex))
			// Embedded in the record.
			_, err := Verify(forged, testKey)
			checkErr(t, err, ErrAttestationInvalid, CheckAttestation)
			if !errors.Is(err, dsse.ErrWeakKey) {
				t.Fatalf("embedded key: %v does not match dsse.ErrWeakKey", err)
			}
			_, err = SignWithOptions(forged, testKey, SignOptions{})
			checkErr(t, err, ErrAttestationInvalid, CheckAttestation)
			// Pinned by the caller.
			pub, _ := hex.DecodeString(k.hex)
			_, err = VerifyWithOptions(rec, testKey, VerifyOptions{AttestationKeys: []ed25519.PublicKey{pub}})
			checkErr(t, err, ErrInvalidKey, CheckKey)
			if !errors.Is(err, dsse.ErrWeakKey) {
				t.Fatalf("pinned key: %v does not match dsse.ErrWeakKey", err)
			}
			_, err = VerifyAttestation(forged, pub)
			checkErr(t, err, ErrInvalidKey, CheckKey)
		})
	}
}

// TestAttestRefusesInconsistentPrivateKey: a private key whose public half
// is not the one its seed derives (e.g. a small-order key glued on) is
// refused before signing.
func TestAttestRefusesInconsistentPrivateKey(t *testing.T) {
	priv := append(ed25519.PrivateKey(nil), attestKey()...)
	identity, _ := hex.DecodeString(weakKeys[0].hex)
	copy(priv[32:], identity)
	_, err := Attest(signedSample(t), "mallory", priv)
	checkErr(t, err, ErrInvalidKey, CheckKey)
}
