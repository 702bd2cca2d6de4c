package dsse_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/chainproof/chainproof/dsse"
)

func ExamplePAE() {
	fmt.Printf("%s\n", dsse.PAE("http://example.com/HelloWorld", []byte("hello world")))
	// Output: DSSEv1 29 http://example.com/HelloWorld 11 hello world
}

// seededKey is a fixed Ed25519 key so the examples print stable output.
func seededKey() ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "chainproof example seed")
	return ed25519.NewKeyFromSeed(seed)
}

func ExampleSign() {
	signer, err := dsse.NewSigner(seededKey(), "release-key")
	if err != nil {
		panic(err)
	}
	env, err := dsse.Sign(context.Background(), "text/plain", []byte("hello"), signer)
	if err != nil {
		panic(err)
	}
	out, _ := json.Marshal(env)
	fmt.Println(string(out))
	// Output: {"payload":"aGVsbG8=","payloadType":"text/plain","signatures":[{"keyid":"release-key","sig":"RiKaadAIxGvCjFCgwdn7hRzqGAt5Itj6cMrOI3whJkTw1rff9UjjlK/tv9lzgobQsEjsttFdcJAeG14v2tIKAw=="}]}
}

func ExampleVerify() {
	ctx := context.Background()
	key := seededKey()
	signer, _ := dsse.NewSigner(key, "release-key")
	env, _ := dsse.Sign(ctx, "text/plain", []byte("hello"), signer)

	verifier, err := dsse.NewVerifier(key.Public(), "release-key")
	if err != nil {
		panic(err)
	}
	v, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, verifier)
	if err != nil {
		panic(err)
	}
	// Use the verified payload, not the envelope's.
	fmt.Printf("%s %q by %q\n", v.PayloadType, v.Payload, v.KeyIDs)
	// Output: text/plain "hello" by ["release-key"]
}

func ExampleVerify_threshold() {
	ctx := context.Background()
	alice, _ := dsse.NewHMAC([]byte("alice's shared key"), "alice")
	bob, _ := dsse.NewHMAC([]byte("bob's shared key"), "bob")
	carol, _ := dsse.NewHMAC([]byte("carol's shared key"), "carol")

	// Alice signs twice; she still counts once.
	env, _ := dsse.Sign(ctx, "text/plain", []byte("release v1.2.3"), alice, alice)
	_, err := dsse.Verify(ctx, env, dsse.VerifyOptions{Threshold: 2}, alice, bob, carol)
	fmt.Println(err)

	var verr *dsse.VerifyError
	if errors.As(err, &verr) {
		fmt.Println("accepted:", verr.Accepted)
	}

	env, _ = dsse.Sign(ctx, "text/plain", []byte("release v1.2.3"), alice, carol)
	v, err := dsse.Verify(ctx, env, dsse.VerifyOptions{Threshold: 2}, alice, bob, carol)
	fmt.Println(v.KeyIDs, err)
	// Output:
	// dsse: verification failed: 1 of 2 required keys verified
	// accepted: [alice]
	// [alice carol] <nil>
}

func ExampleParse() {
	data := []byte(`{"payload":"aGVsbG8gd29ybGQ=","payloadType":"http://example.com/HelloWorld","signatures":[{"sig":"AQ=="}]}`)
	env, err := dsse.Parse(data)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %q %d\n", env.PayloadType, env.Payload, len(env.Signatures))

	_, err = dsse.Parse([]byte(`{"payload":"aGVsbG8=","payloadType":"t"}`))
	fmt.Println(err, errors.Is(err, dsse.ErrMissing))
	// Output:
	// http://example.com/HelloWorld "hello world" 1
	// dsse: malformed envelope: signatures: required field missing true
}

func ExampleNewHMAC() {
	h, err := dsse.NewHMAC([]byte("shared secret"), "ci")
	if err != nil {
		panic(err)
	}
	env, _ := dsse.Sign(context.Background(), "text/plain", []byte("hi"), h)
	fmt.Printf("%x\n", env.Signatures[0].Sig)
	// Output: 7cad1e6df35722de73c7be77fd59f7a6888162dbb1faec30928fa0a179ded146
}

func ExamplePublicKeyID() {
	id, err := dsse.PublicKeyID(seededKey().Public())
	if err != nil {
		panic(err)
	}
	fmt.Println(id)
	// Output: a34587a52b33ea2d45f123f5a1f53d4756f4ae5657727a28af0b1f7ed62f4600
}

func ExampleSignerFunc() {
	// A remote signer (a KMS, an HSM, a signing service) plugs in as a
	// function of the PAE bytes.
	key := seededKey()
	remote := dsse.SignerFunc("kms://projects/p/keys/k", func(ctx context.Context, pae []byte) ([]byte, error) {
		return ed25519.Sign(key, pae), nil
	})
	env, _ := dsse.Sign(context.Background(), "text/plain", []byte("hello"), remote)
	v, _ := dsse.NewVerifier(key.Public(), "")
	_, err := dsse.Verify(context.Background(), env, dsse.VerifyOptions{}, v)
	fmt.Println(env.Signatures[0].KeyID, err)
	// Output: kms://projects/p/keys/k <nil>
}

func ExampleEnvelope_Proto() {
	h, _ := dsse.NewHMAC([]byte("k"), "ci")
	env, _ := dsse.Sign(context.Background(), "application/vnd.in-toto+json", []byte("{}"), h)
	p := env.Proto() // protobuf-specs' envelope, as carried in a Sigstore bundle
	back, _ := dsse.FromProto(p)
	fmt.Println(p.GetPayloadType(), string(back.Payload), back.Signatures[0].KeyID)
	// Output: application/vnd.in-toto+json {} ci
}

func ExampleNewSigner() {
	// Any crypto.Signer: an in-memory key, or a KMS or hardware key.
	signer, err := dsse.NewSigner(seededKey(), "ed25519-release")
	if err != nil {
		panic(err)
	}
	env, _ := dsse.Sign(context.Background(), "text/plain", []byte("hello"), signer)
	fmt.Println(env.Signatures[0].KeyID, len(env.Signatures[0].Sig))
	// Output: ed25519-release 64
}

func ExampleNewVerifier() {
	key := seededKey()
	signer, _ := dsse.NewSigner(key, "")
	env, _ := dsse.Sign(context.Background(), "text/plain", []byte("hello"), signer)

	verifier, err := dsse.NewVerifier(key.Public(), "")
	if err != nil {
		panic(err)
	}
	_, err = dsse.Verify(context.Background(), env, dsse.VerifyOptions{}, verifier)
	fmt.Println(err)

	// A key of an unsupported kind is refused up front.
	_, err = dsse.NewVerifier("not a key", "")
	fmt.Println(errors.Is(err, dsse.ErrInvalidKey))
	// Output:
	// <nil>
	// true
}

func ExampleFromProto() {
	h, _ := dsse.NewHMAC([]byte("k"), "ci")
	signed, _ := dsse.Sign(context.Background(), "application/vnd.in-toto+json", []byte("{}"), h)
	inBundle := signed.Proto() // as found in a Sigstore bundle's dsseEnvelope

	env, err := dsse.FromProto(inBundle)
	if err != nil {
		panic(err)
	}
	v, err := dsse.Verify(context.Background(), env, dsse.VerifyOptions{}, h)
	fmt.Println(v.PayloadType, err)
	// Output: application/vnd.in-toto+json <nil>
}

func ExamplePAEHeader() {
	payload := []byte("hello world")
	fmt.Printf("%q\n", dsse.PAEHeader("http://example.com/HelloWorld", int64(len(payload))))
	// Output: "DSSEv1 29 http://example.com/HelloWorld 11 "
}

func ExamplePAEReader() {
	// Hash the PAE of a payload as it streams (a file, a network body),
	// without holding the encoding in memory.
	payload := strings.NewReader("hello world")
	h := sha256.New()
	if _, err := io.Copy(h, dsse.PAEReader("http://example.com/HelloWorld", payload.Size(), payload)); err != nil {
		panic(err)
	}
	fmt.Println(bytes.Equal(h.Sum(nil), sha256sum(dsse.PAE("http://example.com/HelloWorld", []byte("hello world")))))

	// A payload that is not the declared length is refused.
	_, err := io.Copy(io.Discard, dsse.PAEReader("t", 100, strings.NewReader("short")))
	fmt.Println(errors.Is(err, dsse.ErrPAELength))
	// Output:
	// true
	// true
}

func sha256sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
