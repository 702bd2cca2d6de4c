package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/youmark/pkcs8"
)

// pki is the key material of one stack, generated fresh at every start and
// written under dir/keys.
type pki struct {
	start time.Time // validity start of every CA, log and service

	fulcioKey  *ecdsa.PrivateKey
	fulcioCert *x509.Certificate
	fulcioPass string

	ctKey *ecdsa.PrivateKey

	rekorKey ed25519.PrivateKey

	tsaRootKey *ecdsa.PrivateKey
	tsaRoot    *x509.Certificate
	tsaLeafKey *ecdsa.PrivateKey
	tsaLeaf    *x509.Certificate

	// files
	fulcioCertPath, fulcioKeyPath string
	ctPubPath                     string
	rekorKeyPath                  string
	tsaKeyPath, tsaChainPath      string
}

const caLifetime = 10 * 365 * 24 * time.Hour

var (
	oidExtKeyUsage        = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidExtKeyUsageTimeStm = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

func newPKI(dir string, now time.Time) (*pki, error) {
	p := &pki{start: now.Add(-time.Hour).Truncate(time.Second)}
	var err error
	if p.fulcioKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if p.ctKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if _, p.rekorKey, err = ed25519.GenerateKey(rand.Reader); err != nil {
		return nil, err
	}
	if p.tsaRootKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if p.tsaLeafKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}

	// Fulcio root CA: CA:TRUE, keyCertSign.
	p.fulcioCert, err = selfSignedCA(p.fulcioKey, "chainproof local fulcio", p.start)
	if err != nil {
		return nil, fmt.Errorf("fulcio ca: %w", err)
	}

	// TSA: a root CA and a leaf with extendedKeyUsage=critical,timeStamping.
	if p.tsaRoot, err = selfSignedCA(p.tsaRootKey, "chainproof local tsa root", p.start); err != nil {
		return nil, fmt.Errorf("tsa root: %w", err)
	}
	ekuValue, err := asn1.Marshal([]asn1.ObjectIdentifier{oidExtKeyUsageTimeStm})
	if err != nil {
		return nil, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber:    serial(),
		Subject:         pkix.Name{Organization: []string{"chainproof"}, CommonName: "chainproof local tsa"},
		NotBefore:       p.start,
		NotAfter:        p.start.Add(caLifetime),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: ekuValue}},
	}
	der, err := x509.CreateCertificate(rand.Reader, leafTmpl, p.tsaRoot, &p.tsaLeafKey.PublicKey, p.tsaRootKey)
	if err != nil {
		return nil, fmt.Errorf("tsa leaf: %w", err)
	}
	if p.tsaLeaf, err = x509.ParseCertificate(der); err != nil {
		return nil, err
	}

	// Files.
	kd := filepath.Join(dir, "keys")
	if err := os.MkdirAll(kd, 0o700); err != nil {
		return nil, err
	}
	var pass [16]byte
	_, _ = rand.Read(pass[:])
	p.fulcioPass = hex.EncodeToString(pass[:])
	encKey, err := pkcs8.MarshalPrivateKey(p.fulcioKey, []byte(p.fulcioPass), nil)
	if err != nil {
		return nil, fmt.Errorf("encrypting fulcio key: %w", err)
	}
	p.fulcioCertPath = filepath.Join(kd, "fulcio-ca.pem")
	p.fulcioKeyPath = filepath.Join(kd, "fulcio-ca-key.pem")
	p.ctPubPath = filepath.Join(kd, "ctlog-pub.pem")
	p.rekorKeyPath = filepath.Join(kd, "rekor-ed25519.pem")
	p.tsaKeyPath = filepath.Join(kd, "tsa-leaf-key.pem")
	p.tsaChainPath = filepath.Join(kd, "tsa-chain.pem")

	ctPub, err := x509.MarshalPKIXPublicKey(&p.ctKey.PublicKey)
	if err != nil {
		return nil, err
	}
	rekorDER, err := x509.MarshalPKCS8PrivateKey(p.rekorKey)
	if err != nil {
		return nil, err
	}
	tsaDER, err := x509.MarshalPKCS8PrivateKey(p.tsaLeafKey)
	if err != nil {
		return nil, err
	}
	files := []struct {
		path   string
		blocks []*pem.Block
	}{
		{p.fulcioCertPath, []*pem.Block{{Type: "CERTIFICATE", Bytes: p.fulcioCert.Raw}}},
		{p.fulcioKeyPath, []*pem.Block{{Type: "ENCRYPTED PRIVATE KEY", Bytes: encKey}}},
		{p.ctPubPath, []*pem.Block{{Type: "PUBLIC KEY", Bytes: ctPub}}},
		{p.rekorKeyPath, []*pem.Block{{Type: "PRIVATE KEY", Bytes: rekorDER}}},
		{p.tsaKeyPath, []*pem.Block{{Type: "PRIVATE KEY", Bytes: tsaDER}}},
		{p.tsaChainPath, []*pem.Block{
			{Type: "CERTIFICATE", Bytes: p.tsaLeaf.Raw},
			{Type: "CERTIFICATE", Bytes: p.tsaRoot.Raw},
		}},
	}
	for _, f := range files {
		var b []byte
		for _, blk := range f.blocks {
			b = append(b, pem.EncodeToMemory(blk)...)
		}
		if err := os.WriteFile(f.path, b, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func selfSignedCA(key crypto.Signer, cn string, start time.Time) (*x509.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"chainproof"}, CommonName: cn},
		NotBefore:             start,
		NotAfter:              start.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}
