package oci

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/verify"
)

// SignLegacy signs img in cosign v2's legacy layout, for verifiers that
// predate cosign v3: a simple-signing payload (docker-manifest-digest =
// img's digest, docker-reference = its repository) signed with opts and
// appended as a layer to tag sha256-<hex>.sig, with the signature,
// certificate, RFC 3161 timestamp and, for a Rekor v1 entry, its SET in
// the layer's annotations. A Rekor v2 entry has no legacy form: such a
// signature carries only its timestamp (cosign verifies it with
// --insecure-ignore-tlog --use-signed-timestamps).
func (c *Client) SignLegacy(ctx context.Context, img Image, signer sign.Signer, opts sign.Options) (*Item, error) {
	payload := fmt.Appendf(nil, `{"critical":{"identity":{"docker-reference":%q},"image":{"docker-manifest-digest":%q},"type":%q},"optional":null}`,
		img.Repository.Name(), img.Digest.String(), SimpleSigningType)
	b, err := c.signLegacy(ctx, img, sign.Blob(bytes.NewReader(payload)), signer, opts)
	if err != nil {
		return nil, err
	}
	ann, err := legacyAnnotations(b.Proto())
	if err != nil {
		return nil, &Error{Op: "sign", Image: img.String(), Err: err}
	}
	ann[AnnotationSignature] = base64.StdEncoding.EncodeToString(b.Proto().GetMessageSignature().GetSignature())
	tag, err := c.appendLegacy(ctx, img, "sig", payload, SimpleSigningMediaType, ann)
	if err != nil {
		return nil, err
	}
	return &Item{Kind: KindSignature, Source: tag, Legacy: true, Bundle: b, Payload: payload}, nil
}

// AttestLegacy attests predicate of predicateType about img in cosign
// v2's legacy layout: the DSSE envelope appended as a layer to tag
// sha256-<hex>.att, with the certificate and timestamp in annotations
// (see SignLegacy for what a Rekor v2 entry leaves out).
func (c *Client) AttestLegacy(ctx context.Context, img Image, predicateType string, predicate []byte, signer sign.Signer, opts sign.Options) (*Item, error) {
	st, err := imageStatement(img, predicateType, predicate)
	if err != nil {
		return nil, err
	}
	pt := st.GetPredicateType()
	stmt, err := attest.Marshal(st)
	if err != nil {
		return nil, &Error{Op: "attest", Image: img.String(), Err: wrap(ErrContent, err)}
	}
	b, err := c.signLegacy(ctx, img, sign.Statement(stmt), signer, opts)
	if err != nil {
		return nil, err
	}
	env := b.Proto().GetDsseEnvelope()
	type sig struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	}
	var sigs []sig
	for _, s := range env.GetSignatures() {
		sigs = append(sigs, sig{KeyID: s.GetKeyid(), Sig: base64.StdEncoding.EncodeToString(s.GetSig())})
	}
	envJSON, err := json.Marshal(struct {
		PayloadType string `json:"payloadType"`
		Payload     string `json:"payload"`
		Signatures  []sig  `json:"signatures"`
	}{env.GetPayloadType(), base64.StdEncoding.EncodeToString(env.GetPayload()), sigs})
	if err != nil {
		return nil, &Error{Op: "attest", Image: img.String(), Err: err}
	}
	ann, err := legacyAnnotations(b.Proto())
	if err != nil {
		return nil, &Error{Op: "attest", Image: img.String(), Err: err}
	}
	ann[AnnotationSignature] = ""
	ann[AnnotationLegacyPredicateType] = pt
	tag, err := c.appendLegacy(ctx, img, "att", envJSON, DSSEMediaType, ann)
	if err != nil {
		return nil, err
	}
	return &Item{Kind: KindAttestation, Source: tag, Legacy: true, PredicateType: pt, Bundle: b}, nil
}

func (c *Client) signLegacy(ctx context.Context, img Image, content sign.Content, signer sign.Signer, opts sign.Options) (*verify.Bundle, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	b, _, err := signBundle(ctx, img, content, signer, opts)
	return b, err
}

// legacyAnnotations writes a bundle's verification material the way
// cosign v2 annotates a layer.
func legacyAnnotations(pb *protobundle.Bundle) (map[string]string, error) {
	ann := map[string]string{AnnotationChain: ""}
	vm := pb.GetVerificationMaterial()
	var leaf []byte
	switch {
	case vm.GetCertificate() != nil:
		leaf = vm.GetCertificate().GetRawBytes()
	case len(vm.GetX509CertificateChain().GetCertificates()) > 0:
		leaf = vm.GetX509CertificateChain().GetCertificates()[0].GetRawBytes()
	}
	if leaf != nil {
		ann[AnnotationCertificate] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf}))
	}
	for _, ts := range vm.GetTimestampVerificationData().GetRfc3161Timestamps() {
		b, err := json.Marshal(map[string][]byte{"SignedRFC3161Timestamp": ts.GetSignedTimestamp()})
		if err != nil {
			return nil, err
		}
		ann[AnnotationTimestamp] = string(b)
		break // cosign v2 carries one
	}
	for _, e := range vm.GetTlogEntries() {
		if e.GetInclusionPromise() == nil {
			continue // a Rekor v2 entry: no SET, no legacy form
		}
		set := map[string]any{
			"SignedEntryTimestamp": e.GetInclusionPromise().GetSignedEntryTimestamp(),
			"Payload": map[string]any{
				"body":           e.GetCanonicalizedBody(),
				"integratedTime": e.GetIntegratedTime(),
				"logIndex":       e.GetLogIndex(),
				"logID":          fmt.Sprintf("%x", e.GetLogId().GetKeyId()),
			},
		}
		b, err := json.Marshal(set)
		if err != nil {
			return nil, err
		}
		ann[AnnotationRekorBundle] = string(b)
		break
	}
	return ann, nil
}

// appendLegacy appends a layer to img's legacy tag (creating it), as
// cosign v2 does, and returns the tag.
func (c *Client) appendLegacy(ctx context.Context, img Image, suffix string, layer []byte, mt string, ann map[string]string) (string, error) {
	if img.layout != "" {
		return "", &Error{Op: "sign", Image: img.String(), Err: fmt.Errorf("%w: signing into an image layout is not supported", ErrReference)}
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	opts := c.remoteOptions(ctx)
	tagName := strings.Replace(img.Digest.String(), ":", "-", 1) + "." + suffix
	tag := img.Repository.Tag(tagName)
	base, err := remote.Image(tag, opts...)
	switch {
	case isNotFound(err):
		base = mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	case err != nil:
		return "", registryError("sign", img.String(), img.Repository.RegistryStr(), err)
	default:
		m, err := base.Manifest()
		if err != nil {
			return "", registryError("sign", img.String(), img.Repository.RegistryStr(), err)
		}
		if len(m.Layers) >= MaxLegacyLayers {
			return "", &Error{Op: "sign", Image: img.String(), Err: fmt.Errorf("%w: tag %s already has %d layers", ErrLimit, tagName, len(m.Layers))}
		}
	}
	out, err := mutate.Append(base, mutate.Addendum{Layer: static.NewLayer(layer, types.MediaType(mt)), Annotations: ann})
	if err != nil {
		return "", &Error{Op: "sign", Image: img.String(), Err: err}
	}
	if err := remote.Write(tag, out, opts...); err != nil {
		return "", registryError("sign", img.String(), img.Repository.RegistryStr(), err)
	}
	return "tag " + tagName, nil
}
