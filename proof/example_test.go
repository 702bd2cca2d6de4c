package proof_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/chainproof/chainproof/dsse"
	"github.com/chainproof/chainproof/proof"
)

func ExampleCanonicalize() {
	out, err := proof.Canonicalize([]byte(`{"z": [1E5, 1e16, 1e-5, -0.0, 18446744073709551616],
		"a": "caf\u00e9 🚀 </script>", "m": NaN}`))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", out)

	_, err = proof.Canonicalize([]byte(`{"a": 1, "a": 2}`))
	fmt.Println(errors.Is(err, proof.ErrDuplicateKey), err)
	// Output:
	// {"a":"caf\u00e9 \ud83d\ude80 </script>","m":NaN,"z":[100000.0,1e+16,1e-05,-0.0,18446744073709551616]}
	// true proof: json: duplicate object key: "a" at offset 9
}

func ExampleAppendCanonical() {
	buf := make([]byte, 0, 64)
	for _, doc := range []string{`{"b": 1, "a": 2}`, `[1.50, "\u00e9"]`} {
		var err error
		buf, err = proof.AppendCanonical(buf[:0], []byte(doc))
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s\n", buf)
	}
	// Output:
	// {"a":2,"b":1}
	// [1.5,"\u00e9"]
}

// A minimal record body; real ones are built with proof.Record.
var body = []byte(`{"schema_version": "1.0", "claim": {"statement": "x"}}`)

func ExampleSign() {
	rec, err := proof.Sign(body, []byte("proof-key"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", rec)
	// Output:
	// {"proof_id":"abec6bc18fe26de3850210b771e229ccd2063daf7c322dafdff5e0e4f06b7a73","claim":{"statement":"x"},"schema_version":"1.0","signature":"eae354829ccb0e8990e16bf7cddc4fdb75cb8756b4a3e3a3c718c24b96f48aa8"}
}

func ExampleSignWithOptions() {
	nan := []byte(`{"schema_version": "1.0", "value": NaN}`)
	_, err := proof.Sign(nan, []byte("proof-key"))
	fmt.Println(errors.Is(err, proof.ErrNonFinite))

	rec, err := proof.SignWithOptions(nan, []byte("proof-key"), proof.SignOptions{AllowNonFinite: true})
	fmt.Println(err == nil, bytes.Contains(rec, []byte(`"value":NaN`)))
	// Output:
	// true
	// true true
}

func ExampleVerify() {
	rec, err := os.ReadFile("testdata/ophamin/proofs/anova_scipy_vs_statsmodels_vs_pingouin_b0fcc417fb505410.json")
	if err != nil {
		panic(err)
	}
	v, err := proof.Verify(rec, []byte("ophamin-scenario-proof-key"))
	if err != nil {
		panic(err)
	}
	fmt.Println(v.ProofID)

	_, err = proof.Verify(rec, []byte("wrong key"))
	fmt.Println(errors.Is(err, proof.ErrSignatureMismatch))
	var e *proof.Error
	if errors.As(err, &e) {
		fmt.Println(e.Check)
	}
	// Output:
	// b0fcc417fb50541067d1c9476b4dbde05b725191ed856986f01e06c4c1a8d342
	// true
	// signature
}

func ExampleVerifyWithOptions() {
	rec, err := os.ReadFile("testdata/ophamin/proofs/crdt-laws_2026-05-31_validated_fcd001e3612e.json")
	if err != nil {
		panic(err)
	}
	// The public key the caller trusts, obtained out of band.
	pinned := ed25519.PublicKey(mustHex("1c0049bf886605d96defb43cb0a24969788b8a0076a3c7e83d32a9b166009b3c"))
	v, err := proof.VerifyWithOptions(rec, []byte("ophamin-scenario-proof-key"),
		proof.VerifyOptions{AttestationKeys: []ed25519.PublicKey{pinned}})
	if err != nil {
		panic(err)
	}
	fmt.Println(v.ProofID[:16], v.Attestation.Author, v.Attestation.Pinned)
	// Output:
	// fcd001e3612e4cd6 ben.slama.idir@gmail.com true
}

func ExampleAttest() {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize))
	rec, _ := proof.Sign(body, []byte("proof-key"))
	attested, err := proof.Attest(rec, "alice@example.com", priv)
	if err != nil {
		panic(err)
	}
	a, err := proof.VerifyAttestation(attested, priv.Public().(ed25519.PublicKey))
	fmt.Println(err, a.Author, a.Pinned)
	// Output:
	// <nil> alice@example.com true
}

func ExampleVerifyAttestation() {
	rec, err := os.ReadFile("testdata/ophamin/proofs/crdt-laws_2026-05-31_validated_fcd001e3612e.json")
	if err != nil {
		panic(err)
	}
	other := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	_, err = proof.VerifyAttestation(rec, other)
	fmt.Println(errors.Is(err, proof.ErrAttestationUntrusted))
	// Output:
	// true
}

func sample() *proof.Record {
	threshold := proof.Threshold{Metric: "agreement", Comparator: ">=", Value: 0.99, Units: "proportion"}
	ciLow := 0.963
	return &proof.Record{
		Identity: proof.Identity{OphaminVersion: "0.115.2",
			CreatedAt: proof.Timestamp(time.Date(2026, 5, 31, 17, 46, 52, 0, time.UTC))},
		Claim: proof.Claim{Statement: "two backends agree", Operationalization: "compare outputs",
			H0: "agreement < 0.99", H1: "agreement >= 0.99", Threshold: threshold},
		Preregistration: proof.Preregistration{ConfigHash: "c0ffee", DataHash: "c0ffee",
			PreregisteredAt: "2026-05-31T17:46:52+00:00"},
		Data: proof.Data{SubstrateName: "backends", Datasets: []proof.Dataset{{Name: "ops", NRecords: 100}}},
		Evidence: []proof.Evidence{{Pillar: "agreement", StatisticName: "rate", StatisticValue: 1.0,
			CrossCheck: "passed", CILow: &ciLow, Detail: map[string]any{"n": 100}}},
		Verdict:      proof.Verdict{Outcome: "VALIDATED", ObservedValue: 1.0, Threshold: threshold, Reasoning: "100/100"},
		Reproduction: proof.Reproduction{Command: "make check", Environment: map[string]string{"go": "1.26.8"}},
	}
}

func ExampleRecord_Sign() {
	rec, err := sample().Sign([]byte("proof-key"))
	if err != nil {
		panic(err)
	}
	v, err := proof.Verify(rec, []byte("proof-key"))
	fmt.Println(err, len(v.ProofID))
	// Output:
	// <nil> 64
}

func ExampleRecord_Validate() {
	r := sample()
	r.Verdict.Outcome = "PROBABLY"
	err := r.Validate()
	var e *proof.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, proof.ErrInvalidRecord), e.Path)
	}
	fmt.Println(err)
	// Output:
	// true verdict.outcome
	// proof: field: invalid record: verdict.outcome: not an allowed value (got "PROBABLY", want "[VALIDATED REFUTED INCONCLUSIVE]")
}

func ExampleRecord_MarshalJSON() {
	r := sample()
	r.Provenance = map[string]any{"ratio": 1.0, "count": 3}
	b, err := r.MarshalJSON()
	if err != nil {
		panic(err)
	}
	i := bytes.Index(b, []byte(`"provenance"`))
	fmt.Printf("%s\n", b[i:i+36])
	// Output:
	// "provenance":{"count":3,"ratio":1.0}
}

func ExampleParseRecord() {
	rec, err := os.ReadFile("testdata/ophamin/proofs/crdt-laws_2026-05-31_validated_fcd001e3612e.json")
	if err != nil {
		panic(err)
	}
	v, err := proof.Verify(rec, []byte("ophamin-scenario-proof-key"))
	if err != nil {
		panic(err)
	}
	r, err := proof.ParseRecord(v.Body) // read only what was verified
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Verdict.Outcome, r.Claim.Threshold.Comparator, r.Claim.Threshold.Value, r.Data.Datasets[0].NRecords)
	// Output:
	// VALIDATED >= 0.99 100
}

func ExampleTimestamp() {
	t := time.Date(2026, 5, 31, 19, 46, 52, 196204000, time.FixedZone("CEST", 2*3600))
	fmt.Println(proof.Timestamp(t))
	// Output:
	// 2026-05-31T17:46:52.196204+00:00
}

func ExampleStatement() {
	rec, _ := proof.Sign(body, []byte("proof-key"))
	// body has no identity.ophamin_version, so it cannot be wrapped.
	st, err := proof.Statement(rec, []byte("proof-key"), proof.StatementOptions{})
	fmt.Println(st == nil, errors.Is(err, proof.ErrStatement))

	rec, _ = sample().Sign([]byte("proof-key"))
	st, err = proof.Statement(rec, []byte("proof-key"), proof.StatementOptions{Name: "agreement-proof"})
	if err != nil {
		panic(err)
	}
	var s struct {
		Type    string `json:"_type"`
		Subject []struct {
			Name string `json:"name"`
		} `json:"subject"`
	}
	json.Unmarshal(st, &s)
	fmt.Println(s.Type, s.Subject[0].Name)
	// Output:
	// true true
	// https://in-toto.io/Statement/v1 agreement-proof
}

func ExampleSignEnvelope() {
	ctx := context.Background()
	rec, _ := sample().Sign([]byte("proof-key"))
	// The outer layer: an HMAC key as upstream does, or dsse.NewSigner for
	// a public key (any crypto.Signer, including KMS keys).
	outer, _ := dsse.NewHMAC([]byte("envelope-key"), "")
	env, err := proof.SignEnvelope(ctx, rec, []byte("proof-key"), proof.StatementOptions{}, outer)
	if err != nil {
		panic(err)
	}
	fmt.Println(env.PayloadType, len(env.Signatures))
	// Output:
	// application/vnd.in-toto+json 1
}

func ExampleVerifyEnvelope() {
	ctx := context.Background()
	rec, _ := sample().Sign([]byte("proof-key"))
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, ed25519.SeedSize))
	signer, _ := dsse.NewSigner(priv, "release")
	env, _ := proof.SignEnvelope(ctx, rec, []byte("proof-key"), proof.StatementOptions{}, signer)
	data, _ := json.Marshal(env)

	// Elsewhere: parse, then verify both layers.
	env, err := dsse.Parse(data)
	if err != nil {
		panic(err)
	}
	verifier, _ := dsse.NewVerifier(priv.Public(), "release")
	v, err := proof.VerifyEnvelope(ctx, env, []byte("proof-key"), dsse.VerifyOptions{}, verifier)
	if err != nil {
		panic(err)
	}
	fmt.Println(v.KeyIDs, v.SubjectName == "empirical-proof-record-"+v.ProofID[:16])
	// Output:
	// [release] true
}

func ExampleVerifyStatement() {
	// The statement's authenticity comes from elsewhere, e.g. a Sigstore
	// bundle checked by package verify; VerifyStatement checks the inner
	// layer: shape, HMAC over the body, subject digest.
	rec, _ := sample().Sign([]byte("proof-key"))
	st, _ := proof.Statement(rec, []byte("proof-key"), proof.StatementOptions{})
	v, err := proof.VerifyStatement(st, []byte("proof-key"))
	fmt.Println(err, len(v.ProofID))
	_, err = proof.VerifyStatement(st, []byte("another key"))
	fmt.Println(errors.Is(err, proof.ErrSignatureMismatch))
	// Output:
	// <nil> 64
	// true
}

func mustHex(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		fmt.Sscanf(s[2*i:2*i+2], "%02x", &b[i])
	}
	return b
}
