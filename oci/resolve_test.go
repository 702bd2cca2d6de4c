package oci_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/oci"
)

// TestResolveIndex resolves a multi-platform index to its own digest by
// default and to one platform's manifest on request; an absent platform
// is ErrReference.
func TestResolveIndex(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.New(t, registrytest.Options{})
	amd, _ := random.Image(256, 1)
	arm, _ := random.Image(256, 1)
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	tag, err := name.NewTag(reg.Repo(t)+":multi", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatal(err)
	}
	c := oci.NewClient(oci.Options{})
	idxDigest, _ := idx.Digest()
	armDigest, _ := arm.Digest()
	got, err := c.Resolve(ctx, tag.String(), oci.ResolveOptions{})
	if err != nil || got.Digest != idxDigest {
		t.Fatalf("index: %v %v, want %s", got.Digest, err, idxDigest)
	}
	got, err = c.Resolve(ctx, tag.String(), oci.ResolveOptions{Platform: "linux/arm64/v8"})
	if err != nil || got.Digest != armDigest {
		t.Fatalf("linux/arm64/v8: %v %v, want %s", got.Digest, err, armDigest)
	}
	if _, err := c.Resolve(ctx, tag.String(), oci.ResolveOptions{Platform: "windows/amd64"}); !errors.Is(err, oci.ErrReference) {
		t.Errorf("absent platform: %v, want ErrReference", err)
	}
	if _, err := c.Resolve(ctx, "UPPER/case:tag", oci.ResolveOptions{}); !errors.Is(err, oci.ErrReference) {
		t.Errorf("bad reference: %v, want ErrReference", err)
	}
}

// TestLayout signs an image in a registry, copies the image and its
// referrers into an OCI image layout, and verifies it there offline.
func TestLayout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	reg := registrytest.New(t, registrytest.Options{Referrers: true})
	pushed := reg.PushRandom(t)
	c := oci.NewClient(oci.Options{})
	img, err := c.Resolve(ctx, pushed.Ref.String(), oci.ResolveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sign(ctx, img, f.signer("alice@example.com"), f.signOpts()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(pushed.Image, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "v1"})); err != nil {
		t.Fatal(err)
	}
	for _, d := range registrytest.Referrers(t, pushed) {
		ri, err := remote.Image(pushed.Ref.Context().Digest(d.Digest.String()))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AppendImage(ri); err != nil {
			t.Fatal(err)
		}
	}
	for _, ref := range []string{"oci://" + dir + ":v1", "oci://" + dir + "@" + pushed.Digest.String()} {
		limg, err := c.Resolve(ctx, ref, oci.ResolveOptions{})
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if limg.Digest != pushed.Digest {
			t.Fatalf("%s resolved to %s", ref, limg.Digest)
		}
		if _, err := c.VerifySignatures(ctx, f.verifier, limg, policy("alice@example.com"), oci.VerifyOptions{}); err != nil {
			t.Errorf("%s: %v", ref, err)
		}
	}
	if _, err := c.Resolve(ctx, "oci://"+dir, oci.ResolveOptions{}); !errors.Is(err, oci.ErrReference) {
		t.Errorf("ambiguous layout: %v, want ErrReference", err)
	}
}
