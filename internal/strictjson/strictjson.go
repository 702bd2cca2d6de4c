// Package strictjson checks JSON text for what encoding/json lets
// through and a signature must not: duplicate object keys (two readers of
// the same signed bytes could then see different values), nesting beyond
// a bound, and data after the value. It streams, so checking a large
// document holds one token at a time, not a copy of the document.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Errors returned by CheckObject, wrapped with detail.
var (
	ErrSyntax       = errors.New("strictjson: invalid JSON")
	ErrNotObject    = errors.New("strictjson: not a JSON object")
	ErrDuplicateKey = errors.New("strictjson: duplicate key")
	ErrTooDeep      = errors.New("strictjson: nesting too deep")
	ErrTrailing     = errors.New("strictjson: data after the JSON value")
)

// CheckObject reports whether data is exactly one JSON object, in valid
// UTF-8, with no
// duplicate key in any object at any depth (keys compared after
// unescaping), nesting at most maxDepth objects and arrays (the outer
// object counts 1), and nothing but whitespace after it.
//
// It allocates only for object keys: values, however long, are skipped in
// place, so checking a document with a 50 MB string costs no copy of it.
func CheckObject(data []byte, maxDepth int) error {
	// JSON text is UTF-8 (RFC 8259). encoding/json replaces invalid bytes
	// with U+FFFD, so keys that differ only in invalid bytes would be
	// distinct here and equal there: refuse them outright.
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: invalid UTF-8", ErrSyntax)
	}
	if !json.Valid(data) {
		var raw json.RawMessage
		err := json.Unmarshal(data, &raw) // for the message; RawMessage copies nothing on error
		if err == nil {
			err = errors.New("invalid JSON")
		}
		if strings.Contains(err.Error(), "after top-level value") {
			return fmt.Errorf("%w: %v", ErrTrailing, err)
		}
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return ErrNotObject
	}
	// data is valid JSON from here on, so the scan can be simple: a string
	// after '{' or after ',' inside an object is a key.
	type frame struct {
		object    bool
		expectKey bool
		keys      Keys
	}
	var stack []frame
	for i := 0; i < len(data); {
		switch data[i] {
		case '{', '[':
			if len(stack) >= maxDepth {
				return fmt.Errorf("%w: deeper than %d", ErrTooDeep, maxDepth)
			}
			stack = append(stack, frame{object: data[i] == '{', expectKey: data[i] == '{'})
			i++
		case '}', ']':
			stack = stack[:len(stack)-1]
			i++
		case ',':
			if top := &stack[len(stack)-1]; top.object {
				top.expectKey = true
			}
			i++
		case '"':
			end := stringEnd(data, i)
			if top := &stack[len(stack)-1]; top.object && top.expectKey {
				key, err := unquote(data[i:end])
				if err != nil {
					return fmt.Errorf("%w: %v", ErrSyntax, err)
				}
				if err := top.keys.Add(key); err != nil {
					return err
				}
				top.expectKey = false
			}
			i = end
		default: // whitespace, ':', numbers, true, false, null
			i++
		}
	}
	return nil
}

// stringEnd returns the index just after the string starting at data[i]
// (a '"'), in valid JSON.
func stringEnd(data []byte, i int) int {
	for p := i + 1; ; {
		q := bytes.IndexByte(data[p:], '"')
		p += q
		// The quote ends the string unless an odd number of backslashes
		// precedes it.
		n := 0
		for k := p - 1; k > i && data[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return p + 1
		}
		p++
	}
}

func unquote(quoted []byte) (string, error) {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1 : len(quoted)-1]), nil
	}
	var s string
	err := json.Unmarshal(quoted, &s)
	return s, err
}

// Keys is the set of keys seen in one JSON object, compared after
// unescaping. It is the module's one duplicate-key check: CheckObject, package
// dsse's streaming parser and verify's YAML policy reader use it (proof's
// canonicalizer finds a duplicate as a by-product of sorting the keys). The zero value is empty.
type Keys struct {
	m map[string]struct{}
}

// Add records key and reports ErrDuplicateKey (quoting at most 80 runes
// of the key) if it was already there.
func (k *Keys) Add(key string) error {
	if k.m == nil {
		k.m = make(map[string]struct{}, 4)
	}
	if _, dup := k.m[key]; dup {
		return fmt.Errorf("%w: %.80q", ErrDuplicateKey, key)
	}
	k.m[key] = struct{}{}
	return nil
}

// Len is the number of keys recorded.
func (k *Keys) Len() int { return len(k.m) }
