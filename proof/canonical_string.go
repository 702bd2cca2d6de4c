package proof

// Strings of the canonical form: ASCII only, as Python's ensure_ascii
// encoder writes them (see the output grammar in canonical.go).

import "unicode/utf8"

// safeASCII[b] is true for bytes copied unchanged into a canonical string:
// printable ASCII but '"' and '\\'. Speed: str copies each run of them in
// one append, testing a byte with one table load; testing the four
// conditions instead made Canonicalize 1.5x slower on a 20 KB upstream
// proof and on 1 MB of mixed JSON (BenchmarkCanonicalize, min of 6 runs).
var safeASCII = func() (t [256]bool) {
	for b := 0x20; b < 0x7F; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// str writes the canonical form of the string at c.pos and reports whether
// it contained any backslash escape (the caller decodes such keys for
// sorting). Input rules: no raw byte below 0x20 (RFC 8259), valid UTF-8
// (Python decodes the text first and refuses invalid bytes), escapes as in
// RFC 8259 with \uD800-\uDBFF followed by \uDC00-\uDFFF forming one code
// point; a lone surrogate is refused (Python would keep it and write it
// back escaped, but no UTF-8 reader can represent it). Output: printable
// ASCII copied, every other code point escaped by appendEscapedRune, so a
// code point spelled "\u00e9", "\u00E9" or "é" in the input is written
// the same way.
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
// the code point and the length of the sequence: 2 for a named escape, 6
// for \uXXXX, 12 for a surrogate pair.
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

// appendEscapedRune writes r as Python's ensure_ascii encoder does: '"'
// and '\\' and the five named controls with a backslash, other printable
// ASCII as itself, everything else as \u + 4 lowercase hex digits, and
// code points above U+FFFF as a UTF-16 surrogate pair of two of those.
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

// appendUnescaped decodes the body of a string already validated by str
// (so every escape is complete and every surrogate paired) into UTF-8: the
// key as Python compares it when sorting.
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
