package sbom_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/chainproof/chainproof/sbom"
)

// FuzzDecode: Decode and CheckJSON never panic; a decoded document that
// passes Validate encodes, and what it encodes to decodes again and
// encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	for _, pat := range []string{"testdata/*.golden", "testdata/external/*.json"} {
		files, _ := filepath.Glob(pat)
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil && len(data) < 64<<10 {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a","components":[{"name":"b"}]}]}`))
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[{"SPDXID":"SPDXRef-a","name":"a"}]}`))
	// Nulls where SPDX requires objects (a null package panicked in
	// tools-golang's SPDX 2.2 and 2.3 decoders).
	for _, v := range []string{"SPDX-2.2", "SPDX-2.3"} {
		for _, body := range []string{
			`"packages":[null]`, `"files":[null]`, `"relationships":[null]`, `"creationInfo":null`,
			`"annotations":[null]`, `"snippets":[null]`, `"hasExtractedLicensingInfos":[null]`,
			`"packages":[{"SPDXID":"SPDXRef-a","name":"a","externalRefs":[null],"checksums":[null],"hasFiles":["SPDXRef-f"]}]`,
		} {
			f.Add([]byte(`{"spdxVersion":"` + v + `",` + body + `}`))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = sbom.CheckJSON(data)
		doc, format, err := sbom.Decode(data)
		if err != nil || doc.Validate() != nil {
			return
		}
		out, err := sbom.Encode(doc, format)
		if err != nil {
			return // e.g. a serial or namespace the encoder refuses
		}
		doc2, _, err := sbom.Decode(out)
		if err != nil {
			t.Fatalf("re-decode: %v\n%s", err, out)
		}
		out2, err := sbom.Encode(doc2, format)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("not a fixed point:\n%s\n%s", out, out2)
		}
	})
}
