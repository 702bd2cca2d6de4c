package proof

import (
	"errors"
	"strconv"
	"strings"

	"github.com/chainproof/chainproof/internal/errtext"
)

// Sentinel errors. Every error returned by this package matches exactly one
// of them with [errors.Is], and is an [*Error] carrying the failed check and
// its evidence (match it with [errors.As]).
var (
	// ErrNotJSON: the input is not JSON text (syntax error, trailing data,
	// control character in a string, bad escape, empty input).
	ErrNotJSON = errors.New("proof: not JSON")
	// ErrDuplicateKey: an object has the same key twice (after unescaping).
	ErrDuplicateKey = errors.New("proof: duplicate object key")
	// ErrInvalidUTF8: the input contains bytes that are not valid UTF-8.
	ErrInvalidUTF8 = errors.New("proof: invalid UTF-8")
	// ErrLoneSurrogate: a \u escape names a surrogate code point that is
	// not part of a high+low pair.
	ErrLoneSurrogate = errors.New("proof: lone surrogate escape")
	// ErrLimit: a named size limit (MaxDepth, MaxIntegerDigits) is exceeded.
	ErrLimit = errors.New("proof: limit exceeded")
	// ErrNonFinite: a NaN or infinite number where new records refuse them.
	ErrNonFinite = errors.New("proof: non-finite number")

	// ErrMalformedRecord: the record is JSON but not a proof record (not an
	// object, proof_id missing or not a string).
	ErrMalformedRecord = errors.New("proof: malformed record")
	// ErrMissingSignature: the signature field is absent or "" (unsigned).
	ErrMissingSignature = errors.New("proof: missing signature")
	// ErrMalformedSignature: the signature is not 64 lowercase hex digits.
	ErrMalformedSignature = errors.New("proof: malformed signature")
	// ErrSignatureMismatch: the HMAC-SHA256 over the canonical body differs.
	ErrSignatureMismatch = errors.New("proof: signature mismatch")
	// ErrProofIDMismatch: the stored proof_id is not SHA-256 of the body.
	ErrProofIDMismatch = errors.New("proof: proof_id mismatch")
	// ErrUnsupportedSchemaVersion: schema_version is not "1.0".
	ErrUnsupportedSchemaVersion = errors.New("proof: unsupported schema version")
	// ErrAttestationInvalid: the attestation is malformed, its public key
	// is of small order or non-canonical (also matching dsse.ErrWeakKey), or
	// its Ed25519 signature does not verify over the canonical body.
	ErrAttestationInvalid = errors.New("proof: attestation invalid")
	// ErrAttestationMissing: the caller pinned attestation keys but the
	// record carries no attestation.
	ErrAttestationMissing = errors.New("proof: attestation missing")
	// ErrAttestationUntrusted: the attestation verifies, but with a public
	// key the caller did not pin.
	ErrAttestationUntrusted = errors.New("proof: attestation key not pinned")
	// ErrInvalidKey: the HMAC key is empty, or a caller's Ed25519 key has the
	// wrong size, is of small order or has a non-canonical encoding (the
	// last two also match dsse.ErrWeakKey).
	ErrInvalidKey = errors.New("proof: invalid key")
	// ErrInvalidRecord: a typed Record breaks a field rule of the schema.
	ErrInvalidRecord = errors.New("proof: invalid record")

	// ErrStatement: an in-toto statement carrying a proof is malformed.
	ErrStatement = errors.New("proof: invalid statement")
	// ErrEnvelope: the outer DSSE envelope does not verify.
	ErrEnvelope = errors.New("proof: envelope verification failed")
	// ErrSubjectMismatch: the statement subject digest is not SHA-256 of
	// the canonical body.
	ErrSubjectMismatch = errors.New("proof: subject digest mismatch")
)

// Check names the verification step that failed.
type Check string

// The checks reported in [Error.Check].
const (
	CheckJSON          Check = "json"           // parsing and canonicalization
	CheckRecord        Check = "record"         // record shape (object, proof_id a string)
	CheckSignature     Check = "signature"      // HMAC-SHA256 signature
	CheckProofID       Check = "proof-id"       // SHA-256 of the body
	CheckSchemaVersion Check = "schema-version" // "1.0"
	CheckAttestation   Check = "attestation"    // Ed25519 attestation
	CheckKey           Check = "key"            // caller-supplied key material
	CheckField         Check = "field"          // typed Record field rules
	CheckEnvelope      Check = "envelope"       // outer DSSE layer
	CheckStatement     Check = "statement"      // in-toto statement
	CheckSubject       Check = "subject"        // statement subject digest
)

// Error is the typed error returned by every function of this package. It
// names the failed check and carries evidence. It never carries key material.
type Error struct {
	Check  Check  // which check failed
	Path   string // dotted path of the offending field, when known
	Offset int    // byte offset into the input for JSON errors; -1 otherwise
	Reason string // human-readable detail, may be empty
	Got    string // evidence: the value found, may be empty
	Want   string // evidence: the value expected, may be empty
	// Err is one of the Err* sentinels; for CheckEnvelope, the dsse error
	// wrapping ErrEnvelope; for a weak Ed25519 key, ErrAttestationInvalid
	// (embedded key) or ErrInvalidKey (caller's key) joined with
	// dsse.ErrWeakKey.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("proof: " + string(e.Check) + ": ")
	if e.Err != nil {
		b.WriteString(errtext.Trim(e.Err))
	} else {
		b.WriteString("check failed")
	}
	if e.Path != "" {
		b.WriteString(": " + e.Path)
	}
	if e.Reason != "" {
		b.WriteString(": " + errtext.TrimPrefix(e.Reason))
	}
	if e.Offset >= 0 {
		b.WriteString(" at offset " + strconv.Itoa(e.Offset))
	}
	if e.Got != "" || e.Want != "" {
		b.WriteString(" (got " + strconv.Quote(e.Got) + ", want " + strconv.Quote(e.Want) + ")")
	}
	return b.String()
}

// because is a sentinel that also wraps its cause, whose text the
// Error's Reason already carries: errors.Is sees both, the message says
// it once.
type because struct{ sentinel, cause error }

func (c because) Error() string   { return c.sentinel.Error() }
func (c because) Unwrap() []error { return []error{c.sentinel, c.cause} }

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

func newErr(check Check, sentinel error, reason string) *Error {
	return &Error{Check: check, Offset: -1, Reason: reason, Err: sentinel}
}
