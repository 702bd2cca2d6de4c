package proof

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/dsse"
	"github.com/chainproof/chainproof/internal/errtext"
)

// The in-toto wrapping of a proof record (PROOF-SPEC section 4).
const (
	// StatementType is the in-toto statement _type.
	StatementType = attest.StatementTypeV1
	// PredicateType identifies the proof-record predicate.
	PredicateType = "https://github.com/IdirBenSlama/Ophamin/blob/main/SCHEMAS.md#empirical-proof-record-v1"
)

// StatementOptions are optional settings of [Statement] and [SignEnvelope].
type StatementOptions struct {
	// Name is the subject name; empty means
	// "empirical-proof-record-" + the first 16 hex digits of the proof_id.
	Name string
}

// Statement verifies a signed record with the HMAC key and returns the
// canonical in-toto statement wrapping it:
//
//	{"_type": StatementType,
//	 "subject": [{"name": NAME, "digest": {"sha256": proof_id}}],
//	 "predicateType": PredicateType,
//	 "predicate": {"ophamin_version": V, "schema_version": "1.0", "body": BODY, "signature": HEX64}}
//
// Unsigned or invalid records are refused with the error [Verify] returns.
func Statement(record, key []byte, opts StatementOptions) ([]byte, error) {
	v, err := Verify(record, key)
	if err != nil {
		return nil, err
	}
	var b struct {
		Identity struct {
			OphaminVersion json.RawMessage `json:"ophamin_version"`
		} `json:"identity"`
	}
	if err := json.Unmarshal(v.Body, &b); err != nil || len(b.Identity.OphaminVersion) == 0 {
		e := newErr(CheckStatement, ErrStatement, "record body has no identity.ophamin_version")
		e.Path = "identity.ophamin_version"
		return nil, e
	}
	name := opts.Name
	if name == "" {
		name = "empirical-proof-record-" + v.ProofID[:16]
	}
	if !utf8.ValidString(name) {
		e := newErr(CheckStatement, ErrInvalidUTF8, "subject name")
		return nil, e
	}
	sig := mac(key, v.Body)
	out := make([]byte, 0, len(v.Body)+512)
	out = append(out, `{"_type":"`+StatementType+`","predicate":{"body":`...)
	out = append(out, v.Body...)
	out = append(out, `,"ophamin_version":`...)
	out = append(out, b.Identity.OphaminVersion...)
	out = append(out, `,"schema_version":"`+SchemaVersion+`","signature":"`...)
	out = hex.AppendEncode(out, sig)
	out = append(out, `"},"predicateType":"`+PredicateType+`","subject":[{"digest":{"sha256":"`...)
	out = append(out, v.ProofID...)
	out = append(out, `"},"name":`...)
	out = appendString(out, name)
	out = append(out, `}]}`...)
	return out, nil
}

// SignEnvelope wraps a signed record in an in-toto statement ([Statement])
// and signs it into a DSSE envelope with the given outer signers: an HMAC
// key (dsse.NewHMAC, as upstream does), a public-key signer (dsse.NewSigner)
// or any other dsse.Signer, such as a Sigstore keyless signer.
func SignEnvelope(ctx context.Context, record, key []byte, opts StatementOptions, signers ...dsse.Signer) (*dsse.Envelope, error) {
	st, err := Statement(record, key, opts)
	if err != nil {
		return nil, err
	}
	env, err := dsse.Sign(ctx, attest.PayloadType, st, signers...)
	if err != nil {
		e := newErr(CheckEnvelope, because{ErrEnvelope, err}, errtext.Trim(err))
		return nil, e
	}
	return env, nil
}

// EnvelopeVerified is the result of [VerifyEnvelope] and [VerifyStatement].
type EnvelopeVerified struct {
	// Verified is the inner record: ProofID, SchemaVersion and the canonical
	// Body. Attestation is always nil (statements do not carry one).
	Verified
	// SubjectName is the statement's subject name.
	SubjectName string
	// KeyIDs are the key ids of the outer keys that verified.
	KeyIDs []string
}

func stmtErr(field, reason string) *Error {
	e := newErr(CheckStatement, ErrStatement, reason)
	e.Path = field
	return e
}

// VerifyEnvelope performs the two-layer verification of PROOF-SPEC section
// 4: (1) the outer DSSE signatures with the verifiers and opts, (2) the
// statement (payload type, _type, predicateType, one subject with a sha256
// digest, nothing else), (3) the inner HMAC over canonical(predicate.body)
// with the proof key, which may differ from the outer key, and (4) the
// subject digest against SHA-256 of the canonical body.
func VerifyEnvelope(ctx context.Context, env *dsse.Envelope, key []byte, opts dsse.VerifyOptions, verifiers ...dsse.Verifier) (*EnvelopeVerified, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	outer, err := dsse.Verify(ctx, env, opts, verifiers...)
	if err != nil {
		return nil, newErr(CheckEnvelope, because{ErrEnvelope, err}, errtext.Trim(err))
	}
	if outer.PayloadType != attest.PayloadType {
		e := stmtErr("payloadType", "")
		e.Got, e.Want = outer.PayloadType, attest.PayloadType
		return nil, e
	}
	v, err := VerifyStatement(outer.Payload, key)
	if err != nil {
		return nil, err
	}
	v.KeyIDs = outer.KeyIDs
	return v, nil
}

// VerifyStatement performs steps (2) to (4) of [VerifyEnvelope] on a
// statement whose authenticity the caller has already established by other
// means, e.g. a Sigstore bundle verified by package verify (the outer layer
// signed keylessly): the statement's shape, the inner HMAC with the proof
// key, and the subject digest. KeyIDs of the result is nil.
func VerifyStatement(statement, key []byte) (*EnvelopeVerified, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	// Strict JSON first (duplicate keys, UTF-8), then the shape.
	if _, err := Canonicalize(statement); err != nil {
		e := stmtErr("", err.Error())
		e.Err = because{ErrStatement, err}
		return nil, e
	}
	// Then as every in-toto statement is read in this module
	// (attest.ParseStatement), and then the stricter shape of
	// PROOF-SPEC section 4.
	if _, err := attest.ParseStatement(statement); err != nil {
		var ae *attest.Error
		field := ""
		if errors.As(err, &ae) {
			field = ae.Path
		}
		e := stmtErr(field, errtext.TrimRepeat(field, errtext.Trim(err)))
		e.Err = because{ErrStatement, err}
		return nil, e
	}
	st := strictObject(statement, "_type", "subject", "predicateType", "predicate")
	if st == nil {
		return nil, stmtErr("", "want an object of exactly _type, subject, predicateType, predicate")
	}
	if typ, _ := jsonString(st["_type"]); typ != StatementType {
		e := stmtErr("_type", "")
		e.Got, e.Want = string(st["_type"]), StatementType
		return nil, e
	}
	if pt, _ := jsonString(st["predicateType"]); pt != PredicateType {
		e := stmtErr("predicateType", "")
		e.Got, e.Want = string(st["predicateType"]), PredicateType
		return nil, e
	}
	var subjects []json.RawMessage
	json.Unmarshal(st["subject"], &subjects)
	var subject, digest map[string]json.RawMessage
	if len(subjects) == 1 {
		if subject = strictObject(subjects[0], "name", "digest"); subject != nil {
			digest = strictObject(subject["digest"], "sha256")
		}
	}
	subjectName, ok1 := jsonString(subject["name"])
	subjectDigest, ok2 := jsonString(digest["sha256"])
	if digest == nil || !ok1 || !ok2 {
		return nil, stmtErr("subject", "want exactly one subject of a name and only a sha256 digest")
	}
	pred := strictObject(st["predicate"], "ophamin_version", "schema_version", "body", "signature")
	if pred == nil {
		return nil, stmtErr("predicate", "want an object of exactly ophamin_version, schema_version, body, signature")
	}
	if sv, _ := jsonString(pred["schema_version"]); sv != SchemaVersion {
		e := newErr(CheckSchemaVersion, ErrUnsupportedSchemaVersion, "")
		e.Path, e.Got, e.Want = "predicate.schema_version", string(pred["schema_version"]), `"`+SchemaVersion+`"`
		return nil, e
	}
	predSig, ok := jsonString(pred["signature"])
	if !ok {
		e := newErr(CheckSignature, ErrMalformedSignature, "not a string")
		e.Path = "predicate.signature"
		return nil, e
	}
	r, err := parseRecord(pred["body"])
	if err != nil {
		return nil, err
	}
	if r.proofID != nil || r.signature != nil || r.attestation != nil {
		return nil, stmtErr("predicate.body", "body holds proof_id, signature or attestation")
	}
	if err := r.schemaCheck(); err != nil {
		return nil, err
	}
	if predSig == "" {
		e := newErr(CheckSignature, ErrMissingSignature, "")
		e.Path = "predicate.signature"
		return nil, e
	}
	sig, ok := lowerHex(predSig, sha256.Size)
	if !ok {
		e := newErr(CheckSignature, ErrMalformedSignature, "want 64 lowercase hex digits")
		e.Path = "predicate.signature"
		return nil, e
	}
	if !hmacEqual(mac(key, r.body), sig) {
		e := newErr(CheckSignature, ErrSignatureMismatch, "")
		e.Path = "predicate.signature"
		return nil, e
	}
	sum := sha256.Sum256(r.body)
	id := hex.EncodeToString(sum[:])
	if subjectDigest != id {
		e := newErr(CheckSubject, ErrSubjectMismatch, "")
		e.Path, e.Got, e.Want = "subject[0].digest.sha256", subjectDigest, id
		return nil, e
	}
	return &EnvelopeVerified{
		Verified:    Verified{ProofID: id, SchemaVersion: SchemaVersion, Body: r.body},
		SubjectName: subjectName,
	}, nil
}
