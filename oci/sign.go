package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/verify"
)

// emptyConfig is the OCI empty descriptor's content ("{}"), the config of
// a cosign v3 referrer manifest.
var emptyConfig = []byte("{}")

const emptyMediaType = "application/vnd.oci.empty.v1+json"

// AnnotationCreated is the OCI creation-time annotation cosign v3 puts on
// its referrer manifests (RFC 3339, UTC, seconds).
const AnnotationCreated = "org.opencontainers.image.created"

// Sign signs img as cosign v3 `sign` does, so cosign verify accepts it: an
// in-toto Statement v1 of predicate type CosignSignPredicateType, an empty
// predicate and img's digest as its only subject, signed by package sign
// by signer (keyless or key) with opts into a DSSE bundle, stored as an OCI 1.1
// referrer of img (the referrers tag schema is updated where the registry
// has no referrers API). It returns the stored item.
func (c *Client) Sign(ctx context.Context, img Image, signer sign.Signer, opts sign.Options) (*Item, error) {
	subject := &intoto.ResourceDescriptor{Digest: map[string]string{img.Digest.Algorithm: img.Digest.Hex}}
	st, err := attest.NewStatement(CosignSignPredicateType, &structpb.Struct{}, subject)
	if err != nil {
		return nil, &Error{Op: "sign", Image: img.String(), Err: wrap(ErrContent, err)}
	}
	return c.signStatement(ctx, img, st, KindSignature, signer, opts)
}

// Attest attests predicate (a JSON object) of predicateType (a URI or a
// cosign short name) about img: an in-toto Statement v1 whose subject is
// img's repository and digest, signed with opts and stored as a referrer
// bundle (cosign v3 attest's layout).
func (c *Client) Attest(ctx context.Context, img Image, predicateType string, predicate []byte, signer sign.Signer, opts sign.Options) (*Item, error) {
	st, err := imageStatement(img, predicateType, predicate)
	if err != nil {
		return nil, err
	}
	return c.signStatement(ctx, img, st, KindAttestation, signer, opts)
}

// imageStatement is the in-toto statement of predicate (a JSON object) of
// predicateType (a URI or a cosign short name) about img.
func imageStatement(img Image, predicateType string, predicate []byte) (*intoto.Statement, error) {
	pt, err := verify.ParsePredicateType(predicateType)
	if err != nil {
		return nil, &Error{Op: "attest", Image: img.String(), Err: err}
	}
	pred, err := attest.PredicateFromJSON(predicate)
	if err != nil {
		return nil, &Error{Op: "attest", Image: img.String(), Err: wrap(ErrContent, err)}
	}
	st, err := attest.NewStatement(pt, pred, imageSubject(img))
	if err != nil {
		return nil, &Error{Op: "attest", Image: img.String(), Err: wrap(ErrContent, err)}
	}
	return st, nil
}

// AttestSBOMAndProvenance attests an SBOM and SLSA provenance of img in one
// call (subject: img's repository and digest), storing both as referrer
// bundles. Nothing is stored unless both statements are valid.
func (c *Client) AttestSBOMAndProvenance(ctx context.Context, img Image, sbom attest.SBOM, prov *slsa.Provenance, signer sign.Signer, opts sign.Options) ([]*Item, error) {
	sst, err := attest.SBOMStatement(sbom, imageSubject(img))
	if err != nil {
		return nil, &Error{Op: "attest", Image: img.String(), Err: wrap(ErrContent, err)}
	}
	pst, err := attest.ProvenanceStatement(prov, imageSubject(img))
	if err != nil {
		return nil, &Error{Op: "attest", Image: img.String(), Err: wrap(ErrContent, err)}
	}
	var out []*Item
	for _, st := range []*intoto.Statement{sst, pst} {
		it, err := c.signStatement(ctx, img, st, KindAttestation, signer, opts)
		if err != nil {
			return out, err
		}
		out = append(out, it)
	}
	return out, nil
}

func imageSubject(img Image) *intoto.ResourceDescriptor {
	return &intoto.ResourceDescriptor{Name: img.Repository.Name(), Digest: map[string]string{img.Digest.Algorithm: img.Digest.Hex}}
}

// signStatement signs st (package sign) and stores the bundle.
func (c *Client) signStatement(ctx context.Context, img Image, st *intoto.Statement, kind Kind, signer sign.Signer, opts sign.Options) (*Item, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	stmt, err := attest.Marshal(st)
	if err != nil {
		return nil, &Error{Op: "sign", Image: img.String(), Err: wrap(ErrContent, err)}
	}
	vb, data, err := signBundle(ctx, img, sign.Statement(stmt), signer, opts)
	if err != nil {
		return nil, err
	}
	h, err := c.putReferrer(ctx, img, data, st.GetPredicateType())
	if err != nil {
		return nil, err
	}
	return &Item{Kind: kind, Source: "referrer " + h.String(), PredicateType: st.GetPredicateType(), Bundle: vb}, nil
}

// signBundle is the one call into package sign: content signed by signer
// (keyless or key) with opts, as the verify.Bundle sign returns and its
// bundle JSON.
func signBundle(ctx context.Context, img Image, content sign.Content, signer sign.Signer, opts sign.Options) (*verify.Bundle, []byte, error) {
	b, err := sign.Sign(ctx, content, signer, opts)
	if err != nil {
		return nil, nil, &Error{Op: "sign", Image: img.String(), Err: err}
	}
	data, err := sign.Marshal(b)
	if err != nil {
		return nil, nil, &Error{Op: "sign", Image: img.String(), Err: err}
	}
	vb := b
	return vb, data, nil
}

// referrerManifest is the OCI image manifest cosign v3 stores a bundle in.
type referrerManifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     types.MediaType   `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        v1.Descriptor     `json:"config"`
	Layers        []v1.Descriptor   `json:"layers"`
	Subject       *v1.Descriptor    `json:"subject"`
	Annotations   map[string]string `json:"annotations"`
}

// putReferrer stores bundle as a referrer of img and returns the
// referrer manifest's digest.
func (c *Client) putReferrer(ctx context.Context, img Image, bundle []byte, predicateType string) (v1.Hash, error) {
	if img.layout != "" {
		return v1.Hash{}, &Error{Op: "sign", Image: img.String(), Err: fmt.Errorf("%w: signing into an image layout is not supported", ErrReference)}
	}
	opts := c.remoteOptions(ctx)
	repo := img.Repository
	layer := static.NewLayer(bundle, types.MediaType(BundleMediaType))
	config := static.NewLayer(emptyConfig, emptyMediaType)
	for _, l := range []v1.Layer{config, layer} {
		if err := remote.WriteLayer(repo, l, opts...); err != nil {
			return v1.Hash{}, registryError("sign", img.String(), repo.RegistryStr(), err)
		}
	}
	ld, _ := layer.Digest()
	cd, _ := config.Digest()
	subject := img.Descriptor
	subject = v1.Descriptor{MediaType: subject.MediaType, Digest: img.Digest, Size: subject.Size}
	// As cosign v3.1.3's WriteAttestationNewBundleFormat: the artifact
	// type also on the config descriptor, and a creation time.
	m := referrerManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  BundleMediaType,
		Config:        v1.Descriptor{MediaType: emptyMediaType, ArtifactType: BundleMediaType, Digest: cd, Size: int64(len(emptyConfig))},
		Layers:        []v1.Descriptor{{MediaType: types.MediaType(BundleMediaType), Digest: ld, Size: int64(len(bundle))}},
		Subject:       &subject,
		Annotations: map[string]string{
			AnnotationCreated:       time.Now().UTC().Format(time.RFC3339),
			AnnotationBundleContent: "dsse-envelope",
			AnnotationPredicateType: predicateType,
		},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return v1.Hash{}, &Error{Op: "sign", Image: img.String(), Err: err}
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return v1.Hash{}, &Error{Op: "sign", Image: img.String(), Err: err}
	}
	if err := remote.Put(repo.Digest(h.String()), rawManifest{raw: raw, mt: types.OCIManifestSchema1}, opts...); err != nil {
		return v1.Hash{}, registryError("sign", img.String(), repo.RegistryStr(), err)
	}
	return h, nil
}

type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }
