package attest_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/chainproof/chainproof/attest"
)

// FuzzParse: Parse never panics; whatever it accepts marshals, and the
// marshalled form parses back to the same bytes (a fixed point).
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	for _, file := range files {
		f.Add(readFile(f, file))
	}
	for _, s := range []string{
		`{}`,
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e"}}],"predicateType":"p","predicate":{"a":[1,2.5,-0,1e308,"\u0000"]}}`,
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"gitCommit":"5f3c1e9a7b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e"},"content":"aGk=","annotations":{"x":null}}],"predicateType":"p"}`,
		`{"_type":"https://in-toto.io/Statement/v1","_type":"x"}`,
		`{"a":{"b":{"c":[[[[]]]]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := attest.Parse(data)
		if err != nil {
			if st != nil {
				t.Fatal("statement returned with an error")
			}
			return
		}
		b, err := attest.Marshal(st)
		if err != nil {
			t.Fatalf("parsed statement does not marshal: %v", err)
		}
		st2, err := attest.Parse(b)
		if err != nil {
			t.Fatalf("marshalled statement does not parse: %v\n%s", err, b)
		}
		b2, err := attest.Marshal(st2)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("not a fixed point: %v\n%s\n%s", err, b, b2)
		}
		// The typed predicate parsers must not panic either.
		_, _ = attest.ParseProvenance(st)
		_, _ = attest.ParseSBOM(st)
	})
}
