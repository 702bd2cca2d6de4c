package dsse_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/chainproof/chainproof/dsse"
)

// The benchmarks sign and verify a 2 KiB payload through the package and,
// beside each, perform the raw crypto operation on the same PAE bytes, so
// `go test -bench . ./dsse` shows the package's overhead as a ratio.

var benchPayload = make([]byte, 2048)

const benchType = "application/vnd.in-toto+json"

func BenchmarkSignP256(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, _ := dsse.NewSigner(k, "k")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dsse.Sign(ctx, benchType, benchPayload, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawSignP256(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pae := dsse.PAE(benchType, benchPayload)
	b.ReportAllocs()
	for b.Loop() {
		sum := sha256.Sum256(pae)
		if _, err := ecdsa.SignASN1(rand.Reader, k, sum[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyP256(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s, _ := dsse.NewSigner(k, "k")
	v, _ := dsse.NewVerifier(&k.PublicKey, "k")
	env, _ := dsse.Sign(ctx, benchType, benchPayload, s)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawVerifyP256(b *testing.B) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pae := dsse.PAE(benchType, benchPayload)
	sum := sha256.Sum256(pae)
	sig, _ := ecdsa.SignASN1(rand.Reader, k, sum[:])
	b.ReportAllocs()
	for b.Loop() {
		sum := sha256.Sum256(pae)
		if !ecdsa.VerifyASN1(&k.PublicKey, sum[:], sig) {
			b.Fatal("bad signature")
		}
	}
}

func BenchmarkSignEd25519(b *testing.B) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	s, _ := dsse.NewSigner(k, "k")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dsse.Sign(ctx, benchType, benchPayload, s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawSignEd25519(b *testing.B) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	pae := dsse.PAE(benchType, benchPayload)
	b.ReportAllocs()
	for b.Loop() {
		_ = ed25519.Sign(k, pae)
	}
}

func BenchmarkVerifyEd25519(b *testing.B) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	s, _ := dsse.NewSigner(k, "k")
	v, _ := dsse.NewVerifier(k.Public(), "k")
	env, _ := dsse.Sign(ctx, benchType, benchPayload, s)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawVerifyEd25519(b *testing.B) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	pae := dsse.PAE(benchType, benchPayload)
	sig := ed25519.Sign(k, pae)
	pub := k.Public().(ed25519.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(pub, pae, sig) {
			b.Fatal("bad signature")
		}
	}
}
