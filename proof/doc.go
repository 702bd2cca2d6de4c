// Package proof signs and verifies HMAC-SHA256 proof records over a
// canonical JSON form, byte-compatible with the EmpiricalProofRecord format
// of the Ophamin project (Python reference implementation; its Rust and
// JS/TS ports verify the same bytes).
//
// The specification is SPEC.md beside this file (proof/SPEC.md in the
// repository): section 1 is the record, section 2 the canonical form,
// section 3 the verification rule and section 4 the in-toto statement and
// DSSE wrappers.
// The upstream vectors are checked in under testdata/ophamin (see SOURCE.md
// there) and are the acceptance test.
//
// # Canonical form
//
// [Canonicalize] writes exactly what Python writes with
//
//	json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"),
//	           ensure_ascii=True, allow_nan=True)
//
// (it is not RFC 8785): keys sorted by code point, integers as arbitrary
// precision digits, other numbers as Python's repr of the nearest double
// (1.0, 1e-05, 1e+16), strings ASCII-only with \uXXXX escapes and surrogate
// pairs, NaN/Infinity/-Infinity tokens. It is stricter than Python on input:
// duplicate keys, invalid UTF-8, lone surrogate escapes, a byte order mark,
// trailing data, nesting deeper than [MaxDepth] and integers longer than
// [MaxIntegerDigits] are errors. A differential test compares it with the
// machine's python3 on generated documents. The input and output grammars,
// and what each speed trick of the encoder buys, are documented in
// canonical.go.
//
// # Records
//
// A record is {"proof_id", the nine body keys, "signature", optional
// "attestation"}. The body (every top-level key but those three) is what is
// hashed and signed: signature = HMAC-SHA256(key, canonical(body)) and
// proof_id = SHA-256(canonical(body)), both lowercase hex. Build new records
// with [Record] (validated field by field), or sign any body with [Sign];
// check one with [Verify]:
//
//	rec, err := proof.Sign(body, key)
//	...
//	v, err := proof.Verify(rec, key)
//	if errors.Is(err, proof.ErrSignatureMismatch) { ... }
//	fmt.Println(v.ProofID)
//
// Every failure is an [*Error] naming the check that failed (with evidence,
// never key material) and matching one sentinel with [errors.Is]:
// [ErrNotJSON], [ErrDuplicateKey], [ErrInvalidUTF8], [ErrLoneSurrogate],
// [ErrMissingSignature], [ErrMalformedSignature], [ErrSignatureMismatch],
// [ErrProofIDMismatch], [ErrUnsupportedSchemaVersion],
// [ErrAttestationInvalid], and the package's other Err* sentinels.
//
// The optional Ed25519 attestation ([Attest]) signs the same canonical body.
// [Verify] checks it against the public key the record embeds and reports
// that key with Pinned false; the key is trusted only when the caller pins it
// ([VerifyOptions].AttestationKeys or [VerifyAttestation]).
//
// [Statement], [SignEnvelope] and [VerifyEnvelope] wrap a signed record in
// an in-toto Statement v1 inside a DSSE envelope (package dsse) and verify
// both layers: the outer signature (HMAC as upstream does, a public key, or
// any dsse.Signer), then the inner HMAC with the proof key and the subject
// digest. For a Sigstore-signed outer layer (a DSSE bundle checked by
// package verify), [VerifyStatement] checks the inner layer of the verified
// statement. [ParseRecord] reads a verified body into a [Record], exactly.
//
// # What this package does not check
//
//   - Whether a key is the right one: HMAC keys, pinned Ed25519 keys and the
//     outer DSSE verifiers are the caller's choice.
//   - The attestation's author field: it is a label outside every signature.
//   - The field rules of section 1 when verifying (a verified record is
//     authentic, not necessarily well-formed); [Record.Validate] applies them
//     to new records, and [Sign] checks only the JSON rules and
//     schema_version.
//   - Whether the claim is true, the evidence sound, or the timestamps
//     honest; nor the W3C PROV content of provenance.
//   - The statement's predicate ophamin_version against the body (it is
//     covered by the outer signature only).
package proof
