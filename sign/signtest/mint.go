package signtest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// MintOptions adjust a minted bundle.
type MintOptions struct {
	// NoTimestamp leaves out the RFC 3161 timestamp. Such a bundle has no
	// verifiable signing time (Rekor v2 gives none), so verifiers must be
	// told to use the current time; mostly useful for negative tests.
	NoTimestamp bool
	// NoLogEntry leaves out the transparency log entry.
	NoLogEntry bool
	// RekorV1 logs the signature in the Rekor v1 log instead of the v2
	// one: a hashedrekord v0.0.1 entry for SignBlob, a dsse v0.0.1 entry
	// for SignDSSE, each with an integrated time (the clock's reading),
	// a signed entry timestamp and an inclusion proof with a signed
	// checkpoint. The integrated time is a verifiable signing time, so
	// with NoTimestamp the bundle has the shape of a public-good Rekor v1
	// bundle: verifiers use the integrated time instead of a TSA's.
	RekorV1 bool
}

// SignBlob mints a bundle (v0.3 JSON) with a message signature over
// SHA-256(artifact) by a fresh leaf key certified for id, a Rekor v2
// hashedrekord entry (Rekor v1 with MintOptions.RekorV1) and an RFC 3161
// timestamp. The output is
// deterministic for a given seed, clock and call sequence.
func (s *Sigstore) SignBlob(id Identity, artifact []byte, o MintOptions) ([]byte, error) {
	sum := sha256.Sum256(artifact)
	return s.mint(id, &sgsign.PlainData{Data: sum[:]}, true, o)
}

// SignDSSE mints a DSSE bundle over payload (e.g. an in-toto statement
// with payloadType application/vnd.in-toto+json), logged in Rekor v2 as a
// hashedrekord over the PAE (with MintOptions.RekorV1: in Rekor v1 as a
// dsse v0.0.1 entry).
func (s *Sigstore) SignDSSE(id Identity, payloadType string, payload []byte, o MintOptions) ([]byte, error) {
	return s.mint(id, &sgsign.DSSEData{Data: payload, PayloadType: payloadType}, false, o)
}

func (s *Sigstore) mint(id Identity, content sgsign.Content, prehashed bool, o MintOptions) ([]byte, error) {
	s.mu.Lock()
	s.leaves++
	n := s.leaves
	s.mu.Unlock()
	kp := &leafKeypair{key: s.deriveKey("leaf-" + strconv.FormatInt(n, 10))}
	if prehashed {
		kp.prehashed = content.PreAuthEncoding()
	}
	bo := sgsign.BundleOptions{
		Context:                    context.Background(),
		CertificateProvider:        fulcioFunc(func(pub crypto.PublicKey) ([]byte, error) { return s.issueDER(id, pub) }),
		CertificateProviderOptions: &sgsign.CertificateProviderOptions{IDToken: "unused"},
	}
	if !o.NoTimestamp {
		bo.TimestampAuthorities = []*sgsign.TimestampAuthority{sgsign.NewTimestampAuthority(&sgsign.TimestampAuthorityOptions{
			URL: "http://tsa.signtest.invalid/api/v1/timestamp", Transport: handlerTransport{s.Handler()},
		})}
	}
	switch {
	case o.NoLogEntry:
	case o.RekorV1:
		bo.TransparencyLogs = []sgsign.Transparency{sgsign.NewRekor(&sgsign.RekorOptions{
			BaseURL: "https://" + LogV1Origin, Version: 1, Client: v1Client{s},
		})}
	default:
		bo.TransparencyLogs = []sgsign.Transparency{sgsign.NewRekor(&sgsign.RekorOptions{
			BaseURL: "https://" + LogOrigin, Version: 2, ClientV2: logClient{s},
		})}
	}
	pb, err := sgsign.Bundle(content, kp, bo)
	if err != nil {
		return nil, fmt.Errorf("signtest: mint: %w", err)
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, fmt.Errorf("signtest: mint: %w", err)
	}
	return compactJSON(b.MarshalJSON())
}

func (s *Sigstore) issueDER(id Identity, pub crypto.PublicKey) ([]byte, error) {
	chain, err := s.IssueCertificate(id, pub)
	if err != nil {
		return nil, err
	}
	return chain[0].Raw, nil
}

type fulcioFunc func(crypto.PublicKey) ([]byte, error)

func (f fulcioFunc) GetCertificate(_ context.Context, kp sgsign.Keypair, _ *sgsign.CertificateProviderOptions) ([]byte, error) {
	return f(kp.GetPublicKey())
}

// leafKeypair is a deterministic P-256 sign.Keypair.
type leafKeypair struct {
	key       *ecdsa.PrivateKey
	prehashed []byte
}

func (k *leafKeypair) GetHashAlgorithm() protocommon.HashAlgorithm {
	return protocommon.HashAlgorithm_SHA2_256
}
func (k *leafKeypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
}
func (k *leafKeypair) GetHint() []byte                { return nil }
func (k *leafKeypair) GetKeyAlgorithm() string        { return "ECDSA" }
func (k *leafKeypair) GetPublicKey() crypto.PublicKey { return &k.key.PublicKey }
func (k *leafKeypair) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(&k.key.PublicKey)
	return string(b), err
}
func (k *leafKeypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	digest := data
	if !(len(k.prehashed) > 0 && len(data) == len(k.prehashed) && &data[0] == &k.prehashed[0]) {
		sum := sha256.Sum256(data)
		digest = sum[:]
	}
	sig, err := detSigner{k.key}.Sign(nil, digest, crypto.SHA256)
	return sig, digest, err
}

// handlerTransport serves requests with an http.Handler in-process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if r.Body != nil {
		r.Body.Close()
	}
	return rec.Result(), nil
}

func compactJSON(b []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
