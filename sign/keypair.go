package sign

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

// keypair adapts a crypto.Signer to sigstore-go's sign.Keypair. It signs
// a precomputed digest as is when sigstore-go hands it the exact slice
// held in prehashed (the digest of a streamed blob); anything else (the
// DSSE PAE, Fulcio's proof of possession) is hashed first.
type keypair struct {
	signer    crypto.Signer
	details   signature.AlgorithmDetails
	hint      []byte
	prehashed []byte
}

var _ sgsign.Keypair = (*keypair)(nil)

func newKeypair(s crypto.Signer, hint string) (*keypair, error) {
	pub := s.Public()
	details, err := signature.GetDefaultAlgorithmDetails(pub, options.WithED25519ph())
	if err != nil {
		return nil, errorf("options", ErrInvalidOptions, "unsupported key: %v", err)
	}
	k := &keypair{signer: s, details: details}
	if hint != "" {
		k.hint = []byte(hint)
	} else {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, errorf("options", ErrInvalidOptions, "cannot encode public key: %v", err)
		}
		sum := sha256.Sum256(der)
		k.hint = []byte(base64.StdEncoding.EncodeToString(sum[:]))
	}
	return k, nil
}

// ephemeralKey returns a fresh ECDSA key whose hash matches h.
func ephemeralKey(h crypto.Hash) (crypto.Signer, error) {
	curve := elliptic.P256()
	switch h {
	case crypto.SHA384:
		curve = elliptic.P384()
	case crypto.SHA512:
		curve = elliptic.P521()
	}
	return ecdsa.GenerateKey(curve, rand.Reader)
}

func (k *keypair) hash() crypto.Hash { return k.details.GetHashType() }

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm { return k.details.GetProtoHashType() }
func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return k.details.GetSignatureAlgorithm()
}
func (k *keypair) GetHint() []byte                { return k.hint }
func (k *keypair) GetPublicKey() crypto.PublicKey { return k.signer.Public() }

func (k *keypair) GetKeyAlgorithm() string {
	switch k.details.GetKeyType() {
	case signature.ECDSA:
		return "ECDSA"
	case signature.RSA:
		return "RSA"
	case signature.ED25519:
		return "ED25519"
	}
	return ""
}

func (k *keypair) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.signer.Public())
	return string(b), err
}

func (k *keypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	hf := k.hash()
	isContent := len(k.prehashed) > 0 && len(data) == len(k.prehashed) && &data[0] == &k.prehashed[0]
	digest := data
	if !isContent {
		h := hf.New()
		h.Write(data)
		digest = h.Sum(nil)
	}
	var opts crypto.SignerOpts = hf
	switch k.details.GetSignatureAlgorithm() {
	case protocommon.PublicKeyDetails_PKIX_RSA_PSS_2048_SHA256, protocommon.PublicKeyDetails_PKIX_RSA_PSS_3072_SHA256, protocommon.PublicKeyDetails_PKIX_RSA_PSS_4096_SHA256:
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: hf}
	case protocommon.PublicKeyDetails_PKIX_ED25519_PH:
		opts = &ed25519.Options{Hash: crypto.SHA512}
	}
	sig, err := k.signer.Sign(rand.Reader, digest, opts)
	if err != nil {
		return nil, nil, &Error{Step: "sign", Kind: ErrSignature, Err: fmt.Errorf("%T: %w", k.signer, err)}
	}
	return sig, digest, nil
}

func signatureLoadOpts(k *keypair) []signature.LoadOption {
	if k.details.GetSignatureAlgorithm() == protocommon.PublicKeyDetails_PKIX_ED25519_PH {
		return []signature.LoadOption{options.WithED25519ph()}
	}
	return nil
}
