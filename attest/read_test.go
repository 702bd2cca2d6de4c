package attest_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/attest"
)

// TestParseStatementAliases: the predicate of a parsed statement is the
// input's own bytes, not a copy (a 50 MB predicate costs no second copy).
func TestParseStatementAliases(t *testing.T) {
	payload := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + strings.Repeat("0", 64) + `"}}],"predicateType":"x://y","predicate":{"k":"` + strings.Repeat("v", 100) + `"}}`)
	st, err := attest.ParseStatement(payload)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(payload, []byte(`{"k"`))
	if len(st.Predicate) == 0 || &st.Predicate[0] != &payload[i] {
		t.Fatal("predicate copied")
	}
}

// TestParseStatementV01: Statement v0.1, which cosign's attest writes, is
// read by both readers.
func TestParseStatementV01(t *testing.T) {
	v01 := []byte(`{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"a","digest":{"sha256":"` + strings.Repeat("a", 64) + `"}}],"predicateType":"https://cosign.sigstore.dev/attestation/v1","predicate":{"Data":"x"}}`)
	st, err := attest.ParseStatement(v01)
	if err != nil || st.Type != attest.StatementTypeV01 {
		t.Fatalf("v0.1: %v, %v", st, err)
	}
	if _, err := attest.Parse(v01); err != nil {
		t.Fatalf("Parse v0.1: %v", err)
	}
}

// FuzzParseStatement: the reader never panics, agrees with Parse, and
// what it reads re-encodes to a statement it reads to the same fields.
func FuzzParseStatement(f *testing.F) {
	h := strings.Repeat("0", 64)
	for _, s := range []string{
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + h + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"x"}}}`,
		`{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"digest":{"sha512":"ab","sha256":"cd"}},{"name":"\u00e9"}],"predicateType":"p"}`,
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"goModHash":"h1:x="}}],"predicateType":"p","predicate":null}`,
		`{"a":{"a":1,"a":2}}`,
		`{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		st, err := attest.ParseStatement(payload)
		_, perr := attest.Parse(payload)
		if err != nil {
			if perr == nil {
				t.Fatalf("Parse accepts what ParseStatement refuses (%v): %q", err, payload)
			}
			return
		}
		again, err := json.Marshal(st)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		st2, err := attest.ParseStatement(again)
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
		}
	})
}
