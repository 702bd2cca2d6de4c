package proof

// The canonical JSON encoder: a generic encoder of the Python form,
//
//	json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"),
//	           ensure_ascii=True, allow_nan=True)
//
// (PROOF-SPEC section 2; not RFC 8785). It knows nothing of proof records:
// layout.go splits a record's top-level object into the signed body and
// the fields outside it, from the member spans this encoder keeps when
// asked (canon.keepTop). Strings are in canonical_string.go, numbers in
// canonical_number.go.
//
// Input grammar: RFC 8259 JSON text plus Python's extra number tokens.
//
//	document = ws value ws                 ; nothing after it, no byte order mark
//	value    = object / array / string / number / "true" / "false" / "null"
//	         / "NaN" / "Infinity" / "-Infinity"
//	object   = "{" ws [ member *( ws "," ws member ) ws ] "}"   ; no duplicate key
//	member   = string ws ":" ws value
//	array    = "[" ws [ value *( ws "," ws value ) ws ] "]"
//	number   = [ "-" ] int [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
//	int      = "0" / %x31-39 *DIGIT       ; at most MaxIntegerDigits digits
//	string   = DQUOTE *( unescaped / escape ) DQUOTE   ; valid UTF-8, no
//	           control byte < 0x20, no lone surrogate \uD800-\uDFFF
//	ws       = *( SP / HTAB / LF / CR )
//
// with nesting at most MaxDepth deep. Output grammar (canonical form):
//
//	value    = object / array / string / number / "true" / "false" / "null"
//	         / "NaN" / "Infinity" / "-Infinity"
//	object   = "{" [ string ":" value *( "," string ":" value ) ] "}"
//	           ; members sorted by key, in code point (= UTF-8 byte) order
//	array    = "[" [ value *( "," value ) ] "]"
//	number   = integer / float ; integer: the input's digits ("-0" is "0");
//	           float: Python's repr of the nearest double, see appendPyFloat
//	string   = DQUOTE *( %x20-21 / %x23-5B / %x5D-7E / escape ) DQUOTE
//	escape   = "\" ( DQUOTE / "\" / "b" / "f" / "n" / "r" / "t" )
//	         / "\u" 4HEXLOWER       ; other code points < 0x20 and >= 0x7F,
//	                                ; above U+FFFF as a surrogate pair
//
// The encoder is a single pass over the input writing the output as it
// goes; an object's members are written in input order and rewritten in
// key order when the input's order differs. Each speed trick left is
// documented where it is used with what it buys, measured by turning it
// off alone: bench_test.go's BenchmarkCanonicalize (input as upstream
// writes it: indented, keys unsorted) and BenchmarkCanonicalizeCanonical
// (input already canonical), on a 20 KB upstream proof ("proof"), 1 MB of
// proofs and 1 MB of generated JSON heavy in floats and escapes ("mixed"),
// minimum of 6 runs each. Before the split (a record mode inside this
// encoder, a fast path for short decimals, an unsafe string view for
// strconv) and after, Canonicalize and Verify run at the same speed.

import (
	"bytes"
	"slices"
	"strconv"
	"sync"
)

// Limits of the canonicalizer.
const (
	// MaxDepth is the deepest nesting of arrays and objects accepted.
	// (Python's json module stops near its recursion limit of 1000.)
	MaxDepth = 512
	// MaxIntegerDigits is the longest integer accepted, in digits. It is
	// Python's default int_max_str_digits (3.11+): json.loads refuses more.
	MaxIntegerDigits = 4300
)

// Canonicalize returns the canonical form of the JSON text data: exactly the
// bytes Python writes with json.dumps(json.loads(data), sort_keys=True,
// separators=(",", ":"), ensure_ascii=True, allow_nan=True). The tokens NaN,
// Infinity and -Infinity are accepted.
//
// It is stricter than Python's json.loads: duplicate keys, invalid UTF-8,
// lone surrogate escapes, a byte order mark, trailing data, nesting deeper
// than MaxDepth and integers longer than MaxIntegerDigits are errors.
func Canonicalize(data []byte) ([]byte, error) {
	return AppendCanonical(make([]byte, 0, len(data)), data)
}

// AppendCanonical appends the canonical form of data to dst and returns the
// extended buffer. On error dst is returned unchanged (its spare capacity
// may have been written).
func AppendCanonical(dst, data []byte) ([]byte, error) {
	c := newCanon(data, dst)
	defer c.release()
	if err := c.document(); err != nil {
		return dst, err
	}
	return c.out, nil
}

// member is one "key":value pair written to out[start:end]; the value
// starts at out[val]. The decoded key (UTF-8, for sorting) is c.in[koff:]
// or, when it had escapes, c.keys[^koff:], klen bytes long. A member holds
// offsets, not slices, since out and keys move as they grow.
type member struct {
	prefix          uint64 // the key's first 8 bytes, big-endian, zero-padded
	koff, klen      int
	kpos            int // offset of the key's opening quote in the input
	start, val, end int
}

func (c *canon) key(m member) []byte {
	if m.koff < 0 {
		return c.keys[^m.koff : ^m.koff+m.klen]
	}
	return c.in[m.koff : m.koff+m.klen]
}

// cmpMember orders members by key. Speed: most keys differ in their first
// 8 bytes, so comparing the prefixes kept in the members settles most
// comparisons without reading the keys; comparing the keys alone made
// Canonicalize 1.35x slower on a proof and 1.5x on 1 MB of proofs.
func (c *canon) cmpMember(a, b member) int {
	switch {
	case a.prefix < b.prefix:
		return -1
	case a.prefix > b.prefix:
		return 1
	}
	return bytes.Compare(c.key(a), c.key(b))
}

func keyPrefix(k []byte) uint64 {
	var p uint64
	for i := 0; i < 8; i++ {
		p <<= 8
		if i < len(k) {
			p |= uint64(k[i])
		}
	}
	return p
}

// canon is the state of one encoding.
type canon struct {
	in        []byte
	pos       int // next input byte
	out       []byte
	members   []member  // a stack: the members of the objects being written
	keys      []byte    // decoded keys that had escapes, also a stack
	scratch   []byte    // an object's members while they are reordered
	order     []sortKey // an object's members in key order
	nonFinite bool      // a NaN or Infinity was written

	// keepTop asks for the members of the top-level object, in output
	// order, to be left in top (with their keys still readable by key).
	keepTop bool
	top     []member
}

// canonPool keeps the stacks of finished encodings. Speed: without it
// every call grows members, keys, scratch and order from nothing:
// Canonicalize of a proof makes 26 allocations (137 KB) instead of 1
// (22 KB, the output) and is 1.65x slower (1.1x on 1 MB inputs).
var canonPool = sync.Pool{New: func() any { return new(canon) }}

// sortKey is what the sort moves and compares first: 16 bytes per member,
// not the 64-byte member. Sorting indexes and comparing through the
// members made Canonicalize 1.3x slower on a proof and 1.5x on 1 MB.
type sortKey struct {
	prefix uint64
	idx    int
}

// newCanon returns a reset encoder from the pool; release it when done.
func newCanon(in, out []byte) *canon {
	c := canonPool.Get().(*canon)
	c.in, c.pos, c.out = in, 0, out
	c.members, c.keys, c.top = c.members[:0], c.keys[:0], c.top[:0]
	c.nonFinite, c.keepTop = false, false
	return c
}

// release returns c to the pool, dropping buffers grown by a large input
// so that the pool does not pin them.
func (c *canon) release() {
	c.in, c.out = nil, nil
	if cap(c.scratch) > 1<<20 {
		c.scratch = nil
	}
	if cap(c.keys) > 1<<16 {
		c.keys = nil
	}
	if cap(c.members) > 1<<12 {
		c.members = nil
	}
	if cap(c.order) > 1<<12 {
		c.order = nil
	}
	if cap(c.top) > 1<<12 {
		c.top = nil
	}
	canonPool.Put(c)
}

func (c *canon) syntax(sentinel error, reason string) *Error {
	return &Error{Check: CheckJSON, Offset: c.pos, Reason: reason, Err: sentinel}
}

func (c *canon) document() error {
	if len(c.in) >= 3 && c.in[0] == 0xEF && c.in[1] == 0xBB && c.in[2] == 0xBF {
		return c.syntax(ErrNotJSON, "byte order mark")
	}
	c.skipWS()
	if err := c.value(0); err != nil {
		return err
	}
	c.skipWS()
	if c.pos != len(c.in) {
		return c.syntax(ErrNotJSON, "trailing data")
	}
	return nil
}

func (c *canon) skipWS() {
	for c.pos < len(c.in) {
		switch c.in[c.pos] {
		case ' ', '\n', '\r', '\t':
			c.pos++
		default:
			return
		}
	}
}

// value writes the canonical form of the value at c.pos (no leading space).
func (c *canon) value(depth int) error {
	if c.pos >= len(c.in) {
		return c.syntax(ErrNotJSON, "unexpected end of input")
	}
	switch b := c.in[c.pos]; b {
	case '{':
		return c.object(depth + 1)
	case '[':
		return c.array(depth + 1)
	case '"':
		_, err := c.str()
		return err
	case 't':
		return c.literal("true")
	case 'f':
		return c.literal("false")
	case 'n':
		return c.literal("null")
	case 'N':
		c.nonFinite = true
		return c.literal("NaN")
	case 'I':
		c.nonFinite = true
		return c.literal("Infinity")
	case '-':
		if c.pos+1 < len(c.in) && c.in[c.pos+1] == 'I' {
			c.nonFinite = true
			return c.literal("-Infinity")
		}
		return c.number()
	default:
		if b >= '0' && b <= '9' {
			return c.number()
		}
		return c.syntax(ErrNotJSON, "expecting value")
	}
}

// literal copies the token tok, which is its own canonical form.
func (c *canon) literal(tok string) error {
	if len(c.in)-c.pos < len(tok) || string(c.in[c.pos:c.pos+len(tok)]) != tok {
		return c.syntax(ErrNotJSON, "expecting value")
	}
	c.pos += len(tok)
	c.out = append(c.out, tok...)
	return nil
}

func (c *canon) array(depth int) error {
	if depth > MaxDepth {
		return c.syntax(ErrLimit, "nesting deeper than MaxDepth")
	}
	c.pos++ // '['
	c.out = append(c.out, '[')
	c.skipWS()
	if c.pos < len(c.in) && c.in[c.pos] == ']' {
		c.pos++
		c.out = append(c.out, ']')
		return nil
	}
	for {
		if err := c.value(depth); err != nil {
			return err
		}
		c.skipWS()
		if c.pos >= len(c.in) {
			return c.syntax(ErrNotJSON, "unterminated array")
		}
		switch c.in[c.pos] {
		case ',':
			c.pos++
			c.out = append(c.out, ',')
			c.skipWS()
		case ']':
			c.pos++
			c.out = append(c.out, ']')
			return nil
		default:
			return c.syntax(ErrNotJSON, "expecting ',' or ']'")
		}
	}
}

// object writes the members in input order, each "key":value with the
// value already canonical, then checks the keys in one pass. Speed: when
// they are already sorted (canonical input) it only closes the object;
// sorting and rewriting every object anyway made canonical input 1.3x
// slower to canonicalize (1.25x for unsorted 1 MB mixed, whose small
// objects are often sorted). Otherwise it sorts sortKeys and rewrites the
// members in key order. A duplicate key is adjacent to its twin in key
// order, so both passes find it.
func (c *canon) object(depth int) error {
	if depth > MaxDepth {
		return c.syntax(ErrLimit, "nesting deeper than MaxDepth")
	}
	keep := c.keepTop && depth == 1
	c.pos++ // '{'
	objStart := len(c.out)
	c.out = append(c.out, '{')
	base := len(c.members)
	keyMark := len(c.keys)
	c.skipWS()
	if c.pos < len(c.in) && c.in[c.pos] == '}' {
		c.pos++
		c.out = append(c.out, '}')
		return nil
	}
	for {
		if c.pos >= len(c.in) || c.in[c.pos] != '"' {
			return c.syntax(ErrNotJSON, "expecting property name enclosed in double quotes")
		}
		if len(c.members) > base {
			c.out = append(c.out, ',')
		}
		m := member{start: len(c.out), kpos: c.pos}
		escaped, err := c.str()
		if err != nil {
			return err
		}
		// A key without escapes is compared in place in the input; one
		// with escapes is decoded once into c.keys.
		if escaped {
			k0 := len(c.keys)
			c.keys = appendUnescaped(c.keys, c.in[m.kpos+1:c.pos-1])
			m.koff, m.klen = ^k0, len(c.keys)-k0
		} else {
			m.koff, m.klen = m.kpos+1, c.pos-1-(m.kpos+1)
		}
		m.prefix = keyPrefix(c.key(m))
		c.skipWS()
		if c.pos >= len(c.in) || c.in[c.pos] != ':' {
			return c.syntax(ErrNotJSON, "expecting ':' delimiter")
		}
		c.pos++
		c.out = append(c.out, ':')
		c.skipWS()
		m.val = len(c.out)
		if err := c.value(depth); err != nil {
			return err
		}
		m.end = len(c.out)
		c.members = append(c.members, m)
		c.skipWS()
		if c.pos >= len(c.in) {
			return c.syntax(ErrNotJSON, "unterminated object")
		}
		if c.in[c.pos] == ',' {
			c.pos++
			c.skipWS()
			continue
		}
		if c.in[c.pos] != '}' {
			return c.syntax(ErrNotJSON, "expecting ',' or '}'")
		}
		c.pos++
		break
	}
	ms := c.members[base:]
	sorted := true
	for i := 1; i < len(ms); i++ {
		switch c.cmpMember(ms[i-1], ms[i]) {
		case 0:
			return c.dup(ms[i-1], ms[i])
		case 1:
			sorted = false
		}
	}
	if sorted {
		c.out = append(c.out, '}')
		if keep {
			c.top = append(c.top[:0], ms...)
		}
	} else {
		c.order = c.order[:0]
		for i, m := range ms {
			c.order = append(c.order, sortKey{m.prefix, i})
		}
		slices.SortFunc(c.order, func(a, b sortKey) int {
			switch {
			case a.prefix < b.prefix:
				return -1
			case a.prefix > b.prefix:
				return 1
			}
			return bytes.Compare(c.key(ms[a.idx]), c.key(ms[b.idx]))
		})
		for i := 1; i < len(c.order); i++ {
			if c.cmpMember(ms[c.order[i-1].idx], ms[c.order[i].idx]) == 0 {
				return c.dup(ms[c.order[i-1].idx], ms[c.order[i].idx])
			}
		}
		// Rewrite the members in key order.
		content := objStart + 1
		c.scratch = append(c.scratch[:0], c.out[content:]...)
		c.out = c.out[:content]
		if keep {
			c.top = c.top[:0]
		}
		for i, o := range c.order {
			if i > 0 {
				c.out = append(c.out, ',')
			}
			m := ms[o.idx]
			start := len(c.out)
			c.out = append(c.out, c.scratch[m.start-content:m.end-content]...)
			if keep {
				m.start, m.val, m.end = start, start+m.val-m.start, len(c.out)
				c.top = append(c.top, m)
			}
		}
		c.out = append(c.out, '}')
	}
	c.members = c.members[:base]
	if !keep { // the top-level keys stay readable for the caller
		c.keys = c.keys[:keyMark]
	}
	return nil
}

// dup reports a duplicate key at the later of its two occurrences.
func (c *canon) dup(a, b member) error {
	e := c.syntax(ErrDuplicateKey, "")
	e.Path = strconv.QuoteToASCII(string(c.key(b)))
	e.Offset = max(a.kpos, b.kpos)
	return e
}
