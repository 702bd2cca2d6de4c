package attest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sbom"
)

// A statement with a custom predicate, serialized deterministically.
func ExampleNewStatement() {
	subject, err := attest.SubjectFromDigest("app.tar.gz", "sha256:e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e")
	if err != nil {
		panic(err)
	}
	pred, err := attest.PredicateFromJSON([]byte(`{"result": "pass", "tests": 118}`))
	if err != nil {
		panic(err)
	}
	st, err := attest.NewStatement("https://in-toto.io/attestation/test-result/v0.1", pred, subject)
	if err != nil {
		panic(err)
	}
	b, err := attest.Marshal(st)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
	// Output:
	// {"_type":"https://in-toto.io/Statement/v1","predicate":{"result":"pass","tests":118},"predicateType":"https://in-toto.io/attestation/test-result/v0.1","subject":[{"digest":{"sha256":"e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e"},"name":"app.tar.gz"}]}
}

func ExampleMarshal() {
	st, err := attest.Parse([]byte(`{
	  "subject": [{"name": "a", "digest": {"sha256": "e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e"}}],
	  "predicateType": "https://example.com/p/v1",
	  "_type": "https://in-toto.io/Statement/v1",
	  "predicate": {"z": 1.50, "a": [true, null]}
	}`))
	if err != nil {
		panic(err)
	}
	b, err := attest.Marshal(st) // sorted keys, no whitespace, shortest numbers
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
	// Output:
	// {"_type":"https://in-toto.io/Statement/v1","predicate":{"a":[true,null],"z":1.5},"predicateType":"https://example.com/p/v1","subject":[{"digest":{"sha256":"e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e"},"name":"a"}]}
}

func ExampleParse() {
	_, err := attest.Parse([]byte(`{"_type": "https://in-toto.io/Statement/v1",
	  "subject": [{"name": "a", "digest": {"sha256": "E491B4007C2246F2BA290747530C6D77EECE7099F74B3B4F3626DFF9C01A510E"}}],
	  "predicateType": "https://example.com/p/v1"}`))
	var e *attest.Error
	if errors.As(err, &e) && errors.Is(err, attest.ErrDigestMalformed) {
		fmt.Println("field:", e.Path)
	}
	fmt.Println(err)
	// Output:
	// field: subject[0].digest.sha256
	// attest: subject[0].digest.sha256: malformed digest: not lowercase hex: "E491B4007C2246F2BA290747530C6D77EECE7099F74B3B4F3626DFF9C01A510E"
}

func ExampleValidate() {
	st := &intoto.Statement{
		Type:          "https://in-toto.io/Statement/v2",
		Subject:       []*intoto.ResourceDescriptor{{Name: "a", Digest: map[string]string{"sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}}},
		PredicateType: "https://example.com/p/v1",
	}
	fmt.Println(attest.Validate(st))
	st.Type = attest.StatementTypeV1
	fmt.Println(attest.Validate(st))
	// Output:
	// attest: _type: wrong statement type: "https://in-toto.io/Statement/v2"
	// <nil>
}

func ExamplePredicateFromJSON() {
	_, err := attest.PredicateFromJSON([]byte(`{"a": 1, "a": 2}`))
	fmt.Println(err)
	// Output:
	// attest: predicate: duplicate json key: "a"
}

func ExampleNewSubject() {
	s, err := attest.NewSubject("pkg:golang/example.com/m@v1.0.0", map[string]string{
		"sha256":    "e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e",
		"goModHash": "h1:abc=", // algorithms the spec does not list are kept as given
	})
	fmt.Println(s.GetName(), len(s.GetDigest()), err)
	// Output:
	// pkg:golang/example.com/m@v1.0.0 2 <nil>
}

func ExampleSubjectFromDigest() {
	s, err := attest.SubjectFromDigest("image", "sha256:e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e")
	fmt.Println(s.GetDigest()["sha256"][:12], err)
	_, err = attest.SubjectFromDigest("image", "sha256:e491b4")
	fmt.Println(err)
	// Output:
	// e491b4007c22 <nil>
	// attest: digest.sha256: malformed digest: 6 hex characters, want 64
}

func ExampleSubjectFromReader() {
	s, err := attest.SubjectFromReader(context.Background(), "greeting", strings.NewReader("hello\n"), attest.HashOptions{SHA512: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.GetDigest()["sha256"])
	fmt.Println(s.GetDigest()["sha512"][:32])
	// Output:
	// 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03
	// e7c22b994c59d9cf2b48e549b1e24666
}

func ExampleSubjectFromFile() {
	s, err := attest.SubjectFromFile(context.Background(), filepath.Join("testdata", "artifacts", "hello.txt"), attest.HashOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.GetName(), s.GetDigest()["sha256"])
	// Output:
	// hello.txt e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e
}

func ExampleNewProvenance() {
	p, err := attest.NewProvenance(attest.Build{
		BuildType:          "https://example.com/buildtypes/make/v1",
		ExternalParameters: map[string]any{"target": "release"},
		ResolvedDependencies: []*intoto.ResourceDescriptor{{
			Uri:    "git+https://example.com/app@refs/tags/v1.0.0",
			Digest: map[string]string{"gitCommit": "5f3c1e9a7b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e"},
		}},
		BuilderID:  "https://example.com/builders/ci@v1",
		StartedOn:  time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC),
		FinishedOn: time.Date(2026, 5, 20, 9, 5, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.GetRunDetails().GetBuilder().GetId())
	_, err = attest.NewProvenance(attest.Build{BuildType: "https://example.com/bt", ExternalParameters: map[string]any{"a": 1}})
	fmt.Println(err)
	// Output:
	// https://example.com/builders/ci@v1
	// attest: predicate: invalid predicate: provenance.runDetails error: runDetails.builder required
}

func ExampleValidateProvenance() {
	p, _ := attest.NewProvenance(attest.Build{
		BuildType:          "https://example.com/bt",
		ExternalParameters: map[string]any{"a": 1},
		BuilderID:          "https://example.com/builder",
	})
	p.RunDetails.Builder.Id = ""
	fmt.Println(attest.ValidateProvenance(p) != nil)
	// Output:
	// true
}

func ExampleProvenanceStatement() {
	p, err := attest.NewProvenance(attest.Build{
		BuildType:          "https://example.com/bt",
		ExternalParameters: map[string]any{"target": "all"},
		BuilderID:          "https://example.com/builder",
	})
	if err != nil {
		panic(err)
	}
	s, _ := attest.SubjectFromDigest("app", "sha256:e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e")
	st, err := attest.ProvenanceStatement(p, s)
	if err != nil {
		panic(err)
	}
	b, _ := attest.Marshal(st)
	fmt.Println(string(b))
	// Output:
	// {"_type":"https://in-toto.io/Statement/v1","predicate":{"buildDefinition":{"buildType":"https://example.com/bt","externalParameters":{"target":"all"}},"runDetails":{"builder":{"id":"https://example.com/builder"}}},"predicateType":"https://slsa.dev/provenance/v1","subject":[{"digest":{"sha256":"e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e"},"name":"app"}]}
}

func ExampleParseProvenance() {
	st, err := attest.Parse(readExampleFile("provenance-github.golden"))
	if err != nil {
		panic(err)
	}
	p, err := attest.ParseProvenance(st)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.GetBuildDefinition().GetBuildType())
	fmt.Println(p.GetRunDetails().GetBuilder().GetId())
	// Output:
	// https://actions.github.io/buildtypes/workflow/v1
	// https://github.com/chainproof/chainproof/.github/workflows/release.yml@refs/tags/v0.3.1
}

func ExampleGitHubProvenance() {
	env := attest.Environ([]string{ // in a workflow: os.LookupEnv, or attest.Environ(os.Environ())
		"GITHUB_SERVER_URL=https://github.com",
		"GITHUB_REPOSITORY=octo/app",
		"GITHUB_REPOSITORY_ID=1296269",
		"GITHUB_REPOSITORY_OWNER_ID=583231",
		"GITHUB_WORKFLOW_REF=octo/app/.github/workflows/release.yml@refs/heads/main",
		"GITHUB_REF=refs/heads/main",
		"GITHUB_SHA=c27d339ee6075c1f744c5d4b200f7901aad2c369",
		"GITHUB_EVENT_NAME=workflow_dispatch",
		"GITHUB_RUN_ID=1536140711",
		"GITHUB_RUN_ATTEMPT=1",
		"RUNNER_ENVIRONMENT=github-hosted",
	})
	opts := attest.GitHubOptions{Event: []byte(`{"ref": "refs/heads/main", "repository": {"id": 1296269, "full_name": "octo/app", "owner": {"id": 583231}}}`)}
	p, err := attest.GitHubProvenance(context.Background(), env, opts)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.GetRunDetails().GetBuilder().GetId())
	fmt.Println(p.GetRunDetails().GetMetadata().GetInvocationId())
	fmt.Println(p.GetBuildDefinition().GetResolvedDependencies()[0].GetUri())

	_, err = attest.GitHubProvenance(context.Background(), attest.Environ([]string{"GITHUB_REPOSITORY=octo/app"}), attest.GitHubOptions{})
	fmt.Println(err)
	// Output:
	// https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main
	// https://github.com/octo/app/actions/runs/1536140711/attempts/1
	// git+https://github.com/octo/app@refs/heads/main
	// attest: invalid github actions environment: missing GITHUB_SERVER_URL, GITHUB_REPOSITORY_ID, GITHUB_REPOSITORY_OWNER_ID, GITHUB_WORKFLOW_REF, GITHUB_REF, GITHUB_SHA, GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, RUNNER_ENVIRONMENT
}

func ExampleEnviron() {
	env := attest.Environ([]string{"GITHUB_REF=refs/tags/v1", "EMPTY="})
	v, ok := env("GITHUB_REF")
	fmt.Println(v, ok)
	_, ok = env("GITHUB_SHA")
	fmt.Println(ok)
	// Output:
	// refs/tags/v1 true
	// false
}

func ExampleSBOMStatement() {
	s, _ := attest.SubjectFromDigest("app", "sha256:e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e")
	bom := []byte(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": []}`)
	st, err := attest.SBOMStatement(attest.SBOM{PredicateType: attest.PredicateCycloneDX, Document: bom}, s)
	if err != nil {
		panic(err)
	}
	b, _ := attest.Marshal(st)
	fmt.Println(string(b))
	// Output:
	// {"_type":"https://in-toto.io/Statement/v1","predicate":{"bomFormat":"CycloneDX","components":[],"specVersion":"1.6","version":1},"predicateType":"https://cyclonedx.org/bom","subject":[{"digest":{"sha256":"e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e"},"name":"app"}]}
}

func ExampleParseSBOM() {
	st, err := attest.Parse([]byte(`{"_type": "https://in-toto.io/Statement/v1",
	  "subject": [{"name": "app", "digest": {"sha256": "e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e"}}],
	  "predicateType": "https://spdx.dev/Document/v2.3",
	  "predicate": {"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "app"}}`))
	if err != nil {
		panic(err)
	}
	sbom, err := attest.ParseSBOM(st)
	if err != nil {
		panic(err)
	}
	format, _ := attest.SBOMFormatOf(sbom.PredicateType)
	fmt.Println(format, string(sbom.Document))
	// Output:
	// spdx {"SPDXID":"SPDXRef-DOCUMENT","name":"app","spdxVersion":"SPDX-2.3"}
}

func ExampleSBOMFromDocument() {
	doc, err := sbom.FromComponents(
		sbom.Component{Type: sbom.TypeApplication, Name: "app", Version: "v1.0.0"},
		[]sbom.Component{{Name: "golang.org/x/mod", Version: "v0.42.0", PURL: "pkg:golang/golang.org/x/mod@v0.42.0"}},
		nil, sbom.Options{Now: func() time.Time { return time.Unix(1779268364, 0) }})
	if err != nil {
		panic(err)
	}
	bom, err := attest.SBOMFromDocument(doc, sbom.SPDX)
	if err != nil {
		panic(err)
	}
	s, _ := attest.SubjectFromDigest("app", "sha256:e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e")
	st, err := attest.SBOMStatement(bom, s)
	if err != nil {
		panic(err)
	}
	fmt.Println(st.GetPredicateType())
	// Output:
	// https://spdx.dev/Document
}

func ExampleSBOMFormatOf() {
	for _, pt := range []string{"https://cyclonedx.org/bom", "https://spdx.dev/Document/v2.3", "https://slsa.dev/provenance/v1"} {
		f, ok := attest.SBOMFormatOf(pt)
		fmt.Printf("%q %v\n", f, ok)
	}
	// Output:
	// "cyclonedx" true
	// "spdx" true
	// "" false
}

func ExampleAttest() {
	prov, err := attest.NewProvenance(attest.Build{
		BuildType:          "https://example.com/bt",
		ExternalParameters: map[string]any{"target": "all"},
		BuilderID:          "https://example.com/builder",
	})
	if err != nil {
		panic(err)
	}
	s, _ := attest.SubjectFromDigest("app", "sha256:e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e")
	bom := attest.SBOM{PredicateType: attest.PredicateSPDX, Document: []byte(`{"spdxVersion": "SPDX-2.3", "name": "app"}`)}
	a, err := attest.Attest([]*intoto.ResourceDescriptor{s}, prov, bom)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Provenance.GetPredicateType(), a.Provenance.GetSubject()[0].GetName())
	fmt.Println(a.SBOM.GetPredicateType(), a.SBOM.GetSubject()[0].GetName())
	// Output:
	// https://slsa.dev/provenance/v1 app
	// https://spdx.dev/Document app
}

func ExampleAttestFiles() {
	prov, err := attest.NewProvenance(attest.Build{
		BuildType:          "https://example.com/bt",
		ExternalParameters: map[string]any{"target": "all"},
		BuilderID:          "https://example.com/builder",
	})
	if err != nil {
		panic(err)
	}
	bom := attest.SBOM{PredicateType: attest.PredicateCycloneDX, Document: readExampleFile(filepath.Join("sbom", "cyclonedx.json"))}
	files := []string{filepath.Join("testdata", "artifacts", "hello.txt"), filepath.Join("testdata", "artifacts", "chainproof-cli")}
	a, err := attest.AttestFiles(context.Background(), files, attest.HashOptions{SHA512: true}, prov, bom)
	if err != nil {
		panic(err)
	}
	for _, s := range a.SBOM.GetSubject() {
		fmt.Println(s.GetName(), s.GetDigest()["sha256"][:16], len(s.GetDigest()))
	}
	// Output:
	// hello.txt e491b4007c2246f2 2
	// chainproof-cli bef3ff124004eafc 2
}

func ExampleError() {
	_, err := attest.Parse([]byte(`{"_type": "https://in-toto.io/Statement/v1", "subject": [], "predicateType": "p"}`))
	var e *attest.Error
	if errors.As(err, &e) {
		fmt.Println(e.Path, errors.Is(e, attest.ErrNoSubject))
	}
	// Output:
	// subject true
}

func ExampleMissingEnvError() {
	_, err := attest.GitHubProvenance(context.Background(), attest.Environ(nil), attest.GitHubOptions{})
	var me *attest.MissingEnvError
	if errors.As(err, &me) {
		fmt.Println(len(me.Names), me.Names[0])
	}
	// Output:
	// 12 GITHUB_SERVER_URL
}

func readExampleFile(name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return b
}
