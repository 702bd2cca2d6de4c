package proof

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/dsse"
)

func addSeeds(f *testing.F, globs ...string) {
	for _, g := range globs {
		files, _ := filepath.Glob(g)
		for _, file := range files {
			f.Add(readFile(f, file))
		}
	}
}

func typedError(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Err == nil {
		t.Fatalf("untyped error %#v", err)
	}
}

func FuzzCanonicalize(f *testing.F) {
	addSeeds(f, "testdata/ophamin/canonical_form/*", "testdata/*.json")
	for _, s := range specialNumbers {
		f.Add([]byte("[" + s + "]"))
	}
	for _, s := range []string{`{"a":1,"a":2}`, `"\ud83d\ude80"`, `"\ud800"`, "\"\xff\"", `{"b":{"d":1,"c":2},"a":[]}`, "[[[[]]]]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Canonicalize(in)
		if err != nil {
			typedError(t, err)
			return
		}
		for _, b := range out {
			if b >= 0x80 || b < 0x20 {
				t.Fatalf("non-ASCII or control byte in output %q", out)
			}
		}
		again, err := Canonicalize(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q (%v)", out, again, err)
		}
		appended, err := AppendCanonical([]byte("x"), in)
		if err != nil || !bytes.Equal(appended[1:], out) {
			t.Fatalf("AppendCanonical differs")
		}
	})
}

// Bounds and seeds of the fuzz targets that verify. A new interesting
// input is minimized before fuzzing goes on, and Go's minimizer tries
// removing every substring: quadratic in the input's size, for up to
// -fuzzminimizetime (60 s by default). Seeded with the 18-21 KB upstream
// proofs (FuzzVerify) or a 1.8 KB statement (FuzzVerifyEnvelope), a
// 30 s run from an empty cache made 11 and 4 executions: minimizing the
// first new input took the whole run. With seeds of 60-430 bytes and
// inputs bounded to 1 KiB, the same runs make 213,000 and 324,000
// executions (55 and 83 new inputs). The upstream proofs are covered by
// TestUpstreamProofs and seed FuzzCanonicalize.
const (
	maxFuzzInput       = 1 << 10 // FuzzVerify, FuzzVerifyEnvelope
	maxFuzzRecordInput = 2 << 10 // FuzzParseRecord (a complete body is ~700 bytes)
)

// fuzzSeeds are small records that verify with testKey (signed, attested,
// with a few value types), plus an unsigned one.
func fuzzSeeds(f *testing.F) [][]byte {
	minimal, err := Sign([]byte(`{"schema_version":"1.0"}`), testKey)
	if err != nil {
		f.Fatal(err)
	}
	att, err := Attest(minimal, "a", attestKey())
	if err != nil {
		f.Fatal(err)
	}
	values, err := SignWithOptions([]byte(`{"identity":{"ophamin_version":"1"},"schema_version":"1.0","x":[1.5,-0,1e400,"\u00e9\ud83d\ude80",null,true,{"b":{},"a":[]}]}`), testKey, SignOptions{AllowNonFinite: true})
	if err != nil {
		f.Fatal(err)
	}
	return [][]byte{minimal, att, values, []byte(`{"proof_id":"","schema_version":"1.0","signature":""}`)}
}

// tinyRecord is a valid Record with the shortest values the rules allow.
func tinyRecord() *Record {
	th := Threshold{Metric: "m", Comparator: ">=", Value: 0.5}
	return &Record{
		Identity:        Identity{OphaminVersion: "1", CreatedAt: "2026-01-01T00:00:00+00:00"},
		Claim:           Claim{Statement: "s", Operationalization: "o", H0: "0", H1: "1", Threshold: th},
		Preregistration: Preregistration{ConfigHash: "c", DataHash: "d", PreregisteredAt: "2026-01-01T00:00:00+00:00"},
		Data:            Data{SubstrateName: "n", Datasets: []Dataset{{NRecords: 1}}},
		Evidence:        []Evidence{{CrossCheck: "n/a", PValue: f64(0.01)}},
		Verdict:         Verdict{Outcome: "VALIDATED", ObservedValue: 1, Threshold: th, Reasoning: "r"},
		Reproduction:    Reproduction{Command: "c", Environment: map[string]string{"k": "v"}},
	}
}

func FuzzVerify(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	// Keys are fixed and derived once, outside the fuzz function.
	key := testKey
	pinned := []ed25519.PublicKey{attestKey().Public().(ed25519.PublicKey)}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > maxFuzzInput {
			return
		}
		v, err := Verify(in, key)
		if err != nil {
			typedError(t, err)
			if v != nil {
				t.Fatal("result with error")
			}
			return
		}
		// A verified record re-signs to the same proof_id and verifies.
		again, err := SignWithOptions(in, key, SignOptions{AllowNonFinite: true})
		if err != nil {
			t.Fatalf("re-signing a verified record: %v", err)
		}
		v2, err := Verify(again, key)
		if err != nil || v2.ProofID != v.ProofID || !bytes.Equal(v2.Body, v.Body) {
			t.Fatalf("re-signed record: %v", err)
		}
		// With the attestation key pinned, only a record it attested passes.
		v3, err := VerifyWithOptions(in, key, VerifyOptions{AttestationKeys: pinned})
		if err != nil {
			typedError(t, err)
			return
		}
		if v3.Attestation == nil || !v3.Attestation.Pinned || !bytes.Equal(v3.Body, v.Body) {
			t.Fatalf("pinned verification accepted without a pinned attestation")
		}
	})
}

func FuzzVerifyEnvelope(f *testing.F) {
	rec, err := Sign([]byte(`{"identity":{"ophamin_version":"1"},"schema_version":"1.0"}`), testKey)
	if err != nil {
		f.Fatal(err)
	}
	st, err := Statement(rec, testKey, StatementOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(st)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","predicate":{},"predicateType":"","subject":[]}`))
	hm, _ := dsse.NewHMAC(envelopeKey, "")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) > maxFuzzInput {
			return
		}
		env, err := dsse.Sign(ctx, attest.PayloadType, payload, hm)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := VerifyEnvelope(ctx, env, testKey, dsse.VerifyOptions{}, hm)
		if err != nil {
			typedError(t, err)
			return
		}
		if c, err := Canonicalize(ev.Body); err != nil || !bytes.Equal(c, ev.Body) {
			t.Fatalf("verified body is not canonical")
		}
		if v, err := VerifyStatement(payload, testKey); err != nil || v.ProofID != ev.ProofID {
			t.Fatalf("VerifyStatement disagrees with VerifyEnvelope: %v", err)
		}
	})
}

// FuzzParseRecord: ParseRecord never panics, fails only with an *Error, and
// what it accepts marshals back to the canonical body it was read from.
func FuzzParseRecord(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	body, err := tinyRecord().MarshalJSON()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(body)
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > maxFuzzRecordInput {
			return
		}
		r, err := ParseRecord(in)
		if err != nil {
			typedError(t, err)
			return
		}
		out, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("a parsed record does not marshal: %v", err)
		}
		parsed, err := parseRecord(in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, parsed.body) {
			t.Fatalf("round trip changed the body:\n%s\n%s", parsed.body, out)
		}
		if _, err := ParseRecord(out); err != nil {
			t.Fatalf("re-parsing the marshalled record: %v", err)
		}
	})
}
