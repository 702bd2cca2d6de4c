package signtest

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"time"

	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	"github.com/google/certificate-transparency-go/x509util"
)

// oidSCTList is the RFC 6962 embedded SCT list extension.
var oidSCTList = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}

// ctLogID is the CT log's ID (SHA-256 of its PKIX public key).
func (s *Sigstore) ctLogID() [32]byte {
	der, _ := x509.MarshalPKIXPublicKey(&s.ctKey.PublicKey)
	return sha256.Sum256(der)
}

// embedSCT issues tmpl twice, as Fulcio with a CT log does: first to learn
// the precertificate TBS, then with an SCT over it embedded.
func (s *Sigstore) embedSCT(tmpl *x509.Certificate, pub crypto.PublicKey, when time.Time) (*x509.Certificate, error) {
	pre, err := s.createCert(tmpl, s.intCert, pub, s.intKey)
	if err != nil {
		return nil, err
	}
	issuerKeyHash := sha256.Sum256(s.intCert.RawSubjectPublicKeyInfo)
	sct := ct.SignedCertificateTimestamp{
		SCTVersion: ct.V1,
		LogID:      ct.LogID{KeyID: s.ctLogID()},
		Timestamp:  uint64(when.UnixMilli()),
	}
	entry := ct.LogEntry{Leaf: ct.MerkleTreeLeaf{
		Version:  ct.V1,
		LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{
			Timestamp: sct.Timestamp,
			EntryType: ct.PrecertLogEntryType,
			PrecertEntry: &ct.PreCert{
				IssuerKeyHash:  issuerKeyHash,
				TBSCertificate: pre.RawTBSCertificate,
			},
		},
	}}
	input, err := ct.SerializeSCTSignatureInput(sct, entry)
	if err != nil {
		return nil, fmt.Errorf("signtest: sct: %w", err)
	}
	sum := sha256.Sum256(input)
	sig, err := detSigner{s.ctKey}.Sign(nil, sum[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	sct.Signature = ct.DigitallySigned{
		Algorithm: cttls.SignatureAndHashAlgorithm{Hash: cttls.SHA256, Signature: cttls.ECDSA},
		Signature: sig,
	}
	list, err := x509util.MarshalSCTsIntoSCTList([]*ct.SignedCertificateTimestamp{&sct})
	if err != nil {
		return nil, err
	}
	listBytes, err := cttls.Marshal(*list)
	if err != nil {
		return nil, err
	}
	ext, err := asn1.Marshal(listBytes)
	if err != nil {
		return nil, err
	}
	final := *tmpl
	final.ExtraExtensions = append(append([]pkix.Extension(nil), tmpl.ExtraExtensions...), pkix.Extension{Id: oidSCTList, Value: ext})
	return s.createCert(&final, s.intCert, pub, s.intKey)
}
