package edkey

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"
)

// smallOrder are the canonical encodings of the 8 points of order 1, 2, 4
// and 8 (the list libsodium's ge25519_has_small_order blocks, with both
// signs of x; recomputed from the curve equation).
var smallOrder = []struct{ hex, what string }{
	{"0100000000000000000000000000000000000000000000000000000000000000", "identity, order 1"},
	{"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "(0, -1), order 2"},
	{"0000000000000000000000000000000000000000000000000000000000000000", "(sqrt(-1), 0), order 4"},
	{"0000000000000000000000000000000000000000000000000000000000000080", "(-sqrt(-1), 0), order 4"},
	{"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", "order 8"},
	{"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", "order 8, x negated"},
	{"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "order 8"},
	{"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", "order 8, x negated"},
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckTable(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error
	}{
		// Non-canonical encodings: y = p + k, which crypto/ed25519 reads as
		// y = k (including the small-order y = 0 and y = 1), and x = 0 with
		// its sign bit set.
		{"y = p (0), order 4", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", ErrNonCanonical},
		{"y = p (0), x negated", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", ErrNonCanonical},
		{"y = p+1 (1), identity", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", ErrNonCanonical},
		{"y = p+1, x = -0", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", ErrNonCanonical},
		{"y = p+3, large order", "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", ErrNonCanonical},
		{"y = 2^255-1", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", ErrNonCanonical},
		{"y = 2^255-1, x negated", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", ErrNonCanonical},
		{"identity with x = -0", "0100000000000000000000000000000000000000000000000000000000000080", ErrNonCanonical},
		{"(0, -1) with x = -0", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", ErrNonCanonical},
		{"not on the curve (y = 2)", "0200000000000000000000000000000000000000000000000000000000000000", ErrNotOnCurve},
		{"31 bytes", "01000000000000000000000000000000000000000000000000000000000000", ErrSize},
		{"RFC 8032 test 1 key", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", nil},
		// A point of mixed order (large-order + order-2): not small, kept.
		{"mixed order", mixedOrder(), nil},
	}
	for _, so := range smallOrder {
		tests = append(tests, struct {
			name string
			hex  string
			want error
		}{"small order: " + so.what, so.hex, ErrSmallOrder})
	}
	// Every y in [p, 2^255) is non-canonical, with either sign.
	for k := 0; k < 19; k++ {
		for _, top := range []byte{0x7f, 0xff} {
			b := make([]byte, 32)
			for i := range b {
				b[i] = 0xff
			}
			b[0] = 0xed + byte(k)
			b[31] = top
			tests = append(tests, struct {
				name string
				hex  string
				want error
			}{"y = p+" + big.NewInt(int64(k)).String(), hex.EncodeToString(b), ErrNonCanonical})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check(mustHex(t, tt.hex)); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Check(%s) = %v, want %v", tt.hex, err, tt.want)
			}
		})
	}
}

// mixedOrder returns the encoding of B + (0, -1), where B is the base
// point: -B's x with the same y negated, i.e. (-x_B, -y_B).
func mixedOrder() string {
	bx, _ := new(big.Int).SetString("15112221349535400772501151409588531511454012693041857206046113283949847762202", 10)
	by, _ := new(big.Int).SetString("46316835694926478169428394003475163141307993866256225615783033603165251855960", 10)
	x := new(big.Int).Sub(p, bx)
	y := new(big.Int).Sub(p, by)
	var le [32]byte
	yb := y.FillBytes(make([]byte, 32))
	for i := range le {
		le[i] = yb[31-i]
	}
	le[31] |= byte(x.Bit(0)) << 7
	return hex.EncodeToString(le[:])
}

// TestSmallOrderKeysForge shows why: with a small-order key the signature
// R = identity, S = 0 passes crypto/ed25519.Verify for messages whose
// challenge is a multiple of the key's order (every message for the
// identity), and Check refuses every such key.
func TestSmallOrderKeysForge(t *testing.T) {
	forged := make([]byte, ed25519.SignatureSize)
	forged[0] = 1 // R = identity (y = 1), S = 0
	for _, so := range smallOrder {
		pub := mustHex(t, so.hex)
		verified := 0
		for i := range 64 {
			msg := sha256.Sum256([]byte{byte(i)})
			if ed25519.Verify(pub, msg[:], forged) {
				verified++
			}
		}
		if verified == 0 {
			t.Errorf("%s: no forgery verified over 64 messages", so.what)
		}
		if err := Check(pub); !errors.Is(err, ErrSmallOrder) {
			t.Errorf("%s: Check = %v", so.what, err)
		}
	}
}

// TestGeneratedKeysPass: keys made by crypto/ed25519 are canonical and of
// large order.
func TestGeneratedKeysPass(t *testing.T) {
	for i := range 200 {
		seed := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
		if err := Check(pub); err != nil {
			t.Fatalf("key %d %x: %v", i, pub, err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	seed := sha256.Sum256(nil)
	pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
	for b.Loop() {
		if err := Check(pub); err != nil {
			b.Fatal(err)
		}
	}
}
