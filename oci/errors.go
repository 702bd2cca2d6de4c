package oci

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error this package returns wraps one of them and
// is, or wraps, an *Error.
var (
	// ErrReference: an image reference that does not parse, or names no
	// image.
	ErrReference = errors.New("oci: bad image reference")
	// ErrRegistry: the registry (or image layout) failed or refused a
	// request; Error.Registry and Error.Status say which and how.
	ErrRegistry = errors.New("oci: registry failure")
	// ErrLimit: a registry answer exceeded one of the Max* limits.
	ErrLimit = errors.New("oci: registry answer over limit")
	// ErrContent: content that does not parse as what its media type says
	// (a manifest, a bundle, a legacy signature layer).
	ErrContent = errors.New("oci: malformed content")
	// ErrNoSignatures: nothing of the kind asked for is attached to the
	// image; Error.Searched lists the places looked at.
	ErrNoSignatures = errors.New("oci: no signatures found")
	// ErrNotVerified: signatures or attestations were found, but none
	// verified; Error.Failures gives each one's reason.
	ErrNotVerified = errors.New("oci: no signature verified")
)

// Failure is why one found signature or attestation did not verify.
type Failure struct {
	// Source says where it was found (see Item.Source).
	Source string
	// Err is the reason: usually a *verify.Error naming the failed check.
	Err error
}

// Error is the error type of this package.
type Error struct {
	// Op is what was being done: "resolve", "discover", "verify", "sign".
	Op string
	// Image is the reference concerned, when there is one.
	Image string
	// Registry is the registry host (or "oci-layout:DIR"), Status the HTTP
	// status it answered, when known.
	Registry string
	Status   int
	// Searched lists the places looked at (ErrNoSignatures).
	Searched []string
	// Failures lists why each found item failed (ErrNotVerified).
	Failures []Failure
	// Err is the sentinel, possibly wrapping the underlying cause.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("oci: ")
	b.WriteString(e.Op)
	if e.Image != "" {
		fmt.Fprintf(&b, " %s", e.Image)
	}
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "oci: "))
	if e.Registry != "" {
		fmt.Fprintf(&b, " (registry %s", e.Registry)
		if e.Status != 0 {
			fmt.Fprintf(&b, ", status %d", e.Status)
		}
		b.WriteString(")")
	}
	if len(e.Searched) > 0 {
		fmt.Fprintf(&b, "; searched %s", strings.Join(e.Searched, ", "))
	}
	for _, f := range e.Failures {
		fmt.Fprintf(&b, "; %s: %v", f.Source, f.Err)
	}
	return b.String()
}

// Unwrap returns Err and each failure's reason, so that errors.Is and
// errors.As reach both the sentinel (ErrNotVerified) and why each item
// failed (verify.ErrIdentity, a *verify.Error, ...).
func (e *Error) Unwrap() []error {
	out := []error{e.Err}
	for _, f := range e.Failures {
		out = append(out, f.Err)
	}
	return out
}

// wrap returns sentinel wrapped with cause, keeping both matchable.
func wrap(sentinel, cause error) error {
	if cause == nil {
		return sentinel
	}
	return fmt.Errorf("%w: %w", sentinel, cause)
}
