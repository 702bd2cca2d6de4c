package oci_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// ExampleClient_AttestSBOMAndProvenance attests an image's SBOM and SLSA
// provenance in one call, signed with a key of the builder's own (on a
// registry without the referrers API: the sha256-<hex> tag schema), then
// checks each with the public key.
func ExampleClient_AttestSBOMAndProvenance() {
	ctx := context.Background()
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	ref := strings.TrimPrefix(reg.URL, "http://") + "/acme/app:v1"
	tag, _ := name.NewTag(ref)
	image, _ := random.Image(512, 1)
	if err := remote.Write(tag, image); err != nil {
		log.Fatal(err)
	}
	st, _ := signtest.New(signtest.Options{})
	srv := httptest.NewServer(st.Handler())
	defer srv.Close()
	v, _ := verify.New(verify.Options{TrustedRoot: st.TrustedRoot()})
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	c := oci.NewClient(oci.Options{})
	img, err := c.Resolve(ctx, ref, oci.ResolveOptions{})
	if err != nil {
		log.Fatal(err)
	}
	prov, err := attest.NewProvenance(attest.Build{
		BuildType:          "https://acme.example/build/v1",
		ExternalParameters: map[string]any{"source": "git+https://acme.example/app@refs/tags/v1"},
		BuilderID:          "https://acme.example/builder",
	})
	if err != nil {
		log.Fatal(err)
	}
	sbom := attest.SBOM{PredicateType: attest.PredicateCycloneDX, Document: []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}`)}
	items, err := c.AttestSBOMAndProvenance(ctx, img, sbom, prov, sign.Key(key), sign.Options{
		Services:    sign.Services{Rekor: []sign.Log{{URL: srv.URL, Version: 2}}, TSA: []string{srv.URL + signtest.PathTimestamp}},
		TrustedRoot: st.TrustedRoot(),
		Now:         st.Now,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range items {
		fmt.Println("stored", it.PredicateType)
	}
	pol := verify.Policy{PublicKeys: []crypto.PublicKey{key.Public()}}
	for _, pt := range []string{"cyclonedx", "slsaprovenance1"} {
		atts, err := c.VerifyAttestations(ctx, v, img, pt, pol)
		fmt.Printf("%s: %d verified, error %v\n", pt, len(atts), err)
	}
	// Output:
	// stored https://cyclonedx.org/bom
	// stored https://slsa.dev/provenance/v1
	// cyclonedx: 1 verified, error <nil>
	// slsaprovenance1: 1 verified, error <nil>
}
