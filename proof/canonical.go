package proof

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"
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
	return AppendCanonical(make([]byte, 0, len(data)+len(data)/8+16), data)
}

// AppendCanonical appends the canonical form of data to dst and returns the
// extended buffer. On error dst is returned unchanged (its spare capacity
// may have been written).
func AppendCanonical(dst, data []byte) ([]byte, error) {
	c := getCanon(data, dst)
	defer putCanon(c)
	if err := c.document(); err != nil {
		return dst, err
	}
	return c.out, nil
}

// member is one "key":value pair written to out[start:end]; the value
// starts at out[val]. The decoded key (UTF-8, for sorting) is c.in[koff:]
// or, when it had escapes, c.keys[^koff:], klen bytes long; prefix holds
// its first 8 bytes, big-endian and zero-padded, to settle most
// comparisons without touching the bytes. A member holds no pointers, so
// sorting moves no pointers (no write barriers).
type member struct {
	prefix          uint64
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

type canon struct {
	in        []byte
	pos       int
	out       []byte
	members   []member
	keys      []byte // decoded keys that had escapes
	scratch   []byte // object reordering
	nonFinite bool   // a NaN or Infinity was written
	record    bool   // top-level object: split off the record fields
	// record mode results: spans of the canonical body and the extra fields
	bodyEnd              int
	schemaVal, schemaEnd int      // span of the body's schema_version value in out
	extra                []member // proof_id, signature, attestation: spans into scratch
	order                []sortKey
}

type sortKey struct {
	prefix uint64
	idx    int
}

var canonPool = sync.Pool{New: func() any { return new(canon) }}

func getCanon(in, out []byte) *canon {
	c := canonPool.Get().(*canon)
	c.in, c.pos, c.out = in, 0, out
	c.members, c.keys, c.extra = c.members[:0], c.keys[:0], c.extra[:0]
	c.nonFinite, c.record, c.bodyEnd, c.schemaVal, c.schemaEnd = false, false, 0, 0, 0
	return c
}

func putCanon(c *canon) {
	c.in, c.out = nil, nil
	if cap(c.scratch) > 1<<20 { // do not pin huge buffers
		c.scratch = nil
	}
	if cap(c.keys) > 1<<16 {
		c.keys = nil
	}
	if cap(c.members) > 1<<12 {
		c.members = nil
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
		return c.literal("true", "true")
	case 'f':
		return c.literal("false", "false")
	case 'n':
		return c.literal("null", "null")
	case 'N':
		c.nonFinite = true
		return c.literal("NaN", "NaN")
	case 'I':
		c.nonFinite = true
		return c.literal("Infinity", "Infinity")
	case '-':
		if c.pos+1 < len(c.in) && c.in[c.pos+1] == 'I' {
			c.nonFinite = true
			return c.literal("-Infinity", "-Infinity")
		}
		return c.number()
	default:
		if b >= '0' && b <= '9' {
			return c.number()
		}
		return c.syntax(ErrNotJSON, "expecting value")
	}
}

func (c *canon) literal(tok, out string) error {
	if len(c.in)-c.pos < len(tok) || string(c.in[c.pos:c.pos+len(tok)]) != tok {
		return c.syntax(ErrNotJSON, "expecting value")
	}
	c.pos += len(tok)
	c.out = append(c.out, out...)
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

func (c *canon) object(depth int) error {
	if depth > MaxDepth {
		return c.syntax(ErrLimit, "nesting deeper than MaxDepth")
	}
	top := c.record && depth == 1
	c.pos++ // '{'
	objStart := len(c.out)
	c.out = append(c.out, '{')
	base := len(c.members)
	keyMark := len(c.keys)
	c.skipWS()
	if c.pos < len(c.in) && c.in[c.pos] == '}' {
		c.pos++
		c.out = append(c.out, '}')
		if top {
			c.bodyEnd = len(c.out)
		}
		return nil
	}
	for {
		if c.pos >= len(c.in) || c.in[c.pos] != '"' {
			return c.syntax(ErrNotJSON, "expecting property name enclosed in double quotes")
		}
		if len(c.members) > base {
			c.out = append(c.out, ',')
		}
		start := len(c.out)
		keyPos := c.pos
		escaped, err := c.str()
		if err != nil {
			return err
		}
		m := member{start: start, kpos: keyPos}
		var key []byte
		if escaped {
			k0 := len(c.keys)
			c.keys = appendUnescaped(c.keys, c.in[keyPos+1:c.pos-1])
			key = c.keys[k0:]
			m.koff = ^k0
		} else {
			key = c.in[keyPos+1 : c.pos-1]
			m.koff = keyPos + 1
		}
		m.klen, m.prefix = len(key), keyPrefix(key)
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
	if !sorted {
		// Sort 16-byte (prefix, index) pairs rather than the members.
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
	}
	switch {
	case top:
		c.finishRecord(objStart, ms, sorted)
	case !sorted:
		// Rewrite the members in key order.
		content := objStart + 1
		c.scratch = append(c.scratch[:0], c.out[content:]...)
		c.out = c.out[:content]
		for i, o := range c.order {
			if i > 0 {
				c.out = append(c.out, ',')
			}
			m := ms[o.idx]
			c.out = append(c.out, c.scratch[m.start-content:m.end-content]...)
		}
		c.out = append(c.out, '}')
	default:
		c.out = append(c.out, '}')
	}
	c.members = c.members[:base]
	c.keys = c.keys[:keyMark]
	return nil
}

// dup reports a duplicate key at the later of its two occurrences.
func (c *canon) dup(a, b member) error {
	e := c.syntax(ErrDuplicateKey, "")
	e.Field = strconv.QuoteToASCII(string(c.key(b)))
	e.Offset = max(a.kpos, b.kpos)
	return e
}

// isRecordField reports whether a top-level key is outside the signed body.
func isRecordField(key []byte) bool {
	switch string(key) {
	case "proof_id", "signature", "attestation":
		return true
	}
	return false
}

// finishRecord writes the body (the top-level members minus proof_id,
// signature and attestation) in key order (ms, or c.order when not sorted), and keeps the others in c.extra
// as spans of c.scratch.
func (c *canon) finishRecord(objStart int, ms []member, sorted bool) {
	content := objStart + 1
	c.scratch = append(c.scratch[:0], c.out[content:]...)
	c.out = c.out[:content]
	n := 0
	for i := range ms {
		m := ms[i]
		if !sorted {
			m = ms[c.order[i].idx]
		}
		if isRecordField(c.key(m)) {
			m.start, m.val, m.end = m.start-content, m.val-content, m.end-content
			c.extra = append(c.extra, m)
			continue
		}
		if n > 0 {
			c.out = append(c.out, ',')
		}
		n++
		if string(c.key(m)) == "schema_version" {
			c.schemaVal = len(c.out) + m.val - m.start
			c.schemaEnd = len(c.out) + m.end - m.start
		}
		c.out = append(c.out, c.scratch[m.start-content:m.end-content]...)
	}
	c.out = append(c.out, '}')
	c.bodyEnd = len(c.out)
}

// safeASCII[b] is true for bytes copied unchanged into a canonical string.
var safeASCII = func() (t [256]bool) {
	for b := 0x20; b < 0x7F; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// str writes the canonical form of the string at c.pos and reports whether
// it contained any backslash escape.
func (c *canon) str() (escaped bool, err error) {
	in := c.in
	i := c.pos + 1
	out := append(c.out, '"')
	for {
		start := i
		for i < len(in) && safeASCII[in[i]] {
			i++
		}
		out = append(out, in[start:i]...)
		if i >= len(in) {
			c.pos = i
			c.out = out
			return false, c.syntax(ErrNotJSON, "unterminated string")
		}
		switch b := in[i]; {
		case b == '"':
			c.pos = i + 1
			c.out = append(out, '"')
			return escaped, nil
		case b == '\\':
			escaped = true
			r, n, err := c.unescape(i)
			if err != nil {
				c.out = out
				return false, err
			}
			out = appendEscapedRune(out, r)
			i += n
		case b < 0x20:
			c.pos = i
			c.out = out
			return false, c.syntax(ErrNotJSON, "invalid control character in string")
		case b < 0x80: // DEL
			out = appendEscapedRune(out, rune(b))
			i++
		default:
			r, n := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && n <= 1 {
				c.pos = i
				c.out = out
				return false, c.syntax(ErrInvalidUTF8, "")
			}
			out = appendEscapedRune(out, r)
			i += n
		}
	}
}

// unescape decodes the escape sequence at in[i] (a backslash) and returns
// the code point and the length of the sequence.
func (c *canon) unescape(i int) (rune, int, error) {
	in := c.in
	if i+1 >= len(in) {
		c.pos = i
		return 0, 0, c.syntax(ErrNotJSON, "unterminated string")
	}
	switch in[i+1] {
	case '"':
		return '"', 2, nil
	case '\\':
		return '\\', 2, nil
	case '/':
		return '/', 2, nil
	case 'b':
		return '\b', 2, nil
	case 'f':
		return '\f', 2, nil
	case 'n':
		return '\n', 2, nil
	case 'r':
		return '\r', 2, nil
	case 't':
		return '\t', 2, nil
	case 'u':
		r, ok := hex4(in[i+2:])
		if !ok {
			c.pos = i
			return 0, 0, c.syntax(ErrNotJSON, "invalid \\uXXXX escape")
		}
		switch {
		case r < 0xD800 || r > 0xDFFF:
			return r, 6, nil
		case r <= 0xDBFF: // high surrogate: a low one must follow
			if i+6 >= len(in) || in[i+6] == '\\' && i+7 >= len(in) {
				c.pos = len(in)
				return 0, 0, c.syntax(ErrNotJSON, "unterminated string")
			}
			if in[i+6] == '\\' && i+7 < len(in) && in[i+7] == 'u' {
				lo, ok := hex4(in[i+8:])
				if !ok {
					c.pos = i + 6
					return 0, 0, c.syntax(ErrNotJSON, "invalid \\uXXXX escape")
				}
				if lo >= 0xDC00 && lo <= 0xDFFF {
					return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), 12, nil
				}
			}
		}
		c.pos = i
		return 0, 0, c.syntax(ErrLoneSurrogate, "")
	}
	c.pos = i
	return 0, 0, c.syntax(ErrNotJSON, "invalid escape")
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, x := range b[:4] {
		var d byte
		switch {
		case x >= '0' && x <= '9':
			d = x - '0'
		case x >= 'a' && x <= 'f':
			d = x - 'a' + 10
		case x >= 'A' && x <= 'F':
			d = x - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// appendEscapedRune writes r as Python's ensure_ascii encoder does.
func appendEscapedRune(out []byte, r rune) []byte {
	switch {
	case r == '"':
		return append(out, '\\', '"')
	case r == '\\':
		return append(out, '\\', '\\')
	case r == '\b':
		return append(out, '\\', 'b')
	case r == '\f':
		return append(out, '\\', 'f')
	case r == '\n':
		return append(out, '\\', 'n')
	case r == '\r':
		return append(out, '\\', 'r')
	case r == '\t':
		return append(out, '\\', 't')
	case r >= 0x20 && r < 0x7F:
		return append(out, byte(r))
	case r > 0xFFFF:
		r -= 0x10000
		out = appendU(out, 0xD800+(r>>10))
		return appendU(out, 0xDC00+(r&0x3FF))
	}
	return appendU(out, r)
}

func appendU(out []byte, r rune) []byte {
	return append(out, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

// appendUnescaped decodes the body of a string already validated by str.
func appendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			dst = append(dst, s[i])
			i++
			continue
		}
		var r rune
		n := 2
		switch s[i+1] {
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'n':
			r = '\n'
		case 'r':
			r = '\r'
		case 't':
			r = '\t'
		case 'u':
			r, _ = hex4(s[i+2:])
			n = 6
			if r >= 0xD800 && r <= 0xDBFF {
				lo, _ := hex4(s[i+8:])
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				n = 12
			}
		default: // " \ /
			r = rune(s[i+1])
		}
		dst = utf8.AppendRune(dst, r)
		i += n
	}
	return dst
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// number writes the canonical form of the number at c.pos: integers as
// their digits, everything else as Python's repr of the nearest double.
func (c *canon) number() error {
	in := c.in
	start := c.pos
	i := start
	neg := in[i] == '-'
	if neg {
		i++
	}
	intStart := i
	switch {
	case i < len(in) && in[i] == '0':
		i++
	case i < len(in) && in[i] >= '1' && in[i] <= '9':
		for i < len(in) && isDigit(in[i]) {
			i++
		}
	default:
		c.pos = i
		return c.syntax(ErrNotJSON, "expecting value")
	}
	intEnd := i
	fracStart, fracEnd := i, i
	isFloat, hasExp := false, false
	if i < len(in) && in[i] == '.' {
		i++
		fracStart = i
		for i < len(in) && isDigit(in[i]) {
			i++
		}
		fracEnd = i
		if fracEnd == fracStart {
			c.pos = i
			return c.syntax(ErrNotJSON, "expecting digit after '.'")
		}
		isFloat = true
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		d := i
		for i < len(in) && isDigit(in[i]) {
			i++
		}
		if i == d {
			c.pos = i
			return c.syntax(ErrNotJSON, "expecting exponent digits")
		}
		isFloat, hasExp = true, true
	}
	c.pos = i
	if !isFloat {
		if intEnd-intStart > MaxIntegerDigits {
			c.pos = start
			return c.syntax(ErrLimit, "integer longer than MaxIntegerDigits")
		}
		if neg && intEnd-intStart == 1 && in[intStart] == '0' {
			c.out = append(c.out, '0') // -0 is the integer 0
		} else {
			c.out = append(c.out, in[start:i]...)
		}
		return nil
	}
	if !hasExp {
		// Fast path: a plain decimal with at most 15 significant digits in
		// Python's fixed-notation range prints as itself, minus trailing
		// zeros (any 15-digit decimal round-trips through a double, so it
		// is the shortest representation).
		intPart := in[intStart:intEnd]
		frac := in[fracStart:fracEnd]
		for len(frac) > 1 && frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		ok := false
		if len(intPart) == 1 && intPart[0] == '0' {
			z := 0
			for z < len(frac) && frac[z] == '0' {
				z++
			}
			ok = len(frac) <= 15 && (z <= 3 || z == len(frac))
		} else {
			ok = len(intPart)+len(frac) <= 15
		}
		if ok {
			c.out = append(c.out, in[start:intEnd]...)
			c.out = append(c.out, '.')
			c.out = append(c.out, frac...)
			return nil
		}
	}
	s := in[start:i]
	// strconv copies the string into any error it returns, so the
	// zero-copy view does not outlive s.
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(s), len(s)), 64)
	if err != nil && !math.IsInf(f, 0) { // overflow yields ±Inf, like Python
		return c.syntax(ErrNotJSON, "invalid number")
	}
	if math.IsInf(f, 0) {
		c.nonFinite = true
	}
	c.out = appendPyFloat(c.out, f)
	return nil
}

// atoiExp parses strconv's exponent: a sign and decimal digits.
func atoiExp(s []byte) int {
	neg := s[0] == '-'
	n := 0
	for _, b := range s[1:] {
		n = n*10 + int(b-'0')
	}
	if neg {
		return -n
	}
	return n
}

// appendPyFloat appends Python's repr(f) (with json's NaN/Infinity names).
func appendPyFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // -d.ddde±XX
	if s[0] == '-' {
		dst = append(dst, '-')
		s = s[1:]
	}
	var digBuf [24]byte
	digits := digBuf[:0]
	e := 0
	for j := 0; j < len(s); j++ {
		switch b := s[j]; {
		case isDigit(b):
			digits = append(digits, b)
		case b == 'e':
			e = atoiExp(s[j+1:])
			j = len(s)
		}
	}
	decpt := e + 1 // value = 0.DIGITS * 10**decpt
	switch {
	case decpt <= -4 || decpt > 16:
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if e < 0 {
			dst = append(dst, '-')
			e = -e
		} else {
			dst = append(dst, '+')
		}
		if e < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(e), 10)
	case decpt <= 0:
		dst = append(dst, '0', '.')
		for k := 0; k < -decpt; k++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	case decpt >= len(digits):
		dst = append(dst, digits...)
		for k := len(digits); k < decpt; k++ {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	default:
		dst = append(dst, digits[:decpt]...)
		dst = append(dst, '.')
		return append(dst, digits[decpt:]...)
	}
}
