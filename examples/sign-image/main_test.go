package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// TestSignImage signs and attests an image on an in-process registry with
// the command, then verifies both with package oci against the trusted
// root it wrote.
func TestSignImage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sbomFile := filepath.Join(dir, "sbom.cdx.json")
	if err := os.WriteFile(sbomFile, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"component":{"type":"application","name":"app","bom-ref":"app"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	trOut := filepath.Join(dir, "trusted_root.json")
	for _, referrers := range []bool{true, false} {
		reg := registrytest.New(t, registrytest.Options{Referrers: referrers})
		pushed := reg.PushRandom(t)
		var out bytes.Buffer
		if code := run(ctx, []string{"-sbom", sbomFile, "-trusted-root-out", trOut, pushed.TagRef()}, &out, &out); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out.String())
		}
		if !strings.Contains(out.String(), "attested  https://cyclonedx.org/bom") {
			t.Errorf("output:\n%s", out.String())
		}
		tr, err := verify.LoadTrustedRoot(trOut)
		if err != nil {
			t.Fatal(err)
		}
		v, err := verify.New(verify.Options{TrustedRoot: tr})
		if err != nil {
			t.Fatal(err)
		}
		c := oci.NewClient(oci.Options{})
		img, err := c.Resolve(ctx, pushed.Ref.String(), oci.ResolveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pol := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact("alice@example.com")}}}
		if _, err := c.VerifySignatures(ctx, v, img, pol, oci.VerifyOptions{}); err != nil {
			t.Errorf("signature: %v", err)
		}
		if _, err := c.VerifyAttestations(ctx, v, img, "cyclonedx", pol); err != nil {
			t.Errorf("sbom attestation: %v", err)
		}
	}
	var out bytes.Buffer
	if code := run(ctx, nil, &out, &out); code != 2 {
		t.Errorf("no image: exit %d, want 2", code)
	}
}
