package sbomtest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/internal/itest"
	"github.com/chainproof/chainproof/internal/sbomtest"
)

// TestValidateFiles validates the SBOM files named in SBOMTEST_FILES
// (space-separated), for CI steps that produce SBOMs with programs.
func TestValidateFiles(t *testing.T) {
	files := strings.Fields(os.Getenv("SBOMTEST_FILES"))
	if len(files) == 0 {
		itest.Skip(t, itest.CISBOMs, "SBOMTEST_FILES not set (.ci/test.d/66-sbom-example.sh sets it)")
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := sbomtest.Validate(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	for _, doc := range []string{
		`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":""}]}`,
		`{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:3E671687-395B-41F5-A30F-A58921A69B79"}`,
		`{"spdxVersion":"SPDX-2.3"}`,
		`[]`,
	} {
		if err := sbomtest.Validate([]byte(doc)); err == nil {
			t.Errorf("accepted %s", doc)
		}
	}
}
