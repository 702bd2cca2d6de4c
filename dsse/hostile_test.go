package dsse_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/dsse"
)

// hostileSig is one signature of a hostile envelope: an ECDSA-sized
// signature and a key id, about 130 bytes of JSON, so that 1.2 million of
// them make the 108 MB envelope of issue 10.
var hostileSig = `{"keyid":"` + strings.Repeat("k", 16) + `","sig":"` + strings.Repeat("A", 96) + `"},`

// manySignatures returns an envelope with n signatures, the signatures
// array before (sigsFirst) or after a payload of payloadLen bytes.
func manySignatures(n, payloadLen int, sigsFirst bool) []byte {
	var b bytes.Buffer
	b.Grow(n*len(hostileSig) + payloadLen*4/3 + 100)
	payload := func() {
		b.WriteString(`"payload":"`)
		b.WriteString(strings.Repeat("QUFB", payloadLen/3))
		b.WriteString(`",`)
	}
	b.WriteString(`{"payloadType":"t",`)
	if !sigsFirst {
		payload()
	}
	b.WriteString(`"signatures":[`)
	for i := 0; i < n; i++ {
		b.WriteString(hostileSig)
	}
	b.Truncate(b.Len() - 1) // the last comma
	b.WriteString(`]`)
	if sigsFirst {
		b.WriteString(`,`)
		payload()
		b.Truncate(b.Len() - 1)
	}
	b.WriteString(`}`)
	return b.Bytes()
}

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestParseManySignaturesMemory: an envelope over MaxSignatures is refused
// while the signatures are counted, so the bytes allocated are bounded by
// MaxSignatures, not by the input; an envelope with a large payload before
// its signatures costs a small multiple of the input. Bytes are counted
// with runtime.MemStats, not timed.
func TestParseManySignaturesMemory(t *testing.T) {
	for _, tc := range []struct {
		name       string
		n, payload int
		sigsFirst  bool
		limit      func(in int) uint64
	}{
		// Refused at signature MaxSignatures+1: a fixed budget of about
		// 4 KiB per signature kept, whatever the input's size.
		{"signatures first", 100_000, 0, true, func(int) uint64 { return 1 << 20 }},
		{"signatures after a small payload", 100_000, 1 << 10, false, func(int) uint64 { return 1 << 20 }},
		// The payload is read before the count is exceeded: at most a small
		// multiple of the input.
		{"signatures after a large payload", 100_000, 8 << 20, false, func(in int) uint64 { return 4 * uint64(in) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := manySignatures(tc.n, tc.payload, tc.sigsFirst)
			var err error
			got := allocated(func() { _, err = dsse.Parse(in) })
			var pe *dsse.ParseError
			if !errors.Is(err, dsse.ErrTooLarge) || !errors.As(err, &pe) || pe.Path != "signatures" {
				t.Fatalf("err = %v, want ErrTooLarge on signatures", err)
			}
			if limit := tc.limit(len(in)); got > limit {
				t.Fatalf("refusing a %d-byte envelope allocated %d bytes (%.1fx the input), over the budget of %d", len(in), got, float64(got)/float64(len(in)), limit)
			}
			t.Logf("%d-byte envelope refused after allocating %d bytes (%.3fx the input)", len(in), got, float64(got)/float64(len(in)))
		})
	}
}

// TestParseManyFieldsMemory: objects with more than MaxFields members are
// refused as they are read (unknown fields are otherwise ignored, but each
// costs a duplicate-key entry).
func TestParseManyFieldsMemory(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"payload":"","payloadType":"t","signatures":[]`)
	for i := 0; i < 200_000; i++ {
		b.WriteString(`,"x` + strconv.Itoa(i) + `":0`)
	}
	b.WriteString(`}`)
	in := b.Bytes()
	var err error
	got := allocated(func() { _, err = dsse.Parse(in) })
	if !errors.Is(err, dsse.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if got > 256<<10 {
		t.Fatalf("refusing %d bytes of unknown fields allocated %d bytes", len(in), got)
	}
	b.Reset()
	b.WriteString(`{"payload":"","payloadType":"t","signatures":[{"sig":""`)
	for i := 0; i < 100_000; i++ {
		b.WriteString(`,"x` + strconv.Itoa(i) + `":0`)
	}
	b.WriteString(`}]}`)
	in = b.Bytes()
	got = allocated(func() { _, err = dsse.Parse(in) })
	if !errors.Is(err, dsse.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if got > 256<<10 {
		t.Fatalf("refusing %d bytes of unknown signature fields allocated %d bytes", len(in), got)
	}
}

// BenchmarkParseManySignatures refuses the envelope of issue 10: 1.2
// million signatures, about 155 MB. B/op is the bytes allocated per
// refusal; input-B the envelope's size.
func BenchmarkParseManySignatures(b *testing.B) {
	in := manySignatures(1_200_000, 0, false)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := dsse.Parse(in); !errors.Is(err, dsse.ErrTooLarge) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(in)), "input-B")
}

// countingVerifier counts the signatures it is asked to check.
type countingVerifier struct{ n *int }

func (c countingVerifier) KeyID() string { return "" }
func (c countingVerifier) Verify(_ context.Context, _, _ []byte) error {
	*c.n++
	return errors.New("no")
}

// TestVerifyManySignatures: an Envelope built in memory (not through
// Parse) with more than MaxSignatures signatures is refused before any
// signature is checked.
func TestVerifyManySignatures(t *testing.T) {
	env := &dsse.Envelope{PayloadType: "t", Signatures: make([]dsse.Signature, dsse.MaxSignatures+1)}
	n := 0
	_, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, countingVerifier{&n})
	if !errors.Is(err, dsse.ErrTooLarge) || n != 0 {
		t.Fatalf("err = %v after %d checks, want ErrTooLarge before any", err, n)
	}
	env.Signatures = env.Signatures[:dsse.MaxSignatures]
	_, err = dsse.Verify(ctx, env, dsse.VerifyOptions{}, countingVerifier{&n})
	if !errors.Is(err, dsse.ErrVerification) || n != dsse.MaxSignatures {
		t.Fatalf("err = %v after %d checks, want ErrVerification after %d", err, n, dsse.MaxSignatures)
	}
}

// TestParseAtTheLimits: exactly MaxSignatures signatures and objects of
// exactly MaxFields members parse; one more is ErrTooLarge.
func TestParseAtTheLimits(t *testing.T) {
	env, err := dsse.Parse(manySignatures(dsse.MaxSignatures, 3, false))
	if err != nil || len(env.Signatures) != dsse.MaxSignatures {
		t.Fatalf("MaxSignatures signatures: %v", err)
	}
	fields := func(n int, known string) string {
		var b strings.Builder
		b.WriteString(known)
		for i := 0; i < n; i++ {
			b.WriteString(`,"x` + strconv.Itoa(i) + `":{"a":[1,{"b":null}]}`)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"envelope at MaxFields", `{` + fields(dsse.MaxFields-3, `"payload":"","payloadType":"t","signatures":[]`) + `}`, true},
		{"envelope over MaxFields", `{` + fields(dsse.MaxFields-2, `"payload":"","payloadType":"t","signatures":[]`) + `}`, false},
		{"signature at MaxFields", `{"payload":"","payloadType":"t","signatures":[{` + fields(dsse.MaxFields-1, `"sig":""`) + `}]}`, true},
		{"signature over MaxFields", `{"payload":"","payloadType":"t","signatures":[{` + fields(dsse.MaxFields, `"sig":""`) + `}]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dsse.Parse([]byte(tc.in))
			if tc.ok && err != nil || !tc.ok && !errors.Is(err, dsse.ErrTooLarge) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
