package proof

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// pythonCanon reads length-prefixed documents on stdin and answers each with
// a length-prefixed json.dumps(json.loads(doc), ...) (or length 0xFFFFFFFF
// and the error when Python rejects the document).
const pythonCanon = `
import json, struct, sys
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    h = inp.read(4)
    if len(h) < 4:
        break
    doc = inp.read(struct.unpack(">I", h)[0])
    try:
        b = json.dumps(json.loads(doc.decode("utf-8")), sort_keys=True,
                       separators=(",", ":"), ensure_ascii=True, allow_nan=True).encode("ascii")
        out.write(struct.pack(">I", len(b)) + b)
    except Exception as e:
        m = repr(e).encode("utf-8", "replace")
        out.write(struct.pack(">I", 0xFFFFFFFF) + struct.pack(">I", len(m)) + m)
out.flush()
`

type pyResult struct {
	out []byte
	err string
}

// runPython canonicalizes docs with one python3 process.
func runPython(t *testing.T, docs [][]byte) []pyResult {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: skipping the differential test against Python's json module")
	}
	cmd := exec.Command(py, "-c", pythonCanon)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		w := bufio.NewWriter(stdin)
		for _, d := range docs {
			binary.Write(w, binary.BigEndian, uint32(len(d)))
			w.Write(d)
		}
		w.Flush()
		stdin.Close()
	}()
	r := bufio.NewReader(stdout)
	res := make([]pyResult, len(docs))
	for i := range docs {
		var n uint32
		if err := binary.Read(r, binary.BigEndian, &n); err != nil {
			t.Fatalf("reading python answer %d: %v (stderr: %s)", i, err, stderr.String())
		}
		isErr := n == 0xFFFFFFFF
		if isErr {
			binary.Read(r, binary.BigEndian, &n)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			t.Fatal(err)
		}
		if isErr {
			res[i].err = string(b)
		} else {
			res[i].out = b
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("python3: %v: %s", err, stderr.String())
	}
	return res
}

// gen generates JSON documents that this package accepts, with a seeded RNG.
type gen struct {
	r *rand.Rand
	b []byte
}

func (g *gen) ws() {
	for g.r.IntN(4) == 0 {
		g.b = append(g.b, " \t\n\r"[g.r.IntN(4)])
	}
}

var switchPoints = []float64{
	1e16, 1e15, 9999999999999998, 1e16 - 2, 1e17, 1e-4, 1e-5, 0.0001, 0.00009999999999999999,
	9.999999999999999e-5, 1e21, 1e22, 1e100, 1e-7, 0.1, 0.2, 0.3, 100000.0, 123456789012345678,
	5e-324, math.SmallestNonzeroFloat64, math.MaxFloat64, 2.2250738585072014e-308, 2.225073858507201e-308,
	0.5, 1.5, 2.5, 1.0, 1.0 / 3, 2.0 / 3, math.Pi, math.E, 1e23, 8.41e21, 5e-5, 4.35e-5,
	1234567890123456.7, 123456789012345.67, 0.000123456789012345678, 0.001, 0.01, 1e-3,
}

func (g *gen) float() {
	r := g.r
	var f float64
	switch r.IntN(5) {
	case 0: // any finite double, whole exponent range
		for {
			f = math.Float64frombits(r.Uint64())
			if !math.IsNaN(f) && !math.IsInf(f, 0) {
				break
			}
		}
	case 1: // switch points and their neighbours
		f = switchPoints[r.IntN(len(switchPoints))]
		switch r.IntN(3) {
		case 1:
			f = math.Nextafter(f, math.Inf(1))
		case 2:
			f = math.Nextafter(f, 0)
		}
	case 2: // decimal exponents around the repr switch
		f = float64(r.IntN(100000)) * math.Pow(10, float64(r.IntN(50)-25))
	case 3:
		f = r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20))
	default: // short decimals
		f = float64(r.IntN(2000000)-1000000) / math.Pow(10, float64(r.IntN(8)))
	}
	if math.IsInf(f, 0) {
		f = math.MaxFloat64
	}
	if r.IntN(8) == 0 {
		f = -f
	}
	switch r.IntN(7) {
	case 0:
		g.b = strconv.AppendFloat(g.b, f, 'e', r.IntN(20), 64)
	case 1:
		g.b = strconv.AppendFloat(g.b, f, 'E', -1, 64)
	case 2:
		if math.Abs(f) < 1e30 {
			g.b = strconv.AppendFloat(g.b, f, 'f', r.IntN(30), 64)
		} else {
			g.b = strconv.AppendFloat(g.b, f, 'g', 17, 64)
		}
	case 3:
		g.b = strconv.AppendFloat(g.b, f, 'g', 17, 64)
	default:
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		g.b = append(g.b, s...)
	}
	// ('f' with precision 0 writes an integer token: both sides agree on that too.)
}

var specialNumbers = []string{
	"-0.0", "0.0", "-0", "0", "-0e0", "0E+00", "1E5", "1e5", "1.5e+3", "-1e-400", "1e400", "-1e400", "1e-400",
	"18446744073709551616", "-18446744073709551617", "340282366920938463463374607431768211456",
	"1e16", "1e15", "10000000000000000.0", "1000000000000000.0", "0.00001", "0.0001", "0.000100", "1e-05",
	"123456789012345678901234567890.5", "0.1000000000000000055511151231257827",
	"2.00000000000000011102230246251565404236316680908203125", "9007199254740993", "9007199254740993.0",
	"NaN", "Infinity", "-Infinity", "1.7976931348623157e308", "1.7976931348623159e308", "4.9e-324", "2e-324",
	"100.50", "1.0000000000000000000000000001", "0.9999999999999999999999", "99999999999999999.0",
}

func (g *gen) number() {
	r := g.r
	switch r.IntN(4) {
	case 0: // integers, beyond 2**64 too
		if r.IntN(2) == 0 {
			g.b = append(g.b, '-')
		}
		n := 1 + r.IntN(60)
		g.b = append(g.b, byte('1'+r.IntN(9)))
		for i := 1; i < n; i++ {
			g.b = append(g.b, byte('0'+r.IntN(10)))
		}
	case 1:
		g.b = append(g.b, specialNumbers[r.IntN(len(specialNumbers))]...)
	default:
		g.float()
	}
}

// code points of every class: ASCII, quote, backslash, slash, controls,
// DEL, Latin-1, BMP, around the surrogates, non-characters, astral.
func (g *gen) rune() rune {
	r := g.r
	switch r.IntN(12) {
	case 0:
		return rune(r.IntN(0x20))
	case 1:
		return []rune{'"', '\\', '/', 0x7F, '\b', '\f', '\n', '\r', '\t', 0}[r.IntN(10)]
	case 2:
		return rune(0x80 + r.IntN(0x780))
	case 3:
		return rune(0x800 + r.IntN(0xD000))
	case 4:
		return []rune{0xD7FF, 0xE000, 0xFFFD, 0xFFFE, 0xFFFF, 0xFEFF, 0x2028, 0x2029, 0xFF61, 0x10000, 0x10FFFF, 0x1F680, 0x1F600}[r.IntN(13)]
	case 5, 6:
		return rune(0x10000 + r.IntN(0x100000))
	default:
		return rune(0x20 + r.IntN(0x5F))
	}
}

func (g *gen) encodeRune(c rune) {
	r := g.r
	if r.IntN(3) == 0 || c < 0x20 || c == '"' || c == '\\' {
		switch c {
		case '"':
			g.b = append(g.b, `\"`...)
			return
		case '\\':
			g.b = append(g.b, `\\`...)
			return
		case '/':
			if r.IntN(2) == 0 {
				g.b = append(g.b, `\/`...)
				return
			}
		case '\b', '\f', '\n', '\r', '\t':
			if r.IntN(2) == 0 {
				g.b = appendEscapedRune(g.b, c)
				return
			}
		}
		hexf := "%04x"
		if r.IntN(2) == 0 {
			hexf = "%04X"
		}
		if c > 0xFFFF {
			c -= 0x10000
			g.b = fmt.Appendf(g.b, `\u`+hexf+`\u`+hexf, 0xD800+(c>>10), 0xDC00+(c&0x3FF))
		} else {
			g.b = fmt.Appendf(g.b, `\u`+hexf, c)
		}
		return
	}
	g.b = utf8.AppendRune(g.b, c)
}

func (g *gen) randString(max int) []rune {
	n := g.r.IntN(max + 1)
	s := make([]rune, n)
	for i := range s {
		s[i] = g.rune()
	}
	return s
}

func (g *gen) str(s []rune) {
	g.b = append(g.b, '"')
	for _, c := range s {
		g.encodeRune(c)
	}
	g.b = append(g.b, '"')
}

func (g *gen) value(depth int) {
	r := g.r
	k := r.IntN(10)
	if depth > 6 {
		k = 5 + r.IntN(5) // scalars only
	}
	switch k {
	case 0, 1:
		g.object(depth + 1)
	case 2, 3:
		g.array(depth + 1)
	case 4:
		g.deep(depth)
	case 5:
		g.str(g.randString(12))
	case 6, 7:
		g.number()
	default:
		g.b = append(g.b, []string{"true", "false", "null"}[r.IntN(3)]...)
	}
}

// deep nests arrays and objects 50-400 levels.
func (g *gen) deep(depth int) {
	n := 50 + g.r.IntN(350)
	closers := make([]byte, 0, n)
	for i := 0; i < n; i++ {
		if g.r.IntN(2) == 0 {
			g.b = append(g.b, '[')
			closers = append(closers, ']')
		} else {
			g.b = append(g.b, `{"k`...)
			g.b = strconv.AppendInt(g.b, int64(i%7), 10)
			g.b = append(g.b, `":`...)
			closers = append(closers, '}')
		}
		g.ws()
	}
	g.number()
	for i := len(closers) - 1; i >= 0; i-- {
		g.ws()
		g.b = append(g.b, closers[i])
	}
}

func (g *gen) array(depth int) {
	g.b = append(g.b, '[')
	g.ws()
	n := g.r.IntN(6)
	for i := 0; i < n; i++ {
		if i > 0 {
			g.b = append(g.b, ',')
			g.ws()
		}
		g.value(depth)
		g.ws()
	}
	g.b = append(g.b, ']')
}

// keys that sort differently by code point and by UTF-16 code unit.
var trickyKeys = [][]rune{{0xFF61}, {0x1F600}, {0xE000}, {0x10000}, {'a', 0xFFFF}, {'a', 0x10000}, {}, {0}, {'A'}, {'a'}, {0x7F}, {0x80}}

func (g *gen) object(depth int) {
	g.b = append(g.b, '{')
	g.ws()
	n := g.r.IntN(7)
	seen := map[string]bool{}
	first := true
	for i := 0; i < n; i++ {
		var key []rune
		if g.r.IntN(3) == 0 {
			key = trickyKeys[g.r.IntN(len(trickyKeys))]
		} else {
			key = g.randString(6)
		}
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		if !first {
			g.b = append(g.b, ',')
			g.ws()
		}
		first = false
		g.str(key)
		g.ws()
		g.b = append(g.b, ':')
		g.ws()
		g.value(depth)
		g.ws()
	}
	g.b = append(g.b, '}')
}

func (g *gen) doc() []byte {
	g.b = nil
	g.ws()
	if g.r.IntN(10) == 0 {
		g.value(5) // a scalar or small document
	} else {
		g.object(0)
	}
	g.ws()
	return g.b
}

// TestDifferentialPython compares Canonicalize with Python's json module on
// generated documents (one python3 process, one batch).
func TestDifferentialPython(t *testing.T) {
	const n = 12000
	g := &gen{r: rand.New(rand.NewPCG(20260518, 6))}
	docs := make([][]byte, 0, n+len(specialNumbers)+4)
	for _, s := range specialNumbers {
		docs = append(docs, []byte(s))
	}
	docs = append(docs, []byte(strings.Repeat("7", MaxIntegerDigits)), []byte("-"+strings.Repeat("9", MaxIntegerDigits)))
	for len(docs) < cap(docs) {
		docs = append(docs, g.doc())
	}
	res := runPython(t, docs)
	mismatches := 0
	for i, d := range docs {
		got, err := Canonicalize(d)
		if err != nil {
			t.Errorf("doc %d: Canonicalize: %v\n%.300q", i, err, d)
			mismatches++
		} else if res[i].err != "" {
			t.Errorf("doc %d: python rejects what Go accepts: %s\n%.300q", i, res[i].err, d)
			mismatches++
		} else if !bytes.Equal(got, res[i].out) {
			t.Errorf("doc %d differs:\n  in %.300q\n  go %.300s\n  py %.300s", i, d, got, res[i].out)
			mismatches++
		}
		if mismatches > 10 {
			t.Fatal("too many mismatches")
		}
	}
	t.Logf("%d documents compared with python3", len(docs))
}

// TestDifferentialRejects checks inputs both implementations reject, and
// documents the inputs only this package rejects (stricter by design).
func TestDifferentialRejects(t *testing.T) {
	both := []string{
		``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `'a'`, `01`, `1.`, `.5`, `1e`, `1e+`, `+1`,
		`-`, `--1`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"\x01\"", `[1 2]`, `nul`, `tru`, `NaNa`, `-NaN`, `inf`,
		`{"a":1}x`, `[] []`, `"abc`, `{"a":}`, `[-Infinit]`, `1.5e`, "\"a\nb\"",
		strings.Repeat("1", MaxIntegerDigits+1),
	}
	stricter := []string{
		`{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `"\ud800"`, `"\udc00"`, `"\ud800\u0041"`, `"\ud800x"`,
		"\"\xff\"", "\"\xed\xa0\x80\"", "\xef\xbb\xbf{}",
	}
	docs := make([][]byte, 0, len(both)+len(stricter))
	for _, s := range append(append([]string{}, both...), stricter...) {
		docs = append(docs, []byte(s))
	}
	res := runPython(t, docs)
	for i, d := range docs {
		_, err := Canonicalize(d)
		if err == nil {
			t.Errorf("Canonicalize(%q) accepted", d)
		}
		if i < len(both) && res[i].err == "" {
			t.Errorf("python accepts %q: %s", d, res[i].out)
		}
	}
}
