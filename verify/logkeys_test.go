package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"testing"

	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
)

func TestLogEntryKeys(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	pemB64 := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	certB64 := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}}))
	derB64 := base64.StdEncoding.EncodeToString(der)
	want, _ := keyFingerprint(&k.PublicKey)
	for name, body := range map[string]string{
		"rekor v2 hashedrekord": `{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"signature":{"content":"AA==","verifier":{"keyDetails":"PKIX_ECDSA_P256_SHA_256","publicKey":{"rawBytes":"` + derB64 + `"}}}}}}`,
		"rekor v1 hashedrekord": `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{},"signature":{"content":"AA==","publicKey":{"content":"` + pemB64 + `"}}}}`,
		"rekor v1 dsse":         `{"apiVersion":"0.0.1","kind":"dsse","spec":{"signatures":[{"signature":"AA==","verifier":"` + pemB64 + `"}]}}`,
		"rekor v1 intoto":       `{"apiVersion":"0.0.2","kind":"intoto","spec":{"content":{"envelope":{"signatures":[{"sig":"AA==","publicKey":"` + pemB64 + `"}]}}}}`,
	} {
		got := logEntryKeys([]*protorekor.TransparencyLogEntry{{CanonicalizedBody: []byte(body)}})
		if len(got) != 1 || !got[want] {
			t.Errorf("%s: keys %v, want {%s}", name, got, want)
		}
	}
	// Certificates, garbage and empty bodies name no key.
	for name, body := range map[string]string{
		"certificate": `{"spec":{"signature":{"publicKey":{"content":"` + certB64 + `"}}}}`,
		"not json":    `{`,
		"bad base64":  `{"spec":{"verifier":"***"}}`,
		"empty":       ``,
	} {
		if got := logEntryKeys([]*protorekor.TransparencyLogEntry{{CanonicalizedBody: []byte(body)}}); len(got) != 0 {
			t.Errorf("%s: keys %v, want none", name, got)
		}
	}
}
