package attest_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/chainproof/chainproof/attest"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// benchStatements: the GitHub provenance statement (small) and a
// CycloneDX SBOM statement with 1,000 components (large).
func benchStatements(b *testing.B) map[string]*intoto.Statement {
	b.Helper()
	prov, err := attest.Parse(readFile(b, filepath.Join("testdata", "provenance-github.golden")))
	if err != nil {
		b.Fatal(err)
	}
	bom := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[`)
	for i := range 1000 {
		if i > 0 {
			bom = append(bom, ',')
		}
		bom = fmt.Appendf(bom, `{"type":"library","bom-ref":"pkg:golang/example.com/m%d@v1.%d.0","name":"example.com/m%d","version":"v1.%d.0","purl":"pkg:golang/example.com/m%d@v1.%d.0","hashes":[{"alg":"SHA-256","content":"e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e"}]}`, i, i, i, i, i, i)
	}
	bom = append(bom, "]}"...)
	s, _ := attest.SubjectFromDigest("app", "sha256:e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e")
	sb, err := attest.SBOMStatement(attest.SBOM{PredicateType: attest.PredicateCycloneDX, Document: bom}, s)
	if err != nil {
		b.Fatal(err)
	}
	return map[string]*intoto.Statement{"provenance": prov, "sbom1000": sb}
}

// BenchmarkMarshal compares Marshal (validate + protojson + RFC 8785)
// with the raw protojson.Marshal it builds on; the ns/op ratio is the
// cost of deterministic bytes.
func BenchmarkMarshal(b *testing.B) {
	for name, st := range benchStatements(b) {
		b.Run(name+"/attest", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := attest.Marshal(st); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/protojson", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := protojson.Marshal(st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParse compares Parse (bounds, duplicate keys, exact keys,
// validation) with raw protojson.Unmarshal of the same bytes.
func BenchmarkParse(b *testing.B) {
	for name, st := range benchStatements(b) {
		data, err := attest.Marshal(st)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/attest", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := attest.Parse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/protojson", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := protojson.Unmarshal(data, new(intoto.Statement)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
