package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Bounds applied to a bundle's JSON text before it is decoded.
const (
	// MaxBundleArray bounds every array and object of a bundle: envelope signatures
	// (the DSSE limit, dsse.MaxSignatures), log entries, inclusion proof
	// hashes, certificates and timestamps all have far fewer.
	MaxBundleArray = 256
	// MaxCheckpointSize bounds a log entry's checkpoint (a signed note of
	// a few hundred bytes, with witness cosignatures a few more lines).
	MaxCheckpointSize = 64 << 10
	// MaxCheckpointSignatures bounds the signature lines of a checkpoint
	// (as golang.org/x/mod/sumdb/note does for notes).
	MaxCheckpointSignatures = 100
	// MaxBundleString bounds every string of a bundle's JSON, its object
	// keys included, except the DSSE payload: certificates, log entry
	// bodies, timestamps and signatures are a few kilobytes.
	MaxBundleString = 1 << 20
	// maxBundleDepth bounds the nesting of a bundle's JSON (a bundle
	// nests 6 deep).
	maxBundleDepth = 32
)

// prescan walks a bundle's JSON text once, without decoding it, and stops
// at the first array element or object member over MaxBundleArray, string
// over MaxBundleString (but the DSSE payload), checkpoint over
// MaxCheckpointSize or nesting over maxBundleDepth: a hostile bundle
// (an envelope with a million signatures, a checkpoint with a million
// signature lines) is refused before protojson allocates anything for it.
// It allocates only for escaped object keys. Text that is not valid JSON
// may pass; protojson refuses it next.
func prescan(data []byte) error {
	type frame struct {
		object    bool
		expectKey bool
		key       string // the member being read (objects), normalized
		n         int    // elements so far (arrays)
	}
	var stack [maxBundleDepth + 1]frame
	depth := 0 // frames in use
	// path returns whether the keys of the enclosing objects, outermost
	// first, end with want (array frames are skipped).
	path := func(want ...string) bool {
		i := len(want) - 1
		for d := depth - 1; d >= 0 && i >= 0; d-- {
			if !stack[d].object {
				continue
			}
			if stack[d].key != want[i] {
				return false
			}
			i--
		}
		return i < 0
	}
	for i := 0; i < len(data); {
		c := data[i]
		switch c {
		case '{', '[':
			if depth > 0 && !stack[depth-1].object {
				if stack[depth-1].n++; stack[depth-1].n > MaxBundleArray {
					return fmt.Errorf("array %s has more than %d elements", stack[depth-1].key, MaxBundleArray)
				}
			}
			if depth == maxBundleDepth {
				return fmt.Errorf("nested deeper than %d", maxBundleDepth)
			}
			key := ""
			if depth > 0 {
				key = stack[depth-1].key
			}
			stack[depth] = frame{object: c == '{', expectKey: c == '{', key: key}
			if c == '{' {
				stack[depth].key = ""
			}
			depth++
			i++
		case '}', ']':
			if depth > 0 {
				depth--
			}
			i++
		case ',':
			if depth > 0 && stack[depth-1].object {
				stack[depth-1].expectKey = true
			}
			i++
		case '"':
			end := jsonStringEnd(data, i)
			if depth == 0 {
				i = end
				continue
			}
			top := &stack[depth-1]
			if end-i > MaxBundleString && !(top.object && !top.expectKey && top.key == "payload" && path("dsseenvelope", "payload")) {
				return fmt.Errorf("string of %d bytes exceeds limit of %d", end-i, MaxBundleString)
			}
			switch {
			case top.object && top.expectKey:
				if top.n++; top.n > MaxBundleArray {
					return fmt.Errorf("object %s has more than %d members", top.key, MaxBundleArray)
				}
				top.key = normalizeKey(data[i:end])
				top.expectKey = false
			case !top.object:
				if top.n++; top.n > MaxBundleArray {
					return fmt.Errorf("array %s has more than %d elements", top.key, MaxBundleArray)
				}
			case top.key == "envelope" && path("verificationmaterial", "tlogentries", "inclusionproof", "checkpoint", "envelope"):
				if end-i > MaxCheckpointSize {
					return fmt.Errorf("checkpoint of %d bytes exceeds limit of %d", end-i, MaxCheckpointSize)
				}
			}
			i = end
		default:
			// Numbers, literals: an array element.
			if depth > 0 && !stack[depth-1].object && (c == '-' || c == 't' || c == 'f' || c == 'n' || ('0' <= c && c <= '9')) {
				top := &stack[depth-1]
				if top.n++; top.n > MaxBundleArray {
					return fmt.Errorf("array %s has more than %d elements", top.key, MaxBundleArray)
				}
				for i < len(data) && strings.IndexByte(",]} \t\r\n", data[i]) < 0 {
					i++
				}
				continue
			}
			i++
		}
	}
	return nil
}

// jsonStringEnd returns the index just after the string starting at
// data[i] (a '"'), or len(data) if it does not end.
func jsonStringEnd(data []byte, i int) int {
	for p := i + 1; p < len(data); {
		q := bytes.IndexByte(data[p:], '"')
		if q < 0 {
			return len(data)
		}
		p += q
		n := 0
		for k := p - 1; k > i && data[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return p + 1
		}
		p++
	}
	return len(data)
}

// maxFieldName bounds the object keys prescan compares (quotes and
// escapes included): longer ones name no bundle field.
const maxFieldName = 64

// normalizeKey returns an object key as protojson may match it to a field:
// either the JSON name (tlogEntries) or the proto name (tlog_entries), so
// underscores are dropped and case folded.
func normalizeKey(quoted []byte) string {
	if len(quoted) < 2 || quoted[len(quoted)-1] != '"' || len(quoted) > maxFieldName {
		return "" // no bundle field has a name this long
	}
	s := string(quoted[1 : len(quoted)-1])
	if strings.IndexByte(s, '\\') >= 0 {
		if err := json.Unmarshal(quoted, &s); err != nil {
			return ""
		}
	}
	return strings.ToLower(strings.ReplaceAll(s, "_", ""))
}
