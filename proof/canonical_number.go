package proof

// Numbers of the canonical form: integers keep their digits, every other
// number is written as Python's repr of the nearest double.
//
// Two speed tricks were removed after measuring them (bench_test.go, min
// of 6 runs): a fast path printing decimals of up to 15 significant digits
// as themselves without strconv (0.9x-1.0x: no gain on the upstream proofs
// nor on 1 MB of float-heavy JSON), and an unsafe zero-copy string view
// for strconv.ParseFloat (no gain in time; it saved 55 small allocations
// per MB of float-heavy JSON).

import (
	"math"
	"strconv"
)

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
	isFloat := false
	if i < len(in) && in[i] == '.' {
		i++
		fracStart := i
		for i < len(in) && isDigit(in[i]) {
			i++
		}
		if i == fracStart {
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
		isFloat = true
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
	f, err := strconv.ParseFloat(string(in[start:i]), 64)
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

// appendPyFloat appends Python's repr(f) (with json's NaN/Infinity names):
// the shortest digits that round-trip (strconv's -1 precision, the same
// digits as Python's repr), written with DIGITS = d1 d2 ... dn and value
// 0.DIGITS x 10^decpt as
//
//	decpt <= -4 or decpt > 16: d1[.d2...dn]e±XX   (at least two exponent digits)
//	-4 < decpt <= 0:           0.000DIGITS        (-decpt zeros)
//	0 < decpt, n <= decpt:     DIGITS000.0        (decpt-n zeros)
//	0 < decpt < n:             d1...d[decpt].rest
//
// so 1e16 is 1e+16, 1e15 is 1000000000000000.0, 1e-05 stays, 0.0001 too.
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
