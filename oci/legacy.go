package oci

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"

	"github.com/chainproof/chainproof/dsse"
	"github.com/chainproof/chainproof/verify"
)

// Bundle media types the converter writes: v0.1 when a legacy signature
// carries a Rekor SET (an inclusion promise without a proof is a v0.1
// shape), v0.3 otherwise.
const (
	bundleV01 = "application/vnd.dev.sigstore.bundle+json;version=0.1"
	bundleV03 = BundleMediaType
)

func isNotFound(err error) bool {
	terr, ok := errors.AsType[*transport.Error](err)
	return ok && terr.StatusCode == http.StatusNotFound
}

// legacyItems reads a cosign v2 .sig or .att tag and converts each layer.
func (c *Client) legacyItems(src source, img Image, tag, suffix string) ([]Item, error) {
	ti, err := src.tagged(tag)
	if err != nil || ti == nil {
		return nil, err
	}
	m, err := ti.Manifest()
	if err != nil {
		return nil, err
	}
	if len(m.Layers) > MaxLegacyLayers {
		return nil, fmt.Errorf("tag %s has %d layers: %w (limit %d)", tag, len(m.Layers), errLimit, MaxLegacyLayers)
	}
	var items []Item
	for i, l := range m.Layers {
		item := Item{Source: fmt.Sprintf("%s layer %d", tag, i), Legacy: true, Kind: KindSignature}
		if suffix == "att" {
			item.Kind = KindAttestation
			item.PredicateType = l.Annotations[AnnotationLegacyPredicateType]
		}
		want := SimpleSigningMediaType
		if suffix == "att" {
			want = DSSEMediaType
		}
		if string(l.MediaType) != want {
			item.Err = fmt.Errorf("%w: layer media type %q, want %s", ErrContent, l.MediaType, want)
			items = append(items, item)
			continue
		}
		data, err := readLayer(ti, l)
		if err != nil {
			return nil, err
		}
		var pb *protobundle.Bundle
		if suffix == "sig" {
			item.Payload = data
			pb, err = legacySignature(data, l.Annotations)
		} else {
			pb, err = legacyAttestation(data, l.Annotations)
		}
		if err == nil {
			item.Bundle, err = verify.BundleFromProto(pb)
		}
		item.Err = err
		items = append(items, item)
	}
	return items, nil
}

// legacySignature converts a .sig layer (a simple-signing payload with its
// signature and verification material in annotations) to a bundle holding
// a message signature over the payload.
func legacySignature(payload []byte, ann map[string]string) (*protobundle.Bundle, error) {
	sig, err := base64.StdEncoding.DecodeString(ann[AnnotationSignature])
	if err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("%w: %s annotation is not a base64 signature", ErrContent, AnnotationSignature)
	}
	sum := sha256.Sum256(payload)
	pb, err := legacyMaterial(ann)
	if err != nil {
		return nil, err
	}
	pb.Content = &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
		MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: sum[:]},
		Signature:     sig,
	}}
	return pb, nil
}

// legacyAttestation converts a .att layer (a DSSE envelope) to a bundle.
func legacyAttestation(envelope []byte, ann map[string]string) (*protobundle.Bundle, error) {
	env, err := dsse.Parse(envelope)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrContent, err)
	}
	pe := &protodsse.Envelope{PayloadType: env.PayloadType, Payload: env.Payload}
	for _, s := range env.Signatures {
		pe.Signatures = append(pe.Signatures, &protodsse.Signature{Sig: s.Sig, Keyid: s.KeyID})
	}
	pb, err := legacyMaterial(ann)
	if err != nil {
		return nil, err
	}
	pb.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: pe}
	return pb, nil
}

// legacyMaterial builds the verification material of a legacy layer from
// its certificate, chain, Rekor SET and RFC 3161 annotations. A layer with
// no certificate names no key: verify it with a public-key policy.
func legacyMaterial(ann map[string]string) (*protobundle.Bundle, error) {
	pb := &protobundle.Bundle{MediaType: bundleV03, VerificationMaterial: &protobundle.VerificationMaterial{}}
	vm := pb.VerificationMaterial
	certs, err := pemCerts(ann[AnnotationCertificate] + ann[AnnotationChain])
	if err != nil {
		return nil, err
	}
	if set := ann[AnnotationRekorBundle]; set != "" {
		e, err := rekorSET(set)
		if err != nil {
			return nil, err
		}
		vm.TlogEntries = []*protorekor.TransparencyLogEntry{e}
		pb.MediaType = bundleV01
	}
	switch {
	case len(certs) == 0:
		vm.Content = &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{}}
	case pb.MediaType == bundleV01:
		chain := &protocommon.X509CertificateChain{}
		for _, c := range certs {
			chain.Certificates = append(chain.Certificates, &protocommon.X509Certificate{RawBytes: c})
		}
		vm.Content = &protobundle.VerificationMaterial_X509CertificateChain{X509CertificateChain: chain}
	default:
		vm.Content = &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: certs[0]}}
	}
	if ts := ann[AnnotationTimestamp]; ts != "" {
		var t struct{ SignedRFC3161Timestamp []byte }
		if err := json.Unmarshal([]byte(ts), &t); err != nil || len(t.SignedRFC3161Timestamp) == 0 {
			return nil, fmt.Errorf("%w: %s annotation is not {\"SignedRFC3161Timestamp\": base64}", ErrContent, AnnotationTimestamp)
		}
		vm.TimestampVerificationData = &protobundle.TimestampVerificationData{
			Rfc3161Timestamps: []*protocommon.RFC3161SignedTimestamp{{SignedTimestamp: t.SignedRFC3161Timestamp}},
		}
	}
	return pb, nil
}

// maxLegacyCerts bounds the certificates of a legacy layer's annotations.
const maxLegacyCerts = 10

func pemCerts(s string) ([][]byte, error) {
	var out [][]byte
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%w: PEM block %q in a certificate annotation", ErrContent, b.Type)
		}
		if len(out) == maxLegacyCerts {
			return nil, fmt.Errorf("%w: more than %d certificates", ErrContent, maxLegacyCerts)
		}
		out = append(out, b.Bytes)
	}
	return out, nil
}

// rekorSET converts cosign's Rekor bundle annotation
// {"SignedEntryTimestamp": base64, "Payload": {"body": base64,
// "integratedTime": n, "logIndex": n, "logID": hex}} to a log entry with an
// inclusion promise.
func rekorSET(s string) (*protorekor.TransparencyLogEntry, error) {
	var set struct {
		SignedEntryTimestamp []byte
		Payload              struct {
			Body           []byte `json:"body"`
			IntegratedTime int64  `json:"integratedTime"`
			LogIndex       int64  `json:"logIndex"`
			LogID          string `json:"logID"`
		}
	}
	if err := json.Unmarshal([]byte(s), &set); err != nil {
		return nil, fmt.Errorf("%w: Rekor bundle annotation: %w", ErrContent, err)
	}
	logID, err := hex.DecodeString(set.Payload.LogID)
	if err != nil || len(set.SignedEntryTimestamp) == 0 || len(set.Payload.Body) == 0 {
		return nil, fmt.Errorf("%w: Rekor bundle annotation lacks a SET, body or hex logID", ErrContent)
	}
	var body struct{ APIVersion, Kind string }
	if err := json.Unmarshal(set.Payload.Body, &body); err != nil || body.Kind == "" {
		return nil, fmt.Errorf("%w: Rekor entry body names no kind", ErrContent)
	}
	return &protorekor.TransparencyLogEntry{
		LogIndex:          set.Payload.LogIndex,
		LogId:             &protocommon.LogId{KeyId: logID},
		KindVersion:       &protorekor.KindVersion{Kind: body.Kind, Version: body.APIVersion},
		IntegratedTime:    set.Payload.IntegratedTime,
		InclusionPromise:  &protorekor.InclusionPromise{SignedEntryTimestamp: set.SignedEntryTimestamp},
		CanonicalizedBody: set.Payload.Body,
	}, nil
}

// ParseCosignBlobBundle converts cosign 2.x's blob --bundle JSON
// ({"base64Signature", "cert", "rekorBundle"}) to a bundle: a message
// signature over the blob, verified with verify like any other bundle.
func ParseCosignBlobBundle(data []byte) (*verify.Bundle, error) {
	if len(data) > MaxBlobSize {
		return nil, &Error{Op: "parse", Err: fmt.Errorf("%w: %d bytes", ErrLimit, len(data))}
	}
	var lb struct {
		Base64Signature string          `json:"base64Signature"`
		Cert            string          `json:"cert"`
		RekorBundle     json.RawMessage `json:"rekorBundle"`
	}
	if err := json.Unmarshal(data, &lb); err != nil || lb.Base64Signature == "" {
		return nil, &Error{Op: "parse", Err: fmt.Errorf("%w: not a cosign blob bundle (base64Signature, cert, rekorBundle)", ErrContent)}
	}
	sig, err := base64.StdEncoding.DecodeString(lb.Base64Signature)
	if err != nil {
		return nil, &Error{Op: "parse", Err: fmt.Errorf("%w: base64Signature: %w", ErrContent, err)}
	}
	ann := map[string]string{}
	if lb.Cert != "" {
		certPEM, err := base64.StdEncoding.DecodeString(lb.Cert)
		if err != nil {
			return nil, &Error{Op: "parse", Err: fmt.Errorf("%w: cert: %w", ErrContent, err)}
		}
		ann[AnnotationCertificate] = string(certPEM)
	}
	if len(lb.RekorBundle) > 0 && string(lb.RekorBundle) != "null" {
		ann[AnnotationRekorBundle] = string(lb.RekorBundle)
	}
	pb, err := legacyMaterial(ann)
	if err != nil {
		return nil, &Error{Op: "parse", Err: err}
	}
	pb.Content = &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{Signature: sig}}
	b, err := verify.BundleFromProto(pb)
	if err != nil {
		return nil, &Error{Op: "parse", Err: err}
	}
	return b, nil
}
