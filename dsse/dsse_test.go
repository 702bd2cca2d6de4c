package dsse_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"testing"

	"github.com/chainproof/chainproof/dsse"
)

var ctx = context.Background()

const helloType = "http://example.com/HelloWorld"

func TestPAEKnownAnswer(t *testing.T) {
	// The known answer from the DSSE spec's protocol.md.
	got := dsse.PAE(helloType, []byte("hello world"))
	want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"
	if string(got) != want {
		t.Fatalf("PAE = %q, want %q", got, want)
	}
	if got := dsse.PAE("", nil); string(got) != "DSSEv1 0  0 " {
		t.Fatalf("PAE of empty = %q", got)
	}
}

type keyCase struct {
	name string
	priv crypto.Signer
}

func testKeys(t testing.TB) []keyCase {
	t.Helper()
	var cases []keyCase
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, keyCase{"ecdsa-" + c.Params().Name, k})
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, keyCase{"ed25519", ed})
	cases = append(cases, keyCase{"rsa-2048", rsaKey(t)})
	return cases
}

var cachedRSA *rsa.PrivateKey

func rsaKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	if cachedRSA == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		cachedRSA = k
	}
	return cachedRSA
}

func TestSignVerifyEveryKeyType(t *testing.T) {
	for _, kc := range testKeys(t) {
		t.Run(kc.name, func(t *testing.T) {
			s, err := dsse.NewSigner(kc.priv, kc.name)
			if err != nil {
				t.Fatal(err)
			}
			env, err := dsse.Sign(ctx, helloType, []byte("hello world"), s)
			if err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(env)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := dsse.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			v, err := dsse.NewVerifier(kc.priv.Public(), kc.name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dsse.Verify(ctx, parsed, dsse.VerifyOptions{}, v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Payload) != "hello world" || got.PayloadType != helloType || len(got.KeyIDs) != 1 || got.KeyIDs[0] != kc.name {
				t.Fatalf("Verified = %+v", got)
			}
			// A different key of the same type must not verify.
			other := testKeys(t)
			cachedRSA = nil // a fresh RSA key for the "other" case
			other[len(other)-1].priv = rsaKey(t)
			for _, o := range other {
				if o.name != kc.name {
					continue
				}
				ov, err := dsse.NewVerifier(o.priv.Public(), kc.name)
				if err != nil {
					t.Fatal(err)
				}
				_, err = dsse.Verify(ctx, parsed, dsse.VerifyOptions{}, ov)
				if !errors.Is(err, dsse.ErrVerification) {
					t.Fatalf("other key: err = %v, want ErrVerification", err)
				}
			}
		})
	}
}

func TestRSAPKCS1v15AcceptedOnVerify(t *testing.T) {
	k := rsaKey(t)
	pae := dsse.PAE(helloType, []byte("x"))
	sum := sha256.Sum256(pae)
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	env := &dsse.Envelope{PayloadType: helloType, Payload: []byte("x"), Signatures: []dsse.Signature{{Sig: sig}}}
	v, _ := dsse.NewVerifier(&k.PublicKey, "")
	if _, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, v); err != nil {
		t.Fatalf("PKCS#1 v1.5 signature refused: %v", err)
	}
}

func TestUnsupportedKeys(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	for name, pub := range map[string]crypto.PublicKey{
		"rsa-1024":      &small.PublicKey,
		"p224":          &p224.PublicKey,
		"nil":           nil,
		"string":        "not a key",
		"short-ed25519": ed25519.PublicKey{1, 2, 3},
	} {
		if _, err := dsse.NewVerifier(pub, ""); !errors.Is(err, dsse.ErrInvalidKey) {
			t.Errorf("%s: NewVerifier err = %v, want ErrInvalidKey", name, err)
		}
	}
	if _, err := dsse.NewSigner(nil, ""); !errors.Is(err, dsse.ErrInvalidKey) {
		t.Errorf("nil signer: %v", err)
	}
	if _, err := dsse.NewSigner(p224, ""); !errors.Is(err, dsse.ErrInvalidKey) {
		t.Errorf("p224 signer: %v", err)
	}
	if _, err := dsse.NewHMAC(nil, "k"); !errors.Is(err, dsse.ErrInvalidKey) {
		t.Errorf("empty hmac key: %v", err)
	}
	if _, err := dsse.PublicKeyID("nope"); !errors.Is(err, dsse.ErrInvalidKey) {
		t.Errorf("PublicKeyID: %v", err)
	}
}

func TestSignErrors(t *testing.T) {
	h, _ := dsse.NewHMAC([]byte("k"), "k")
	if _, err := dsse.Sign(ctx, helloType, nil); !errors.Is(err, dsse.ErrNoSigners) {
		t.Errorf("no signers: %v", err)
	}
	if _, err := dsse.Sign(ctx, "", nil, h); err == nil {
		t.Error("empty payload type accepted")
	}
	boom := errors.New("hsm offline")
	failing := dsse.SignerFunc("kms-1", func(context.Context, []byte) ([]byte, error) { return nil, boom })
	_, err := dsse.Sign(ctx, helloType, nil, h, failing)
	var se *dsse.SignError
	if !errors.As(err, &se) || se.Index != 1 || se.KeyID != "kms-1" || !errors.Is(err, boom) {
		t.Errorf("failing signer: %v", err)
	}
	if _, err := dsse.Sign(ctx, helloType, nil, h, nil); !errors.Is(err, dsse.ErrInvalidKey) {
		t.Errorf("nil signer: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := dsse.Sign(cctx, helloType, nil, h); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	es, _ := dsse.NewSigner(ed, "")
	if _, err := dsse.Sign(cctx, helloType, nil, es); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled key signer: %v", err)
	}
}

// hmacs returns n HMAC signer-verifiers with distinct keys, ids k0..k(n-1).
func hmacs(t testing.TB, n int) []*dsse.HMAC {
	t.Helper()
	out := make([]*dsse.HMAC, n)
	for i := range out {
		h, err := dsse.NewHMAC([]byte{byte(i), 'k', 'e', 'y'}, "k"+string(rune('0'+i)))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = h
	}
	return out
}

func TestThreshold(t *testing.T) {
	k := hmacs(t, 3)
	payload := []byte(`{"a":1}`)
	env2, _ := dsse.Sign(ctx, "t", payload, k[0], k[1])

	t.Run("zero means one", func(t *testing.T) {
		v, err := dsse.Verify(ctx, env2, dsse.VerifyOptions{}, k[0])
		if err != nil || len(v.KeyIDs) != 1 {
			t.Fatalf("v=%+v err=%v", v, err)
		}
	})
	t.Run("two of two", func(t *testing.T) {
		v, err := dsse.Verify(ctx, env2, dsse.VerifyOptions{Threshold: 2}, k[0], k[1], k[2])
		if err != nil || len(v.KeyIDs) != 2 || v.KeyIDs[0] != "k0" || v.KeyIDs[1] != "k1" {
			t.Fatalf("v=%+v err=%v", v, err)
		}
	})
	t.Run("three of two fails", func(t *testing.T) {
		_, err := dsse.Verify(ctx, env2, dsse.VerifyOptions{Threshold: 3}, k[0], k[1], k[2])
		var ve *dsse.VerifyError
		if !errors.As(err, &ve) || ve.Threshold != 3 || len(ve.Accepted) != 2 || len(ve.Rejected) != 0 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a key counts once however many signatures it made", func(t *testing.T) {
		env, _ := dsse.Sign(ctx, "t", payload, k[0], k[0], k[0])
		_, err := dsse.Verify(ctx, env, dsse.VerifyOptions{Threshold: 2}, k[0], k[1])
		var ve *dsse.VerifyError
		if !errors.As(err, &ve) || len(ve.Accepted) != 1 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("two verifiers for one key count once", func(t *testing.T) {
		env, _ := dsse.Sign(ctx, "t", payload, k[0])
		// Signature 0 is checked only by k0, signature 1 only by alias:
		// both verify, but alias is the same key, so it counts once.
		env.Signatures = append(env.Signatures, dsse.Signature{KeyID: "alias", Sig: env.Signatures[0].Sig})
		alias, _ := dsse.NewHMAC([]byte{0, 'k', 'e', 'y'}, "alias")
		_, err := dsse.Verify(ctx, env, dsse.VerifyOptions{Threshold: 2}, k[0], alias)
		var ve *dsse.VerifyError
		if !errors.As(err, &ve) || len(ve.Accepted) != 1 || len(ve.Rejected) != 0 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("same public key twice counts once", func(t *testing.T) {
		_, ed, _ := ed25519.GenerateKey(rand.Reader)
		s, _ := dsse.NewSigner(ed, "")
		env, _ := dsse.Sign(ctx, "t", payload, s, s)
		v1, _ := dsse.NewVerifier(ed.Public(), "a")
		v2, _ := dsse.NewVerifier(ed.Public(), "b")
		_, err := dsse.Verify(ctx, env, dsse.VerifyOptions{Threshold: 2}, v1, v2)
		if !errors.Is(err, dsse.ErrVerification) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("negative threshold", func(t *testing.T) {
		if _, err := dsse.Verify(ctx, env2, dsse.VerifyOptions{Threshold: -1}, k[0]); !errors.Is(err, dsse.ErrInvalidThreshold) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no verifiers", func(t *testing.T) {
		if _, err := dsse.Verify(ctx, env2, dsse.VerifyOptions{}); !errors.Is(err, dsse.ErrNoVerifiers) {
			t.Fatalf("err = %v", err)
		}
		if _, err := dsse.Verify(ctx, env2, dsse.VerifyOptions{}, nil); !errors.Is(err, dsse.ErrInvalidKey) {
			t.Fatalf("nil verifier: err = %v", err)
		}
	})
	t.Run("no signatures", func(t *testing.T) {
		env := &dsse.Envelope{PayloadType: "t", Payload: payload}
		_, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, k[0])
		if !errors.Is(err, dsse.ErrNoSignatures) || !errors.Is(err, dsse.ErrVerification) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("nil envelope", func(t *testing.T) {
		if _, err := dsse.Verify(ctx, nil, dsse.VerifyOptions{}, k[0]); !errors.Is(err, dsse.ErrMalformed) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := dsse.Verify(cctx, env2, dsse.VerifyOptions{}, k[2]); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestVerifyErrorListsEveryRejection(t *testing.T) {
	k := hmacs(t, 3)
	env, _ := dsse.Sign(ctx, "t", []byte("p"), k[0], k[1])
	env.Signatures[1].Sig[0] ^= 1                                                            // k1's signature broken
	env.Signatures = append(env.Signatures, dsse.Signature{KeyID: "nobody", Sig: []byte{1}}) // unknown key id
	_, err := dsse.Verify(ctx, env, dsse.VerifyOptions{Threshold: 2}, k[0], k[1], k[2])
	var ve *dsse.VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	if len(ve.Accepted) != 1 || ve.Accepted[0] != "k0" {
		t.Errorf("Accepted = %q", ve.Accepted)
	}
	if len(ve.Rejected) != 2 {
		t.Fatalf("Rejected = %+v", ve.Rejected)
	}
	r1, r2 := ve.Rejected[0], ve.Rejected[1]
	if r1.Index != 1 || r1.KeyID != "k1" || !errors.Is(r1.Err, dsse.ErrBadSignature) || len(r1.Tried) != 1 || r1.Tried[0] != "k1" {
		t.Errorf("rejection 1 = %+v", r1)
	}
	if r2.Index != 2 || r2.KeyID != "nobody" || !errors.Is(r2.Err, dsse.ErrUnknownKey) || len(r2.Tried) != 0 {
		t.Errorf("rejection 2 = %+v", r2)
	}
	msg := err.Error()
	for _, want := range []string{"1 of 2 required keys", `signature 1 (keyid "k1")`, `signature 2 (keyid "nobody")`, "no verifier for key id"} {
		if !bytes.Contains([]byte(msg), []byte(want)) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestKeyIDHintSelectsVerifiers(t *testing.T) {
	k := hmacs(t, 2)
	env, _ := dsse.Sign(ctx, "t", []byte("p"), k[0])
	// A verifier without a key id is tried for every signature.
	anon, _ := dsse.NewHMAC([]byte{0, 'k', 'e', 'y'}, "")
	if _, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, anon); err != nil {
		t.Fatal(err)
	}
	// A signature without a key id is tried against every verifier.
	env.Signatures[0].KeyID = ""
	v, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, k[1], k[0])
	if err != nil || v.KeyIDs[0] != "k0" {
		t.Fatalf("v=%+v err=%v", v, err)
	}
	// A key id naming the wrong verifier hides the right one: the hint
	// is honoured, and the rejection says no verifier matched.
	env.Signatures[0].KeyID = "k1"
	_, err = dsse.Verify(ctx, env, dsse.VerifyOptions{}, k[0])
	var ve *dsse.VerifyError
	if !errors.As(err, &ve) || !errors.Is(ve.Rejected[0].Err, dsse.ErrUnknownKey) {
		t.Fatalf("err = %v", err)
	}
}

func TestMarshalShape(t *testing.T) {
	env := dsse.Envelope{PayloadType: helloType, Payload: []byte("hello world"), Signatures: []dsse.Signature{{Sig: []byte{0xfb, 0xff}}, {KeyID: "k", Sig: []byte{1}}}}
	data, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"payload":"aGVsbG8gd29ybGQ=","payloadType":"http://example.com/HelloWorld","signatures":[{"sig":"+/8="},{"keyid":"k","sig":"AQ=="}]}`
	if string(data) != want {
		t.Fatalf("got  %s\nwant %s", data, want)
	}
	var back dsse.Envelope
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if string(back.Payload) != "hello world" || len(back.Signatures) != 2 || back.Signatures[1].KeyID != "k" {
		t.Fatalf("round trip = %+v", back)
	}
	if err := json.Unmarshal([]byte(`{}`), &back); !errors.Is(err, dsse.ErrMissing) {
		t.Fatalf("UnmarshalJSON of {}: %v", err)
	}
}
