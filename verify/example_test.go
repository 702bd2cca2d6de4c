package verify_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chainproof/chainproof/verify"
)

const (
	exBundle = "testdata/conformance/happy-path-v0.3/bundle.sigstore.json"
	exDSSE   = "testdata/conformance/happy-path-intoto-in-dsse-v3/bundle.sigstore.json"
	exArt    = "testdata/conformance/a.txt"
)

var exIdentity = verify.GitHubWorkflowIdentity(
	"sigstore-conformance/extremely-dangerous-public-oidc-beacon",
	".github/workflows/extremely-dangerous-oidc-beacon.yml",
	"refs/heads/main")

// Verify a public-good bundle offline against the embedded trusted root.
func ExampleVerify() {
	bundleJSON, err := os.ReadFile(exBundle)
	if err != nil {
		panic(err)
	}
	res, err := verify.Verify(context.Background(), bundleJSON,
		verify.Artifact{Path: exArt},
		verify.Policy{Identities: []verify.Identity{exIdentity}},
		verify.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Certificate.SAN)
	fmt.Println(res.Certificate.Extensions.SourceRepositoryRef, res.Certificate.Extensions.RunnerEnvironment)
	fmt.Println(res.Artifact)
	fmt.Println(res.Timestamps[0].Kind, res.Timestamps[0].Time)
	// Output:
	// https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main
	// refs/heads/main github-hosted
	// sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf
	// tlog 2024-03-19 17:26:26 +0000 UTC
}

// A failed identity match says which check failed and why each identity
// of the policy did not match.
func ExampleError() {
	bundleJSON, _ := os.ReadFile(exBundle)
	release := verify.GitHubWorkflowIdentity("sigstore-conformance/extremely-dangerous-public-oidc-beacon",
		".github/workflows/extremely-dangerous-oidc-beacon.yml", "refs/tags/v*")
	_, err := verify.Verify(context.Background(), bundleJSON, verify.Artifact{Path: exArt},
		verify.Policy{Identities: []verify.Identity{release}}, verify.Options{})
	var ve *verify.Error
	if errors.As(err, &ve) {
		fmt.Println(ve.Check, errors.Is(err, verify.ErrIdentity))
		for _, m := range ve.Mismatches {
			fmt.Println(m.Index, m.Field)
		}
	}
	// Output:
	// identity true
	// 0 san
}

// Reuse one Verifier (one trusted root) for many bundles; artifacts may be
// given as a digest.
func ExampleVerifier_Verify() {
	v, err := verify.New(verify.Options{}) // embedded public-good root
	if err != nil {
		panic(err)
	}
	b, err := verify.ReadBundleFile(exBundle)
	if err != nil {
		panic(err)
	}
	res, err := v.Verify(context.Background(), b,
		verify.ArtifactArg("sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"),
		verify.Policy{Identities: []verify.Identity{exIdentity}})
	fmt.Println(err == nil, res.LogEntries[0].Kind, res.LogEntries[0].InclusionProof)
	// Output: true hashedrekord true
}

// "signed AND has SLSA provenance" over two bundles of one artifact.
func ExampleVerifier_VerifyAll() {
	v, _ := verify.New(verify.Options{})
	sig, _ := verify.ReadBundleFile(exBundle)
	att, _ := verify.ReadBundleFile(exDSSE)
	ids := []verify.Identity{exIdentity}
	res, err := v.VerifyAll(context.Background(), []*verify.Bundle{sig, att}, verify.Artifact{Path: exArt},
		verify.CombinedPolicy{Requirements: []verify.Requirement{
			{Name: "signed", Policy: verify.Policy{Identities: ids}},
			{Name: "provenance", Policy: verify.Policy{Identities: ids, Attestation: &verify.AttestationPolicy{
				PredicateType: "slsaprovenance1",
				SLSA:          &verify.SLSAPolicy{BuildType: verify.Exact("https://actions.github.io/buildtypes/workflow/v1")},
			}}},
		}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.Requirements {
		fmt.Println(r.Name, r.Satisfied, r.Bundle)
	}
	// Output:
	// signed true 0
	// provenance true 1
}

func ExampleParseBundle() {
	data, _ := os.ReadFile(exDSSE)
	b, err := verify.ParseBundle(data)
	fmt.Println(err, b.MediaType(), b.IsAttestation())
	_, err = verify.ParseBundle([]byte(`{"mediaType": "application/vnd.dev.sigstore.bundle+json;version=99.9"}`))
	fmt.Println(errors.Is(err, verify.ErrBundle))
	// Output:
	// <nil> application/vnd.dev.sigstore.bundle.v0.3+json true
	// true
}

func ExampleReadBundleFile() {
	b, err := verify.ReadBundleFile(exBundle)
	fmt.Println(err, b.IsAttestation())
	// Output: <nil> false
}

// JSON lines, as `gh attestation download` writes them.
func ExampleParseBundles() {
	a, _ := os.ReadFile(exBundle)
	d, _ := os.ReadFile(exDSSE)
	var jl strings.Builder
	for _, doc := range [][]byte{a, d} {
		var line strings.Builder
		for _, l := range strings.Split(string(doc), "\n") {
			line.WriteString(strings.TrimSpace(l))
		}
		jl.WriteString(line.String() + "\n")
	}
	bs, err := verify.ParseBundles(strings.NewReader(jl.String()))
	fmt.Println(len(bs), err)
	// Output: 2 <nil>
}

func ExampleReadBundlesFile() {
	_, err := verify.ReadBundlesFile("testdata/does-not-exist.jsonl")
	fmt.Println(errors.Is(err, verify.ErrBundle))
	// Output: true
}

func ExamplePublicGood() {
	tr, err := verify.PublicGood()
	fmt.Println(err, tr.Source(), tr.Profile())
	// Output: <nil> embedded public-good snapshot of 2026-08-21 transparency-log
}

func ExampleLoadTrustedRoot() {
	tr, err := verify.LoadTrustedRoot("testdata/conformance/rekor2-happy-path/trusted_root.json")
	if err != nil {
		panic(err)
	}
	v, _ := verify.New(verify.Options{TrustedRoot: tr})
	b, _ := verify.ReadBundleFile("testdata/conformance/rekor2-happy-path/bundle.sigstore.json")
	res, err := v.Verify(context.Background(), b, verify.Artifact{Path: exArt},
		verify.Policy{Identities: []verify.Identity{exIdentity}})
	fmt.Println(err == nil, res.Timestamps[0].Kind, res.LogEntries[0].Version)
	// Output: true tsa 0.0.2
}

func ExampleParseTrustedRoot() {
	data, _ := os.ReadFile("testdata/conformance/rekor2-happy-path/trusted_root.json")
	tr, err := verify.ParseTrustedRoot(data, "rekor2-happy-path")
	fmt.Println(err, tr.Source())
	_, err = verify.ParseTrustedRoot([]byte(`{}`), "empty")
	fmt.Println(errors.Is(err, verify.ErrTrustedRoot))
	// Output:
	// <nil> rekor2-happy-path
	// true
}

// GitHub's root is supplied by the caller (e.g. `gh attestation
// trusted-root`); it verifies timestamp-only bundles.
func ExampleParseGitHubTrustedRoot() {
	data, _ := os.ReadFile("testdata/conformance/rekor2-happy-path/trusted_root.json")
	tr, err := verify.ParseGitHubTrustedRoot(data, "github (example)")
	fmt.Println(err, tr.Profile())
	// Output: <nil> timestamp-only
}

// RefreshPublicGood is the only call that uses the network (TUF). It has
// no output: it would fetch from the public-good TUF repository.
func ExampleRefreshPublicGood() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Cache under the user's own cache directory, not a shared temp dir.
	cacheDir, err := os.UserCacheDir()
	if err != nil {
		panic(err)
	}
	tr, err := verify.RefreshPublicGood(ctx, verify.TUFOptions{CachePath: filepath.Join(cacheDir, "chainproof", "tuf")})
	if err != nil {
		fmt.Println("refresh failed; keep using verify.PublicGood():", errors.Is(err, verify.ErrTrustedRoot))
		return
	}
	_, _ = verify.New(verify.Options{TrustedRoot: tr})
}

// A refresh that fails (here its context has ended before it starts;
// usually the repository is unreachable or fails a TUF check) returns a
// trusted-root error; keep verifying with the root you have.
func ExampleRefreshPublicGood_fallback() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tr, err := verify.RefreshPublicGood(ctx, verify.TUFOptions{CachePath: filepath.Join(os.TempDir(), "unused")})
	if err != nil {
		fmt.Println(errors.Is(err, verify.ErrTrustedRoot), errors.Is(err, context.Canceled))
		tr, _ = verify.PublicGood()
	}
	fmt.Println(tr.Profile())
	// Output:
	// true true
	// transparency-log
}

func ExampleGitHubWorkflowIdentity() {
	id := verify.GitHubWorkflowIdentity("octo/app", ".github/workflows/release.yml", "refs/tags/v*")
	fmt.Println(id.SAN.Regexp)
	fmt.Println(id.Extensions["sourceRepositoryRef"].Regexp)
	fmt.Println(id.Extensions["runnerEnvironment"].Exact)

	// "main" is a branch name, not a ref: refused when verifying.
	bad := verify.GitHubWorkflowIdentity("octo/app", ".github/workflows/release.yml", "main")
	bundleJSON, _ := os.ReadFile(exBundle)
	_, err := verify.Verify(context.Background(), bundleJSON, verify.Artifact{Path: exArt},
		verify.Policy{Identities: []verify.Identity{bad}}, verify.Options{})
	fmt.Println(errors.Is(err, verify.ErrWorkflowIdentity))
	// Output:
	// https://github\.com/[oO][cC][tT][oO]/[aA][pP][pP]/\.github/workflows/release\.yml@refs/tags/v[^/@]*
	// refs/tags/v[^/@]*
	// github-hosted
	// true
}

func ExamplePolicy_Validate() {
	for _, ref := range []string{"refs/tags/v*", "main"} {
		p := verify.Policy{Identities: []verify.Identity{verify.GitHubWorkflowIdentity("octo/app", ".github/workflows/release.yml", ref)}}
		err := p.Validate()
		fmt.Println(ref, err == nil, errors.Is(err, verify.ErrWorkflowIdentity))
	}
	// Output:
	// refs/tags/v* true false
	// main false true
}

func ExampleParsePredicateType() {
	for _, s := range []string{"slsaprovenance1", "cyclonedx", "spdxjson", "https://example.com/p/v1"} {
		u, _ := verify.ParsePredicateType(s)
		fmt.Println(u)
	}
	// Output:
	// https://slsa.dev/provenance/v1
	// https://cyclonedx.org/bom
	// https://spdx.dev/Document
	// https://example.com/p/v1
}

func ExampleArtifactArg() {
	for _, arg := range []string{"sha256:00ff", "dist/app.tar.gz"} {
		a := verify.ArtifactArg(arg)
		fmt.Printf("path=%q digest=%q\n", a.Path, a.Digest)
	}
	// Output:
	// path="" digest="sha256:00ff"
	// path="dist/app.tar.gz" digest=""
}

func ExampleExact() {
	id := verify.Identity{Issuer: verify.Exact("https://accounts.google.com"), SAN: verify.Regexp(`.*@example\.com`)}
	fmt.Println(id)
	// Output: issuer="https://accounts.google.com" san=~.*@example\.com
}

// A Verifier holds a trusted root and is safe for concurrent use: make
// one and verify many bundles with it.
func ExampleNew() {
	v, err := verify.New(verify.Options{}) // the embedded public-good root
	if err != nil {
		panic(err)
	}
	b, err := verify.ReadBundleFile(exBundle)
	if err != nil {
		panic(err)
	}
	res, err := v.Verify(context.Background(), b, verify.Artifact{Path: exArt}, verify.Policy{Identities: []verify.Identity{exIdentity}})
	fmt.Println(res.MediaType, err)
	// Output: application/vnd.dev.sigstore.bundle+json;version=0.3 <nil>
}
