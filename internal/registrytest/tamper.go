package registrytest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Legacy tag suffixes (cosign v2).
const (
	SigSuffix = ".sig"
	AttSuffix = ".att"
)

// LegacyTag returns the cosign v2 tag of img's signatures (suffix SigSuffix)
// or attestations (AttSuffix): REPO:sha256-<hex>.sig.
func LegacyTag(img Image, suffix string) string {
	return img.Repo + ":" + img.Digest.Algorithm + "-" + img.Digest.Hex + suffix
}

// rawManifest is a manifest pushed as given.
type rawManifest struct {
	b  []byte
	mt types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.b, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }

func ctx30() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

func parseDigest(t testing.TB, repo string, h v1.Hash) name.Digest {
	t.Helper()
	d, err := name.NewDigest(repo+"@"+h.String(), name.Insecure)
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	return d
}

// getManifest fetches ref's manifest; ok is false when it does not exist.
func getManifest(t testing.TB, ref name.Reference) (m *v1.Manifest, ok bool) {
	t.Helper()
	ctx, cancel := ctx30()
	defer cancel()
	d, err := remote.Get(ref, remote.WithContext(ctx))
	var te *transport.Error
	if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
		return nil, false
	}
	if err != nil {
		t.Fatalf("registrytest: getting %s: %v", ref, err)
	}
	m = new(v1.Manifest)
	if err := json.Unmarshal(d.Manifest, m); err != nil {
		t.Fatalf("registrytest: %s: %v", ref, err)
	}
	return m, true
}

func putManifest(t testing.TB, ref name.Reference, m *v1.Manifest) v1.Hash {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	mt := m.MediaType
	if mt == "" {
		mt = types.OCIManifestSchema1
	}
	ctx, cancel := ctx30()
	defer cancel()
	if err := remote.Put(ref, rawManifest{b, mt}, remote.WithContext(ctx)); err != nil {
		t.Fatalf("registrytest: putting %s: %v", ref, err)
	}
	h, _, _ := v1.SHA256(bytes.NewReader(b))
	return h
}

func getBlob(t testing.TB, repo string, h v1.Hash) []byte {
	t.Helper()
	ctx, cancel := ctx30()
	defer cancel()
	l, err := remote.Layer(parseDigest(t, repo, h), remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	rc, err := l.Compressed()
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 16<<20))
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	return b
}

func putBlob(t testing.TB, repo string, b []byte, mt types.MediaType) v1.Descriptor {
	t.Helper()
	r, err := name.NewRepository(repo, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	l := static.NewLayer(b, mt)
	ctx, cancel := ctx30()
	defer cancel()
	if err := remote.WriteLayer(r, l, remote.WithContext(ctx)); err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	h, _ := l.Digest()
	return v1.Descriptor{MediaType: mt, Size: int64(len(b)), Digest: h}
}

// Referrers lists the manifests referring to img (OCI 1.1 referrers API, or
// the referrers tag schema where the registry lacks it), as go-containerregistry
// finds them.
func Referrers(t testing.TB, img Image) []v1.Descriptor {
	t.Helper()
	ctx, cancel := ctx30()
	defer cancel()
	idx, err := remote.Referrers(img.Ref, remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("registrytest: referrers of %s: %v", img, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	return im.Manifests
}

// CopySignatures attaches every cosign signature and attestation of from
// (v3 referrers and legacy .sig/.att tags) to to as well; both must be in
// the same repository. Each still signs from's digest, so a verifier asked
// about to must refuse them (the "wrong digest" case). It returns how many
// manifests it copied.
func CopySignatures(t testing.TB, from, to Image) int {
	t.Helper()
	if from.Repo != to.Repo {
		t.Fatalf("registrytest: CopySignatures across repositories (%s, %s)", from.Repo, to.Repo)
	}
	subject := v1.Descriptor{Digest: to.Digest}
	mt, err := to.Image.MediaType()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := to.Image.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	subject.MediaType, subject.Size = mt, int64(len(raw))
	n := 0
	for _, d := range Referrers(t, from) {
		m, ok := getManifest(t, parseDigest(t, from.Repo, d.Digest))
		if !ok {
			continue
		}
		m.Subject = &subject
		b, _ := json.Marshal(m)
		h, _, _ := v1.SHA256(bytes.NewReader(b))
		putManifest(t, parseDigest(t, to.Repo, h), m)
		n++
	}
	for _, suffix := range []string{SigSuffix, AttSuffix} {
		src, _ := name.NewTag(LegacyTag(from, suffix), name.Insecure)
		m, ok := getManifest(t, src)
		if !ok {
			continue
		}
		dst, _ := name.NewTag(LegacyTag(to, suffix), name.Insecure)
		putManifest(t, dst, m)
		n++
	}
	return n
}

// TamperSignatures flips one bit of the signature in every cosign signature
// and attestation attached to img and puts the altered manifests in place of
// the originals: v3 bundles (the DSSE or message signature inside the
// bundle layer; the original referrer is deleted and, on a registry without
// the referrers API, dropped from the tag-schema index) and legacy .sig
// (the dev.cosignproject.cosign/signature annotation) and .att (the DSSE
// envelope layer) tags. It returns how many manifests it altered.
func TamperSignatures(t testing.TB, img Image) int {
	t.Helper()
	n := 0
	var replaced []v1.Hash
	for _, d := range Referrers(t, img) {
		old := parseDigest(t, img.Repo, d.Digest)
		m, ok := getManifest(t, old)
		if !ok || len(m.Layers) == 0 {
			continue
		}
		b := getBlob(t, img.Repo, m.Layers[0].Digest)
		nb, err := flipBundleSignature(b)
		if err != nil {
			t.Fatalf("registrytest: referrer %s: %v", d.Digest, err)
		}
		m.Layers[0] = withDigest(m.Layers[0], putBlob(t, img.Repo, nb, m.Layers[0].MediaType))
		mb, _ := json.Marshal(m)
		h, _, _ := v1.SHA256(bytes.NewReader(mb))
		putManifest(t, parseDigest(t, img.Repo, h), m)
		replaced = append(replaced, d.Digest)
		n++
	}
	if len(replaced) > 0 {
		dropReferrers(t, img, replaced)
	}
	if tag, _ := name.NewTag(LegacyTag(img, SigSuffix), name.Insecure); true {
		if m, ok := getManifest(t, tag); ok {
			for i := range m.Layers {
				a := m.Layers[i].Annotations["dev.cosignproject.cosign/signature"]
				sig, err := base64.StdEncoding.DecodeString(a)
				if err != nil || len(sig) == 0 {
					t.Fatalf("registrytest: %s: no signature annotation", tag)
				}
				sig[len(sig)/2] ^= 1
				m.Layers[i].Annotations["dev.cosignproject.cosign/signature"] = base64.StdEncoding.EncodeToString(sig)
			}
			putManifest(t, tag, m)
			n++
		}
	}
	if tag, _ := name.NewTag(LegacyTag(img, AttSuffix), name.Insecure); true {
		if m, ok := getManifest(t, tag); ok {
			for i := range m.Layers {
				b := getBlob(t, img.Repo, m.Layers[i].Digest)
				nb, err := flipEnvelopeSignature(b)
				if err != nil {
					t.Fatalf("registrytest: %s: %v", tag, err)
				}
				m.Layers[i] = withDigest(m.Layers[i], putBlob(t, img.Repo, nb, m.Layers[i].MediaType))
			}
			putManifest(t, tag, m)
			n++
		}
	}
	return n
}

func withDigest(d, from v1.Descriptor) v1.Descriptor {
	d.Digest, d.Size = from.Digest, from.Size
	return d
}

// dropReferrers deletes the referrer manifests old of img and, where the
// registry has no referrers API, removes them from the tag-schema index.
func dropReferrers(t testing.TB, img Image, old []v1.Hash) {
	t.Helper()
	gone := map[v1.Hash]bool{}
	for _, h := range old {
		gone[h] = true
	}
	fallback, _ := name.NewTag(img.Repo+":"+img.Digest.Algorithm+"-"+img.Digest.Hex, name.Insecure)
	ctx, cancel := ctx30()
	defer cancel()
	if idx, err := remote.Index(fallback, remote.WithContext(ctx)); err == nil {
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		kept := im.Manifests[:0]
		for _, d := range im.Manifests {
			if !gone[d.Digest] {
				kept = append(kept, d)
			}
		}
		im.Manifests = kept
		b, _ := json.Marshal(im)
		if err := remote.Put(fallback, rawManifest{b, types.OCIImageIndex}, remote.WithContext(ctx)); err != nil {
			t.Fatalf("registrytest: rewriting %s: %v", fallback, err)
		}
	}
	for _, h := range old {
		if err := remote.Delete(parseDigest(t, img.Repo, h), remote.WithContext(ctx)); err != nil {
			t.Fatalf("registrytest: deleting referrer %s: %v", h, err)
		}
	}
	for _, d := range Referrers(t, img) {
		if gone[d.Digest] {
			t.Fatalf("registrytest: referrer %s still listed after deletion", d.Digest)
		}
	}
}

// flipBundleSignature flips a bit of the signature inside a Sigstore bundle
// (DSSE envelope or message signature), keeping every other byte.
func flipBundleSignature(b []byte) ([]byte, error) {
	var bundle map[string]json.RawMessage
	if err := json.Unmarshal(b, &bundle); err != nil {
		return nil, err
	}
	if env, ok := bundle["dsseEnvelope"]; ok {
		ne, err := flipEnvelopeSignature(env)
		if err != nil {
			return nil, err
		}
		bundle["dsseEnvelope"] = ne
		return json.Marshal(bundle)
	}
	if ms, ok := bundle["messageSignature"]; ok {
		var m map[string]any
		if err := json.Unmarshal(ms, &m); err != nil {
			return nil, err
		}
		s, _ := m["signature"].(string)
		f, err := flipB64(s)
		if err != nil {
			return nil, err
		}
		m["signature"] = f
		nb, _ := json.Marshal(m)
		bundle["messageSignature"] = nb
		return json.Marshal(bundle)
	}
	return nil, errors.New("bundle has neither dsseEnvelope nor messageSignature")
}

// flipEnvelopeSignature flips a bit of the first signature of a DSSE
// envelope.
func flipEnvelopeSignature(b []byte) ([]byte, error) {
	var env map[string]any
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, err
	}
	sigs, _ := env["signatures"].([]any)
	if len(sigs) == 0 {
		return nil, errors.New("envelope without signatures")
	}
	s0, _ := sigs[0].(map[string]any)
	s, _ := s0["sig"].(string)
	f, err := flipB64(s)
	if err != nil {
		return nil, err
	}
	s0["sig"] = f
	return json.Marshal(env)
}

func flipB64(s string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) == 0 {
		return "", fmt.Errorf("bad signature %q", s)
	}
	raw[len(raw)/2] ^= 1
	return base64.StdEncoding.EncodeToString(raw), nil
}

// Modified pushes img with an annotation added (same config and layers, a
// different manifest digest) under img's tag and returns it: the tag now
// names an image no one signed, so a verifier resolving the tag must find
// no signature for it (the "tampered manifest" case).
func Modified(t testing.TB, img Image) Image {
	t.Helper()
	m, ok := mutate.Annotations(img.Image, map[string]string{"dev.chainproof.test/tampered": "true"}).(v1.Image)
	if !ok {
		t.Fatal("registrytest: mutate.Annotations did not return an image")
	}
	tag, err := name.NewTag(img.TagRef(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := ctx30()
	defer cancel()
	if err := remote.Write(tag, m, remote.WithContext(ctx)); err != nil {
		t.Fatalf("registrytest: pushing %s: %v", tag, err)
	}
	h, err := m.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return Image{Repo: img.Repo, Tag: img.Tag, Digest: h, Ref: parseDigest(t, img.Repo, h), Image: m}
}
