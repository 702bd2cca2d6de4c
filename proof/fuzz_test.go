package proof

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

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

func FuzzVerify(f *testing.F) {
	addSeeds(f, "testdata/ophamin/proofs/*.json")
	rec := signedSample(f)
	f.Add(rec)
	att, _ := Attest(rec, "alice", attestKey())
	f.Add(att)
	key := []byte(scenarioProofKey)
	f.Fuzz(func(t *testing.T, in []byte) {
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
	})
}

func FuzzVerifyEnvelope(f *testing.F) {
	st, err := Statement(signedSample(f), testKey, StatementOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(st)
	hm, _ := dsse.NewHMAC(envelopeKey, "")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, payload []byte) {
		env, err := dsse.Sign(ctx, PayloadType, payload, hm)
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
	})
}
