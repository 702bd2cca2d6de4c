package verify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chainproof/chainproof/internal/errtext"
)

// sentinel is an error value that may have a parent in the sentinel tree, so
// errors.Is(ErrSCT, ErrCertificate) holds.
type sentinel struct {
	msg    string
	parent error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.parent }

func newSentinel(msg string, parent error) error { return &sentinel{msg: msg, parent: parent} }

// The sentinel tree. Every error returned by this package wraps exactly one
// leaf (and therefore its ancestors); match them with errors.Is.
var (
	// ErrVerification is the root: every verification failure wraps it.
	ErrVerification = newSentinel("verification failed", nil)

	// ErrBundle: the bundle is malformed, too large, of an unsupported
	// version, or structurally invalid.
	ErrBundle = newSentinel("invalid bundle", ErrVerification)
	// ErrTrustedRoot: the trusted root is malformed or lacks what the
	// verification needs.
	ErrTrustedRoot = newSentinel("invalid trusted root", ErrVerification)
	// ErrCertificate: the signing certificate does not chain to a trusted
	// CA at the observed time.
	ErrCertificate = newSentinel("certificate verification failed", ErrVerification)
	// ErrSCT: the certificate lacks a valid signed certificate timestamp
	// from a trusted CT log (a kind of ErrCertificate).
	ErrSCT = newSentinel("signed certificate timestamp verification failed", ErrCertificate)
	// ErrIdentity: the certificate identity matches none of the policy's
	// identities, or a key-signed bundle matches none of its keys.
	ErrIdentity = newSentinel("identity mismatch", ErrVerification)
	// ErrSignature: the signature over the artifact or envelope is invalid.
	ErrSignature = newSentinel("signature verification failed", ErrVerification)
	// ErrTransparencyLog: a log entry, its inclusion proof, promise (SET)
	// or checkpoint does not verify, or does not match the bundle.
	ErrTransparencyLog = newSentinel("transparency log verification failed", ErrVerification)
	// ErrTimestamp: a timestamp (RFC 3161 or log integrated time) is
	// invalid, untrusted, missing, or outside a validity window.
	ErrTimestamp = newSentinel("timestamp verification failed", ErrVerification)
	// ErrArtifact: the artifact does not match what was signed.
	ErrArtifact = newSentinel("artifact mismatch", ErrVerification)
	// ErrArtifactRead: the artifact could not be read (no such file, not
	// a regular file, an I/O error): not a mismatch, nothing was
	// compared. It is reported under CheckArtifact.
	ErrArtifactRead = newSentinel("artifact unreadable", ErrVerification)
	// ErrPredicate: the attestation's statement or predicate does not
	// satisfy the policy (type, SLSA fields).
	ErrPredicate = newSentinel("predicate mismatch", ErrVerification)
	// ErrPolicy: the policy itself is invalid or empty, or a combined
	// policy's requirements were not met.
	ErrPolicy = newSentinel("policy not satisfied", ErrVerification)
)

// Check names the verification step that failed.
type Check string

// The checks, in the order Verify runs them.
const (
	CheckPolicy          Check = "policy"
	CheckBundle          Check = "bundle"
	CheckTrustedRoot     Check = "trusted-root"
	CheckTransparencyLog Check = "transparency-log"
	CheckTimestamp       Check = "timestamp"
	CheckCertificate     Check = "certificate"
	CheckArtifact        Check = "artifact"
	CheckSignature       Check = "signature"
	CheckIdentity        Check = "identity"
	CheckPredicate       Check = "predicate"
	CheckCombined        Check = "combined-policy"
)

// Error is the error returned by every verification in this package. It
// names the failed check and carries its evidence. Err wraps one sentinel
// (ErrBundle, ErrIdentity, ...) and the underlying cause.
type Error struct {
	Check Check // the check that failed
	Err   error // the sentinel-wrapped cause

	// Bundle is the index of the failing bundle in a multi-bundle
	// verification (VerifyAll, JSON lines); 0 otherwise.
	Bundle int

	// Identity evidence (Check == CheckIdentity): what the certificate
	// said, and why each policy identity did not match.
	Certificate *Certificate       `json:",omitempty"`
	Mismatches  []IdentityMismatch `json:",omitempty"`

	// Path names the offending field of a policy document
	// (ErrPolicyDocument), e.g. "requirements[1].identities[0].issuer".
	Path string `json:",omitempty"`

	// Requirements lists, for a combined policy, each unmet requirement.
	Requirements []RequirementResult `json:",omitempty"`
}

// IdentityMismatch says why one identity of a policy did not match.
type IdentityMismatch struct {
	Index    int    // position in Policy.Identities (or Policy.PublicKeys)
	Identity string // a readable rendering of the identity tried
	Field    string // the first field that did not match (e.g. "issuer", "san", "sourceRepositoryURI", "key")
	Want     string // what the policy asked for
	Got      string // what the certificate carried

	// Reason names, for a person, what differs: "another issuer",
	// "another signer", "another repository (a fork?)", "another
	// workflow", "another ref", "a self-hosted runner", "another key",
	// "another <extension>".
	Reason string `json:",omitempty"`
	// Detail is the differing part itself, briefly: for a GitHub
	// workflow identity the repository, workflow path or ref the
	// certificate names and the pattern the policy wanted, rather than
	// the whole SAN and regexp in Want and Got.
	Detail string `json:",omitempty"`
	// Hint, when set, says how the policy was probably meant: a regexp
	// that matches part of the value but, being anchored, not all of it
	// (cosign's --certificate-identity-regexp is unanchored).
	Hint string `json:",omitempty"`
}

// String renders the mismatch as "identity I: REASON: DETAIL", the
// differing part first, then the evidence.
func (m IdentityMismatch) String() string {
	return fmt.Sprintf("identity %d: %s", m.Index, m.phrase())
}

// phrase is "REASON: DETAIL (HINT)".
func (m IdentityMismatch) phrase() string {
	reason, detail := m.Reason, m.Detail
	if reason == "" {
		reason = m.Field
	}
	if detail == "" {
		detail = fmt.Sprintf("got %q, want %s", m.Got, m.Want)
	}
	s := reason + ": " + detail
	if m.Hint != "" {
		s += " (" + m.Hint + ")"
	}
	return s
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("verify: ")
	b.WriteString(string(e.Check))
	b.WriteString(": ")
	if len(e.Mismatches) == 0 {
		b.WriteString(e.detail())
		return b.String()
	}
	// What differs first, then the evidence.
	if len(e.Mismatches) == 1 {
		b.WriteString(e.Mismatches[0].phrase())
	} else {
		fmt.Fprintf(&b, "none of %d policy identities matches", len(e.Mismatches))
		for _, m := range e.Mismatches {
			b.WriteString("; ")
			b.WriteString(m.String())
		}
	}
	b.WriteString("; ")
	b.WriteString(e.detail())
	return b.String()
}

// Unwrap returns the cause, which wraps the check's sentinel.
func (e *Error) Unwrap() error { return e.Err }

// detail is the message after "verify: check: ": the cause, with no
// second package prefix and no repetition of the check's name, or the
// sentinel's text when there is no cause.
func (e *Error) detail() string {
	switch err := e.Err.(type) {
	case nil:
		return "failed"
	case *causeError:
		return errtext.TrimRepeat(string(e.Check), errtext.Trim(err.cause))
	default:
		return errtext.TrimRepeat(string(e.Check), errtext.Trim(err))
	}
}

// fail builds an *Error for check with cause wrapped under sentinel.
func fail(check Check, sentinel error, cause error) *Error {
	var err error
	switch {
	case cause == nil:
		err = sentinel
	default:
		err = &causeError{sentinel: sentinel, cause: cause}
	}
	return &Error{Check: check, Err: err}
}

func failf(check Check, sentinel error, format string, args ...any) *Error {
	return fail(check, sentinel, fmt.Errorf(format, args...))
}

// causeError joins a sentinel and the cause that produced it.
type causeError struct {
	sentinel error
	cause    error
}

func (c *causeError) Error() string {
	return c.sentinel.Error() + ": " + errtext.Trim(c.cause)
}
func (c *causeError) Unwrap() []error { return []error{c.sentinel, c.cause} }

// asError returns err as *Error if it is one.
func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
