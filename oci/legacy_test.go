package oci_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// legacyAnnotations turns a minted bundle into the annotations cosign v2
// writes beside a .sig or .att layer: the signature, the certificate PEM,
// the Rekor SET ("bundle") for a Rekor v1 entry, the RFC 3161 timestamp.
func legacyAnnotations(t *testing.T, bundleJSON []byte) (map[string]string, *protobundle.Bundle) {
	t.Helper()
	var pb protobundle.Bundle
	if err := protojson.Unmarshal(bundleJSON, &pb); err != nil {
		t.Fatal(err)
	}
	ann := map[string]string{}
	vm := pb.GetVerificationMaterial()
	if c := vm.GetCertificate(); c != nil {
		ann[oci.AnnotationCertificate] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.GetRawBytes()}))
	}
	if ms := pb.GetMessageSignature(); ms != nil {
		ann[oci.AnnotationSignature] = base64.StdEncoding.EncodeToString(ms.GetSignature())
	} else {
		ann[oci.AnnotationSignature] = ""
	}
	for _, e := range vm.GetTlogEntries() {
		set := map[string]any{
			"SignedEntryTimestamp": e.GetInclusionPromise().GetSignedEntryTimestamp(),
			"Payload": map[string]any{
				"body":           e.GetCanonicalizedBody(),
				"integratedTime": e.GetIntegratedTime(),
				"logIndex":       e.GetLogIndex(),
				"logID":          hex.EncodeToString(e.GetLogId().GetKeyId()),
			},
		}
		b, err := json.Marshal(set)
		if err != nil {
			t.Fatal(err)
		}
		ann[oci.AnnotationRekorBundle] = string(b)
	}
	for _, ts := range vm.GetTimestampVerificationData().GetRfc3161Timestamps() {
		b, _ := json.Marshal(map[string][]byte{"SignedRFC3161Timestamp": ts.GetSignedTimestamp()})
		ann[oci.AnnotationTimestamp] = string(b)
	}
	return ann, &pb
}

// pushLegacy pushes an image of one layer under tag sha256-<hex>.SUFFIX.
func pushLegacy(t *testing.T, img registrytest.Image, suffix string, layer []byte, mt types.MediaType, ann map[string]string) {
	t.Helper()
	li, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer: static.NewLayer(layer, mt), Annotations: ann,
	})
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(img.Repo+":"+strings.Replace(img.Digest.String(), ":", "-", 1)+"."+suffix, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, li); err != nil {
		t.Fatal(err)
	}
}

func simpleSigning(repo string, digest v1.Hash, typ string) []byte {
	return fmt.Appendf(nil, `{"critical":{"identity":{"docker-reference":%q},"image":{"docker-manifest-digest":%q},"type":%q},"optional":null}`, repo, digest.String(), typ)
}

// TestLegacySignatures converts cosign v2 .sig (with a Rekor v1 SET, or
// with only an RFC 3161 timestamp) and .att layers to bundles and verifies
// them with the same policies; a payload naming another digest, another
// repository or another type is refused with ErrSimpleSigning.
func TestLegacySignatures(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	reg := registrytest.New(t, registrytest.Options{})
	c := oci.NewClient(oci.Options{})
	alice := signtest.Email("alice@example.com")
	for _, tc := range []struct {
		name    string
		payload func(img registrytest.Image) []byte
		mint    signtest.MintOptions
		opts    oci.VerifyOptions
		want    error
	}{
		{"rekor-v1-set", func(img registrytest.Image) []byte { return simpleSigning(img.Repo, img.Digest, oci.SimpleSigningType) }, signtest.MintOptions{RekorV1: true, NoTimestamp: true}, oci.VerifyOptions{}, nil},
		{"timestamp-only", func(img registrytest.Image) []byte { return simpleSigning(img.Repo, img.Digest, oci.SimpleSigningType) }, signtest.MintOptions{NoLogEntry: true}, oci.VerifyOptions{}, errNeedsLog},
		{"other-digest", func(img registrytest.Image) []byte {
			return simpleSigning(img.Repo, v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}, oci.SimpleSigningType)
		}, signtest.MintOptions{RekorV1: true, NoTimestamp: true}, oci.VerifyOptions{}, oci.ErrSimpleSigning},
		{"other-repository", func(img registrytest.Image) []byte {
			return simpleSigning("example.com/else", img.Digest, oci.SimpleSigningType)
		}, signtest.MintOptions{RekorV1: true, NoTimestamp: true}, oci.VerifyOptions{}, oci.ErrSimpleSigning},
		{"other-repository-ignored", func(img registrytest.Image) []byte {
			return simpleSigning("example.com/else", img.Digest, oci.SimpleSigningType)
		}, signtest.MintOptions{RekorV1: true, NoTimestamp: true}, oci.VerifyOptions{InsecureIgnoreDockerReference: true}, nil},
		{"other-type", func(img registrytest.Image) []byte {
			return simpleSigning(img.Repo, img.Digest, "atomic container signature")
		}, signtest.MintOptions{RekorV1: true, NoTimestamp: true}, oci.VerifyOptions{}, oci.ErrSimpleSigning},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := reg.PushRandom(t)
			payload := tc.payload(img)
			bj, err := f.st.SignBlob(alice, payload, tc.mint)
			if err != nil {
				t.Fatal(err)
			}
			ann, _ := legacyAnnotations(t, bj)
			pushLegacy(t, img, "sig", payload, oci.SimpleSigningMediaType, ann)
			res, err := c.Resolve(ctx, img.Ref.String(), oci.ResolveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.VerifySignatures(ctx, f.verifier, res, policy("alice@example.com"), tc.opts)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("VerifySignatures: %v", err)
			case tc.want == nil && (len(got) != 1 || !got[0].Item.Legacy):
				t.Fatalf("verified %+v, want one legacy signature", got)
			case tc.want == errNeedsLog:
				// A bundle without a log entry needs a timestamp-only
				// trusted root (verify's default profile wants a log).
				if !errors.Is(err, oci.ErrNotVerified) {
					t.Fatalf("timestamp-only under the default profile: %v", err)
				}
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("VerifySignatures: %v, want %v", err, tc.want)
			}
		})
	}

	t.Run("attestation", func(t *testing.T) {
		img := reg.PushRandom(t)
		stmt := fmt.Appendf(nil, `{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://cyclonedx.org/bom","subject":[{"name":%q,"digest":{"sha256":%q}}],"predicate":{"bomFormat":"CycloneDX","specVersion":"1.6"}}`, img.Repo, img.Digest.Hex)
		bj, err := f.st.SignDSSE(alice, "application/vnd.in-toto+json", stmt, signtest.MintOptions{RekorV1: true, NoTimestamp: true})
		if err != nil {
			t.Fatal(err)
		}
		ann, pb := legacyAnnotations(t, bj)
		env := pb.GetDsseEnvelope()
		envJSON, _ := json.Marshal(map[string]any{
			"payloadType": env.GetPayloadType(),
			"payload":     base64.StdEncoding.EncodeToString(env.GetPayload()),
			"signatures":  []map[string]string{{"keyid": "", "sig": base64.StdEncoding.EncodeToString(env.GetSignatures()[0].GetSig())}},
		})
		ann[oci.AnnotationLegacyPredicateType] = "https://cyclonedx.org/bom"
		pushLegacy(t, img, "att", envJSON, oci.DSSEMediaType, ann)
		res, err := c.Resolve(ctx, img.Ref.String(), oci.ResolveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.VerifyAttestations(ctx, f.verifier, res, "cyclonedx", policy("alice@example.com"))
		if err != nil || len(got) != 1 || !got[0].Item.Legacy {
			t.Fatalf("VerifyAttestations = %+v, %v", got, err)
		}
	})
}

var errNeedsLog = errors.New("needs a log entry")

// TestSignLegacy writes cosign v2's .sig/.att layout with SignLegacy and
// AttestLegacy and reads it back: with a Rekor v1 entry (its SET in the
// annotation) under the default profile, with a Rekor v2 entry (no legacy
// form: only the timestamp) under the timestamp-only profile.
func TestSignLegacy(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	trJSON, err := f.st.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	trTSA, err := verify.ParseGitHubTrustedRoot(trJSON, "signtest (timestamp-only)")
	if err != nil {
		t.Fatal(err)
	}
	vTSA, _ := verify.New(verify.Options{TrustedRoot: trTSA})
	reg := registrytest.New(t, registrytest.Options{})
	c := oci.NewClient(oci.Options{})
	for _, tc := range []struct {
		name     string
		version  uint32
		verifier *verify.Verifier
	}{{"rekor-v1", 1, f.verifier}, {"rekor-v2", 2, vTSA}} {
		t.Run(tc.name, func(t *testing.T) {
			pushed := reg.PushRandom(t)
			img, err := c.Resolve(ctx, pushed.Ref.String(), oci.ResolveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			opts := f.signOpts()
			signer := f.signer("alice@example.com")
			opts.Services.Rekor = []sign.Log{{URL: f.srv.URL, Version: tc.version}}
			for range 2 { // the second appends a layer
				if _, err := c.SignLegacy(ctx, img, signer, opts); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := c.AttestLegacy(ctx, img, "cyclonedx", []byte(cyclonedx), signer, opts); err != nil {
				t.Fatal(err)
			}
			sigs, err := c.VerifySignatures(ctx, tc.verifier, img, policy("alice@example.com"), oci.VerifyOptions{})
			if err != nil || len(sigs) != 2 || !sigs[0].Item.Legacy {
				t.Fatalf("VerifySignatures = %d, %v", len(sigs), err)
			}
			if _, err := c.VerifyAttestations(ctx, tc.verifier, img, "cyclonedx", policy("alice@example.com")); err != nil {
				t.Fatalf("VerifyAttestations: %v", err)
			}
		})
	}
}
