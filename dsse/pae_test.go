package dsse_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/chainproof/chainproof/dsse"
)

var paeCases = []struct{ typ, payload string }{
	{"", ""},
	{"t", ""},
	{"", "x"},
	{"http://example.com/HelloWorld", "hello world"},
	{"application/vnd.in-toto+json", `{"_type":"https://in-toto.io/Statement/v1"}`},
	{"type with spaces and ünïcödé", "payload with\nnewlines and \x00 bytes"},
	{"t", strings.Repeat("0123456789", 100_000)}, // 1 MB: lengths of 7 digits
}

// TestPAEHeader: PAEHeader followed by the payload is PAE.
func TestPAEHeader(t *testing.T) {
	for _, c := range paeCases {
		want := dsse.PAE(c.typ, []byte(c.payload))
		got := append(dsse.PAEHeader(c.typ, int64(len(c.payload))), c.payload...)
		if !bytes.Equal(got, want) {
			t.Errorf("PAEHeader(%q, %d) + payload differs from PAE", c.typ, len(c.payload))
		}
	}
}

// TestPAEReader: reading PAEReader, in any chunking, gives PAE, and
// hashing it streams what signers sign.
func TestPAEReader(t *testing.T) {
	for _, c := range paeCases {
		want := dsse.PAE(c.typ, []byte(c.payload))
		n := int64(len(c.payload))
		got, err := io.ReadAll(dsse.PAEReader(c.typ, n, strings.NewReader(c.payload)))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("PAEReader(%q, %d): %v", c.typ, n, err)
		}
		got, err = io.ReadAll(dsse.PAEReader(c.typ, n, iotest.OneByteReader(strings.NewReader(c.payload))))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("PAEReader(%q, %d) over a one-byte reader: %v", c.typ, n, err)
		}
		if len(c.payload) < 1000 {
			if err := iotest.TestReader(dsse.PAEReader(c.typ, n, strings.NewReader(c.payload)), want); err != nil {
				t.Fatalf("PAEReader(%q, %d): %v", c.typ, n, err)
			}
		}
		h := sha256.New()
		if _, err := io.Copy(h, dsse.PAEReader(c.typ, n, strings.NewReader(c.payload))); err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(want); !bytes.Equal(h.Sum(nil), sum[:]) {
			t.Fatalf("streamed hash differs for %q", c.typ)
		}
	}
}

// TestPAEReaderLength: a payload shorter or longer than declared fails
// with ErrPAELength instead of yielding bytes that do not match the header.
func TestPAEReaderLength(t *testing.T) {
	for _, c := range []struct {
		name     string
		declared int64
		payload  string
	}{
		{"one byte short", 6, "hello"},
		{"empty but declared", 1, ""},
		{"one byte long", 4, "hello"},
		{"declared empty", 0, "x"},
		{"negative", -1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := io.ReadAll(dsse.PAEReader("t", c.declared, strings.NewReader(c.payload)))
			if !errors.Is(err, dsse.ErrPAELength) {
				t.Fatalf("err = %v, want ErrPAELength", err)
			}
		})
	}
	// A read error of the payload is passed on.
	boom := errors.New("boom")
	if _, err := io.ReadAll(dsse.PAEReader("t", 10, iotest.ErrReader(boom))); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the payload's error", err)
	}
}

// TestPAEReaderMemory: streaming a large payload allocates a small
// fraction of it (PAE would copy it whole).
func TestPAEReaderMemory(t *testing.T) {
	payload := bytes.Repeat([]byte("x"), 16<<20)
	h := sha256.New()
	buf := make([]byte, 32<<10)
	got := allocated(func() {
		if _, err := io.CopyBuffer(h, dsse.PAEReader("t", int64(len(payload)), bytes.NewReader(payload)), buf); err != nil {
			t.Fatal(err)
		}
	})
	if got > 64<<10 {
		t.Fatalf("streaming a %d-byte payload allocated %d bytes", len(payload), got)
	}
}
