package attest_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chainproof/chainproof/attest"
	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/proto"
)

func artifactSubjects(t testing.TB) []*intoto.ResourceDescriptor {
	t.Helper()
	var subs []*intoto.ResourceDescriptor
	for _, name := range []string{"chainproof-cli", "hello.txt"} {
		s, err := attest.SubjectFromFile(context.Background(), filepath.Join("testdata", "artifacts", name), attest.HashOptions{})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	return subs
}

func genericBuild() attest.Build {
	return attest.Build{
		BuildType: "https://chainproof.dev/buildtypes/make/v1",
		ExternalParameters: map[string]any{
			"source":  "git+https://github.com/chainproof/chainproof@refs/tags/v0.3.1",
			"target":  "release",
			"targets": []any{"linux/amd64", "linux/arm64"},
		},
		InternalParameters: map[string]any{"GOFLAGS": "-trimpath", "CGO_ENABLED": "0"},
		ResolvedDependencies: []*intoto.ResourceDescriptor{
			{Uri: "git+https://github.com/chainproof/chainproof@refs/tags/v0.3.1", Digest: map[string]string{"gitCommit": "5f3c1e9a7b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e"}},
			{Name: "go1.26.8.linux-amd64.tar.gz", Uri: "https://go.dev/dl/go1.26.8.linux-amd64.tar.gz"},
		},
		BuilderID:      "https://chainproof.dev/builders/local@v1",
		BuilderVersion: map[string]string{"go": "go1.26.8"},
		InvocationID:   "build-2026-05-20-0001",
		StartedOn:      time.Date(2026, 5, 20, 9, 12, 44, 0, time.UTC),
		FinishedOn:     time.Date(2026, 5, 20, 9, 14, 2, 500_000_000, time.UTC),
	}
}

func TestGoldenProvenanceGeneric(t *testing.T) {
	p, err := attest.NewProvenance(genericBuild())
	if err != nil {
		t.Fatal(err)
	}
	st, err := attest.ProvenanceStatement(p, artifactSubjects(t)...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := attest.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "provenance-generic.golden", b)
	checkRoundTrip(t, b)

	parsed, err := attest.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	back, err := attest.ParseProvenance(parsed)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(back, p) {
		t.Fatalf("ParseProvenance lost data:\n%v\n%v", back, p)
	}
}

func TestNewProvenanceRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(b *attest.Build)
		err   error
		field string
	}{
		{"no build type", func(b *attest.Build) { b.BuildType = "" }, slsa.ErrBuildTypeRequired, "predicate"},
		{"no external parameters", func(b *attest.Build) { b.ExternalParameters = nil }, slsa.ErrExternalParamsRequired, "predicate"},
		{"no builder id", func(b *attest.Build) { b.BuilderID = "" }, slsa.ErrBuilderIdRequired, "predicate"},
		{"unencodable parameter", func(b *attest.Build) { b.ExternalParameters["ch"] = make(chan int) }, attest.ErrPredicate, "buildDefinition.externalParameters"},
		{"unencodable internal", func(b *attest.Build) { b.InternalParameters["f"] = func() {} }, attest.ErrPredicate, "buildDefinition.internalParameters"},
		{"dependency without anything", func(b *attest.Build) {
			b.ResolvedDependencies = append(b.ResolvedDependencies, &intoto.ResourceDescriptor{})
		}, intoto.ErrRDRequiredField, "predicate"},
		{"dependency bad digest", func(b *attest.Build) {
			b.ResolvedDependencies[0].Digest = map[string]string{"sha256": strings.ToUpper(sha256Hello)}
		}, attest.ErrDigestMalformed, "predicate.buildDefinition.resolvedDependencies[0].digest.sha256"},
		{"byproduct bad digest", func(b *attest.Build) {
			b.Byproducts = []*intoto.ResourceDescriptor{{Name: "log", Digest: map[string]string{"sha256": "x"}}}
		}, attest.ErrPredicate, "predicate"},
		{"finished before started", func(b *attest.Build) { b.FinishedOn = b.StartedOn.Add(-time.Second) }, attest.ErrPredicate, "predicate.runDetails.metadata.finishedOn"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := genericBuild()
			tc.edit(&b)
			p, err := attest.NewProvenance(b)
			if p != nil {
				t.Fatal("got a predicate")
			}
			wantError(t, err, tc.err, tc.field)
			if !errors.Is(err, attest.ErrPredicate) && !errors.Is(err, attest.ErrDigestMalformed) {
				t.Fatalf("%v does not wrap ErrPredicate", err)
			}
		})
	}
	_, err := attest.ProvenanceStatement(nil, artifactSubjects(t)...)
	wantError(t, err, attest.ErrPredicate, "predicate")
}

func TestParseProvenanceRejects(t *testing.T) {
	st := testStatement(t)
	_, err := attest.ParseProvenance(st)
	wantError(t, err, attest.ErrPredicateType, "predicateType")

	st.PredicateType = attest.PredicateSLSAProvenanceV1
	_, err = attest.ParseProvenance(st) // the test predicate is not provenance
	wantError(t, err, attest.ErrPredicate, "predicate")

	st.Predicate = nil
	_, err = attest.ParseProvenance(st)
	wantError(t, err, attest.ErrPredicate, "predicate")

	st.Type = "x"
	_, err = attest.ParseProvenance(st)
	wantError(t, err, attest.ErrStatementType, "_type")

	// A provenance statement whose builder id was removed.
	p, _ := attest.NewProvenance(genericBuild())
	pst, _ := attest.ProvenanceStatement(p, artifactSubjects(t)...)
	delete(pst.Predicate.Fields["runDetails"].GetStructValue().Fields, "builder")
	_, err = attest.ParseProvenance(pst)
	wantError(t, err, slsa.ErrBuilderRequired, "predicate")
}

// Keys other consumers ignore are ignored here too: protojson would
// honour "run_details" and "Id"-style aliases; ParseProvenance does not.
func TestParseProvenanceExactKeys(t *testing.T) {
	base := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + sha256Hello + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":`
	ok := `{"buildDefinition":{"buildType":"bt","externalParameters":{"a":1},"resolvedDependencies":[{"uri":"u","x":1}]},"runDetails":{"builder":{"id":"b","extra":true},"metadata":{"invocationId":"i"}},"unknown":{}}`
	st, err := attest.Parse([]byte(base + ok + `}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := attest.ParseProvenance(st)
	if err != nil {
		t.Fatal(err)
	}
	if p.GetRunDetails().GetBuilder().GetId() != "b" || p.GetBuildDefinition().GetResolvedDependencies()[0].GetUri() != "u" {
		t.Fatalf("got %v", p)
	}
	for name, pred := range map[string]string{
		"snake run_details":    `{"buildDefinition":{"buildType":"bt","externalParameters":{"a":1}},"run_details":{"builder":{"id":"b"}}}`,
		"snake build_type":     `{"buildDefinition":{"build_type":"bt","externalParameters":{"a":1}},"runDetails":{"builder":{"id":"b"}}}`,
		"case-folded Id":       `{"buildDefinition":{"buildType":"bt","externalParameters":{"a":1}},"runDetails":{"builder":{"Id":"b"}}}`,
		"snake dependency uri": `{"buildDefinition":{"buildType":"bt","externalParameters":{"a":1},"resolvedDependencies":[{"download_location":"u"}]},"runDetails":{"builder":{"id":"b"}}}`,
	} {
		st, err := attest.Parse([]byte(base + pred + `}`))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = attest.ParseProvenance(st)
		wantError(t, err, attest.ErrPredicate, "predicate")
	}
	// Wrong JSON types still fail in protojson.
	st, _ = attest.Parse([]byte(base + `{"buildDefinition":{"buildType":1,"externalParameters":{"a":1}},"runDetails":{"builder":{"id":"b"}}}}`))
	_, err = attest.ParseProvenance(st)
	wantError(t, err, attest.ErrPredicate, "predicate")
}
