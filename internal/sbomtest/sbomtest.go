// Package sbomtest validates SBOMs in tests: against the official
// CycloneDX 1.6 and SPDX 2.3 JSON schemas vendored in sbom/testdata/schemas
// (loaded offline with github.com/santhosh-tekuri/jsonschema/v6), and
// with sbom.CheckJSON for what the schemas miss.
//
// It finds the schemas relative to its own source file, so it works in
// any package's tests inside this repository; it is not meant for
// programs.
package sbomtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/chainproof/chainproof/sbom"
)

// Schema $ids and the vendored files they are loaded from.
var schemaFiles = map[string]string{
	"http://cyclonedx.org/schema/bom-1.6.schema.json":  "bom-1.6.schema.json",
	"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
	"http://cyclonedx.org/schema/jsf-0.82.schema.json": "jsf-0.82.schema.json",
	"http://spdx.org/rdf/terms/2.3":                    "spdx-schema.json",
}

var (
	once       sync.Once
	cdxSchema  *jsonschema.Schema
	spdxSchema *jsonschema.Schema
	loadErr    error
)

// SchemaDir is the directory holding the vendored schemas.
func SchemaDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "sbom", "testdata", "schemas")
}

func load() {
	c := jsonschema.NewCompiler()
	c.UseLoader(noNetwork{})
	for id, file := range schemaFiles {
		data, err := os.ReadFile(filepath.Join(SchemaDir(), file))
		if err != nil {
			loadErr = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			loadErr = fmt.Errorf("%s: %w", file, err)
			return
		}
		if err := c.AddResource(id, doc); err != nil {
			loadErr = err
			return
		}
	}
	if cdxSchema, loadErr = c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json"); loadErr != nil {
		return
	}
	spdxSchema, loadErr = c.Compile("http://spdx.org/rdf/terms/2.3")
}

// noNetwork refuses every URL not added as a resource.
type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) {
	return nil, fmt.Errorf("sbomtest: schema %s is not vendored (no network access)", url)
}

// SchemaValidate validates a CycloneDX or SPDX JSON document against the
// official CycloneDX 1.6 or SPDX 2.3 schema only.
func SchemaValidate(data []byte) error {
	once.Do(load)
	if loadErr != nil {
		return loadErr
	}
	f, err := sbom.DetectFormat(data)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if f == sbom.CycloneDX {
		return cdxSchema.Validate(inst)
	}
	return spdxSchema.Validate(inst)
}

// Validate applies the official schema and sbom.CheckJSON.
func Validate(data []byte) error {
	if err := SchemaValidate(data); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	return sbom.CheckJSON(data)
}

// Check fails the test unless data passes Validate.
func Check(t testing.TB, data []byte) {
	t.Helper()
	if err := Validate(data); err != nil {
		t.Fatalf("sbom does not validate: %v", err)
	}
}
