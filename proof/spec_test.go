package proof

import (
	"os"
	"strings"
	"testing"
)

// TestSpecShipped: the specification doc.go points at ships beside the
// package, with the sections doc.go names.
func TestSpecShipped(t *testing.T) {
	spec, err := os.ReadFile("SPEC.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"## 1. Record on the wire", "## 2. Canonical form", "## 3. Verification rule", "## 4. in-toto and DSSE wrappers"} {
		if !strings.Contains(string(spec), h) {
			t.Errorf("SPEC.md lacks %q", h)
		}
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "SPEC.md beside this file") {
		t.Error("doc.go does not point at SPEC.md")
	}
}
