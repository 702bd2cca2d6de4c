package sbom_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/chainproof/chainproof/sbom"
)

// syntheticComponents makes n Go-module components and a layered graph
// (each component depends on up to 3 later ones).
func syntheticComponents(n int) ([]sbom.Component, []sbom.Dependency) {
	comps := make([]sbom.Component, n)
	deps := make([]sbom.Dependency, 0, n+1)
	for i := range comps {
		path := fmt.Sprintf("example.com/org%d/mod%d", i%97, i)
		v := fmt.Sprintf("v1.%d.%d", i%13, i%7)
		comps[i] = sbom.Component{
			Name: path, Version: v, PURL: sbom.GoPURL(path, v),
			Licenses: []string{[]string{"MIT", "Apache-2.0", "BSD-3-Clause"}[i%3]},
			GoSum:    h1(path),
			Hashes:   []sbom.Hash{{Algorithm: sbom.SHA256, Value: fmt.Sprintf("%064x", i)}},
		}
	}
	var top []string
	for i := 0; i < 20 && i < n; i++ {
		top = append(top, comps[i].PURL)
	}
	deps = append(deps, sbom.Dependency{Ref: "app@v1.0.0", DependsOn: top})
	for i := range comps {
		var on []string
		for _, j := range []int{2*i + 1, 2*i + 2, 3*i + 7} {
			if j < n {
				on = append(on, comps[j].PURL)
			}
		}
		deps = append(deps, sbom.Dependency{Ref: comps[i].PURL, DependsOn: on})
	}
	return comps, deps
}

func h1(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "h1:" + base64.StdEncoding.EncodeToString(sum[:])
}

func syntheticDoc(tb testing.TB, n int) *sbom.Document {
	comps, deps := syntheticComponents(n)
	doc, err := sbom.FromComponents(sbom.Component{Type: sbom.TypeApplication, Name: "app", Version: "v1.0.0"},
		comps, deps, sbom.Options{Now: func() time.Time { return fixedNow }})
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

// TestSyntheticValidates checks the benchmark's document is a valid SBOM
// in both formats (on a smaller graph, to keep go test fast).
func TestSyntheticValidates(t *testing.T) {
	encodeBoth(t, syntheticDoc(t, 300))
}

// BenchmarkGenerateEncode10k measures building a 10,000-component
// document (with ~20,000 edges) and encoding it, per format.
func BenchmarkGenerateEncode10k(b *testing.B) {
	comps, deps := syntheticComponents(10_000)
	now := sbom.Options{Now: func() time.Time { return fixedNow }}
	for _, f := range []sbom.Format{sbom.CycloneDX, sbom.SPDX} {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				doc, err := sbom.FromComponents(sbom.Component{Type: sbom.TypeApplication, Name: "app", Version: "v1.0.0"}, comps, deps, now)
				if err != nil {
					b.Fatal(err)
				}
				out, err := sbom.Encode(doc, f)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/doc")
		})
	}
}

// BenchmarkDecode10k measures decoding the 10,000-component documents.
func BenchmarkDecode10k(b *testing.B) {
	doc := syntheticDoc(b, 10_000)
	for _, f := range []sbom.Format{sbom.CycloneDX, sbom.SPDX} {
		data, err := sbom.Encode(doc, f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, err := sbom.Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRawCycloneDXEncode10k is the floor underneath
// EncodeCycloneDX: cyclonedx-go encoding an equivalent, prebuilt BOM.
func BenchmarkRawCycloneDXEncode10k(b *testing.B) {
	doc := syntheticDoc(b, 10_000)
	data, err := sbom.EncodeCycloneDX(doc)
	if err != nil {
		b.Fatal(err)
	}
	var bom cdx.BOM
	if err := json.Unmarshal(data, &bom); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true).EncodeVersion(&bom, cdx.SpecVersion1_6); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckJSON10k measures CheckJSON on the 10,000-component documents.
func BenchmarkCheckJSON10k(b *testing.B) {
	doc := syntheticDoc(b, 10_000)
	for _, f := range []sbom.Format{sbom.CycloneDX, sbom.SPDX} {
		data, _ := sbom.Encode(doc, f)
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := sbom.CheckJSON(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOwnModule builds and encodes this repository's module SBOM
// (go list -deps per platform plus license detection). BenchmarkGomod
// times cyclonedx-gomod on the same module in the same run.
func BenchmarkOwnModule(b *testing.B) {
	o := opts()
	for b.Loop() {
		doc, err := sbom.FromModule(context.Background(), "..", o)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sbom.EncodeCycloneDX(doc); err != nil {
			b.Fatal(err)
		}
	}
}
