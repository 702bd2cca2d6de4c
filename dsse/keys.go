package dsse

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/chainproof/chainproof/internal/edkey"
)

// Signer signs the PAE bytes of an envelope. Implementations hash the
// message themselves as their algorithm requires. KeyID is written into
// the envelope as an unauthenticated hint and may be empty.
type Signer interface {
	KeyID() string
	Sign(ctx context.Context, pae []byte) ([]byte, error)
}

// Verifier checks a signature over the PAE bytes of an envelope. When both
// KeyID and a signature's keyid are non-empty and differ, the verifier is
// not tried for that signature.
type Verifier interface {
	KeyID() string
	Verify(ctx context.Context, pae, sig []byte) error
}

// keyed is implemented by this package's verifiers so that two verifiers
// for the same key count once towards a threshold.
type keyed interface{ keyIdentity() string }

// PublicKeyID returns the lowercase hex SHA-256 of the PKIX DER encoding
// of pub, a conventional DSSE key id.
func PublicKeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// algorithm describes how a public key type signs PAE bytes.
type algorithm struct {
	hash crypto.Hash // zero for Ed25519 (signs the message itself)
	pss  bool
}

func algorithmFor(pub crypto.PublicKey) (algorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return algorithm{hash: crypto.SHA256}, nil
		case elliptic.P384():
			return algorithm{hash: crypto.SHA384}, nil
		case elliptic.P521():
			return algorithm{hash: crypto.SHA512}, nil
		}
		return algorithm{}, fmt.Errorf("%w: ECDSA curve %v", ErrInvalidKey, k.Curve.Params().Name)
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return algorithm{}, fmt.Errorf("%w: Ed25519 key of %d bytes", ErrInvalidKey, len(k))
		}
		if err := edkey.Check(k); err != nil {
			return algorithm{}, fmt.Errorf("%w: %w: %v", ErrInvalidKey, ErrWeakKey, err)
		}
		return algorithm{}, nil
	case *rsa.PublicKey:
		if k.N == nil || k.N.BitLen() < 2048 {
			return algorithm{}, fmt.Errorf("%w: RSA keys must have at least 2048 bits", ErrInvalidKey)
		}
		return algorithm{hash: crypto.SHA256, pss: true}, nil
	case nil:
		return algorithm{}, fmt.Errorf("%w: nil public key", ErrInvalidKey)
	}
	return algorithm{}, fmt.Errorf("%w: %T", ErrInvalidKey, pub)
}

func digest(h crypto.Hash, msg []byte) []byte {
	d := h.New()
	d.Write(msg)
	return d.Sum(nil)
}

type keySigner struct {
	signer crypto.Signer
	alg    algorithm
	keyID  string
}

// NewSigner returns a Signer for any crypto.Signer whose public key is
// ECDSA P-256/P-384/P-521 (ASN.1 signatures over SHA-256/384/512),
// Ed25519, or RSA of at least 2048 bits (RSA-PSS with SHA-256, salt length
// equal to the hash). KMS and hardware keys plug in here. keyID may be
// empty; [PublicKeyID] gives a conventional one. A signer whose Ed25519
// public key is weak (see [NewVerifier]) is refused the same way.
func NewSigner(s crypto.Signer, keyID string) (Signer, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil signer", ErrInvalidKey)
	}
	alg, err := algorithmFor(s.Public())
	if err != nil {
		return nil, err
	}
	return &keySigner{signer: s, alg: alg, keyID: keyID}, nil
}

func (s *keySigner) KeyID() string { return s.keyID }

func (s *keySigner) Sign(ctx context.Context, pae []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.alg.hash == 0 { // Ed25519 signs the message
		return s.signer.Sign(rand.Reader, pae, crypto.Hash(0))
	}
	var opts crypto.SignerOpts = s.alg.hash
	if s.alg.pss {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: s.alg.hash}
	}
	return s.signer.Sign(rand.Reader, digest(s.alg.hash, pae), opts)
}

type keyVerifier struct {
	pub      crypto.PublicKey
	alg      algorithm
	keyID    string
	identity string
}

// NewVerifier returns a Verifier for an ECDSA (P-256/384/521), Ed25519 or
// RSA public key. RSA accepts RSA-PSS with SHA-256 and, for interop,
// PKCS #1 v1.5 with SHA-256. An Ed25519 key of small order or with a
// non-canonical encoding is refused with an error matching both
// [ErrInvalidKey] and [ErrWeakKey] (crypto/ed25519 would let a small-order
// key verify forged signatures).
func NewVerifier(pub crypto.PublicKey, keyID string) (Verifier, error) {
	alg, err := algorithmFor(pub)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	sum := sha256.Sum256(der)
	return &keyVerifier{pub: pub, alg: alg, keyID: keyID, identity: "pkix:" + string(sum[:])}, nil
}

func (v *keyVerifier) KeyID() string       { return v.keyID }
func (v *keyVerifier) keyIdentity() string { return v.identity }

// errSigMismatch is the per-key cause wrapped into ErrBadSignature.
var errSigMismatch = errors.New("signature mismatch")

func (v *keyVerifier) Verify(ctx context.Context, pae, sig []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ok := false
	switch k := v.pub.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, digest(v.alg.hash, pae), sig)
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, pae, sig)
	case *rsa.PublicKey:
		d := digest(v.alg.hash, pae)
		ok = rsa.VerifyPSS(k, v.alg.hash, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil ||
			rsa.VerifyPKCS1v15(k, v.alg.hash, d, sig) == nil
	}
	if !ok {
		return errSigMismatch
	}
	return nil
}

// HMAC signs and verifies with HMAC-SHA256 under a shared key. It is both
// a [Signer] and a [Verifier].
type HMAC struct {
	key      []byte
	keyID    string
	identity string
}

// NewHMAC returns an HMAC-SHA256 signer and verifier. The key must not be
// empty; it is copied.
func NewHMAC(key []byte, keyID string) (*HMAC, error) {
	if len(key) == 0 {
		return nil, fmt.Errorf("%w: empty HMAC key", ErrInvalidKey)
	}
	// The identity is a keyed hash so the key itself never sits in a
	// comparable string.
	m := hmac.New(sha256.New, key)
	m.Write([]byte("chainproof dsse hmac key identity"))
	return &HMAC{key: append([]byte(nil), key...), keyID: keyID, identity: "hmac:" + string(m.Sum(nil))}, nil
}

// KeyID returns the key id given to NewHMAC.
func (h *HMAC) KeyID() string { return h.keyID }

func (h *HMAC) keyIdentity() string { return h.identity }

// Sign returns HMAC-SHA256(key, pae).
func (h *HMAC) Sign(ctx context.Context, pae []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, h.key)
	m.Write(pae)
	return m.Sum(nil), nil
}

// Verify compares sig with HMAC-SHA256(key, pae) in constant time.
func (h *HMAC) Verify(ctx context.Context, pae, sig []byte) error {
	want, err := h.Sign(ctx, pae)
	if err != nil {
		return err
	}
	if !hmac.Equal(want, sig) {
		return errSigMismatch
	}
	return nil
}

// SignerFunc adapts a function to a [Signer] with the given key id.
func SignerFunc(keyID string, sign func(ctx context.Context, pae []byte) ([]byte, error)) Signer {
	return funcSigner{keyID, sign}
}

type funcSigner struct {
	keyID string
	sign  func(ctx context.Context, pae []byte) ([]byte, error)
}

func (f funcSigner) KeyID() string { return f.keyID }
func (f funcSigner) Sign(ctx context.Context, pae []byte) ([]byte, error) {
	return f.sign(ctx, pae)
}
