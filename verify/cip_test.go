package verify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

func readCIP(t *testing.T, name string) *verify.ClusterImagePolicy {
	t.Helper()
	data, err := os.ReadFile("testdata/cip/" + name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := verify.ParseClusterImagePolicy(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

// TestClusterImagePolicy reads policy-controller ClusterImagePolicy
// documents of the three documented shapes (keyless with a regexp, a
// static key, keyless with attestations) and applies them to signtest
// bundles; one with a CUE policy is refused naming the field.
func TestClusterImagePolicy(t *testing.T) {
	st, v := signtestVerifier(t, "")
	ctx := context.Background()
	artifact := []byte("app image")
	sum := sha256.Sum256(artifact)
	art := verify.Artifact{Digest: "sha256:" + hex.EncodeToString(sum[:])}
	blob := func(who string) *verify.Bundle {
		b, err := st.SignBlob(signtest.Email(who), artifact, signtest.MintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return parse(t, b)
	}
	sbom := func(who string) *verify.Bundle {
		s := fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":%q}}],"predicateType":"https://cyclonedx.org/bom","predicate":{"bomFormat":"CycloneDX"}}`, hex.EncodeToString(sum[:]))
		b, err := st.SignDSSE(signtest.Email(who), "application/vnd.in-toto+json", []byte(s), signtest.MintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return parse(t, b)
	}
	admits := func(c *verify.ClusterImagePolicy, bundles ...*verify.Bundle) bool {
		_, err := v.VerifyAll(ctx, bundles, art, c.Policy)
		return err == nil
	}

	t.Run("keyless-regexp", func(t *testing.T) {
		c := readCIP(t, "keyless-regexp.yaml")
		if !c.Matches("registry.example/acme/app:v1") || !c.Matches("registry.example/acme/team/app@sha256:"+strings.Repeat("a", 64)) || c.Matches("registry.example/other/app:v1") {
			t.Errorf("image globs: %v", c.Images)
		}
		if !admits(c, blob("bob@example.com")) || admits(c, blob("eve@evil.example")) {
			t.Error("keyless regexp verdicts")
		}
	})
	t.Run("static-key", func(t *testing.T) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, _ := x509.MarshalPKIXPublicKey(key.Public())
		pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		doc := "apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata:\n  name: key\nspec:\n  images:\n  - glob: \"**\"\n  authorities:\n  - name: release-key\n    key:\n      hashAlgorithm: sha256\n      data: |\n" +
			"        " + strings.ReplaceAll(strings.TrimSpace(pemKey), "\n", "\n        ") + "\n"
		c, err := verify.ParseClusterImagePolicy([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		r := c.Policy.Requirements
		if len(r) != 1 || r[0].Kind != verify.KindSignature || len(r[0].Policy.PublicKeys) != 1 || !r[0].Policy.PublicKeys[0].(*ecdsa.PublicKey).Equal(key.Public()) {
			t.Errorf("requirements %+v", r)
		}
		if admits(c, blob("alice@example.com")) {
			t.Error("a certificate signature met a key authority")
		}
	})
	t.Run("keyless-attestations", func(t *testing.T) {
		c := readCIP(t, "keyless-attestations.yaml")
		if len(c.Policy.Requirements) != 2 || c.Policy.Requirements[1].Name != "sbom/must-have-cyclonedx" {
			t.Fatalf("requirements %+v", c.Policy.Requirements)
		}
		if !admits(c, blob("alice@example.com"), sbom("alice@example.com")) {
			t.Error("signature + SBOM refused")
		}
		if admits(c, sbom("alice@example.com"), sbom("alice@example.com")) {
			t.Error("two SBOMs and no signature admitted")
		}
		if admits(c, blob("alice@example.com")) {
			t.Error("no SBOM admitted")
		}
	})
	t.Run("cue-refused", func(t *testing.T) {
		data, _ := os.ReadFile("testdata/cip/cue-policy.yaml")
		_, err := verify.ParseClusterImagePolicy(data)
		var ve *verify.Error
		if !errors.Is(err, verify.ErrPolicyDocument) || !errors.As(err, &ve) || ve.Path != "spec.authorities[0].attestations[0].policy" {
			t.Fatalf("CUE policy: %v", err)
		}
	})
	for _, tc := range []struct{ name, patch, path string }{
		{"source", "    source:\n    - oci: registry.example/sigs\n", "spec.authorities[0].source"},
		{"ctlog", "    ctlog:\n      url: https://rekor.example\n", "spec.authorities[0].ctlog"},
		{"unknown", "    colour: blue\n", "colour"},
	} {
		t.Run("refused-"+tc.name, func(t *testing.T) {
			data, _ := os.ReadFile("testdata/cip/keyless-regexp.yaml")
			doc := string(data) + tc.patch
			_, err := verify.ParseClusterImagePolicy([]byte(doc))
			var ve *verify.Error
			if !errors.Is(err, verify.ErrPolicyDocument) || !errors.As(err, &ve) || ve.Path != tc.path {
				t.Errorf("%v (want path %s)", err, tc.path)
			}
		})
	}
}
