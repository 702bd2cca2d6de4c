package dsse

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chainproof/chainproof/internal/errtext"
)

// Sentinel errors. Parse failures match ErrMalformed and, where it
// applies, a more specific sentinel; verification failures match
// ErrVerification.
var (
	// ErrMalformed matches every envelope that cannot be parsed.
	ErrMalformed = errors.New("dsse: malformed envelope")
	// ErrMissing is a required field that is absent or null.
	ErrMissing = errors.New("dsse: required field missing")
	// ErrDuplicateKey is a JSON object with the same key twice.
	ErrDuplicateKey = errors.New("dsse: duplicate JSON key")
	// ErrBase64 is a payload or signature that is not standard or
	// URL-safe base64.
	ErrBase64 = errors.New("dsse: invalid base64")
	// ErrTooLarge is an input over a size or count bound.
	ErrTooLarge = errors.New("dsse: input too large")

	// ErrPAELength is a payload streamed through PAEReader whose length
	// differs from the one its header declares.
	ErrPAELength = errors.New("dsse: payload length differs from the PAE header")

	// ErrNoSigners is a call to Sign without signers.
	ErrNoSigners = errors.New("dsse: no signers")
	// ErrNoVerifiers is a call to Verify without verifiers.
	ErrNoVerifiers = errors.New("dsse: no verifiers")
	// ErrInvalidKey is a key that cannot be used (unsupported type or
	// curve, empty HMAC key, nil key).
	ErrInvalidKey = errors.New("dsse: invalid or unsupported key")
	// ErrWeakKey is an Ed25519 public key that is not the canonical
	// encoding of a curve point of large order: a small-order key (one of
	// the 8 points with [8]A = identity) accepts forged signatures over
	// any payload, and a non-canonical encoding aliases another key. It is
	// returned wrapped together with ErrInvalidKey.
	ErrWeakKey = errors.New("dsse: weak Ed25519 public key")
	// ErrInvalidThreshold is a negative threshold.
	ErrInvalidThreshold = errors.New("dsse: invalid threshold")

	// ErrVerification matches every failed verification ([*VerifyError]).
	ErrVerification = errors.New("dsse: verification failed")
	// ErrNoSignatures is an envelope without signatures.
	ErrNoSignatures = errors.New("dsse: envelope has no signatures")
	// ErrUnknownKey is a signature whose keyid names none of the verifiers.
	ErrUnknownKey = errors.New("dsse: no verifier for key id")
	// ErrBadSignature is a signature that no candidate key accepts.
	ErrBadSignature = errors.New("dsse: signature does not verify")
)

// ParseError reports why an envelope could not be parsed. It matches
// [ErrMalformed] and its cause with errors.Is.
type ParseError struct {
	// Path is the JSON path of the offending field, such as
	// "signatures[1].sig"; empty for the document as a whole.
	Path string
	// Err is the cause: ErrMissing, ErrDuplicateKey, ErrBase64,
	// ErrTooLarge or a wrapped ErrMalformed.
	Err error
}

func (e *ParseError) Error() string {
	msg := errtext.TrimRepeat("malformed envelope", errtext.Trim(e.Err))
	if e.Path == "" {
		return "dsse: malformed envelope: " + msg
	}
	return fmt.Sprintf("dsse: malformed envelope: %s: %s", e.Path, msg)
}

// Unwrap returns ErrMalformed and the cause.
func (e *ParseError) Unwrap() []error { return []error{ErrMalformed, e.Err} }

// SignError reports which signer failed in [Sign].
type SignError struct {
	Index int    // position of the signer in the Sign call
	KeyID string // the signer's key id
	Err   error
}

func (e *SignError) Error() string {
	return fmt.Sprintf("dsse: signer %d (keyid %q): %v", e.Index, e.KeyID, e.Err)
}

func (e *SignError) Unwrap() error { return e.Err }

// Rejection is one signature that did not count towards the threshold.
type Rejection struct {
	// Index is the position of the signature in the envelope.
	Index int
	// KeyID is the signature's (unauthenticated) key id hint.
	KeyID string
	// Tried lists the key ids of the verifiers the signature was checked
	// against; empty when no verifier matched its key id.
	Tried []string
	// Err is ErrUnknownKey or ErrBadSignature, possibly wrapped with
	// detail from the verifiers.
	Err error
}

// VerifyError reports a failed verification: the threshold, the keys that
// did verify (fewer than the threshold), and every rejected signature with
// its reason. It matches [ErrVerification] and, when the envelope has no
// signatures, [ErrNoSignatures].
type VerifyError struct {
	Threshold int
	Accepted  []string
	Rejected  []Rejection
	// NoSignatures is set when the envelope carries no signature at all.
	NoSignatures bool
}

func (e *VerifyError) Error() string {
	var b strings.Builder
	if e.NoSignatures {
		return "dsse: verification failed: envelope has no signatures"
	}
	fmt.Fprintf(&b, "dsse: verification failed: %d of %d required keys verified", len(e.Accepted), e.Threshold)
	for _, r := range e.Rejected {
		fmt.Fprintf(&b, "; signature %d (keyid %q): %s", r.Index, r.KeyID, strings.TrimPrefix(r.Err.Error(), "dsse: "))
		if len(r.Tried) > 0 {
			fmt.Fprintf(&b, " (tried %q)", r.Tried)
		}
	}
	return b.String()
}

// Unwrap returns ErrVerification, plus ErrNoSignatures when it applies.
func (e *VerifyError) Unwrap() []error {
	if e.NoSignatures {
		return []error{ErrVerification, ErrNoSignatures}
	}
	return []error{ErrVerification}
}
