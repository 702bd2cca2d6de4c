package proof

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/dsse"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var envelopeKey = []byte("dsse-envelope-key")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := readFile(t, path)
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after review):\n got %s\nwant %s", name, got, want)
	}
}

func TestStatement(t *testing.T) {
	rec := signedSample(t)
	st, err := Statement(rec, testKey, StatementOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := Canonicalize(st); err != nil || !bytes.Equal(c, st) {
		t.Fatalf("statement is not canonical: %v", err)
	}
	golden(t, "statement.golden.json", st)
	v, _ := Verify(rec, testKey)
	if !bytes.Contains(st, []byte(`"name":"empirical-proof-record-`+v.ProofID[:16]+`"`)) {
		t.Errorf("default subject name missing")
	}
	st2, err := Statement(rec, testKey, StatementOptions{Name: "caf\u00e9"})
	if err != nil || !bytes.Contains(st2, []byte(`"name":"caf\u00e9"`)) {
		t.Errorf("custom name: %v %s", err, st2)
	}
	_, err = Statement(setField(t, rec, "signature", `""`), testKey, StatementOptions{})
	checkErr(t, err, ErrMissingSignature, CheckSignature)
	_, err = Statement(rec, testKey, StatementOptions{Name: "\xff"})
	checkErr(t, err, ErrInvalidUTF8, CheckStatement)
	noVersion, _ := Sign([]byte(`{"schema_version":"1.0","identity":{}}`), testKey)
	_, err = Statement(noVersion, testKey, StatementOptions{})
	checkErr(t, err, ErrStatement, CheckStatement)
}

func TestEnvelopeHMACAndPublicKey(t *testing.T) {
	ctx := context.Background()
	rec := signedSample(t)
	hm, err := dsse.NewHMAC(envelopeKey, "")
	if err != nil {
		t.Fatal(err)
	}
	priv := attestKey()
	pk, err := dsse.NewSigner(priv, "release")
	if err != nil {
		t.Fatal(err)
	}
	pv, err := dsse.NewVerifier(priv.Public(), "release")
	if err != nil {
		t.Fatal(err)
	}
	// A Sigstore-style remote signer plugs in through dsse.Signer.
	remote := dsse.SignerFunc("release", func(ctx context.Context, pae []byte) ([]byte, error) {
		return ed25519.Sign(priv, pae), nil
	})
	for name, c := range map[string]struct {
		s dsse.Signer
		v dsse.Verifier
	}{"hmac": {hm, hm}, "public key": {pk, pv}, "signer func": {remote, pv}} {
		t.Run(name, func(t *testing.T) {
			env, err := SignEnvelope(ctx, rec, testKey, StatementOptions{}, c.s)
			if err != nil {
				t.Fatal(err)
			}
			// Through the wire form.
			data, err := json.Marshal(env)
			if err != nil {
				t.Fatal(err)
			}
			env2, err := dsse.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := VerifyEnvelope(ctx, env2, testKey, dsse.VerifyOptions{}, c.v)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := Verify(rec, testKey)
			if ev.ProofID != v.ProofID || !bytes.Equal(ev.Body, v.Body) || !strings.HasPrefix(ev.SubjectName, "empirical-proof-record-") || len(ev.KeyIDs) != 1 {
				t.Errorf("EnvelopeVerified = %+v", ev)
			}
		})
	}
	_, err = SignEnvelope(ctx, rec, testKey, StatementOptions{})
	checkErr(t, err, ErrEnvelope, CheckEnvelope)
	_, err = SignEnvelope(ctx, rec, []byte("wrong"), StatementOptions{}, hm)
	checkErr(t, err, ErrSignatureMismatch, CheckSignature)
}

// signStatement signs an arbitrary (possibly broken) statement with the
// envelope key, to test the inner checks.
func signStatement(t *testing.T, payloadType string, st []byte) *dsse.Envelope {
	t.Helper()
	hm, _ := dsse.NewHMAC(envelopeKey, "")
	env, err := dsse.Sign(context.Background(), payloadType, st, hm)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestVerifyEnvelopeErrors(t *testing.T) {
	ctx := context.Background()
	rec := signedSample(t)
	st, err := Statement(rec, testKey, StatementOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hm, _ := dsse.NewHMAC(envelopeKey, "")
	// edit applies a JSON edit to the statement: path "a.b", new raw value ("" deletes).
	edit := func(path, value string) []byte {
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(st))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		keys := strings.Split(path, ".")
		cur := m
		for _, k := range keys[:len(keys)-1] {
			if k == "0" {
				cur = cur["subject"].([]any)[0].(map[string]any)
				continue
			}
			cur = cur[k].(map[string]any)
		}
		last := keys[len(keys)-1]
		if value == "" {
			delete(cur, last)
		} else {
			var v any
			json.Unmarshal([]byte(value), &v)
			cur[last] = v
		}
		out, _ := json.Marshal(m)
		return out
	}
	otherSig, _ := Sign(rec, []byte("other"))
	var om map[string]json.RawMessage
	json.Unmarshal(otherSig, &om)
	tests := []struct {
		name     string
		env      *dsse.Envelope
		key      []byte
		sentinel error
		check    Check
	}{
		{"wrong outer key", signStatement(t, attest.PayloadType, st), testKey, ErrEnvelope, CheckEnvelope},
		{"payload type", signStatement(t, "application/json", st), testKey, ErrStatement, CheckStatement},
		{"not json", signStatement(t, attest.PayloadType, []byte("{")), testKey, ErrStatement, CheckStatement},
		{"duplicate key", signStatement(t, attest.PayloadType, bytes.Replace(st, []byte(`{"_type"`), []byte(`{"subject":[],"_type"`), 1)), testKey, ErrStatement, CheckStatement},
		{"case variant key", signStatement(t, attest.PayloadType, bytes.Replace(st, []byte(`"_type"`), []byte(`"_Type"`), 1)), testKey, ErrStatement, CheckStatement},
		{"extra field", signStatement(t, attest.PayloadType, edit("x", `1`)), testKey, ErrStatement, CheckStatement},
		{"_type", signStatement(t, attest.PayloadType, edit("_type", `"https://in-toto.io/Statement/v0.1"`)), testKey, ErrStatement, CheckStatement},
		{"predicateType", signStatement(t, attest.PayloadType, edit("predicateType", `"x"`)), testKey, ErrStatement, CheckStatement},
		{"two subjects", signStatement(t, attest.PayloadType, edit("subject", `[{"name":"a","digest":{"sha256":"00"}},{"name":"b","digest":{"sha256":"00"}}]`)), testKey, ErrStatement, CheckStatement},
		{"extra digest", signStatement(t, attest.PayloadType, edit("0.digest.sha512", `"00"`)), testKey, ErrStatement, CheckStatement},
		{"subject name type", signStatement(t, attest.PayloadType, edit("0.name", `1`)), testKey, ErrStatement, CheckStatement},
		{"predicate extra", signStatement(t, attest.PayloadType, edit("predicate.x", `1`)), testKey, ErrStatement, CheckStatement},
		{"schema", signStatement(t, attest.PayloadType, edit("predicate.schema_version", `"2.0"`)), testKey, ErrUnsupportedSchemaVersion, CheckSchemaVersion},
		{"body schema", signStatement(t, attest.PayloadType, edit("predicate.body.schema_version", `"2.0"`)), testKey, ErrUnsupportedSchemaVersion, CheckSchemaVersion},
		{"body not object", signStatement(t, attest.PayloadType, edit("predicate.body", `[1]`)), testKey, ErrMalformedRecord, CheckRecord},
		{"body holds signature", signStatement(t, attest.PayloadType, edit("predicate.body.signature", `"x"`)), testKey, ErrStatement, CheckStatement},
		{"signature number", signStatement(t, attest.PayloadType, edit("predicate.signature", `1`)), testKey, ErrMalformedSignature, CheckSignature},
		{"signature empty", signStatement(t, attest.PayloadType, edit("predicate.signature", `""`)), testKey, ErrMissingSignature, CheckSignature},
		{"signature short", signStatement(t, attest.PayloadType, edit("predicate.signature", `"abcd"`)), testKey, ErrMalformedSignature, CheckSignature},
		{"inner signature", signStatement(t, attest.PayloadType, edit("predicate.signature", string(om["signature"]))), testKey, ErrSignatureMismatch, CheckSignature},
		{"wrong inner key", signStatement(t, attest.PayloadType, st), []byte("other"), ErrSignatureMismatch, CheckSignature},
		{"body tampered", signStatement(t, attest.PayloadType, edit("predicate.body.provenance", `{}`)), testKey, ErrSignatureMismatch, CheckSignature},
		{"subject digest", signStatement(t, attest.PayloadType, edit("0.digest.sha256", `"`+strings.Repeat("ab", 32)+`"`)), testKey, ErrSubjectMismatch, CheckSubject},
		{"empty key", signStatement(t, attest.PayloadType, st), nil, ErrInvalidKey, CheckKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			verifier := dsse.Verifier(hm)
			if tt.name == "wrong outer key" {
				verifier, _ = dsse.NewHMAC([]byte("not the envelope key"), "")
			}
			_, err := VerifyEnvelope(ctx, tt.env, tt.key, dsse.VerifyOptions{}, verifier)
			checkErr(t, err, tt.sentinel, tt.check)
			if tt.check == CheckEnvelope {
				var ve *dsse.VerifyError
				if !errors.As(err, &ve) {
					t.Errorf("outer failure does not carry the dsse.VerifyError: %v", err)
				}
			}
		})
	}
}

// TestEnvelopeSignsDSSEPAE: the outer layer signs and verifies exactly
// dsse.PAE(attest.PayloadType, statement) — proof has no PAE encoder of its own —
// and the streamed form (dsse.PAEReader) gives the same bytes.
func TestEnvelopeSignsDSSEPAE(t *testing.T) {
	ctx := context.Background()
	rec := signedSample(t)
	st, err := Statement(rec, testKey, StatementOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := dsse.PAE(attest.PayloadType, st)
	var signed, verified []byte
	s := dsse.SignerFunc("k", func(_ context.Context, pae []byte) ([]byte, error) {
		signed = append([]byte(nil), pae...)
		return []byte("sig"), nil
	})
	env, err := SignEnvelope(ctx, rec, testKey, StatementOptions{}, s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(signed, want) {
		t.Fatalf("SignEnvelope signed %q, want dsse.PAE of the statement", signed)
	}
	if _, err := VerifyEnvelope(ctx, env, testKey, dsse.VerifyOptions{}, paeVerifier{&verified}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(verified, want) {
		t.Fatalf("VerifyEnvelope verified %q, want dsse.PAE of the statement", verified)
	}
	streamed, err := io.ReadAll(dsse.PAEReader(attest.PayloadType, int64(len(st)), bytes.NewReader(st)))
	if err != nil || !bytes.Equal(streamed, want) {
		t.Fatalf("dsse.PAEReader differs from dsse.PAE: %v", err)
	}
}

// paeVerifier records the PAE it is given and accepts the signature "sig".
type paeVerifier struct{ got *[]byte }

func (paeVerifier) KeyID() string { return "k" }
func (v paeVerifier) Verify(_ context.Context, pae, sig []byte) error {
	*v.got = append([]byte(nil), pae...)
	if string(sig) != "sig" {
		return errors.New("bad signature")
	}
	return nil
}
