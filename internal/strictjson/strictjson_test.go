package strictjson_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chainproof/chainproof/internal/strictjson"
)

func TestCheckObject(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{
		{`{}`, nil},
		{` {"a":[1,{"b":2},{"b":3}],"c":{"a":1}} `, nil},
		{`{"a":1,"a":2}`, strictjson.ErrDuplicateKey},
		{`{"a":1,"\u0061":2}`, strictjson.ErrDuplicateKey},
		{`{"x":{"k":1,"y":[{"k":1,"k":2}]}}`, strictjson.ErrDuplicateKey},
		{`{"subject":1,"SUBJECT":2}`, nil}, // distinct keys; exact-key readers must pick one
		{`[]`, strictjson.ErrNotObject},
		{`"s"`, strictjson.ErrNotObject},
		{`{"a":1}{}`, strictjson.ErrTrailing},
		{`{"a":1} x`, strictjson.ErrTrailing},
		{`{"a":}`, strictjson.ErrSyntax},
		{`{"a":1`, strictjson.ErrSyntax},
		{``, strictjson.ErrSyntax},
		{`{"a":` + strings.Repeat("[", 10) + strings.Repeat("]", 10) + `}`, strictjson.ErrTooDeep},
	} {
		err := strictjson.CheckObject([]byte(tc.in), 8)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("CheckObject(%s) = %v, want %v", tc.in, err, tc.want)
		}
	}
}

func TestCheckObjectStrings(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{
		{`{"a":"x\"y","a\"":1,"a\\":2}`, nil},
		{`{"a":"{\"a\":1,\"a\":2}"}`, nil}, // JSON inside a string is just a string
		// Distinct bytes, but encoding/json reads both keys as U+FFFD U+FFFD.
		{"{\"\x90\x90\":1,\"\x93\x93\":2}", strictjson.ErrSyntax},
		{"{\"a\":\"\xff\"}", strictjson.ErrSyntax},
		{`{"k\\":1,"k\u005c":2}`, strictjson.ErrDuplicateKey},
		{`{"a":"\\","a":1}`, strictjson.ErrDuplicateKey},
		{`{"a":["x","y"],"b":{"a":"a"},"a":0}`, strictjson.ErrDuplicateKey},
		{`{"big":"` + strings.Repeat("x", 1<<20) + `","big":1}`, strictjson.ErrDuplicateKey},
	} {
		err := strictjson.CheckObject([]byte(tc.in), 8)
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("CheckObject(%.60s) = %v, want %v", tc.in, err, tc.want)
		}
	}
}

// reference is a straightforward token-by-token checker (the earlier
// implementation), against which FuzzCheckObject compares CheckObject.
func reference(data []byte, maxDepth int) error {
	if !utf8.Valid(data) {
		return strictjson.ErrSyntax
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object, expectKey bool
		keys              map[string]bool
	}
	var stack []*frame
	for first := true; first || len(stack) > 0; first = false {
		tok, err := dec.Token()
		if err != nil {
			return strictjson.ErrSyntax
		}
		if first {
			if d, ok := tok.(json.Delim); !ok || d != '{' {
				return strictjson.ErrNotObject
			}
			stack = append(stack, &frame{object: true, expectKey: true, keys: map[string]bool{}})
			continue
		}
		top := stack[len(stack)-1]
		done := func() {
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].expectKey = true
			}
		}
		if top.object && top.expectKey {
			if k, ok := tok.(string); ok {
				if top.keys[k] {
					return strictjson.ErrDuplicateKey
				}
				top.keys[k], top.expectKey = true, false
			} else {
				stack = stack[:len(stack)-1]
				done()
			}
			continue
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				if len(stack) >= maxDepth {
					return strictjson.ErrTooDeep
				}
				stack = append(stack, &frame{object: d == '{', expectKey: d == '{', keys: map[string]bool{}})
			} else {
				stack = stack[:len(stack)-1]
				done()
			}
			continue
		}
		done()
	}
	if _, err := dec.Token(); err != io.EOF {
		return strictjson.ErrTrailing
	}
	return nil
}

func FuzzCheckObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"a":2}`, `{"a":[{"b":"\"","b":1}]}`, `{"a":"\\"}`, `{"x":{"y":{"z":[[[]]]}}}`, `[]`, `{"a":1} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, want := strictjson.CheckObject(data, 6), reference(data, 6)
		if (got == nil) != (want == nil) {
			t.Fatalf("CheckObject = %v, reference = %v", got, want)
		}
		// Both reject: the reasons agree on duplicates and depth, the
		// verdicts that matter for signatures.
		for _, e := range []error{strictjson.ErrDuplicateKey, strictjson.ErrTooDeep} {
			if want != nil && errors.Is(want, e) && json.Valid(data) && !errors.Is(got, e) {
				t.Fatalf("CheckObject = %v, reference = %v", got, want)
			}
		}
	})
}
