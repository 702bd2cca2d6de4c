package proof

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/chainproof/chainproof/dsse"
	"github.com/chainproof/chainproof/internal/edkey"
)

// SchemaVersion is the only schema_version this package signs and verifies.
const SchemaVersion = "1.0"

// Verified is the result of a successful [Verify].
type Verified struct {
	// ProofID is the lowercase hex SHA-256 of Body (equal to the stored one).
	ProofID string
	// SchemaVersion is the body's schema_version ("1.0").
	SchemaVersion string
	// Body is the canonical body: the exact bytes the HMAC covers.
	Body []byte
	// Attestation is the record's Ed25519 attestation, nil when it has none.
	// When present its signature has been verified over Body; see
	// Attestation.Pinned for whether the key is one the caller trusts.
	Attestation *Attestation
}

// Attestation is the optional Ed25519 layer of a record.
type Attestation struct {
	// Author is the name the record claims. It is not covered by the
	// Ed25519 signature: treat it as a label, not an identity.
	Author    string
	Algorithm string // "ed25519"
	PublicKey ed25519.PublicKey
	Signature []byte
	// Pinned is true when PublicKey is one of the keys the caller pinned
	// (VerifyOptions.AttestationKeys or VerifyAttestation's key). An
	// unpinned attestation only proves that someone holding PublicKey
	// signed the body.
	Pinned bool
}

// VerifyOptions are optional verification settings. The zero value verifies
// the HMAC, the proof_id, the schema version, and any attestation against the
// key it embeds (reported with Pinned false).
type VerifyOptions struct {
	// AttestationKeys pins Ed25519 public keys. When non-empty the record
	// must carry an attestation made by one of them. Each must be 32 bytes,
	// canonical and not of small order (else ErrInvalidKey).
	AttestationKeys []ed25519.PublicKey
}

// SignOptions are optional signing settings. The zero value is strictest.
type SignOptions struct {
	// AllowNonFinite lets the record contain NaN, Infinity or -Infinity
	// (which the canonical form can express but most readers cannot).
	AllowNonFinite bool
}

// hexString returns the contents of the canonical JSON string v when it is
// n lowercase hex digits.
func hexString(v []byte, n int) ([]byte, bool) {
	if len(v) != n+2 || v[0] != '"' || v[len(v)-1] != '"' {
		return nil, false
	}
	h := v[1 : len(v)-1]
	for _, b := range h {
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'f') {
			return nil, false
		}
	}
	return h, true
}

// schemaCheck requires schema_version "1.0".
func (r *record) schemaCheck() error {
	if string(r.schemaVersion) != `"`+SchemaVersion+`"` {
		e := newErr(CheckSchemaVersion, ErrUnsupportedSchemaVersion, "")
		e.Path, e.Got, e.Want = "schema_version", string(r.schemaVersion), `"`+SchemaVersion+`"`
		if r.schemaVersion == nil {
			e.Reason = "missing"
		}
		return e
	}
	return nil
}

func checkKey(key []byte) error {
	if len(key) == 0 {
		return newErr(CheckKey, ErrInvalidKey, "empty HMAC key")
	}
	return nil
}

func mac(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}

// hmacEqual compares MACs in constant time.
func hmacEqual(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// Verify verifies a proof record with the HMAC key (raw bytes) and the
// zero VerifyOptions. See [VerifyWithOptions].
func Verify(record, key []byte) (*Verified, error) {
	return VerifyWithOptions(record, key, VerifyOptions{})
}

// VerifyWithOptions verifies a proof record: the record must be valid JSON
// under the canonicalizer's rules, carry a 64-lowercase-hex signature equal
// (in constant time) to HMAC-SHA256(key, canonical body), have schema_version
// "1.0", and a proof_id equal to SHA-256 of the canonical body. An attestation,
// when present, must verify; see [VerifyOptions]. Each failure is an [*Error]
// matching one sentinel.
//
// Ed25519 keys of small order or with a non-canonical encoding are refused,
// whether embedded in the record (ErrAttestationInvalid) or pinned in opts
// (ErrInvalidKey); either error also matches dsse.ErrWeakKey.
func VerifyWithOptions(rec, key []byte, opts VerifyOptions) (*Verified, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	for _, k := range opts.AttestationKeys {
		if err := checkPublicKey(k); err != nil {
			return nil, err
		}
	}
	r, err := parseRecord(rec)
	if err != nil {
		return nil, err
	}
	if r.signature == nil || string(r.signature) == `""` {
		e := newErr(CheckSignature, ErrMissingSignature, "")
		e.Path = "signature"
		if r.signature != nil {
			e.Reason = "record is unsigned"
		}
		return nil, e
	}
	sigHex, ok := hexString(r.signature, 2*sha256.Size)
	if !ok {
		e := newErr(CheckSignature, ErrMalformedSignature, "want 64 lowercase hex digits")
		e.Path = "signature"
		return nil, e
	}
	if err := r.schemaCheck(); err != nil {
		return nil, err
	}
	if r.proofID == nil {
		e := newErr(CheckRecord, ErrMalformedRecord, "missing")
		e.Path = "proof_id"
		return nil, e
	}
	if r.proofID[0] != '"' { // canonical bytes: a string starts with '"'
		e := newErr(CheckRecord, ErrMalformedRecord, "not a string")
		e.Path, e.Got = "proof_id", string(r.proofID)
		return nil, e
	}
	var sig [sha256.Size]byte
	hex.Decode(sig[:], sigHex)
	if !hmacEqual(mac(key, r.body), sig[:]) {
		e := newErr(CheckSignature, ErrSignatureMismatch, "")
		e.Path = "signature"
		return nil, e
	}
	sum := sha256.Sum256(r.body)
	id := hex.EncodeToString(sum[:])
	if stored, ok := hexString(r.proofID, 2*sha256.Size); !ok || string(stored) != id {
		e := newErr(CheckProofID, ErrProofIDMismatch, "")
		e.Path, e.Got, e.Want = "proof_id", string(r.proofID), `"`+id+`"`
		return nil, e
	}
	v := &Verified{ProofID: id, SchemaVersion: SchemaVersion, Body: r.body}
	if r.attestation != nil || len(opts.AttestationKeys) > 0 {
		a, err := r.verifyAttestation(opts.AttestationKeys)
		if err != nil {
			return nil, err
		}
		v.Attestation = a
	}
	return v, nil
}

// checkPublicKey refuses a caller's Ed25519 public key of the wrong size,
// of small order or with a non-canonical encoding.
func checkPublicKey(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return newErr(CheckKey, ErrInvalidKey, "ed25519 public key must be 32 bytes")
	}
	if err := edkey.Check(pub); err != nil {
		return newErr(CheckKey, fmt.Errorf("%w: %w", ErrInvalidKey, dsse.ErrWeakKey), "ed25519 public key: "+err.Error())
	}
	return nil
}

func attErr(sentinel error, reason string) *Error {
	e := newErr(CheckAttestation, sentinel, reason)
	e.Path = "attestation"
	return e
}

// strictObject decodes a JSON object, already validated by the
// canonicalizer, with exact (case-sensitive) keys: exactly the keys listed
// must be present. It returns nil when the shape differs.
func strictObject(raw []byte, keys ...string) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &m) != nil || len(m) != len(keys) {
		return nil
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return nil
		}
	}
	return m
}

// jsonString decodes a JSON string value (not null, not another type).
func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// decodeAttestation decodes the canonical attestation object strictly.
func decodeAttestation(v []byte) (*Attestation, error) {
	m := strictObject(v, "author", "algorithm", "public_key", "signature")
	if m == nil {
		return nil, attErr(ErrAttestationInvalid, "want an object of exactly author, algorithm, public_key, signature")
	}
	var f [4]string
	for i, k := range []string{"author", "algorithm", "public_key", "signature"} {
		var ok bool
		if f[i], ok = jsonString(m[k]); !ok {
			return nil, attErr(ErrAttestationInvalid, k+" is not a string")
		}
	}
	author, alg := f[0], f[1]
	if alg != "ed25519" {
		e := attErr(ErrAttestationInvalid, "unsupported algorithm")
		e.Got, e.Want = alg, "ed25519"
		return nil, e
	}
	pub, ok := lowerHex(f[2], ed25519.PublicKeySize)
	if !ok {
		return nil, attErr(ErrAttestationInvalid, "public_key is not 64 lowercase hex digits")
	}
	if err := edkey.Check(pub); err != nil {
		// A small-order key would verify a forged signature over any body.
		e := attErr(fmt.Errorf("%w: %w", ErrAttestationInvalid, dsse.ErrWeakKey), "public_key: "+err.Error())
		e.Got = f[2]
		return nil, e
	}
	sig, ok := lowerHex(f[3], ed25519.SignatureSize)
	if !ok {
		return nil, attErr(ErrAttestationInvalid, "signature is not 128 lowercase hex digits")
	}
	return &Attestation{Author: author, Algorithm: alg, PublicKey: pub, Signature: sig}, nil
}

func lowerHex(s string, n int) ([]byte, bool) {
	if _, ok := hexString([]byte(`"`+s+`"`), 2*n); !ok {
		return nil, false
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

// verifyAttestation checks the attestation over the body. With pinned keys
// the attestation is required and its key must be one of them.
func (r *record) verifyAttestation(pinned []ed25519.PublicKey) (*Attestation, error) {
	if r.attestation == nil {
		return nil, attErr(ErrAttestationMissing, "")
	}
	a, err := decodeAttestation(r.attestation)
	if err != nil {
		return nil, err
	}
	if !ed25519.Verify(a.PublicKey, r.body, a.Signature) {
		return nil, attErr(ErrAttestationInvalid, "ed25519 signature does not verify over the canonical body")
	}
	if len(pinned) > 0 {
		for _, k := range pinned {
			if subtle.ConstantTimeCompare(k, a.PublicKey) == 1 {
				a.Pinned = true
				return a, nil
			}
		}
		e := attErr(ErrAttestationUntrusted, "")
		e.Got = hex.EncodeToString(a.PublicKey)
		return nil, e
	}
	return a, nil
}

// VerifyAttestation verifies only the Ed25519 attestation of a record
// against the public key the caller pins (not the HMAC: use [Verify] or
// [VerifyWithOptions] for the whole record). The record must still be valid
// JSON under the canonicalizer's rules.
func VerifyAttestation(rec []byte, pub ed25519.PublicKey) (*Attestation, error) {
	if err := checkPublicKey(pub); err != nil {
		return nil, err
	}
	r, err := parseRecord(rec)
	if err != nil {
		return nil, err
	}
	return r.verifyAttestation([]ed25519.PublicKey{pub})
}

// Sign computes proof_id and signature for a record and returns the record
// JSON, with the zero SignOptions. See [SignWithOptions].
func Sign(record, key []byte) ([]byte, error) {
	return SignWithOptions(record, key, SignOptions{})
}

// SignWithOptions signs a record: any JSON object whose schema_version is
// "1.0". Existing proof_id and signature fields are replaced; an existing
// attestation is kept if it still verifies over the body, else signing
// fails. The output is compact JSON: proof_id, the canonical body's members
// in key order, signature, and attestation when present.
//
// SignWithOptions checks the JSON rules and schema_version only; build new
// records with [Record] to have every field rule enforced.
func SignWithOptions(rec, key []byte, opts SignOptions) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	r, err := parseRecord(rec)
	if err != nil {
		return nil, err
	}
	if r.nonFinite && !opts.AllowNonFinite {
		return nil, newErr(CheckJSON, ErrNonFinite, "NaN or Infinity in a new record")
	}
	if err := r.schemaCheck(); err != nil {
		return nil, err
	}
	if r.attestation != nil {
		if _, err := r.verifyAttestation(nil); err != nil {
			return nil, err
		}
	}
	sum := sha256.Sum256(r.body)
	return r.assemble(sum[:], mac(key, r.body), r.attestation), nil
}

// assemble writes {"proof_id":..., body members..., "signature":..., "attestation":...}.
// A nil id or sig leaves that field out.
func (r *record) assemble(id, sig, att []byte) []byte {
	out := make([]byte, 0, len(r.body)+len(att)+200)
	out = append(out, '{')
	if id != nil {
		out = append(out, `"proof_id":"`...)
		out = hex.AppendEncode(out, id)
		out = append(out, `",`...)
	}
	out = append(out, r.body[1:len(r.body)-1]...)
	if sig != nil {
		out = append(out, `,"signature":"`...)
		out = hex.AppendEncode(out, sig)
		out = append(out, '"')
	}
	if att != nil {
		out = append(out, `,"attestation":`...)
		out = append(out, att...)
	}
	return append(out, '}')
}

// Attest adds (or replaces) the Ed25519 attestation of a record: a
// signature by priv over the canonical body, labelled with author. The
// record's proof_id and signature are kept as they are (Attest does not
// need the HMAC key; it does not check them).
func Attest(rec []byte, author string, priv ed25519.PrivateKey) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, newErr(CheckKey, ErrInvalidKey, "ed25519 private key must be 64 bytes")
	}
	// The private key's second half is the public key ed25519.Sign hashes
	// and Attest writes; it must be the one its seed derives.
	pub := priv.Public().(ed25519.PublicKey)
	if !pub.Equal(ed25519.NewKeyFromSeed(priv.Seed()).Public()) {
		return nil, newErr(CheckKey, ErrInvalidKey, "ed25519 private key: public half does not match the seed")
	}
	if !utf8.ValidString(author) {
		e := attErr(ErrInvalidUTF8, "author")
		return nil, e
	}
	r, err := parseRecord(rec)
	if err != nil {
		return nil, err
	}
	if err := r.schemaCheck(); err != nil {
		return nil, err
	}
	sig := ed25519.Sign(priv, r.body)
	att := []byte(`{"algorithm":"ed25519","author":`)
	att = appendString(att, author)
	att = append(att, `,"public_key":"`...)
	att = hex.AppendEncode(att, pub)
	att = append(att, `","signature":"`...)
	att = hex.AppendEncode(att, sig)
	att = append(att, `"}`...)

	out := make([]byte, 0, len(r.body)+len(att)+200)
	out = append(out, '{')
	if r.proofID != nil {
		out = append(out, `"proof_id":`...)
		out = append(out, r.proofID...)
		out = append(out, ',')
	}
	out = append(out, r.body[1:len(r.body)-1]...)
	if r.signature != nil {
		out = append(out, `,"signature":`...)
		out = append(out, r.signature...)
	}
	out = append(out, `,"attestation":`...)
	out = append(out, att...)
	return append(out, '}'), nil
}

// appendString writes a valid UTF-8 Go string as a canonical JSON string.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for _, r := range s {
		dst = appendEscapedRune(dst, r)
	}
	return append(dst, '"')
}
