package signtest

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"sort"
	"time"

	"github.com/digitorus/timestamp"
)

// RFC 3161 / RFC 5652 object identifiers.
var (
	oidSignedData      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidContentType     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertV2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSHA256          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidTSAPolicy       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2}
)

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time     `asn1:"generalized"`
	Nonce          asn1.RawValue `asn1:"optional"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signerInfo struct {
	Version            int
	SID                issuerAndSerial
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
}

type encapContent struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContent
	SignerInfos      []signerInfo `asn1:"set"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue
}

type pkiStatusInfo struct{ Status int }

type timeStampResp struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	switch h {
	case crypto.SHA256:
		return oidSHA256, true
	case crypto.SHA384:
		return oidSHA384, true
	case crypto.SHA512:
		return oidSHA512, true
	}
	return nil, false
}

// Timestamp answers a DER RFC 3161 timestamp request (as POSTed to
// /api/v1/timestamp) with a DER timestamp response, deterministically:
// the time is the clock's reading and the serial a counter.
func (s *Sigstore) Timestamp(request []byte) ([]byte, error) {
	req, err := timestamp.ParseRequest(request)
	if err != nil {
		return nil, err
	}
	alg, ok := hashOID(req.HashAlgorithm)
	if !ok || len(req.HashedMessage) != req.HashAlgorithm.Size() {
		return nil, errors.New("signtest: unsupported timestamp request hash")
	}
	info := tstInfo{
		Version:        1,
		Policy:         oidTSAPolicy,
		MessageImprint: messageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: alg}, HashedMessage: req.HashedMessage},
		SerialNumber:   big.NewInt(s.nextSerial()),
		GenTime:        s.now().UTC().Truncate(time.Second),
	}
	if req.Nonce != nil {
		nb, err := asn1.Marshal(req.Nonce)
		if err != nil {
			return nil, err
		}
		info.Nonce = asn1.RawValue{FullBytes: nb}
	}
	infoDER, err := asn1.Marshal(info)
	if err != nil {
		return nil, err
	}
	infoSum := sha256.Sum256(infoDER)
	certSum := sha256.Sum256(s.tsaCert.Raw)

	// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 },
	// ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING } (SHA-256 default).
	scv2 := mustASN1(struct{ Certs []struct{ Hash []byte } }{Certs: []struct{ Hash []byte }{{Hash: certSum[:]}}})
	attrs := [][]byte{
		mustASN1(attribute{Type: oidContentType, Values: setOf(mustASN1(oidTSTInfo))}),
		mustASN1(attribute{Type: oidMessageDigest, Values: setOf(mustASN1(infoSum[:]))}),
		mustASN1(attribute{Type: oidSigningCertV2, Values: setOf(scv2)}),
	}
	sort.Slice(attrs, func(i, j int) bool { return bytes.Compare(attrs[i], attrs[j]) < 0 }) // DER SET OF order
	attrsBytes := bytes.Join(attrs, nil)
	toSign := mustASN1(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: attrsBytes})
	sum := sha256.Sum256(toSign)
	sig, err := detSigner{s.tsaKey}.Sign(nil, sum[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	sd := signedData{
		Version:          3,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{{Algorithm: oidSHA256}},
		EncapContentInfo: encapContent{
			EContentType: oidTSTInfo,
			EContent:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustASN1(infoDER)},
		},
		SignerInfos: []signerInfo{{
			Version:            1,
			SID:                issuerAndSerial{Issuer: asn1.RawValue{FullBytes: s.tsaCert.RawIssuer}, Serial: s.tsaCert.SerialNumber},
			DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: oidSHA256},
			SignedAttrs:        asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: attrsBytes},
			SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256},
			Signature:          sig,
		}},
	}
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	ci, err := asn1.Marshal(contentInfo{
		ContentType: oidSignedData,
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER},
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(timeStampResp{Status: pkiStatusInfo{Status: 0}, TimeStampToken: asn1.RawValue{FullBytes: ci}})
}

func setOf(elems ...[]byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: bytes.Join(elems, nil)}
}
