package sbom_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"runtime/debug"
	"slices"
	"time"

	"github.com/chainproof/chainproof/sbom"
)

var exampleTime = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func exampleDoc() *sbom.Document {
	doc, err := sbom.FromComponents(
		sbom.Component{Type: sbom.TypeApplication, Name: "myapp", Version: "1.0.0"},
		[]sbom.Component{{
			Name: "golang.org/x/mod", Version: "v0.42.0",
			PURL:     sbom.GoPURL("golang.org/x/mod", "v0.42.0"),
			Licenses: []string{"BSD-3-Clause"},
		}},
		[]sbom.Dependency{{Ref: "myapp@1.0.0", DependsOn: []string{"pkg:golang/golang.org/x/mod@v0.42.0"}}},
		sbom.Options{Now: exampleTime},
	)
	if err != nil {
		log.Fatal(err)
	}
	return doc
}

func ExampleFromComponents() {
	doc, err := sbom.FromComponents(
		sbom.Component{Type: sbom.TypeApplication, Name: "myapp", Version: "1.0.0"},
		[]sbom.Component{{Name: "golang.org/x/mod", Version: "v0.42.0", PURL: sbom.GoPURL("golang.org/x/mod", "v0.42.0")}},
		[]sbom.Dependency{{Ref: "myapp@1.0.0", DependsOn: []string{"pkg:golang/golang.org/x/mod@v0.42.0"}}},
		sbom.Options{Now: exampleTime},
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.Subject.ID, "->", doc.Dependencies[0].DependsOn)
	// Output: myapp@1.0.0 -> [pkg:golang/golang.org/x/mod@v0.42.0]
}

func ExampleFromModule() {
	// The go command lists the module graph; here only from the module cache.
	doc, err := sbom.FromModule(context.Background(), "testdata/fixturemod", sbom.Options{
		Now: exampleTime,
		Env: []string{"GOPROXY=off", "GOFLAGS=-mod=readonly"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.Subject.Name, doc.Subject.Licenses)
	for _, c := range doc.Components {
		fmt.Println(c.PURL, c.Licenses)
	}
	// Output:
	// example.com/fixturemod [MIT]
	// pkg:golang/github.com/go-logr/logr@v1.4.4 [Apache-2.0]
	// pkg:golang/github.com/go-logr/stdr@v1.2.2 [Apache-2.0]
	// pkg:golang/github.com/google/go-cmp@v0.7.0 [BSD-3-Clause]
	// pkg:golang/github.com/package-url/packageurl-go@v0.1.7 [MIT]
}

func ExampleFromBinary() {
	// Any Go binary works; a test binary is one too.
	doc, err := sbom.FromBinary(os.Args[0], sbom.Options{Now: exampleTime})
	if err != nil {
		log.Fatal(err)
	}
	hasStdlib := slices.ContainsFunc(doc.Components, func(c sbom.Component) bool { return c.Name == "stdlib" })
	fmt.Println(doc.Subject.Type, doc.Subject.Hashes[0].Algorithm, hasStdlib)
	// Output: application SHA-256 true
}

func ExampleFromBuildInfo() {
	bi, ok := debug.ReadBuildInfo() // the running program's own build information
	if !ok {
		log.Fatal("no build info")
	}
	doc, err := sbom.FromBuildInfo(bi, "self", sbom.Options{Now: exampleTime})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.Subject.ID, len(doc.Subject.Hashes))
	// Output: binary:self 0
}

func ExampleEncodeCycloneDX() {
	out, err := sbom.EncodeCycloneDX(exampleDoc())
	if err != nil {
		log.Fatal(err)
	}
	doc, _ := sbom.DecodeCycloneDX(out)
	fmt.Println(doc.Serial)
	// Output: urn:uuid:56f7b8c7-9e96-8125-a265-ccb8b75c56c5
}

func ExampleEncodeSPDX() {
	out, err := sbom.EncodeSPDX(exampleDoc())
	if err != nil {
		log.Fatal(err)
	}
	doc, _ := sbom.DecodeSPDX(out)
	fmt.Println(doc.Namespace)
	// Output: https://spdx.org/spdxdocs/chainproof/myapp-e85bbeaf-548a-82df-be19-9974a3640b40
}

func ExampleEncode() {
	for _, f := range []sbom.Format{sbom.CycloneDX, sbom.SPDX} {
		out, err := sbom.Encode(exampleDoc(), f)
		if err != nil {
			log.Fatal(err)
		}
		got, _ := sbom.DetectFormat(out)
		fmt.Println(f, got, sbom.CheckJSON(out))
	}
	// Output:
	// cyclonedx cyclonedx <nil>
	// spdx spdx <nil>
}

func ExampleDecode() {
	data, err := os.ReadFile("testdata/fixturemod.spdx.json.golden")
	if err != nil {
		log.Fatal(err)
	}
	doc, format, err := sbom.Decode(data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(format, doc.Subject.Name, len(doc.Components), doc.Created.Format(time.RFC3339))
	// Output: spdx example.com/fixturemod 4 2026-01-02T03:04:05Z
}

func ExampleDecodeCycloneDX() {
	doc, err := sbom.DecodeCycloneDX([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6",
		"components":[{"type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0",
		"licenses":[{"license":{"name":"Custom terms"}}]}]}`))
	if err != nil {
		log.Fatal(err)
	}
	c := doc.Components[0]
	fmt.Println(c.Ref(), c.Licenses)
	// Output: pkg:npm/left-pad@1.3.0 [LicenseRef-Custom-terms]
}

func ExampleDecodeSPDX() {
	data, err := os.ReadFile("testdata/external/SPDXJSONExample-v2.3.spdx.json")
	if err != nil {
		log.Fatal(err)
	}
	doc, err := sbom.DecodeSPDX(data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.Subject.Name, doc.Subject.Version, doc.Subject.Licenses)
	// Output: glibc 2.11.1 [(LGPL-2.0-only AND LicenseRef-3)]
}

func ExampleDetectFormat() {
	f, err := sbom.DetectFormat([]byte(`{"spdxVersion":"SPDX-2.3"}`))
	fmt.Println(f, err)
	// Output: spdx <nil>
}

func ExampleCheckJSON() {
	err := sbom.CheckJSON([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6",
		"components":[{"type":"library","name":"a","bom-ref":"a"}],
		"dependencies":[{"ref":"a","dependsOn":["b"]}]}`))
	var e *sbom.Error
	if errors.As(err, &e) {
		fmt.Println(e.Check, e.Path, e.Value)
	}
	// Output: dangling-ref /dependencies/0/dependsOn/0 b
}

func ExampleDocument_Validate() {
	doc := exampleDoc()
	doc.Components[0].GoSum = "6a0b1c..." // not an h1: hash
	err := doc.Validate()
	fmt.Println(errors.Is(err, sbom.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true
	// sbom: go-sum: Components[0].GoSum ("6a0b1c..."): invalid document: not an h1: go.sum hash
}

func ExampleComponent_Ref() {
	c := sbom.Component{Name: "left-pad", Version: "1.3.0"}
	fmt.Println(c.Ref())
	c.PURL = "pkg:npm/left-pad@1.3.0"
	fmt.Println(c.Ref())
	// Output:
	// left-pad@1.3.0
	// pkg:npm/left-pad@1.3.0
}

func ExampleSourceDateEpoch() {
	os.Setenv("SOURCE_DATE_EPOCH", "1767323045")
	defer os.Unsetenv("SOURCE_DATE_EPOCH")
	t, ok, err := sbom.SourceDateEpoch()
	fmt.Println(t.Format(time.RFC3339), ok, err)
	// Output: 2026-01-02T03:04:05Z true <nil>
}

func ExampleGoPURL() {
	fmt.Println(sbom.GoPURL("github.com/google/go-cmp", "v0.7.0"))
	// Output: pkg:golang/github.com/google/go-cmp@v0.7.0
}

func ExampleLicenseRef() {
	fmt.Println(sbom.LicenseRef("ACME Corp. EULA v2"))
	// Output: LicenseRef-ACME-Corp.-EULA-v2
}
