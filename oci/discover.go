package oci

import (
	"context"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/chainproof/chainproof/verify"
)

// Media types, artifact types and annotations of cosign's formats
// (cosign's specs/BUNDLE_SPEC.md and SIGNATURE_SPEC.md, v3.1.3).
const (
	// BundleMediaType is the artifact type of a cosign v3 referrer, and the
	// media type of its one layer: a Sigstore bundle v0.3.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// AnnotationPredicateType names a referrer bundle's predicate type.
	AnnotationPredicateType = "dev.sigstore.bundle.predicateType"
	// AnnotationBundleContent says what a referrer bundle holds
	// ("dsse-envelope" or "message-signature").
	AnnotationBundleContent = "dev.sigstore.bundle.content"
	// CosignSignPredicateType is the predicate type of the in-toto
	// statement cosign v3 `sign` signs: an image signature, not an
	// attestation (an empty predicate, the image digest as subject).
	CosignSignPredicateType = verify.PredicateCosignSign

	// SimpleSigningMediaType is the layer media type of a legacy .sig.
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// DSSEMediaType is the layer media type of a legacy .att.
	DSSEMediaType = "application/vnd.dsse.envelope.v1+json"

	AnnotationSignature   = "dev.cosignproject.cosign/signature"
	AnnotationCertificate = "dev.sigstore.cosign/certificate"
	AnnotationChain       = "dev.sigstore.cosign/chain"
	AnnotationRekorBundle = "dev.sigstore.cosign/bundle"
	AnnotationTimestamp   = "dev.sigstore.cosign/rfc3161timestamp"
	// AnnotationLegacyPredicateType names a legacy .att layer's predicate type.
	AnnotationLegacyPredicateType = "predicateType"
)

// Kind is what a found item is.
type Kind int

const (
	// KindSignature: a signature of the image (a cosign v3 sign/v1
	// statement, a message signature, or a legacy simple-signing payload).
	KindSignature Kind = iota + 1
	// KindAttestation: an in-toto statement about the image.
	KindAttestation
)

func (k Kind) String() string {
	switch k {
	case KindSignature:
		return "signature"
	case KindAttestation:
		return "attestation"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Item is one signature or attestation found for an image, as a bundle
// every verify policy applies to. Nothing in it is verified yet.
type Item struct {
	// Kind is what the item claims to be (from its format and predicate
	// type annotation; verification checks the signed predicate type).
	Kind Kind
	// Source says where it was found: "referrer sha256:...",
	// "sha256-<hex>.sig layer 0", ...
	Source string
	// Legacy is set for items converted from cosign v2 .sig/.att tags.
	Legacy bool
	// PredicateType is the claimed predicate type (attestations and cosign
	// v3 signatures).
	PredicateType string
	// Bundle is the item as a Sigstore bundle (legacy items converted).
	Bundle *verify.Bundle
	// Payload is a legacy simple-signing payload (the signed bytes of a
	// .sig layer); nil otherwise.
	Payload []byte
	// Err is why the item could not be read or converted; Bundle is nil.
	Err error
}

// Discovery is what Discover found.
type Discovery struct {
	Image Image
	Items []Item
	// Searched lists the places looked at.
	Searched []string
}

// Discover lists the signatures and attestations attached to img: cosign
// v3 referrer bundles (through the OCI 1.1 referrers API, or the referrers
// tag schema sha256-<hex> where the registry has no such API) and cosign
// v2 legacy tags sha256-<hex>.sig and .att, converted to bundles. Items
// that cannot be read are listed with Err set; a registry failure is an
// ErrRegistry *Error.
func (c *Client) Discover(ctx context.Context, img Image) (*Discovery, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	src := c.source(ctx, img)
	d := &Discovery{Image: img}

	d.Searched = append(d.Searched, src.referrersPlace())
	refs, err := src.referrers()
	if err != nil {
		return nil, registryError("discover", img.String(), src.registry(), err)
	}
	if len(refs) > MaxReferrers {
		return nil, &Error{Op: "discover", Image: img.String(), Registry: src.registry(),
			Err: fmt.Errorf("%w: %d referrers exceed %d", ErrLimit, len(refs), MaxReferrers)}
	}
	for _, desc := range refs {
		if err := ctx.Err(); err != nil {
			return nil, registryError("discover", img.String(), src.registry(), err)
		}
		if desc.ArtifactType != "" && desc.ArtifactType != BundleMediaType && desc.ArtifactType != "application/vnd.oci.empty.v1+json" {
			continue // another kind of referrer (an SBOM pushed as an artifact, ...)
		}
		item, ok, err := c.referrerItem(src, img, desc)
		if err != nil {
			return nil, registryError("discover", img.String(), src.registry(), err)
		}
		if ok {
			d.Items = append(d.Items, item)
		}
	}
	for _, suffix := range []string{"sig", "att"} {
		tag := strings.Replace(img.Digest.String(), ":", "-", 1) + "." + suffix
		d.Searched = append(d.Searched, "tag "+tag)
		items, err := c.legacyItems(src, img, tag, suffix)
		if err != nil {
			return nil, registryError("discover", img.String(), src.registry(), err)
		}
		d.Items = append(d.Items, items...)
	}
	return d, nil
}

// referrerItem reads one referrer manifest: a cosign v3 bundle, or
// (ok false) something else.
func (c *Client) referrerItem(src source, img Image, desc v1.Descriptor) (Item, bool, error) {
	ri, err := src.image(desc.Digest)
	if err != nil {
		return Item{}, false, err
	}
	m, err := ri.Manifest()
	if err != nil {
		return Item{}, false, err
	}
	if m.ArtifactType != BundleMediaType {
		return Item{}, false, nil
	}
	item := Item{Source: "referrer " + desc.Digest.String(), PredicateType: m.Annotations[AnnotationPredicateType]}
	item.Kind = KindAttestation
	if item.PredicateType == CosignSignPredicateType || m.Annotations[AnnotationBundleContent] == "message-signature" {
		item.Kind = KindSignature
	}
	switch {
	case m.Subject == nil || m.Subject.Digest != img.Digest:
		item.Err = fmt.Errorf("%w: referrer's subject is not %s", ErrContent, img.Digest)
	case len(m.Layers) != 1 || m.Layers[0].MediaType != BundleMediaType:
		item.Err = fmt.Errorf("%w: a bundle referrer has one %s layer; this one has %d layers", ErrContent, BundleMediaType, len(m.Layers))
	default:
		data, err := readLayer(ri, m.Layers[0])
		if err != nil {
			return Item{}, false, err
		}
		if item.Bundle, err = verify.ParseBundle(data); err != nil {
			item.Err = err
		}
	}
	return item, true, nil
}

// readLayer reads a layer whose digest go-containerregistry checks.
func readLayer(img v1.Image, desc v1.Descriptor) ([]byte, error) {
	if desc.Size > MaxBlobSize {
		return nil, fmt.Errorf("layer %s of %d bytes: %w", desc.Digest, desc.Size, errLimit)
	}
	l, err := img.LayerByDigest(desc.Digest)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed() // verifies the digest at EOF
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxBlobSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxBlobSize {
		return nil, fmt.Errorf("layer %s: %w", desc.Digest, errLimit)
	}
	return data, nil
}

// source is where an image's signatures are read from: a registry, or an
// image layout.
type source interface {
	registry() string
	referrersPlace() string
	referrers() ([]v1.Descriptor, error)
	image(h v1.Hash) (v1.Image, error)
	// tagged returns the image a tag names, or nil when there is none.
	tagged(tag string) (v1.Image, error)
}

func (c *Client) source(ctx context.Context, img Image) source {
	if img.layout != "" {
		return layoutSource{img: img}
	}
	return remoteSource{img: img, opts: c.remoteOptions(ctx)}
}

type remoteSource struct {
	img  Image
	opts []remote.Option
}

func (s remoteSource) registry() string { return s.img.Repository.RegistryStr() }

func (s remoteSource) referrersPlace() string {
	return "referrers of " + s.img.Digest.String() + " (API, or tag " + strings.Replace(s.img.Digest.String(), ":", "-", 1) + ")"
}

func (s remoteSource) referrers() ([]v1.Descriptor, error) {
	idx, err := remote.Referrers(s.img.DigestRef(), s.opts...)
	if err != nil {
		return nil, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	return m.Manifests, nil
}

func (s remoteSource) image(h v1.Hash) (v1.Image, error) {
	return remote.Image(s.img.Repository.Digest(h.String()), s.opts...)
}

func (s remoteSource) tagged(tag string) (v1.Image, error) {
	img, err := remote.Image(s.img.Repository.Tag(tag), s.opts...)
	if isNotFound(err) {
		return nil, nil
	}
	return img, err
}

type layoutSource struct{ img Image }

func (s layoutSource) registry() string { return "oci-layout:" + string(s.img.layout) }
func (s layoutSource) referrersPlace() string {
	return "manifests of the layout whose subject is " + s.img.Digest.String()
}

func (s layoutSource) index() (*v1.IndexManifest, error) {
	idx, err := s.img.layout.ImageIndex()
	if err != nil {
		return nil, err
	}
	return idx.IndexManifest()
}

func (s layoutSource) referrers() ([]v1.Descriptor, error) {
	m, err := s.index()
	if err != nil {
		return nil, err
	}
	var out []v1.Descriptor
	for _, d := range m.Manifests {
		if !d.MediaType.IsImage() {
			continue
		}
		img, err := s.img.layout.Image(d.Digest)
		if err != nil {
			return nil, err
		}
		mf, err := img.Manifest()
		if err != nil {
			return nil, err
		}
		if mf.Subject != nil && mf.Subject.Digest == s.img.Digest {
			d.ArtifactType = mf.ArtifactType
			out = append(out, d)
		}
	}
	return out, nil
}

func (s layoutSource) image(h v1.Hash) (v1.Image, error) { return s.img.layout.Image(h) }

func (s layoutSource) tagged(tag string) (v1.Image, error) {
	m, err := s.index()
	if err != nil {
		return nil, err
	}
	for _, d := range m.Manifests {
		if d.Annotations["org.opencontainers.image.ref.name"] == tag {
			return s.img.layout.Image(d.Digest)
		}
	}
	return nil, nil
}
