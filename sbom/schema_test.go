package sbom

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The vendored official schemas (testdata/schemas/SOURCES.md), registered
// under their $id so references resolve offline.
var schemaFiles = map[string]string{
	"http://cyclonedx.org/schema/bom-1.6.schema.json":  "bom-1.6.schema.json",
	"http://cyclonedx.org/schema/spdx.schema.json":     "spdx.schema.json",
	"http://cyclonedx.org/schema/jsf-0.82.schema.json": "jsf-0.82.schema.json",
	"http://spdx.org/rdf/terms/2.3":                    "spdx-schema.json",
}

var (
	schemaOnce sync.Once
	cdxSchema  *jsonschema.Schema
	spdxSchema *jsonschema.Schema
	schemaErr  error
)

func loadSchemas() {
	c := jsonschema.NewCompiler()
	c.UseLoader(noNetwork{})
	for id, file := range schemaFiles {
		f, err := os.Open(filepath.Join(testdataDir(), "schemas", file))
		if err != nil {
			schemaErr = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			schemaErr = err
			return
		}
		if err := c.AddResource(id, doc); err != nil {
			schemaErr = err
			return
		}
	}
	if cdxSchema, schemaErr = c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json"); schemaErr != nil {
		return
	}
	spdxSchema, schemaErr = c.Compile("http://spdx.org/rdf/terms/2.3")
}

// noNetwork refuses every URL not added as a resource.
type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) {
	return nil, &os.PathError{Op: "load", Path: url, Err: os.ErrNotExist}
}

// testdataDir finds sbom/testdata whichever package's test runs this.
func testdataDir() string {
	if _, err := os.Stat("testdata/schemas"); err == nil {
		return "testdata"
	}
	return filepath.Join("..", "..", "sbom", "testdata")
}

// SchemaValidate validates a CycloneDX 1.6 or SPDX 2.3 JSON document
// against the vendored official schema only.
func SchemaValidate(data []byte) error {
	schemaOnce.Do(loadSchemas)
	if schemaErr != nil {
		return schemaErr
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	f, err := DetectFormat(data)
	if err != nil {
		return err
	}
	if f == CycloneDX {
		return cdxSchema.Validate(inst)
	}
	return spdxSchema.Validate(inst)
}

// ValidateSBOM is what every test applies to every SBOM it produces: the
// official schema and the checks the schema misses (CheckJSON).
func ValidateSBOM(t testing.TB, data []byte) {
	t.Helper()
	if err := SchemaValidate(data); err != nil {
		t.Fatalf("schema validation failed: %v", err)
	}
	if err := CheckJSON(data); err != nil {
		t.Fatalf("CheckJSON: %v", err)
	}
}
