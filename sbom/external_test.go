package sbom_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chainproof/chainproof/internal/sbomtest"
	"github.com/chainproof/chainproof/sbom"
)

// TestCrossCheckCycloneDXGomod decodes what cyclonedx-gomod (an
// independent implementation) says about the fixture module and compares
// it with what FromModule finds.
func TestCrossCheckCycloneDXGomod(t *testing.T) {
	data, err := os.ReadFile("testdata/external/cyclonedx-gomod-fixturemod.cdx.json")
	if err != nil {
		t.Fatal(err)
	}
	theirs, f, err := sbom.Decode(data)
	if err != nil || f != sbom.CycloneDX {
		t.Fatalf("Decode = %v, %v", f, err)
	}
	ours, err := sbom.FromModule(context.Background(), "testdata/fixturemod", opts())
	if err != nil {
		t.Fatal(err)
	}
	type mod struct{ Name, Version, PURL, License string }
	list := func(d *sbom.Document) (out []mod) {
		for _, c := range d.Components {
			purl, _, _ := strings.Cut(c.PURL, "?") // cyclonedx-gomod adds type/goos/goarch qualifiers
			out = append(out, mod{c.Name, c.Version, purl, strings.Join(c.Licenses, " AND ")})
		}
		return out
	}
	want, got := list(theirs), list(ours)
	// cyclonedx-gomod v1.7.0 finds no license in packageurl-go's LICENSE
	// (it is MIT; licensecheck classifies it).
	for i := range want {
		if want[i].Name == "github.com/package-url/packageurl-go" && want[i].License == "" {
			want[i].License = "MIT"
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("components differ (-cyclonedx-gomod +sbom):\n%s", d)
	}
	if theirs.Subject.Name != ours.Subject.Name {
		t.Errorf("subject %q vs %q", theirs.Subject.Name, ours.Subject.Name)
	}
	// Edges, by name.
	edges := func(d *sbom.Document) map[string]bool {
		names := map[string]string{d.Subject.Ref(): d.Subject.Name}
		for _, c := range d.Components {
			names[c.Ref()] = c.Name
		}
		m := map[string]bool{}
		for _, dep := range d.Dependencies {
			for _, to := range dep.DependsOn {
				m[names[dep.Ref]+" -> "+names[to]] = true
			}
		}
		return m
	}
	// Every edge cyclonedx-gomod reports is ours too, and no other: both
	// follow the package graph (go mod graph would add the main module's
	// "// indirect" requirement on logr, which only stdr imports).
	oe := edges(ours)
	for e := range edges(theirs) {
		if !oe[e] {
			t.Errorf("edge %s missing", e)
		}
		delete(oe, e)
	}
	if d := cmp.Diff(map[string]bool{}, oe); d != "" {
		t.Errorf("extra edges (-want +got):\n%s", d)
	}
}

// TestDecodeSPDXExample decodes the SPDX project's 2.3 example document.
func TestDecodeSPDXExample(t *testing.T) {
	data, err := os.ReadFile("testdata/external/SPDXJSONExample-v2.3.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := sbomtest.SchemaValidate(data); err != nil {
		t.Fatalf("the example fails the schema: %v", err)
	}
	doc, f, err := sbom.Decode(data)
	if err != nil || f != sbom.SPDX {
		t.Fatalf("Decode = %v, %v", f, err)
	}
	if doc.Subject.Name != "glibc" || doc.Subject.Version != "2.11.1" || doc.Subject.ID != "SPDXRef-Package" {
		t.Errorf("subject = %+v", doc.Subject)
	}
	if doc.Name != "SPDX-Tools-v2.0" || !strings.HasPrefix(doc.Namespace, "http://spdx.org/spdxdocs/") || doc.Created.IsZero() {
		t.Errorf("document = %q %q %v", doc.Name, doc.Namespace, doc.Created)
	}
	if len(doc.Components) != 4 {
		t.Errorf("%d components, want 4", len(doc.Components))
	}
	var sha1 bool
	for _, h := range doc.Subject.Hashes {
		sha1 = sha1 || h.Algorithm == sbom.SHA1
	}
	if !sha1 || len(doc.Subject.Licenses) != 1 {
		t.Errorf("subject hashes/licenses: %+v %v", doc.Subject.Hashes, doc.Subject.Licenses)
	}
	for _, c := range doc.Components {
		t.Logf("component %s %s %s %v", c.ID, c.Name, c.Version, c.Licenses)
	}
	t.Logf("dependencies %v", doc.Dependencies)
}
