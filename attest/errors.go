package attest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors. Every error returned by this package wraps exactly one
// of these (match with errors.Is); most arrive inside an *Error that names
// the field.
var (
	// ErrTooLarge: an input exceeds one of the Max* limits.
	ErrTooLarge = errors.New("input too large")
	// ErrMalformed: the input is not a single well-formed JSON object of
	// the expected shape (syntax, trailing data, wrong value type, nesting
	// too deep).
	ErrMalformed = errors.New("malformed json")
	// ErrDuplicateKey: a JSON object repeats a key.
	ErrDuplicateKey = errors.New("duplicate json key")
	// ErrStatementType: _type is not exactly StatementTypeV1.
	ErrStatementType = errors.New("wrong statement type")
	// ErrNoSubject: the statement has no subject.
	ErrNoSubject = errors.New("at least one subject required")
	// ErrDigestMissing: a subject carries no digest.
	ErrDigestMissing = errors.New("digest required")
	// ErrDigestMalformed: a digest is not lowercase hex of the right
	// length for its algorithm, or its algorithm name or value is empty.
	ErrDigestMalformed = errors.New("malformed digest")
	// ErrPredicateType: predicateType is empty, or not the one expected.
	ErrPredicateType = errors.New("wrong or missing predicate type")
	// ErrPredicate: the predicate is not a valid instance of its type
	// (provenance fails SLSA validation, SBOM is not a CycloneDX/SPDX
	// document, a value cannot be represented).
	ErrPredicate = errors.New("invalid predicate")
	// ErrGitHubEnv: the GitHub Actions environment is incomplete or
	// inconsistent (see *MissingEnvError for missing variables).
	ErrGitHubEnv = errors.New("invalid github actions environment")
	// ErrIO: reading an artifact or the event file failed.
	ErrIO = errors.New("read failed")
)

// maxDetail bounds how much evidence an *Error quotes.
const maxDetail = 200

// Error reports which field failed which check, with evidence.
type Error struct {
	// Path is the JSON path of the offending field, such as "_type",
	// "subject[1].digest.sha256" or "predicate.runDetails.builder.id",
	// or an environment variable name for GitHub provenance. Empty when
	// the whole input is at fault.
	Path string
	// Err is one of the package's sentinel errors, possibly joined with
	// an error of the underlying library (errors.Is sees both).
	Err error
	// Detail is the evidence: the offending value (truncated) or the
	// underlying parser's message. Never key material.
	Detail string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("attest: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("invalid")
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// wrap joins a sentinel with the underlying error, so errors.Is matches both.
func wrap(sentinel, err error) error { return fmt.Errorf("%w: %w", sentinel, err) }

func newError(field string, err error, detail string) *Error {
	if len(detail) > maxDetail {
		detail = detail[:maxDetail] + "..."
	}
	return &Error{Path: field, Err: err, Detail: detail}
}

// quote renders a hostile value as evidence: quoted and truncated.
func quote(s string) string {
	if len(s) > maxDetail {
		s = s[:maxDetail]
	}
	return strconv.Quote(s)
}

// MissingEnvError lists every required GitHub Actions variable that is
// unset or empty. It matches ErrGitHubEnv with errors.Is.
type MissingEnvError struct {
	Names []string // in a fixed order, see GitHubProvenance
}

func (e *MissingEnvError) Error() string {
	return "attest: " + ErrGitHubEnv.Error() + ": missing " + strings.Join(e.Names, ", ")
}

func (e *MissingEnvError) Unwrap() error { return ErrGitHubEnv }
