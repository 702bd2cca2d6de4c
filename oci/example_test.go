package oci_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// Example signs an image in a registry (an in-process one here, with an
// in-process Sigstore), then answers the questions a deployment gate asks:
// is it signed by the release identity, and by nobody else's?
func Example() {
	ctx := context.Background()
	reg := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
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
	trJSON, _ := st.TrustedRootJSON()
	tr, _ := verify.ParseTrustedRoot(trJSON, "signtest")
	v, _ := verify.New(verify.Options{TrustedRoot: tr})

	c := oci.NewClient(oci.Options{}) // anonymous; loopback may use plain HTTP
	img, err := c.Resolve(ctx, ref, oci.ResolveOptions{})
	if err != nil {
		log.Fatal(err)
	}
	release := sign.Keyless(sign.StaticToken(st.Token(signtest.Email("release@acme.example"))))
	_, err = c.Sign(ctx, img, release, sign.Options{
		Services:    sign.Services{Fulcio: srv.URL, Rekor: []sign.Log{{URL: srv.URL, Version: 2}}, TSA: []string{srv.URL + signtest.PathTimestamp}},
		TrustedRoot: st.TrustedRoot(),
		Now:         st.Now,
	})
	if err != nil {
		log.Fatal(err)
	}

	for _, who := range []string{"release@acme.example", "someone@else.example"} {
		pol := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact(who)}}}
		sigs, err := c.VerifySignatures(ctx, v, img, pol, oci.VerifyOptions{})
		switch {
		case err == nil:
			fmt.Printf("%s: %d signature verified (%s)\n", who, len(sigs), sigs[0].Item.Kind)
		default:
			fmt.Printf("%s: refused: not verified %v, identity mismatch %v\n", who, errorsIs(err, oci.ErrNotVerified), errorsIs(err, verify.ErrIdentity))
		}
	}
	// Output:
	// release@acme.example: 1 signature verified (signature)
	// someone@else.example: refused: not verified true, identity mismatch true
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
