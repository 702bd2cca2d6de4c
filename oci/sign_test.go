package oci_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/verify"
)

// TestSignLayout checks the stored layout against what cosign v3.1.3
// writes (pkg/oci/remote WriteAttestationNewBundleFormat, cmd/cosign/cli/
// sign): one OCI image manifest per bundle, artifactType the bundle media
// type (also on the empty config descriptor), the bundle as its only layer,
// subject = the image's descriptor, annotations content, predicate type and
// creation time; on a registry without the referrers API the
// sha256-<hex> tag holds an index listing it. A signature is a DSSE bundle
// of an in-toto statement of type https://sigstore.dev/cosign/sign/v1 with
// an empty predicate and a digest-only subject. Signed with a key here
// (keyless is covered by TestSignAttestDiscoverVerify).
func TestSignLayout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	opts := f.signOpts()
	signer := sign.Key(k)
	c := oci.NewClient(oci.Options{})
	for _, referrers := range []bool{true, false} {
		reg := registrytest.New(t, registrytest.Options{Referrers: referrers})
		pushed := reg.PushRandom(t)
		img, err := c.Resolve(ctx, pushed.TagRef(), oci.ResolveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before := time.Now().UTC().Add(-time.Second)
		sig, err := c.Sign(ctx, img, signer, opts)
		if err != nil {
			t.Fatal(err)
		}
		att, err := c.Attest(ctx, img, "cyclonedx", []byte(cyclonedx), signer, opts)
		if err != nil {
			t.Fatal(err)
		}

		// The signature's statement.
		var st struct {
			Type          string            `json:"_type"`
			PredicateType string            `json:"predicateType"`
			Predicate     map[string]any    `json:"predicate"`
			Subject       []json.RawMessage `json:"subject"`
		}
		if err := json.Unmarshal(sig.Bundle.Proto().GetDsseEnvelope().GetPayload(), &st); err != nil {
			t.Fatal(err)
		}
		wantSubject := `{"digest":{"sha256":"` + pushed.Digest.Hex + `"}}`
		if st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != "https://sigstore.dev/cosign/sign/v1" ||
			st.Predicate == nil || len(st.Predicate) != 0 || len(st.Subject) != 1 || string(st.Subject[0]) != wantSubject {
			t.Errorf("signature statement: %+v (subject %s)", st, st.Subject)
		}
		if got := sig.Bundle.Proto().GetDsseEnvelope().GetPayloadType(); got != attest.PayloadType {
			t.Errorf("payload type %q", got)
		}

		// The referrer manifests, found as a cosign would (referrers API or tag schema).
		repo, err := name.NewRepository(pushed.Repo)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := remote.Referrers(repo.Digest(pushed.Digest.String()))
		if err != nil {
			t.Fatal(err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		if len(im.Manifests) != 2 {
			t.Fatalf("referrers: %d, want 2", len(im.Manifests))
		}
		imgMT, _ := pushed.Image.MediaType()
		imgSize, _ := pushed.Image.Size()
		seen := map[string]bool{}
		for _, d := range im.Manifests {
			// go-containerregistry's registry reports the config media
			// type as a referrer's artifactType (pkg/registry/manifest.go).
			if d.ArtifactType != oci.BundleMediaType && !(referrers && d.ArtifactType == "application/vnd.oci.empty.v1+json") {
				t.Errorf("referrer %s artifactType %q", d.Digest, d.ArtifactType)
			}
			raw, err := remote.Get(repo.Digest(d.Digest.String()))
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				v1.Manifest
				ArtifactType string `json:"artifactType"`
			}
			if err := json.Unmarshal(raw.Manifest, &m); err != nil {
				t.Fatal(err)
			}
			if m.SchemaVersion != 2 || m.MediaType != "application/vnd.oci.image.manifest.v1+json" || m.ArtifactType != oci.BundleMediaType {
				t.Errorf("manifest header: %s", raw.Manifest)
			}
			if m.Config.MediaType != "application/vnd.oci.empty.v1+json" || m.Config.ArtifactType != oci.BundleMediaType || m.Config.Size != 2 ||
				m.Config.Digest.String() != "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a" {
				t.Errorf("config: %+v", m.Config)
			}
			if len(m.Layers) != 1 || m.Layers[0].MediaType != oci.BundleMediaType {
				t.Errorf("layers: %+v", m.Layers)
			}
			if m.Subject == nil || m.Subject.Digest != pushed.Digest || m.Subject.MediaType != imgMT || m.Subject.Size != imgSize {
				t.Errorf("subject %+v, want %s %s %d", m.Subject, imgMT, pushed.Digest, imgSize)
			}
			created, err := time.Parse(time.RFC3339, m.Annotations["org.opencontainers.image.created"])
			if err != nil || created.Before(before.Truncate(time.Second)) || created.After(time.Now().Add(time.Second)) {
				t.Errorf("created %q: %v", m.Annotations["org.opencontainers.image.created"], err)
			}
			if m.Annotations["dev.sigstore.bundle.content"] != "dsse-envelope" {
				t.Errorf("content annotation %q", m.Annotations["dev.sigstore.bundle.content"])
			}
			seen[m.Annotations["dev.sigstore.bundle.predicateType"]] = true
		}
		if !seen["https://sigstore.dev/cosign/sign/v1"] || !seen[attest.PredicateCycloneDX] || len(seen) != 2 {
			t.Errorf("predicate types %v", seen)
		}
		if !referrers {
			// The referrers tag schema: an index at sha256-<hex>.
			tagged, err := remote.Get(repo.Tag("sha256-" + pushed.Digest.Hex))
			if err != nil {
				t.Fatalf("referrers tag: %v", err)
			}
			if tagged.MediaType != "application/vnd.oci.image.index.v1+json" || !strings.Contains(string(tagged.Manifest), oci.BundleMediaType) {
				t.Errorf("referrers tag: %s %s", tagged.MediaType, tagged.Manifest)
			}
		}

		// Both verify with the key.
		pol := verify.Policy{PublicKeys: []crypto.PublicKey{k.Public()}}
		if _, err := c.VerifySignatures(ctx, f.verifier, img, pol, oci.VerifyOptions{}); err != nil {
			t.Errorf("referrers=%v: signature: %v", referrers, err)
		}
		if _, err := c.VerifyAttestations(ctx, f.verifier, img, "cyclonedx", pol); err != nil {
			t.Errorf("referrers=%v: attestation: %v", referrers, err)
		}
		if att.PredicateType != attest.PredicateCycloneDX {
			t.Errorf("attestation predicate type %q", att.PredicateType)
		}
	}
}

// TestAttestSBOMAndProvenance attests an SBOM and SLSA provenance in one
// call; both statements name the repository and digest and verify; an
// invalid provenance stores nothing.
func TestAttestSBOMAndProvenance(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := oci.NewClient(oci.Options{})
	reg := registrytest.New(t, registrytest.Options{})
	pushed := reg.PushRandom(t)
	img, err := c.Resolve(ctx, pushed.TagRef(), oci.ResolveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	prov, err := attest.NewProvenance(attest.Build{
		BuildType:          "https://example.com/build/v1",
		ExternalParameters: map[string]any{"source": "git+https://example.com/app@refs/heads/main"},
		BuilderID:          "https://example.com/builder",
	})
	if err != nil {
		t.Fatal(err)
	}
	sbom := attest.SBOM{PredicateType: attest.PredicateCycloneDX, Document: []byte(cyclonedx)}

	// Invalid provenance: refused before anything is signed or pushed.
	if _, err := c.AttestSBOMAndProvenance(ctx, img, sbom, nil, f.signer("alice@example.com"), f.signOpts()); err == nil {
		t.Fatal("nil provenance accepted")
	}
	if _, err := c.VerifyAttestations(ctx, f.verifier, img, "cyclonedx", policy("alice@example.com")); err == nil {
		t.Fatal("an SBOM was stored although the provenance was invalid")
	}

	items, err := c.AttestSBOMAndProvenance(ctx, img, sbom, prov, f.signer("alice@example.com"), f.signOpts())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].PredicateType != attest.PredicateCycloneDX || items[1].PredicateType != attest.PredicateSLSAProvenanceV1 {
		t.Fatalf("items: %+v", items)
	}
	for _, it := range items {
		var st struct {
			Subject []struct {
				Name   string            `json:"name"`
				Digest map[string]string `json:"digest"`
			} `json:"subject"`
		}
		if err := json.Unmarshal(it.Bundle.Proto().GetDsseEnvelope().GetPayload(), &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Subject) != 1 || st.Subject[0].Name != pushed.Repo || st.Subject[0].Digest["sha256"] != pushed.Digest.Hex {
			t.Errorf("%s subject %+v, want %s@%s", it.PredicateType, st.Subject, pushed.Repo, pushed.Digest)
		}
	}
	for _, pt := range []string{"cyclonedx", "slsaprovenance1"} {
		if _, err := c.VerifyAttestations(ctx, f.verifier, img, pt, policy("alice@example.com")); err != nil {
			t.Errorf("%s: %v", pt, err)
		}
	}
}
