package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
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

// TestSignImageKeyLegacy signs with a key file, attests a predicate given
// by -type/-predicate and also writes the legacy .sig/.att tags; package
// oci verifies the signatures (cosign v3 and legacy) with the public key.
func TestSignImageKeyLegacy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	predFile := filepath.Join(dir, "pred.json")
	if err := os.WriteFile(predFile, []byte(`{"scanner":"none","result":"clean"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	trOut := filepath.Join(dir, "trusted_root.json")
	reg := registrytest.New(t, registrytest.Options{})
	pushed := reg.PushRandom(t)
	var out bytes.Buffer
	args := []string{"-key", keyFile, "-type", "custom", "-predicate", predFile, "-legacy", "-trusted-root-out", trOut, pushed.TagRef()}
	if code := run(ctx, args, &out, &out); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	for _, want := range []string{".sig (legacy)", ".att (legacy)", "attested  https://cosign.sigstore.dev/attestation/v1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// A Rekor v2 entry has no legacy form: the legacy signature carries
	// only its RFC 3161 timestamp, so verify under the timestamp-only
	// profile (as cosign verify --insecure-ignore-tlog --use-signed-timestamps).
	trJSON, err := os.ReadFile(trOut)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := verify.ParseGitHubTrustedRoot(trJSON, "signtest (timestamp-only)")
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
	pol := verify.Policy{PublicKeys: []crypto.PublicKey{k.Public()}}
	got, err := c.VerifySignatures(ctx, v, img, pol, oci.VerifyOptions{})
	if err != nil {
		t.Fatalf("signatures: %v", err)
	}
	var legacy, v3 int
	for _, g := range got {
		if g.Item.Legacy {
			legacy++
		} else {
			v3++
		}
	}
	if legacy != 1 || v3 != 1 {
		t.Errorf("verified %d legacy and %d cosign v3 signatures, want 1 and 1", legacy, v3)
	}
	if _, err := c.VerifyAttestations(ctx, v, img, "custom", pol); err != nil {
		t.Errorf("custom attestation: %v", err)
	}

	// Inconsistent flags and a bad key are refused before anything is pushed.
	for _, bad := range [][]string{
		{"-type", "custom", pushed.TagRef()},
		{"-key", predFile, pushed.TagRef()},
	} {
		out.Reset()
		if code := run(ctx, bad, &out, &out); code != 2 {
			t.Errorf("%q: exit %d, want 2:\n%s", bad, code, out.String())
		}
	}
}
