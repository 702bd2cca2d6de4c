package dsse_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"testing"

	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/secure-systems-lab/go-securesystemslib/signerverifier"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/chainproof/chainproof/dsse"
)

// sslibKey loads priv into go-securesystemslib's own signer-verifier, so
// the interop tests exercise its real signing and verifying code.
func sslibKey(t *testing.T, priv crypto.Signer) ssldsse.SignerVerifier {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signerverifier.LoadKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	switch priv.(type) {
	case *ecdsa.PrivateKey:
		sv, err := signerverifier.NewECDSASignerVerifierFromSSLibKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return sv
	case ed25519.PrivateKey:
		sv, err := signerverifier.NewED25519SignerVerifierFromSSLibKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return sv
	default:
		sv, err := signerverifier.NewRSAPSSSignerVerifierFromSSLibKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return sv
	}
}

func interopKeys(t *testing.T) []keyCase {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	return []keyCase{{"ecdsa-p256", p256}, {"ecdsa-p384", p384}, {"ed25519", ed}, {"rsa-pss", rsaKey(t)}}
}

func TestInteropSecureSystemsLibSignsWeVerify(t *testing.T) {
	for _, kc := range interopKeys(t) {
		t.Run(kc.name, func(t *testing.T) {
			sv := sslibKey(t, kc.priv)
			es, err := ssldsse.NewEnvelopeSigner(sv)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := es.SignPayload(ctx, "application/vnd.in-toto+json", []byte(`{"hello":"world"}`))
			if err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(theirs)
			if err != nil {
				t.Fatal(err)
			}
			env, err := dsse.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			keyID, _ := sv.KeyID()
			v, err := dsse.NewVerifier(kc.priv.Public(), keyID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Payload) != `{"hello":"world"}` {
				t.Fatalf("payload %q", got.Payload)
			}
		})
	}
}

func TestInteropWeSignSecureSystemsLibVerifies(t *testing.T) {
	for _, kc := range interopKeys(t) {
		t.Run(kc.name, func(t *testing.T) {
			sv := sslibKey(t, kc.priv)
			keyID, _ := sv.KeyID()
			s, err := dsse.NewSigner(kc.priv, keyID)
			if err != nil {
				t.Fatal(err)
			}
			env, err := dsse.Sign(ctx, "application/vnd.in-toto+json", []byte(`{"a":[1,2]}`), s)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(env)
			var theirs ssldsse.Envelope
			if err := json.Unmarshal(data, &theirs); err != nil {
				t.Fatal(err)
			}
			ev, err := ssldsse.NewEnvelopeVerifier(sv)
			if err != nil {
				t.Fatal(err)
			}
			accepted, err := ev.Verify(ctx, &theirs)
			if err != nil || len(accepted) != 1 {
				t.Fatalf("go-securesystemslib refused our envelope: %v", err)
			}
			// And it refuses a tampered one, so the check above means something.
			theirs.PayloadType += "x"
			if _, err := ev.Verify(ctx, &theirs); err == nil {
				t.Fatal("go-securesystemslib accepted a tampered envelope")
			}
		})
	}
}

func TestProtoRoundTrip(t *testing.T) {
	k := hmacs(t, 2)
	env, _ := dsse.Sign(ctx, "application/vnd.in-toto+json", []byte("{}"), k[0], k[1])
	b := &protobundle.Bundle{Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: env.Proto()}}
	data, err := protojson.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var back protobundle.Bundle
	if err := protojson.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	got, err := dsse.FromProto(back.GetDsseEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dsse.Verify(ctx, got, dsse.VerifyOptions{Threshold: 2}, k[0], k[1]); err != nil {
		t.Fatal(err)
	}
	// The proto's JSON form of the envelope is the DSSE JSON form.
	protoJSON, _ := protojson.Marshal(env.Proto())
	parsed, err := dsse.Parse(protoJSON)
	if err != nil {
		t.Fatalf("Parse of protojson envelope: %v", err)
	}
	if _, err := dsse.Verify(ctx, parsed, dsse.VerifyOptions{Threshold: 2}, k[0], k[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := dsse.FromProto(nil); !errors.Is(err, dsse.ErrMissing) {
		t.Fatalf("FromProto(nil): %v", err)
	}
	bad := env.Proto()
	bad.Signatures[1] = nil
	if _, err := dsse.FromProto(bad); !errors.Is(err, dsse.ErrMalformed) {
		t.Fatalf("FromProto with nil signature: %v", err)
	}
}

// sigstoreEnvelope reads a Sigstore bundle and returns its DSSE envelope
// and the public key of its leaf certificate.
func sigstoreEnvelope(t *testing.T, path string) (*dsse.Envelope, crypto.PublicKey) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b protobundle.Bundle
	if err := protojson.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	env, err := dsse.FromProto(b.GetDsseEnvelope())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(b.GetVerificationMaterial().GetCertificate().GetRawBytes())
	if err != nil {
		t.Fatal(err)
	}
	return env, cert.PublicKey
}

func TestSigstoreBundleEnvelope(t *testing.T) {
	// A real public-good bundle: its DSSE signature, made by sigstore
	// tooling with a Fulcio certificate key, verifies here.
	env, pub := sigstoreEnvelope(t, "testdata/sigstore-dsse-bundle.json")
	v, err := dsse.NewVerifier(pub, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, v)
	if err != nil {
		t.Fatal(err)
	}
	if got.PayloadType != "application/vnd.in-toto+json" {
		t.Fatalf("payload type %q", got.PayloadType)
	}
	// The conformance suite's invalid-signature variant is refused.
	env, pub = sigstoreEnvelope(t, "testdata/sigstore-dsse-bundle-invalid-sig.json")
	v, _ = dsse.NewVerifier(pub, "")
	var ve *dsse.VerifyError
	if _, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, v); !errors.As(err, &ve) || !errors.Is(ve.Rejected[0].Err, dsse.ErrBadSignature) {
		t.Fatalf("invalid-sig bundle: err = %v", err)
	}
}
