// Package edkey checks Ed25519 public keys before they are trusted: the
// encoding must be canonical (RFC 8032 section 5.1.3: y < p, and no sign
// bit on x = 0) and the point must not be of small order.
//
// A small-order public key A (one of the 8 points with [8]A = identity)
// makes [k]A take at most 8 values whatever the message, so signatures
// such as R = identity, S = 0 verify, under crypto/ed25519's cofactorless
// check, over any message for A = identity, and over a fixed fraction of
// messages for the others. Non-canonical encodings name a point under a
// second byte string, so a key compared by its bytes can be aliased.
// crypto/ed25519 accepts both; this package refuses them.
//
// The arithmetic uses math/big: public keys are not secret, so the check
// need not be constant-time, and it runs once per key, not per signature.
package edkey

import (
	"crypto/ed25519"
	"errors"
	"math/big"
)

// Sentinel errors, one per way a key fails.
var (
	ErrSize         = errors.New("not 32 bytes")
	ErrNonCanonical = errors.New("non-canonical encoding")
	ErrNotOnCurve   = errors.New("not a point on the curve")
	ErrSmallOrder   = errors.New("point of small order")
)

var (
	p = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19)) // 2^255 - 19
	// d = -121665/121666 mod p, the curve constant.
	d = func() *big.Int {
		inv := new(big.Int).ModInverse(big.NewInt(121666), p)
		v := new(big.Int).Mul(big.NewInt(-121665), inv)
		return v.Mod(v, p)
	}()
	one = big.NewInt(1)
)

// Check returns nil when pub is a canonical encoding of a point of the
// curve whose order is not a divisor of 8, and otherwise ErrSize,
// ErrNonCanonical, ErrNotOnCurve or ErrSmallOrder.
func Check(pub []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return ErrSize
	}
	// Little-endian y with the top bit holding the sign of x.
	var be [32]byte
	for i, b := range pub {
		be[31-i] = b
	}
	sign := be[0] >> 7
	be[0] &= 0x7f
	y := new(big.Int).SetBytes(be[:])
	if y.Cmp(p) >= 0 {
		return ErrNonCanonical
	}
	// x^2 = (y^2 - 1) / (d y^2 + 1)
	y2 := new(big.Int).Mul(y, y)
	y2.Mod(y2, p)
	u := new(big.Int).Sub(y2, one)
	v := new(big.Int).Mul(d, y2)
	v.Add(v, one)
	x2 := u.Mul(u, v.ModInverse(v.Mod(v, p), p))
	x2.Mod(x2, p)
	x := new(big.Int).ModSqrt(x2, p)
	if x == nil {
		return ErrNotOnCurve
	}
	if x.Sign() == 0 && sign == 1 {
		return ErrNonCanonical
	}
	if x.Bit(0) != uint(sign) {
		x.Sub(p, x)
	}
	// Small order: [8]P is the identity (0, 1).
	px, py := x, y
	for range 3 {
		px, py = double(px, py)
	}
	if px.Sign() == 0 && py.Cmp(one) == 0 {
		return ErrSmallOrder
	}
	return nil
}

// double returns 2(x, y) with the twisted Edwards addition law (a = -1):
// x3 = 2xy / (1 + d x²y²), y3 = (y² + x²) / (1 - d x²y²). The law is
// complete on edwards25519 (d is not a square), so no case is special.
func double(x, y *big.Int) (*big.Int, *big.Int) {
	xx := new(big.Int).Mul(x, x)
	yy := new(big.Int).Mul(y, y)
	t := new(big.Int).Mul(xx, yy)
	t.Mul(t, d)
	t.Mod(t, p)
	xy := new(big.Int).Mul(x, y)
	x3 := xy.Lsh(xy, 1)
	den := new(big.Int).Add(one, t)
	x3.Mul(x3, den.ModInverse(den.Mod(den, p), p))
	x3.Mod(x3, p)
	y3 := yy.Add(yy, xx)
	den = new(big.Int).Sub(one, t)
	y3.Mul(y3, den.ModInverse(den.Mod(den, p), p))
	y3.Mod(y3, p)
	return x3, y3
}
