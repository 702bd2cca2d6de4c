package verify

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecodeStatement: the statement decoder never panics, aliases the
// payload it was given, and what it decodes re-encodes to a statement it
// decodes to the same fields.
func FuzzDecodeStatement(f *testing.F) {
	for _, s := range []string{
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"x"}}}`,
		`{"_type":"https://in-toto.io/Statement/v0.1","subject":[],"predicateType":"p"}`,
		`{"subject":[{"digest":{"sha512":"ab","sha256":"cd"}},{"name":"\u00e9"}],"predicate":[1,2,{"k":null}]}`,
		`{"a":{"a":1,"a":2}}`,
		`{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		st, err := decodeStatement(payload)
		if err != nil {
			return
		}
		if !bytes.Equal(st.Payload, payload) {
			t.Fatal("payload not kept")
		}
		_ = checkStatement(st)
		again, err := json.Marshal(st)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		st2, err := decodeStatement(again)
		if err != nil {
			t.Fatalf("re-encoded statement refused: %v\n%s", err, again)
		}
		if st2.Type != st.Type || st2.PredicateType != st.PredicateType || len(st2.Subject) != len(st.Subject) {
			t.Fatalf("round trip changed the statement:\n%q\n%q", payload, again)
		}
		for i := range st.Subject {
			a, b := st.Subject[i], st2.Subject[i]
			if a.Name != b.Name || len(a.Digest) != len(b.Digest) {
				t.Fatalf("subject %d changed: %+v -> %+v", i, a, b)
			}
			for k, v := range a.Digest {
				if b.Digest[k] != v {
					t.Fatalf("subject %d digest %q changed", i, k)
				}
			}
		}
	})
}
