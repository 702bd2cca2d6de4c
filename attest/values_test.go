package attest_test

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sbom"
)

func TestStatementProvenanceGitHub(t *testing.T) {
	data, err := os.ReadFile("testdata/provenance-github.golden")
	if err != nil {
		t.Fatal(err)
	}
	st, err := attest.ParseStatement(data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.Provenance()
	if err != nil {
		t.Fatal(err)
	}
	want := attest.GitHubWorkflow{
		Repository: "https://github.com/chainproof/chainproof", Path: ".github/workflows/release.yml", Ref: "refs/tags/v0.3.1",
		EventName: "push", RepositoryID: "812345678", RepositoryOwnerID: "170112233", RunnerEnvironment: "github-hosted",
	}
	if p.GitHub == nil || *p.GitHub != want {
		t.Errorf("GitHub = %+v, want %+v", p.GitHub, want)
	}
	if p.BuilderID != "https://github.com/chainproof/chainproof/.github/workflows/release.yml@refs/tags/v0.3.1" ||
		p.InvocationID != "https://github.com/chainproof/chainproof/actions/runs/14021987654/attempts/2" ||
		p.BuildType != attest.BuildTypeGitHubWorkflowV1 {
		t.Errorf("view = %+v", p)
	}
	if len(p.ResolvedDependencies) != 1 || p.ResolvedDependencies[0].Digest["gitCommit"] != "5f3c1e9a7b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e" {
		t.Errorf("dependencies = %+v", p.ResolvedDependencies)
	}
}

func TestStatementProvenanceRefuses(t *testing.T) {
	data, _ := os.ReadFile("testdata/provenance-github.golden")
	for name, tc := range map[string]struct {
		from, to string
		want     error
	}{
		"not provenance":       {`"predicateType":"https://slsa.dev/provenance/v1"`, `"predicateType":"https://example.com/p"`, attest.ErrPredicateType},
		"no workflow ref":      {`"ref":"refs/tags/v0.3.1",`, ``, attest.ErrPredicate},
		"no builder":           {`"builder":{"id":`, `"builder":{"x":`, attest.ErrPredicate},
		"predicate not object": {`"predicate":{`, `"predicate":[{`, attest.ErrMalformed},
	} {
		mutated := strings.Replace(string(data), tc.from, tc.to, 1)
		if mutated == string(data) {
			t.Fatalf("%s: mutation did not apply", name)
		}
		st, err := attest.ParseStatement([]byte(mutated))
		if err == nil {
			_, err = st.Provenance()
		}
		var ae *attest.Error
		if !errors.Is(err, tc.want) || !errors.As(err, &ae) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func TestStatementSBOMRoundTrip(t *testing.T) {
	doc, err := sbom.FromComponents(sbom.Component{Name: "app", Version: "1.0.0", Type: sbom.TypeApplication},
		[]sbom.Component{{Name: "lib", Version: "0.1.0", Type: sbom.TypeLibrary, PURL: "pkg:golang/example.com/lib@v0.1.0"}}, nil,
		sbom.Options{Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := attest.SubjectFromDigest("app", "sha256:"+strings.Repeat("ab", 32))
	for _, f := range []sbom.Format{sbom.CycloneDX, sbom.SPDX} {
		sb, err := attest.SBOMFromDocument(doc, f)
		if err != nil {
			t.Fatal(err)
		}
		ist, err := attest.SBOMStatement(sb, subject)
		if err != nil {
			t.Fatal(err)
		}
		data, err := attest.Marshal(ist)
		if err != nil {
			t.Fatal(err)
		}
		st, err := attest.ParseStatement(data)
		if err != nil {
			t.Fatal(err)
		}
		got, gf, err := st.SBOM()
		if err != nil || gf != f {
			t.Fatalf("%s: SBOM() = %v, %v", f, gf, err)
		}
		if got.Subject.Name != "app" || len(got.Components) != 1 || got.Components[0].PURL != "pkg:golang/example.com/lib@v0.1.0" {
			t.Errorf("%s: document = %+v", f, got)
		}
		if !reflect.DeepEqual(got.Components[0].Name, doc.Components[0].Name) {
			t.Errorf("%s: components differ", f)
		}
		// A CycloneDX document under the SPDX predicate type is refused.
		other := attest.PredicateSPDX
		if f == sbom.SPDX {
			other = attest.PredicateCycloneDX
		}
		st.PredicateType = other
		if _, _, err := st.SBOM(); !errors.Is(err, attest.ErrPredicate) {
			t.Errorf("%s under %s: err = %v", f, other, err)
		}
		st.PredicateType = "https://slsa.dev/provenance/v1"
		if _, _, err := st.SBOM(); !errors.Is(err, attest.ErrPredicateType) {
			t.Errorf("provenance as SBOM: err = %v", err)
		}
	}
}
