package attest_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sbom"
)

func TestGoldenSBOM(t *testing.T) {
	for _, tc := range []struct {
		file, predicateType string
		format              sbom.Format
	}{
		{"cyclonedx", attest.PredicateCycloneDX, sbom.CycloneDX},
		{"spdx", attest.PredicateSPDX, sbom.SPDX},
	} {
		t.Run(tc.file, func(t *testing.T) {
			doc := readFile(t, filepath.Join("testdata", "sbom", tc.file+".json"))
			st, err := attest.SBOMStatement(attest.SBOM{PredicateType: tc.predicateType, Document: doc}, artifactSubjects(t)...)
			if err != nil {
				t.Fatal(err)
			}
			b, err := attest.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "sbom-"+tc.file+".golden", b)
			checkRoundTrip(t, b)

			parsed, err := attest.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := attest.ParseSBOM(parsed)
			if err != nil {
				t.Fatal(err)
			}
			if got.PredicateType != tc.predicateType {
				t.Fatalf("predicate type %q", got.PredicateType)
			}
			// The document survives as the same JSON value.
			want, _ := attest.PredicateFromJSON(doc)
			back, err := attest.PredicateFromJSON(got.Document)
			if err != nil || !proto.Equal(want, back) {
				t.Fatalf("document changed: %v", err)
			}
			if f, ok := attest.SBOMFormatOf(got.PredicateType); !ok || f != tc.format {
				t.Fatalf("format %q %v", f, ok)
			}
		})
	}
}

func TestSBOMFormatOf(t *testing.T) {
	for pt, want := range map[string]sbom.Format{
		"https://cyclonedx.org/bom":        sbom.CycloneDX,
		"https://cyclonedx.org/bom/v1.6":   sbom.CycloneDX,
		"https://spdx.dev/Document":        sbom.SPDX,
		"https://spdx.dev/Document/v2.3":   sbom.SPDX,
		"https://spdx.dev/Document/v3.0":   sbom.SPDX,
		"https://spdx.dev/Document/":       "",
		"https://spdx.dev/Document/2.3":    "",
		"https://spdx.dev/document":        "",
		"http://spdx.dev/Document":         "",
		"https://cyclonedx.org/bom/v1.6x":  "",
		"https://cyclonedx.org/bomb":       "",
		"https://slsa.dev/provenance/v1":   "",
		"https://spdx.dev/Document/v2.3\n": "",
	} {
		f, ok := attest.SBOMFormatOf(pt)
		if f != want || ok != (want != "") {
			t.Errorf("SBOMFormatOf(%q) = %q, %v; want %q", pt, f, ok, want)
		}
	}
}

func TestSBOMRejects(t *testing.T) {
	subs := artifactSubjects(t)
	tests := []struct {
		name  string
		sbom  attest.SBOM
		err   error
		field string
	}{
		{"not an sbom type", attest.SBOM{PredicateType: attest.PredicateSLSAProvenanceV1, Document: []byte(`{"bomFormat":"CycloneDX"}`)}, attest.ErrPredicateType, "predicateType"},
		{"array", attest.SBOM{PredicateType: attest.PredicateCycloneDX, Document: []byte(`[]`)}, attest.ErrMalformed, "predicate"},
		{"empty", attest.SBOM{PredicateType: attest.PredicateCycloneDX}, attest.ErrMalformed, "predicate"},
		{"spdx given as cyclonedx", attest.SBOM{PredicateType: attest.PredicateCycloneDX, Document: readFile(t, filepath.Join("testdata", "sbom", "spdx.json"))}, attest.ErrPredicate, "predicate.bomFormat"},
		{"cyclonedx given as spdx", attest.SBOM{PredicateType: attest.PredicateSPDX, Document: readFile(t, filepath.Join("testdata", "sbom", "cyclonedx.json"))}, attest.ErrPredicate, "predicate.spdxVersion"},
		{"duplicate key", attest.SBOM{PredicateType: attest.PredicateSPDX, Document: []byte(`{"spdxVersion":"SPDX-2.3","name":"a","name":"b"}`)}, attest.ErrDuplicateKey, "predicate"},
		{"bomFormat not string", attest.SBOM{PredicateType: attest.PredicateCycloneDX, Document: []byte(`{"bomFormat":1}`)}, attest.ErrPredicate, "predicate"},
		{"too large", attest.SBOM{PredicateType: attest.PredicateCycloneDX, Document: bytes.Repeat([]byte(" "), attest.MaxStatementSize+1)}, attest.ErrTooLarge, "predicate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := attest.SBOMStatement(tc.sbom, subs...)
			if st != nil {
				t.Fatal("got a statement")
			}
			wantError(t, err, tc.err, tc.field)
		})
	}
	// ParseSBOM: versioned type accepted on read, other types refused.
	doc := readFile(t, filepath.Join("testdata", "sbom", "spdx.json"))
	st, err := attest.SBOMStatement(attest.SBOM{PredicateType: attest.PredicateSPDX, Document: doc}, subs...)
	if err != nil {
		t.Fatal(err)
	}
	st.PredicateType = "https://spdx.dev/Document/v2.3"
	if got, err := attest.ParseSBOM(st); err != nil || got.PredicateType != st.PredicateType {
		t.Fatalf("versioned type: %v", err)
	}
	st.PredicateType = "https://example.com/bom"
	_, err = attest.ParseSBOM(st)
	wantError(t, err, attest.ErrPredicateType, "predicateType")
	st.PredicateType = attest.PredicateCycloneDX
	_, err = attest.ParseSBOM(st)
	wantError(t, err, attest.ErrPredicate, "predicate.bomFormat")
	st.Predicate = nil
	_, err = attest.ParseSBOM(st)
	wantError(t, err, attest.ErrPredicate, "predicate")
	st.Subject = nil
	_, err = attest.ParseSBOM(st)
	wantError(t, err, attest.ErrNoSubject, "subject")
}

func TestAttestFiles(t *testing.T) {
	ctx := context.Background()
	p, err := attest.NewProvenance(genericBuild())
	if err != nil {
		t.Fatal(err)
	}
	sbom := attest.SBOM{PredicateType: attest.PredicateCycloneDX, Document: readFile(t, filepath.Join("testdata", "sbom", "cyclonedx.json"))}
	paths := []string{filepath.Join("testdata", "artifacts", "chainproof-cli"), filepath.Join("testdata", "artifacts", "hello.txt")}
	a, err := attest.AttestFiles(ctx, paths, attest.HashOptions{}, p, sbom)
	if err != nil {
		t.Fatal(err)
	}
	// Identical to building each statement on its own (the goldens).
	pb, _ := attest.Marshal(a.Provenance)
	sb, _ := attest.Marshal(a.SBOM)
	if !bytes.Equal(pb, readFile(t, filepath.Join("testdata", "provenance-generic.golden"))) || !bytes.Equal(sb, readFile(t, filepath.Join("testdata", "sbom-cyclonedx.golden"))) {
		t.Fatal("AttestFiles differs from the per-statement goldens")
	}
	if a.Provenance.Subject[0] == a.SBOM.Subject[0] {
		t.Fatal("statements share subject pointers")
	}
	if !proto.Equal(a.Provenance.Subject[0], a.SBOM.Subject[0]) {
		t.Fatal("subjects differ")
	}

	_, err = attest.AttestFiles(ctx, append(paths, "testdata"), attest.HashOptions{}, p, sbom)
	wantError(t, err, attest.ErrIO, "testdata")
	_, err = attest.Attest(nil, p, sbom)
	wantError(t, err, attest.ErrNoSubject, "subject")
	_, err = attest.Attest(artifactSubjects(t), p, attest.SBOM{PredicateType: "x"})
	wantError(t, err, attest.ErrPredicateType, "predicateType")
}

func TestSBOMFromDocument(t *testing.T) {
	subs := artifactSubjects(t)
	doc, err := sbom.FromComponents(
		sbom.Component{Type: sbom.TypeApplication, Name: "chainproof-cli", Version: "v0.3.1", Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: sha256CLI}}},
		[]sbom.Component{{Name: "google.golang.org/protobuf", Version: "v1.36.11", PURL: "pkg:golang/google.golang.org/protobuf@v1.36.11"}},
		nil, sbom.Options{Now: func() time.Time { return time.Date(2026, 5, 20, 9, 12, 44, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []sbom.Format{sbom.CycloneDX, sbom.SPDX} {
		s, err := attest.SBOMFromDocument(doc, f)
		if err != nil {
			t.Fatal(err)
		}
		st, err := attest.SBOMStatement(s, subs...)
		if err != nil {
			t.Fatal(err)
		}
		b, err := attest.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := attest.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := attest.ParseSBOM(parsed)
		if err != nil {
			t.Fatal(err)
		}
		back, gotFormat, err := sbom.Decode(got.Document)
		if err != nil || gotFormat != f {
			t.Fatalf("%s: sbom.Decode: %v %v", f, gotFormat, err)
		}
		if back.Subject.Name != "chainproof-cli" || len(back.Components) != 1 || back.Components[0].Version != "v1.36.11" {
			t.Fatalf("%s: decoded %+v", f, back)
		}
	}
	_, err = attest.SBOMFromDocument(doc, "xml")
	wantError(t, err, attest.ErrPredicateType, "format")
	_, err = attest.SBOMFromDocument(&sbom.Document{}, sbom.CycloneDX)
	wantError(t, err, attest.ErrPredicate, "predicate")
}
