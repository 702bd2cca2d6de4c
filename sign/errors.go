package sign

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chainproof/chainproof/internal/errtext"
)

// Sentinel errors. A failure is reported as a *ServiceError, a *TokenError
// or an *Error; each unwraps to one of these so callers can branch with
// errors.Is without parsing messages.
var (
	// ErrInvalidOptions: the Options or the Content cannot be used as given.
	ErrInvalidOptions = errors.New("sign: invalid options")

	// ErrToken: no identity token, or one that is malformed or expired.
	// Reported before any network call.
	ErrToken = errors.New("sign: unusable identity token")
	// ErrTokenExpired: the identity token's exp is not in the future, or
	// (InteractiveToken) the device code expired before the person signed
	// in.
	ErrTokenExpired = fmt.Errorf("%w: expired", ErrToken)
	// ErrTokenMalformed: the identity token is not a JWT with the claims
	// Fulcio needs (iss, and sub or email).
	ErrTokenMalformed = fmt.Errorf("%w: malformed", ErrToken)
	// ErrTokenDenied: the person refused the sign-in (InteractiveToken).
	ErrTokenDenied = fmt.Errorf("%w: sign-in refused", ErrToken)
	// ErrTokenUnverified: the id_token an interactive flow obtained does
	// not verify against the issuer's keys, or names another issuer,
	// audience or nonce (InteractiveToken).
	ErrTokenUnverified = fmt.Errorf("%w: does not verify", ErrToken)

	// ErrService: a Sigstore service (or the token endpoint) failed.
	ErrService = errors.New("sign: service failed")
	// ErrUnavailable: the service could not be reached or answered 5xx/429
	// on every attempt.
	ErrUnavailable = fmt.Errorf("%w: unavailable", ErrService)
	// ErrTimeout: the service did not answer within Options.Timeout on
	// every attempt.
	ErrTimeout = fmt.Errorf("%w: timed out", ErrService)
	// ErrBadResponse: the service answered something that is not a valid
	// response (garbage, wrong schema, unparseable certificate).
	ErrBadResponse = fmt.Errorf("%w: bad response", ErrService)
	// ErrRejected: the service refused the request (4xx).
	ErrRejected = fmt.Errorf("%w: request rejected", ErrService)

	// ErrSignature: the key could not sign.
	ErrSignature = errors.New("sign: signing failed")
	// ErrVerifyAfterSign: the freshly made bundle does not verify against
	// the trusted root. Nothing was written.
	ErrVerifyAfterSign = errors.New("sign: bundle does not verify against the trusted root")
	// ErrWrite: the bundle file could not be written; the destination was
	// left untouched.
	ErrWrite = errors.New("sign: cannot write bundle")
)

// Service names a remote party in a *ServiceError.
type Service string

// The services signing talks to.
const (
	ServiceFulcio Service = "fulcio"
	ServiceRekor  Service = "rekor"
	ServiceTSA    Service = "tsa"
	ServiceOIDC   Service = "oidc" // the token endpoint (GitHub Actions, interactive flow)
)

// Steps named in a *ServiceError.
const (
	StepToken       = "token"       // fetching an identity token
	StepCertificate = "certificate" // requesting a signing certificate
	StepTimestamp   = "timestamp"   // requesting an RFC 3161 timestamp
	StepLogEntry    = "log-entry"   // uploading the transparency log entry
)

// ServiceError reports a failed call to a remote service after retries.
// It unwraps to its Kind (ErrUnavailable, ErrTimeout, ErrBadResponse,
// ErrRejected) and to the underlying cause.
type ServiceError struct {
	Service  Service // which service failed
	Step     string  // what was being done (StepCertificate, ...)
	URL      string  // the service endpoint
	Attempts int     // how many attempts were made
	Status   int     // last HTTP status, 0 if none was received
	Kind     error   // ErrUnavailable, ErrTimeout, ErrBadResponse or ErrRejected
	Err      error   // the underlying cause
}

func (e *ServiceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sign: %s %s: ", e.Service, e.Step)
	kind := "failed"
	if e.Kind != nil {
		kind = strings.TrimPrefix(e.Kind.Error(), ErrService.Error()+": ")
	}
	b.WriteString(kind)
	if e.URL != "" {
		fmt.Fprintf(&b, " (%s", e.URL)
		if e.Status != 0 {
			fmt.Fprintf(&b, ", HTTP %d", e.Status)
		}
		fmt.Fprintf(&b, ", %d attempt(s))", e.Attempts)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %s", truncate(errtext.Trim(e.Err)))
	}
	return b.String()
}

// Unwrap returns the kind sentinel and the cause.
func (e *ServiceError) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	} else {
		errs = append(errs, ErrService)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// TokenError reports an identity token that cannot be used. Sign returns
// it before any network call; InteractiveToken returns it when the sign-in
// is refused or expires or its id_token does not verify. It never
// contains the token itself.
type TokenError struct {
	Reason string // what is wrong, e.g. "expired at 2026-01-01T00:00:00Z"
	Kind   error  // ErrTokenExpired, ErrTokenMalformed, ErrTokenDenied, ErrTokenUnverified or ErrToken
	Err    error  // an underlying cause, if any
}

func (e *TokenError) Error() string {
	msg := "sign: identity token: " + e.Reason
	if e.Err != nil {
		msg += ": " + errtext.Trim(e.Err)
	}
	return msg
}

// Unwrap returns the kind sentinel and the cause.
func (e *TokenError) Unwrap() []error {
	errs := []error{e.Kind}
	if e.Kind == nil {
		errs[0] = ErrToken
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Error reports a local failure (options, content, key, verify-after-sign).
type Error struct {
	Step string // "options", "content", "sign", "verify", "write"
	Kind error  // ErrInvalidOptions, ErrSignature, ErrVerifyAfterSign, ...
	Err  error  // the underlying cause
}

func (e *Error) Error() string {
	msg := e.Kind.Error()
	if d := errtext.TrimRepeat(errtext.TrimPrefix(msg), errtext.Trim(e.Err)); d != "" {
		msg += ": " + d
	}
	return msg
}

// Unwrap returns the kind sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func errorf(step string, kind error, format string, args ...any) error {
	return &Error{Step: step, Kind: kind, Err: fmt.Errorf(format, args...)}
}

// maxCauseLen bounds how much of an underlying error (which may quote a
// whole response body) goes into a message.
const maxCauseLen = 300

func truncate(s string) string {
	if len(s) <= maxCauseLen {
		return s
	}
	return s[:maxCauseLen] + "...(truncated)"
}
