package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/chainproof/chainproof/verify"
)

// SimpleSigningType is the "type" of a cosign simple-signing payload.
const SimpleSigningType = "cosign container image signature"

// VerifyOptions are the optional knobs of VerifySignatures; the zero value
// is the strictest.
type VerifyOptions struct {
	// InsecureIgnoreDockerReference skips the check that a legacy
	// simple-signing payload's docker-reference names the image's
	// repository (a signature copied along with an image to another
	// repository then still verifies).
	InsecureIgnoreDockerReference bool
}

// Verified is a found item and what verifying it established.
type Verified struct {
	Item   Item
	Result *verify.Result
}

// VerifySignatures verifies the signatures attached to img with v against
// p: cosign v3 signatures (DSSE bundles whose in-toto statement has
// predicate type CosignSignPredicateType and img's digest as a subject),
// message-signature bundles over img's digest, and legacy .sig
// simple-signing payloads (docker-manifest-digest must be img's digest,
// docker-reference its repository, type SimpleSigningType). It returns
// every signature that verified; when none did, an *Error wrapping
// ErrNoSignatures (with the places searched) or ErrNotVerified (with each
// one's reason), or ErrRegistry.
func (c *Client) VerifySignatures(ctx context.Context, v *verify.Verifier, img Image, p verify.Policy, o VerifyOptions) ([]Verified, error) {
	return c.verifyKind(ctx, v, img, KindSignature, "", p, o)
}

// VerifyAttestations verifies the attestations of predicateType (a URI or
// one of cosign's short names: cyclonedx, spdxjson, slsaprovenance1, ...)
// attached to img with v against p. Errors as VerifySignatures.
func (c *Client) VerifyAttestations(ctx context.Context, v *verify.Verifier, img Image, predicateType string, p verify.Policy) ([]Verified, error) {
	pt, err := verify.ParsePredicateType(predicateType)
	if err != nil {
		return nil, &Error{Op: "verify", Image: img.String(), Err: err}
	}
	return c.verifyKind(ctx, v, img, KindAttestation, pt, p, VerifyOptions{})
}

func (c *Client) verifyKind(ctx context.Context, v *verify.Verifier, img Image, kind Kind, predicateType string, p verify.Policy, o VerifyOptions) ([]Verified, error) {
	d, err := c.Discover(ctx, img)
	if err != nil {
		return nil, err
	}
	var ok []Verified
	var fails []Failure
	for _, it := range d.Items {
		if it.Kind != kind {
			continue
		}
		if kind == KindAttestation && it.PredicateType != "" && it.PredicateType != predicateType {
			continue // another predicate type (the signed one is checked below)
		}
		if it.Err != nil {
			fails = append(fails, Failure{Source: it.Source, Err: it.Err})
			continue
		}
		res, err := c.verifyItem(ctx, v, img, it, predicateType, p, o)
		if err != nil {
			fails = append(fails, Failure{Source: it.Source, Err: err})
			continue
		}
		ok = append(ok, Verified{Item: it, Result: res})
	}
	if len(ok) > 0 {
		return ok, nil
	}
	what := "signatures"
	if kind == KindAttestation {
		what = "attestations of " + predicateType
	}
	if len(fails) == 0 {
		return nil, &Error{Op: "verify", Image: img.String(), Searched: d.Searched, Err: fmt.Errorf("%w: no %s", ErrNoSignatures, what)}
	}
	return nil, &Error{Op: "verify", Image: img.String(), Failures: fails, Err: fmt.Errorf("%w: %d %s found, none verified", ErrNotVerified, len(fails), what)}
}

// verifyItem verifies one item against the image.
func (c *Client) verifyItem(ctx context.Context, v *verify.Verifier, img Image, it Item, predicateType string, p verify.Policy, o VerifyOptions) (*verify.Result, error) {
	pol := p
	art := verify.Artifact{Digest: img.Digest.String()}
	switch {
	case it.Payload != nil: // legacy .sig: the payload is what was signed
		if err := checkSimpleSigning(it.Payload, img, o); err != nil {
			return nil, err
		}
		pol.Attestation = nil
		art = verify.Artifact{Reader: bytes.NewReader(it.Payload)}
	case it.Kind == KindSignature && it.Bundle.IsAttestation():
		pol.Attestation = &verify.AttestationPolicy{PredicateType: CosignSignPredicateType}
	case it.Kind == KindSignature:
		pol.Attestation = nil
	default:
		a := verify.AttestationPolicy{PredicateType: predicateType}
		if p.Attestation != nil {
			a.SLSA = p.Attestation.SLSA
		}
		pol.Attestation = &a
	}
	return v.Verify(ctx, it.Bundle, art, pol)
}

// ErrSimpleSigning: a legacy signature's payload does not describe the
// image (another digest, another repository, another type).
var ErrSimpleSigning = errors.New("oci: simple-signing payload does not match the image")

// checkSimpleSigning checks a cosign simple-signing payload against img.
func checkSimpleSigning(payload []byte, img Image, o VerifyOptions) error {
	var ss struct {
		Critical struct {
			Identity struct {
				DockerReference string `json:"docker-reference"`
			} `json:"identity"`
			Image struct {
				DockerManifestDigest string `json:"docker-manifest-digest"`
			} `json:"image"`
			Type string `json:"type"`
		} `json:"critical"`
	}
	if err := json.Unmarshal(payload, &ss); err != nil {
		return fmt.Errorf("%w: %w", ErrContent, err)
	}
	cr := ss.Critical
	if cr.Type != SimpleSigningType {
		return fmt.Errorf("%w: type %q, want %q", ErrSimpleSigning, cr.Type, SimpleSigningType)
	}
	if cr.Image.DockerManifestDigest != img.Digest.String() {
		return fmt.Errorf("%w: it signs %s, the image is %s", ErrSimpleSigning, cr.Image.DockerManifestDigest, img.Digest)
	}
	if !o.InsecureIgnoreDockerReference && img.layout == "" {
		ref, err := name.ParseReference(cr.Identity.DockerReference, name.WeakValidation)
		if err != nil || ref.Context().Name() != img.Repository.Name() {
			return fmt.Errorf("%w: docker-reference %q is not repository %s (InsecureIgnoreDockerReference skips this)", ErrSimpleSigning, cr.Identity.DockerReference, img.Repository.Name())
		}
	}
	return nil
}

// VerifyAll answers the admission question for img: the bundles attached
// to it (cosign v3 referrers and legacy attestations: those whose artifact
// is img's digest) must satisfy cp, as verify.Verifier.VerifyAll decides
// (e.g. a signature AND a CycloneDX SBOM AND SLSA provenance, or k of n).
// Legacy .sig signatures sign a payload rather than the digest: check them
// with VerifySignatures.
func (c *Client) VerifyAll(ctx context.Context, v *verify.Verifier, img Image, cp verify.CombinedPolicy) (*verify.CombinedResult, error) {
	d, err := c.Discover(ctx, img)
	if err != nil {
		return nil, err
	}
	var bundles []*verify.Bundle
	for _, it := range d.Items {
		if it.Err == nil && it.Payload == nil {
			bundles = append(bundles, it.Bundle)
		}
	}
	if len(bundles) == 0 {
		return nil, &Error{Op: "verify", Image: img.String(), Searched: d.Searched, Err: fmt.Errorf("%w: no bundles", ErrNoSignatures)}
	}
	return v.VerifyAll(ctx, bundles, verify.Artifact{Digest: img.Digest.String()}, cp)
}
