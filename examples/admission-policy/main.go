// Command admission-policy answers the admission question from a policy
// file a person writes (policy.yaml beside this file: "signed by acme/app's
// release workflow AND a CycloneDX SBOM attested by its workflows"):
//
//	go run ./examples/admission-policy                   # a demo on loopback
//	go run ./examples/admission-policy -image REF -trusted-root TR [-policy P]
//	go run ./examples/admission-policy -artifact FILE -trusted-root TR [-policy P] BUNDLE...
//
// The demo pushes two images to an in-process registry, signs and attests
// them with an in-process Sigstore (sign/signtest) as acme/app's GitHub
// workflows, and shows one admitted and one refused (two SBOMs, no
// signature). With -image it checks an image in a registry, with -artifact
// a file and its bundles. It exits 0 when admitted, 1 when refused.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

//go:embed policy.yaml
var defaultPolicy []byte

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("admission-policy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	policyFile := fs.String("policy", "", "policy document (default: policy.yaml, embedded)")
	trustedRoot := fs.String("trusted-root", "", "trusted_root.json (default: the embedded public-good root)")
	image := fs.String("image", "", "an image reference to check")
	artifact := fs.String("artifact", "", "a file to check against the BUNDLE arguments")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	doc := defaultPolicy
	if *policyFile != "" {
		var err error
		if doc, err = os.ReadFile(*policyFile); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	pd, err := verify.ParsePolicyDocument(doc)
	if err != nil {
		fmt.Fprintln(stderr, err) // names the field, e.g. requirements[1].attestation
		return 2
	}
	cp, _ := pd.CombinedPolicy()
	var tr *verify.TrustedRoot
	if *trustedRoot != "" {
		if tr, err = verify.LoadTrustedRoot(*trustedRoot); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	switch {
	case *image != "":
		v, err := verify.New(verify.Options{TrustedRoot: tr})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		c := oci.NewClient(oci.Options{Keychain: authn.DefaultKeychain})
		return checkImage(ctx, c, v, *image, cp, stdout)
	case *artifact != "":
		v, err := verify.New(verify.Options{TrustedRoot: tr})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		var bundles []*verify.Bundle
		for _, f := range fs.Args() {
			b, err := verify.ReadBundleFile(f)
			if err != nil {
				fmt.Fprintln(stderr, err)
				return 2
			}
			bundles = append(bundles, b)
		}
		res, err := v.VerifyAll(ctx, bundles, verify.Artifact{Path: *artifact}, cp)
		return report(stdout, *artifact, res, err)
	}
	return demo(ctx, cp, stdout)
}

func checkImage(ctx context.Context, c *oci.Client, v *verify.Verifier, ref string, cp verify.CombinedPolicy, w io.Writer) int {
	img, err := c.Resolve(ctx, ref, oci.ResolveOptions{})
	if err != nil {
		fmt.Fprintln(w, "refused:", err)
		return 1
	}
	res, err := c.VerifyAll(ctx, v, img, cp)
	return report(w, ref, res, err)
}

// report prints each requirement and the bundle that met it, or why not.
func report(w io.Writer, what string, res *verify.CombinedResult, err error) int {
	verdict := "admitted"
	if err != nil {
		verdict = "refused"
	}
	fmt.Fprintf(w, "%s %s\n", verdict, what)
	if res == nil {
		fmt.Fprintf(w, "  %v\n", err)
		return 1
	}
	for _, r := range res.Requirements {
		if r.Satisfied {
			fmt.Fprintf(w, "  ok  %-7s bundle %d\n", r.Name, r.Bundle)
			continue
		}
		why := "no bundle verified"
		if len(r.Candidates) > 0 {
			why = fmt.Sprintf("bundles %v verified but each is needed by another requirement", r.Candidates)
		} else if len(r.Errors) > 0 {
			why = strings.TrimPrefix(r.Errors[0].Error(), "verify: ")
		}
		fmt.Fprintf(w, "  no  %-7s %s\n", r.Name, why)
	}
	if err != nil {
		return 1
	}
	return 0
}

// demo signs two images on loopback and checks both.
func demo(ctx context.Context, cp verify.CombinedPolicy, w io.Writer) int {
	reg := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	st, err := signtest.New(signtest.Options{Now: time.Now})
	if err != nil {
		fmt.Fprintln(w, err)
		return 2
	}
	srv := httptest.NewServer(st.Handler())
	defer srv.Close()
	trJSON, _ := st.TrustedRootJSON()
	tr, err := verify.ParseTrustedRoot(trJSON, "in-process signtest")
	if err != nil {
		fmt.Fprintln(w, err)
		return 2
	}
	v, _ := verify.New(verify.Options{TrustedRoot: tr})
	c := oci.NewClient(oci.Options{})
	as := func(workflow string) sign.Signer {
		id := signtest.GitHub(signtest.GitHubWorkflow{Repository: "acme/app", WorkflowPath: workflow, Ref: "refs/tags/v1.2.0"})
		return sign.Keyless(sign.StaticToken(st.Token(id)))
	}
	opts := sign.Options{
		Services:    sign.Services{Fulcio: srv.URL, Rekor: []sign.Log{{URL: srv.URL, Version: 2}}, TSA: []string{srv.URL + signtest.PathTimestamp}},
		TrustedRoot: st.TrustedRoot(),
	}
	const bom = `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1}`
	push := func(tag string) (oci.Image, error) {
		ref := strings.TrimPrefix(reg.URL, "http://") + "/acme/app:" + tag
		t, _ := name.NewTag(ref)
		im, _ := random.Image(512, 1)
		if err := remote.Write(t, im); err != nil {
			return oci.Image{}, err
		}
		return c.Resolve(ctx, ref, oci.ResolveOptions{})
	}
	good, err := push("v1.2.0")
	if err == nil {
		_, err = c.Sign(ctx, good, as(".github/workflows/release.yml"), opts)
	}
	if err == nil {
		_, err = c.Attest(ctx, good, "cyclonedx", []byte(bom), as(".github/workflows/sbom.yml"), opts)
	}
	bad, err2 := push("v1.2.1")
	for i := 0; i < 2 && err2 == nil; i++ {
		_, err2 = c.Attest(ctx, bad, "cyclonedx", []byte(bom), as(".github/workflows/sbom.yml"), opts)
	}
	if err := errors.Join(err, err2); err != nil {
		fmt.Fprintln(w, err)
		return 2
	}
	checkImage(ctx, c, v, good.Ref, cp, w)
	if checkImage(ctx, c, v, bad.Ref, cp, w) == 0 {
		return 1 // the demo's second image must be refused
	}
	return 0
}
