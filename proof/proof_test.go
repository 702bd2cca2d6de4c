package proof

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

var testKey = []byte("test-proof-key")

func f64(v float64) *float64 { return &v }

// sampleRecord is a small valid record with fixed contents.
func sampleRecord() *Record {
	return &Record{
		Identity: Identity{OphaminVersion: "0.115.2", OphaminGitCommit: "179df78b", CreatedAt: "2026-05-31T17:46:52.196204+00:00"},
		Claim: Claim{
			Statement: "backends converge", Operationalization: "compare final text",
			H0: "rate < 0.99", H1: "rate >= 0.99",
			Threshold: Threshold{Metric: "rate", Comparator: ">=", Value: 0.99, Units: "proportion"},
		},
		Preregistration: Preregistration{
			ConfigHash: "eef18a4b", DataHash: "eef18a4b", AnalysisPlan: "Wilson CI \u2265 99%",
			SweepGrid: map[string]any{"n": 100, "alpha": 0.05}, PreregisteredAt: "2026-05-31T17:46:52+00:00",
		},
		Data: Data{SubstrateName: "pycrdt", SubstrateGitCommit: "0.13.0", Datasets: []Dataset{
			{Name: "ops", ContentHash: "eef18a4b", NRecords: 100, Source: "random.Random(seed=1)"},
		}},
		Evidence: []Evidence{{
			Pillar: "convergence", StatisticName: "rate", StatisticValue: 1.0, Library: "statsmodels",
			LibraryVersion: "0.14.6", CrossCheck: "passed", Detail: map[string]any{"note": "caf\u00e9 \U0001F680", "n": int64(100)},
			CILow: f64(0.963), CIHigh: f64(1.0),
		}},
		Verdict: Verdict{Outcome: "VALIDATED", ObservedValue: 1.0,
			Threshold: Threshold{Metric: "rate", Comparator: ">=", Value: 0.99, Units: "proportion"}, Reasoning: "100/100 converged"},
		Reproduction: Reproduction{Command: "run crdt-laws", Environment: map[string]string{"python": "3.14.3"}},
		Provenance:   map[string]any{"prefix": map[string]any{"ophamin": "https://ophamin.example/"}},
	}
}

func signedSample(t testing.TB) []byte {
	t.Helper()
	rec, err := sampleRecord().Sign(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func attestKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
}

// checkErr asserts err matches sentinel and is an *Error with check.
func checkErr(t *testing.T, err, sentinel error, check Check) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error = %v, want %v", err, sentinel)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *proof.Error", err)
	}
	if e.Check != check {
		t.Errorf("Check = %q, want %q (%v)", e.Check, check, err)
	}
	if !strings.HasPrefix(err.Error(), "proof: ") {
		t.Errorf("message %q lacks the proof: prefix", err)
	}
	if strings.Contains(err.Error(), string(testKey)) {
		t.Errorf("error leaks key material: %v", err)
	}
}

// setField rewrites one top-level field of a record (value is JSON text).
func setField(t testing.TB, rec []byte, key, value string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(rec, &m); err != nil {
		t.Fatal(err)
	}
	if value == "" {
		delete(m, key)
	} else {
		m[key] = json.RawMessage(value)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSignVerifyRoundTrip(t *testing.T) {
	rec := signedSample(t)
	v, err := Verify(rec, testKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(v.Body)
	if v.ProofID != hex.EncodeToString(sum[:]) || v.SchemaVersion != "1.0" || v.Attestation != nil {
		t.Errorf("Verified = %+v", v)
	}
	// The body is canonical and Sign is deterministic.
	if c, _ := Canonicalize(v.Body); !bytes.Equal(c, v.Body) {
		t.Error("body is not canonical")
	}
	again, err := Sign(rec, testKey)
	if err != nil || !bytes.Equal(again, rec) {
		t.Errorf("re-signing changed the record: %v", err)
	}
	// Layout is irrelevant: an indented, reordered copy verifies.
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(rec))
	d.UseNumber()
	d.Decode(&m)
	pretty, _ := json.MarshalIndent(m, "", "  ")
	if _, err := Verify(pretty, testKey); err != nil {
		t.Errorf("re-laid-out record: %v", err)
	}
	// Floats stay floats.
	if !bytes.Contains(v.Body, []byte(`"statistic_value":1.0`)) || !bytes.Contains(v.Body, []byte(`"n_records":100`)) {
		t.Errorf("body = %s", v.Body)
	}
}

func TestVerifyErrors(t *testing.T) {
	rec := signedSample(t)
	var m map[string]json.RawMessage
	json.Unmarshal(rec, &m)
	sig := strings.Trim(string(m["signature"]), `"`)
	tests := []struct {
		name     string
		rec      []byte
		key      []byte
		sentinel error
		check    Check
	}{
		{"not json", []byte("not json"), testKey, ErrNotJSON, CheckJSON},
		{"empty", nil, testKey, ErrNotJSON, CheckJSON},
		{"trailing data", append(append([]byte{}, rec...), " {}"...), testKey, ErrNotJSON, CheckJSON},
		{"duplicate key", bytes.Replace(rec, []byte(`{"proof_id"`), []byte(`{"claim":1,"proof_id"`), 1), testKey, ErrDuplicateKey, CheckJSON},
		{"duplicate signature", bytes.Replace(rec, []byte(`{"proof_id"`), []byte(`{"signature":"","proof_id"`), 1), testKey, ErrDuplicateKey, CheckJSON},
		{"invalid utf-8", bytes.Replace(rec, []byte("run crdt-laws"), []byte("run \xff-laws"), 1), testKey, ErrInvalidUTF8, CheckJSON},
		{"lone surrogate", bytes.Replace(rec, []byte("run crdt-laws"), []byte(`run \ud800-laws`), 1), testKey, ErrLoneSurrogate, CheckJSON},
		{"array", []byte(`[1]`), testKey, ErrMalformedRecord, CheckRecord},
		{"empty key", rec, nil, ErrInvalidKey, CheckKey},
		{"missing signature", setField(t, rec, "signature", ""), testKey, ErrMissingSignature, CheckSignature},
		{"unsigned", setField(t, rec, "signature", `""`), testKey, ErrMissingSignature, CheckSignature},
		{"uppercase signature", setField(t, rec, "signature", `"`+strings.ToUpper(sig)+`"`), testKey, ErrMalformedSignature, CheckSignature},
		{"short signature", setField(t, rec, "signature", `"`+sig[:62]+`"`), testKey, ErrMalformedSignature, CheckSignature},
		{"numeric signature", setField(t, rec, "signature", `12`), testKey, ErrMalformedSignature, CheckSignature},
		{"wrong key", rec, []byte("other key"), ErrSignatureMismatch, CheckSignature},
		{"tampered body", setField(t, rec, "provenance", `{}`), testKey, ErrSignatureMismatch, CheckSignature},
		{"extra top-level field", setField(t, rec, "x", `1`), testKey, ErrSignatureMismatch, CheckSignature},
		{"proof_id mismatch", setField(t, rec, "proof_id", `"`+strings.Repeat("0", 64)+`"`), testKey, ErrProofIDMismatch, CheckProofID},
		// A string of the wrong value is a mismatch; a proof_id that is not
		// a string at all is not a proof record (ErrMalformedRecord's doc).
		{"proof_id not hex", setField(t, rec, "proof_id", `"abc"`), testKey, ErrProofIDMismatch, CheckProofID},
		{"proof_id number", setField(t, rec, "proof_id", `7`), testKey, ErrMalformedRecord, CheckRecord},
		{"proof_id null", setField(t, rec, "proof_id", `null`), testKey, ErrMalformedRecord, CheckRecord},
		{"proof_id true", setField(t, rec, "proof_id", `true`), testKey, ErrMalformedRecord, CheckRecord},
		{"proof_id array", setField(t, rec, "proof_id", `["`+strings.Repeat("0", 64)+`"]`), testKey, ErrMalformedRecord, CheckRecord},
		{"proof_id object", setField(t, rec, "proof_id", `{}`), testKey, ErrMalformedRecord, CheckRecord},
		{"proof_id missing", setField(t, rec, "proof_id", ""), testKey, ErrMalformedRecord, CheckRecord},
		{"schema 2.0", setField(t, rec, "schema_version", `"2.0"`), testKey, ErrUnsupportedSchemaVersion, CheckSchemaVersion},
		{"schema missing", setField(t, rec, "schema_version", ""), testKey, ErrUnsupportedSchemaVersion, CheckSchemaVersion},
		{"schema number", setField(t, rec, "schema_version", `1.0`), testKey, ErrUnsupportedSchemaVersion, CheckSchemaVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Verify(tt.rec, tt.key)
			if v != nil {
				t.Errorf("Verify returned a result with an error")
			}
			checkErr(t, err, tt.sentinel, tt.check)
		})
	}
}

func TestErrorEvidence(t *testing.T) {
	rec := setField(t, signedSample(t), "proof_id", `"abc"`)
	_, err := Verify(rec, testKey)
	var e *Error
	if !errors.As(err, &e) || e.Path != "proof_id" || e.Got != `"abc"` || len(e.Want) != 66 {
		t.Fatalf("error = %#v", err)
	}
	if !strings.Contains(err.Error(), "got") {
		t.Errorf("message %q lacks evidence", err)
	}
	_, err = Canonicalize([]byte(`{"a": x}`))
	if !errors.As(err, &e) || e.Offset != 6 {
		t.Fatalf("syntax error = %#v", err)
	}
	_, err = Canonicalize([]byte(`{"k\u00e9":1,"k\u00e9":2}`))
	if !errors.As(err, &e) || e.Path != `"k\u00e9"` || e.Offset != 13 || !errors.Is(err, ErrDuplicateKey) {
		t.Fatalf("duplicate error = %#v", err)
	}
	if (&Error{Check: CheckJSON, Offset: -1}).Error() != "proof: json: check failed" {
		t.Error("message without sentinel")
	}
	if errors.Unwrap(e) != ErrDuplicateKey {
		t.Error("Unwrap")
	}
}

func TestSignErrors(t *testing.T) {
	body, err := sampleRecord().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	nan := bytes.Replace(body, []byte(`"statistic_value":1.0`), []byte(`"statistic_value":NaN`), 1)
	tests := []struct {
		name     string
		rec      []byte
		key      []byte
		sentinel error
		check    Check
	}{
		{"not json", []byte("{"), testKey, ErrNotJSON, CheckJSON},
		{"not an object", []byte(`"x"`), testKey, ErrMalformedRecord, CheckRecord},
		{"empty key", body, nil, ErrInvalidKey, CheckKey},
		{"nan", nan, testKey, ErrNonFinite, CheckJSON},
		{"infinity", bytes.Replace(body, []byte(`"statistic_value":1.0`), []byte(`"statistic_value":-Infinity`), 1), testKey, ErrNonFinite, CheckJSON},
		{"overflow", bytes.Replace(body, []byte(`"statistic_value":1.0`), []byte(`"statistic_value":1e999`), 1), testKey, ErrNonFinite, CheckJSON},
		{"schema", []byte(`{"schema_version":"0.9"}`), testKey, ErrUnsupportedSchemaVersion, CheckSchemaVersion},
		{"bad attestation", setField(t, body, "attestation", `{"author":"a","algorithm":"ed25519","public_key":"1c0049bf886605d96defb43cb0a24969788b8a0076a3c7e83d32a9b166009b3c","signature":"`+strings.Repeat("0", 128)+`"}`), testKey, ErrAttestationInvalid, CheckAttestation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Sign(tt.rec, tt.key)
			checkErr(t, err, tt.sentinel, tt.check)
		})
	}
	// Asked explicitly, non-finite numbers are signed, and verify.
	rec, err := SignWithOptions(nan, testKey, SignOptions{AllowNonFinite: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(rec, testKey); err != nil {
		t.Fatal(err)
	}
}

func TestAttestation(t *testing.T) {
	priv := attestKey()
	pub := priv.Public().(ed25519.PublicKey)
	rec := signedSample(t)
	att, err := Attest(rec, "alice@example.com", priv)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Verify(att, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if v.Attestation == nil || v.Attestation.Pinned || v.Attestation.Author != "alice@example.com" || !pub.Equal(v.Attestation.PublicKey) {
		t.Fatalf("attestation = %+v", v.Attestation)
	}
	v, err = VerifyWithOptions(att, testKey, VerifyOptions{AttestationKeys: []ed25519.PublicKey{pub}})
	if err != nil || !v.Attestation.Pinned {
		t.Fatalf("pinned: %v", err)
	}
	// Re-signing keeps a still-valid attestation.
	resigned, err := Sign(att, []byte("new key"))
	if err != nil {
		t.Fatal(err)
	}
	if a, err := VerifyAttestation(resigned, pub); err != nil || !a.Pinned {
		t.Fatalf("attestation lost on re-signing: %v", err)
	}

	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, 32)).Public().(ed25519.PublicKey)
	_, err = VerifyWithOptions(att, testKey, VerifyOptions{AttestationKeys: []ed25519.PublicKey{other}})
	checkErr(t, err, ErrAttestationUntrusted, CheckAttestation)
	_, err = VerifyAttestation(att, other)
	checkErr(t, err, ErrAttestationUntrusted, CheckAttestation)
	_, err = VerifyWithOptions(rec, testKey, VerifyOptions{AttestationKeys: []ed25519.PublicKey{pub}})
	checkErr(t, err, ErrAttestationMissing, CheckAttestation)
	_, err = VerifyAttestation(att, pub[:5])
	checkErr(t, err, ErrInvalidKey, CheckKey)
	_, err = VerifyAttestation([]byte("{"), pub)
	checkErr(t, err, ErrNotJSON, CheckJSON)
	_, err = Attest(rec, "a", priv[:10])
	checkErr(t, err, ErrInvalidKey, CheckKey)
	_, err = Attest(rec, "\xff", priv)
	checkErr(t, err, ErrInvalidUTF8, CheckAttestation)
	_, err = Attest([]byte("{"), "a", priv)
	checkErr(t, err, ErrNotJSON, CheckJSON)
	_, err = Attest([]byte(`{"schema_version":"2"}`), "a", priv)
	checkErr(t, err, ErrUnsupportedSchemaVersion, CheckSchemaVersion)

	var m map[string]json.RawMessage
	json.Unmarshal(att, &m)
	var a map[string]any
	json.Unmarshal(m["attestation"], &a)
	mutate := func(k string, v any) []byte {
		c := map[string]any{}
		for kk, vv := range a {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		b, _ := json.Marshal(c)
		return setField(t, att, "attestation", string(b))
	}
	badSig := []byte(a["signature"].(string))
	badSig[0] ^= 1
	for name, bad := range map[string][]byte{
		"algorithm":       mutate("algorithm", "ecdsa"),
		"missing author":  mutate("author", nil),
		"unknown field":   mutate("extra", "x"),
		"public_key hex":  mutate("public_key", "zz"),
		"signature hex":   mutate("signature", strings.ToUpper(a["signature"].(string))),
		"signature value": mutate("signature", string(badSig)),
		"not an object":   setField(t, att, "attestation", `"x"`),
		"body changed":    setField(t, att, "provenance", `{}`),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := VerifyAttestation(bad, pub)
			checkErr(t, err, ErrAttestationInvalid, CheckAttestation)
		})
	}
	// The author is a label outside the signature: changing it keeps the
	// Ed25519 signature valid (documented).
	if _, err := VerifyAttestation(mutate("author", "mallory"), pub); err != nil {
		t.Errorf("author change: %v", err)
	}
}

// TestMutation flips every bit of every byte and truncates at every
// length of a signed, attested record: every change is rejected, except
// the ones that do not change the canonical form (the case of a hex digit
// in a \u escape, and the attestation's author label, which is outside
// every signature by the spec).
func TestMutation(t *testing.T) {
	priv := attestKey()
	pub := priv.Public().(ed25519.PublicKey)
	rec, err := Attest(signedSample(t), "alice", priv)
	if err != nil {
		t.Fatal(err)
	}
	opts := VerifyOptions{AttestationKeys: []ed25519.PublicKey{pub}}
	if _, err := VerifyWithOptions(rec, testKey, opts); err != nil {
		t.Fatal(err)
	}
	authorAt := bytes.Index(rec, []byte(`"author":"alice"`)) + len(`"author":"`)
	inHexEscape := func(i int) bool {
		for j := i - 5; j <= i-2; j++ {
			if j >= 0 && rec[j] == '\\' && rec[j+1] == 'u' && (j == 0 || rec[j-1] != '\\') {
				return true
			}
		}
		return false
	}
	accepted := 0
	mut := make([]byte, len(rec))
	for i := range rec {
		for bit := 0; bit < 8; bit++ {
			copy(mut, rec)
			mut[i] ^= 1 << bit
			_, err := VerifyWithOptions(mut, testKey, opts)
			if err == nil {
				caseFlip := bit == 5 && inHexEscape(i) && (rec[i]|0x20) >= 'a' && (rec[i]|0x20) <= 'f'
				inAuthor := i >= authorAt && i < authorAt+len("alice")
				if !caseFlip && !inAuthor {
					t.Errorf("flip of bit %d at offset %d accepted: %q", bit, i, mut[max(0, i-20):min(len(mut), i+20)])
				}
				accepted++
				continue
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
		}
	}
	for n := 0; n < len(rec); n++ {
		_, err := VerifyWithOptions(rec[:n], testKey, opts)
		checkErr(t, err, ErrNotJSON, CheckJSON)
	}
	t.Logf("%d mutations, %d accepted (hex-escape case flips and author label bits)", 8*len(rec), accepted)
}
