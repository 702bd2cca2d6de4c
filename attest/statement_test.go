package attest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/chainproof/chainproof/attest"
)

const (
	sha256Hello = "e491b4007c2246f2ba290747530c6d77eece7099f74b3b4f3626dff9c01a510e"
	sha256CLI   = "bef3ff124004eafc55f1629f5658a116f69b669455c8c4c8eb865ffc879b3131"
)

// testStatement is a statement with a custom predicate exercising keys
// that need sorting, unicode, numbers and nesting.
func testStatement(t testing.TB) *intoto.Statement {
	t.Helper()
	a, err := attest.SubjectFromDigest("hello.txt", "sha256:"+sha256Hello)
	if err != nil {
		t.Fatal(err)
	}
	b, err := attest.NewSubject("pkg:golang/github.com/chainproof/chainproof@v0.3.1", map[string]string{
		"sha256":    sha256CLI,
		"gitCommit": "5f3c1e9a7b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e",
		"goModHash": "h1:abc=",
	})
	if err != nil {
		t.Fatal(err)
	}
	pred, err := attest.PredicateFromJSON([]byte(`{
		"result": "pass", "passed": 118, "failed": 0, "ratio": 0.25, "big": 1e21,
		"zeta": {"é": "ünïcödé", "a": [true, null, "<&>"]}, "Alpha": "upper first"}`))
	if err != nil {
		t.Fatal(err)
	}
	st, err := attest.NewStatement("https://in-toto.io/attestation/test-result/v0.1", pred, a, b)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestGoldenStatement(t *testing.T) {
	got, err := attest.Marshal(testStatement(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "statement.golden", got)
	checkRoundTrip(t, got)
}

// checkRoundTrip: Parse accepts b, and Marshal gives b back, repeatedly.
func checkRoundTrip(t *testing.T, b []byte) {
	t.Helper()
	st, err := attest.Parse(b)
	if err != nil {
		t.Fatalf("Parse(golden): %v", err)
	}
	for i := 0; i < 20; i++ {
		again, err := attest.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("Marshal(Parse(b)) != b on try %d:\n%s\n%s", i, again, b)
		}
	}
}

// TestMarshalIgnoresProtojsonInstability: protojson's output differs in
// whitespace between processes; Marshal's must not. We can only observe
// one process, so check that Marshal of a protojson-reparsed copy, of a
// proto.Clone, and of indented protojson all agree.
func TestMarshalStable(t *testing.T) {
	st := testStatement(t)
	want, err := attest.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []protojson.MarshalOptions{{}, {Multiline: true, Indent: "  "}, {UseProtoNames: true}} {
		raw, err := opts.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		cp := new(intoto.Statement)
		if err := protojson.Unmarshal(raw, cp); err != nil {
			t.Fatal(err)
		}
		got, err := attest.Marshal(cp)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Marshal differs after a protojson round trip:\n%s\n%s", got, want)
		}
	}
	got, err := attest.Marshal(proto.Clone(st).(*intoto.Statement))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Marshal(Clone) = %s, %v", got, err)
	}
}

// TestGoldenCanonicalPython cross-checks every golden statement against an
// independent canonicalizer: Python's json module with sorted keys and no
// whitespace (equal to RFC 8785 for these inputs: BMP keys, integers and
// short decimals).
func TestGoldenCanonicalPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	const script = `import json,sys
d=json.load(open(sys.argv[1],encoding="utf-8"))
sys.stdout.buffer.write(json.dumps(d,sort_keys=True,separators=(",",":"),ensure_ascii=False).encode("utf-8"))`
	for _, f := range files {
		out, err := exec.Command(py, "-c", script, f).Output()
		if err != nil {
			t.Fatalf("%s: python: %v", f, err)
		}
		// Python writes 1e21 as 1e+21 and RFC 8785 as 1e+21 too; both
		// write 0.25 the same. Compare bytes.
		if got := readFile(t, f); !bytes.Equal(got, out) {
			t.Errorf("%s is not what python's canonical json gives:\n go: %s\n py: %s", f, got, out)
		}
	}
}

func TestParseRejects(t *testing.T) {
	sub := `"subject":[{"name":"a","digest":{"sha256":"` + sha256Hello + `"}}]`
	pt := `"predicateType":"https://example.com/p/v1"`
	ok := `{"_type":"https://in-toto.io/Statement/v1",` + sub + `,` + pt + `,"predicate":{}}`
	if _, err := attest.Parse([]byte(ok)); err != nil {
		t.Fatalf("baseline statement rejected: %v", err)
	}
	digest := func(alg, v string) string {
		return `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"` + alg + `":"` + v + `"}}],` + pt + `}`
	}
	tests := []struct {
		name, in string
		err      error
		field    string
	}{
		{"empty", ``, attest.ErrMalformed, ""},
		{"array", `[]`, attest.ErrMalformed, ""},
		{"string", `"x"`, attest.ErrMalformed, ""},
		{"syntax", `{"_type":}`, attest.ErrMalformed, ""},
		{"truncated", ok[:len(ok)-1], attest.ErrMalformed, ""},
		{"trailing object", ok + `{}`, attest.ErrMalformed, ""},
		{"trailing garbage", ok + `x`, attest.ErrMalformed, ""},
		{"dup top-level key", `{"_type":"https://in-toto.io/Statement/v1","_type":"https://in-toto.io/Statement/v1",` + sub + `,` + pt + `}`, attest.ErrDuplicateKey, ""},
		{"dup escaped key", `{"_type":"https://in-toto.io/Statement/v1","\u005ftype":"x",` + sub + `,` + pt + `}`, attest.ErrDuplicateKey, ""},
		{"dup nested key", `{"_type":"https://in-toto.io/Statement/v1",` + sub + `,` + pt + `,"predicate":{"a":{"b":1,"b":2}}}`, attest.ErrDuplicateKey, ""},
		{"dup digest key", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + sha256Hello + `","sha256":"` + sha256CLI + `"}}],` + pt + `}`, attest.ErrDuplicateKey, ""},
		{"too deep", `{"_type":"https://in-toto.io/Statement/v1",` + sub + `,` + pt + `,"predicate":` + strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200) + `}`, attest.ErrMalformed, ""},
		{"no _type", `{` + sub + `,` + pt + `}`, attest.ErrStatementType, "_type"},
		{"proto name type is not _type", `{"type":"https://in-toto.io/Statement/v1",` + sub + `,` + pt + `}`, attest.ErrStatementType, "_type"},
		{"case-folded _TYPE", `{"_TYPE":"https://in-toto.io/Statement/v1",` + sub + `,` + pt + `}`, attest.ErrStatementType, "_type"},
		{"v0.2", `{"_type":"https://in-toto.io/Statement/v0.2",` + sub + `,` + pt + `}`, attest.ErrStatementType, "_type"},
		{"trailing slash type", `{"_type":"https://in-toto.io/Statement/v1/",` + sub + `,` + pt + `}`, attest.ErrStatementType, "_type"},
		{"_type number", `{"_type":1,` + sub + `,` + pt + `}`, attest.ErrMalformed, "_type"},
		{"no subject", `{"_type":"https://in-toto.io/Statement/v1",` + pt + `}`, attest.ErrNoSubject, "subject"},
		{"empty subject", `{"_type":"https://in-toto.io/Statement/v1","subject":[],` + pt + `}`, attest.ErrNoSubject, "subject"},
		{"null subject", `{"_type":"https://in-toto.io/Statement/v1","subject":null,` + pt + `}`, attest.ErrNoSubject, "subject"},
		{"subject object", `{"_type":"https://in-toto.io/Statement/v1","subject":{},` + pt + `}`, attest.ErrMalformed, "subject"},
		{"subject element string", `{"_type":"https://in-toto.io/Statement/v1","subject":["a"],` + pt + `}`, attest.ErrMalformed, "subject"},
		{"subject without digest", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a"}],` + pt + `}`, attest.ErrDigestMissing, "subject[0].digest"},
		{"empty digest", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{}}],` + pt + `}`, attest.ErrDigestMissing, "subject[0].digest"},
		{"second subject bad", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + sha256Hello + `"}},{"name":"b"}],` + pt + `}`, attest.ErrDigestMissing, "subject[1].digest"},
		{"digest number", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":1}}],` + pt + `}`, attest.ErrMalformed, "subject[0].digest"},
		{"uppercase hex", digest("sha256", strings.ToUpper(sha256Hello)), attest.ErrDigestMalformed, "subject[0].digest.sha256"},
		{"short sha256", digest("sha256", sha256Hello[:63]), attest.ErrDigestMalformed, "subject[0].digest.sha256"},
		{"long sha256", digest("sha256", sha256Hello+"00"), attest.ErrDigestMalformed, "subject[0].digest.sha256"},
		{"non-hex sha256", digest("sha256", "g"+sha256Hello[1:]), attest.ErrDigestMalformed, "subject[0].digest.sha256"},
		{"sha256 prefix in value", digest("sha256", "sha256:"+sha256Hello), attest.ErrDigestMalformed, "subject[0].digest.sha256"},
		{"sha512 of sha256 length", digest("sha512", sha256Hello), attest.ErrDigestMalformed, "subject[0].digest.sha512"},
		{"gitCommit 41", digest("gitCommit", sha256Hello[:41]), attest.ErrDigestMalformed, "subject[0].digest.gitCommit"},
		{"empty value custom alg", digest("goModHash", ""), attest.ErrDigestMalformed, "subject[0].digest.goModHash"},
		{"empty algorithm", digest("", sha256Hello), attest.ErrDigestMalformed, "subject[0].digest"},
		{"no predicateType", `{"_type":"https://in-toto.io/Statement/v1",` + sub + `}`, attest.ErrPredicateType, "predicateType"},
		{"proto name predicate_type", `{"_type":"https://in-toto.io/Statement/v1",` + sub + `,"predicate_type":"x"}`, attest.ErrPredicateType, "predicateType"},
		{"predicate array", `{"_type":"https://in-toto.io/Statement/v1",` + sub + `,` + pt + `,"predicate":[]}`, attest.ErrMalformed, ""},
		{"predicate string", `{"_type":"https://in-toto.io/Statement/v1",` + sub + `,` + pt + `,"predicate":"x"}`, attest.ErrMalformed, ""},
		{"invalid utf8", "{\"_type\":\"https://in-toto.io/Statement/v1\"," + sub + "," + pt + ",\"predicate\":{\"a\":\"\xff\"}}", attest.ErrMalformed, ""},
		{"too large", `{"_type":"` + strings.Repeat("a", attest.MaxStatementSize) + `"}`, attest.ErrTooLarge, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := attest.Parse([]byte(tc.in))
			if st != nil {
				t.Fatalf("got a statement with error %v", err)
			}
			wantError(t, err, tc.err, tc.field)
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := map[string]string{
		"unknown fields ignored":     `{"_type":"https://in-toto.io/Statement/v1","x":[1,{"y":2}],"subject":[{"name":"a","digest":{"sha256":"` + sha256Hello + `"},"future":true}],"predicateType":"p"}`,
		"custom algorithm any form":  `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"goModHash":"h1:Zz/+=="}}],"predicateType":"p"}`,
		"gitCommit sha256 object id": `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"gitCommit":"` + sha256Hello + `"}}],"predicateType":"p"}`,
		"predicate null":             `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + sha256Hello + `"}}],"predicateType":"p","predicate":null}`,
		"all descriptor fields":      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"n","uri":"https://x/y","digest":{"sha256":"` + sha256Hello + `"},"content":"aGk=","downloadLocation":"https://x/y","mediaType":"text/plain","annotations":{"k":"v"}}],"predicateType":"p"}`,
		"whitespace around":          " \n\t{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"digest\":{\"sha256\":\"" + sha256Hello + "\"}}],\"predicateType\":\"p\"}\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			st, err := attest.Parse([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			b, err := attest.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, b)
		})
	}
	// Ignored aliases do not leak into the statement.
	st, err := attest.Parse([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + sha256Hello + `"},"download_location":"evil","Name":"evil"}],"predicateType":"p"}`))
	if err != nil {
		t.Fatal(err)
	}
	if s := st.GetSubject()[0]; s.GetDownloadLocation() != "" || s.GetName() != "" {
		t.Fatalf("alias honoured: %v", s)
	}
}

func TestValidateBuilt(t *testing.T) {
	good := testStatement(t)
	mut := func(f func(st *intoto.Statement)) *intoto.Statement {
		st := proto.Clone(good).(*intoto.Statement)
		f(st)
		return st
	}
	tests := []struct {
		name  string
		st    *intoto.Statement
		err   error
		field string
	}{
		{"nil", nil, attest.ErrMalformed, ""},
		{"type", mut(func(st *intoto.Statement) { st.Type = "https://in-toto.io/Statement/v2" }), attest.ErrStatementType, "_type"},
		{"nil subject entry", mut(func(st *intoto.Statement) { st.Subject[1] = nil }), attest.ErrDigestMissing, "subject[1].digest"},
		{"predicate type", mut(func(st *intoto.Statement) { st.PredicateType = "" }), attest.ErrPredicateType, "predicateType"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, attest.Validate(tc.st), tc.err, tc.field)
			_, err := attest.Marshal(tc.st)
			wantError(t, err, tc.err, tc.field)
		})
	}
	_, err := attest.NewStatement("p", nil)
	wantError(t, err, attest.ErrNoSubject, "subject")
	many := make([]*intoto.ResourceDescriptor, attest.MaxSubjects+1)
	for i := range many {
		many[i] = &intoto.ResourceDescriptor{Digest: map[string]string{"sha256": sha256Hello}}
	}
	_, err = attest.NewStatement("p", nil, many...)
	wantError(t, err, attest.ErrTooLarge, "subject")
}

// TestMutations: every truncation of a golden statement is rejected, and
// every single-byte change either is rejected or parses to a statement
// whose canonical bytes differ (never silently to the same statement).
func TestMutations(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	for _, f := range files {
		orig := readFile(t, f)
		if testing.Short() && len(orig) > 4096 {
			continue
		}
		for n := 0; n < len(orig); n++ {
			if _, err := attest.Parse(orig[:n]); err == nil {
				t.Fatalf("%s: truncation to %d bytes accepted", f, n)
			}
		}
		if len(orig) > 8192 {
			continue // flips of the large SBOM statements are slow; truncations suffice
		}
		b := make([]byte, len(orig))
		for i := range orig {
			for _, x := range []byte{0x01, 0x20} {
				copy(b, orig)
				b[i] ^= x
				st, err := attest.Parse(b)
				if err != nil {
					continue
				}
				again, err := attest.Marshal(st)
				if err != nil {
					t.Fatalf("%s: flip %d^%#x parsed but does not marshal: %v", f, i, x, err)
				}
				if bytes.Equal(again, orig) && !(x == 0x20 && (orig[i] == 'e' || orig[i] == 'E') && i > 0 && orig[i-1] >= '0' && orig[i-1] <= '9') {
					// (1e+21 and 1E+21 are the same number; nothing else may be equivalent.)
					t.Fatalf("%s: flip %d^%#x parsed to the original statement", f, i, x)
				}
			}
		}
	}
}

func TestPredicateFromJSON(t *testing.T) {
	for in, want := range map[string]error{
		`[]`:             attest.ErrMalformed,
		`{"a":1,"a":1}`:  attest.ErrDuplicateKey,
		`{"a":1} {}`:     attest.ErrMalformed,
		`{"a":1e999}`:    attest.ErrMalformed,
		`{"a":"\ud800"}`: nil, // lone surrogate: protojson decides
		strings.Repeat(" ", attest.MaxStatementSize+1): attest.ErrTooLarge,
	} {
		_, err := attest.PredicateFromJSON([]byte(in))
		if want == nil {
			continue
		}
		wantError(t, err, want, "predicate")
	}
}

func TestMarshalIsCompactSortedJSON(t *testing.T) {
	b, err := attest.Marshal(testStatement(t))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil || !bytes.Equal(buf.Bytes(), b) {
		t.Fatalf("not compact JSON: %v", err)
	}
	if !bytes.HasPrefix(b, []byte(`{"_type":"https://in-toto.io/Statement/v1","predicate":{"Alpha":`)) {
		t.Fatalf("unexpected key order: %.80s", b)
	}
	if !bytes.Contains(b, []byte(`"<&>"`)) || !bytes.Contains(b, []byte(`"ünïcödé"`)) {
		t.Fatalf("strings escaped beyond RFC 8785: %s", b)
	}
}

// Files and readers give the digests sha256sum/sha512sum give.
func TestSubjects(t *testing.T) {
	ctx := context.Background()
	s, err := attest.SubjectFromFile(ctx, filepath.Join("testdata", "artifacts", "hello.txt"), attest.HashOptions{SHA512: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.GetName() != "hello.txt" || s.GetDigest()["sha256"] != sha256Hello || len(s.GetDigest()["sha512"]) != 128 || len(s.GetDigest()) != 2 {
		t.Fatalf("got %v", s)
	}
	if sum, err := exec.Command("sha512sum", filepath.Join("testdata", "artifacts", "hello.txt")).Output(); err == nil {
		if want := strings.Fields(string(sum))[0]; s.GetDigest()["sha512"] != want {
			t.Fatalf("sha512 = %s, sha512sum says %s", s.GetDigest()["sha512"], want)
		}
	}
	r, err := attest.SubjectFromReader(ctx, "x", strings.NewReader("chainproof release artifact: hello\n"), attest.HashOptions{})
	if err != nil || r.GetDigest()["sha256"] != sha256Hello || len(r.GetDigest()) != 1 {
		t.Fatalf("got %v, %v", r, err)
	}

	_, err = attest.SubjectFromFile(ctx, "testdata", attest.HashOptions{})
	wantError(t, err, attest.ErrIO, "testdata")
	_, err = attest.SubjectFromFile(ctx, filepath.Join("testdata", "nonexistent"), attest.HashOptions{})
	wantError(t, err, os.ErrNotExist, filepath.Join("testdata", "nonexistent"))
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = attest.SubjectFromReader(cancelled, "x", strings.NewReader("data"), attest.HashOptions{})
	wantError(t, err, context.Canceled, "x")
	wantError(t, err, attest.ErrIO, "x")

	for _, bad := range []string{"", "sha256", sha256Hello, "sha256:", "SHA256:" + sha256Hello, "sha256:" + sha256Hello[1:], ":" + sha256Hello} {
		_, err := attest.SubjectFromDigest("x", bad)
		if err == nil {
			t.Errorf("SubjectFromDigest(%q) accepted", bad)
		} else if !strings.HasPrefix(err.Error(), "attest: digest") {
			t.Errorf("SubjectFromDigest(%q): %v", bad, err)
		}
	}
	// NewSubject copies its map.
	m := map[string]string{"sha256": sha256Hello}
	ns, _ := attest.NewSubject("n", m)
	m["sha256"] = "mutated"
	if ns.GetDigest()["sha256"] != sha256Hello {
		t.Fatal("NewSubject kept the caller's map")
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := attest.Parse([]byte(fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"%s"}}],"predicateType":"p"}`, strings.Repeat("A", 1000))))
	msg := err.Error()
	if !strings.HasPrefix(msg, "attest: subject[0].digest.sha256: malformed digest: not lowercase hex: \"AAAA") || len(msg) > 400 {
		t.Fatalf("message %q", msg)
	}
}
