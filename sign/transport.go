package sign

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults for Options.Timeout, Options.Retries and Options.Backoff.
const (
	DefaultTimeout = 30 * time.Second
	DefaultRetries = 3
	DefaultBackoff = 250 * time.Millisecond
	// maxBackoff caps the exponential backoff between attempts.
	maxBackoff = 8 * time.Second
	// maxRequestBody bounds a request body buffered for replay.
	maxRequestBody = 8 << 20
)

// policy is the retry policy of one service call.
type policy struct {
	timeout time.Duration // per attempt
	retries int           // extra attempts after the first; <0 none
	backoff time.Duration // first wait; doubles each time
}

func (p policy) attempts() int {
	switch {
	case p.retries < 0:
		return 1
	case p.retries == 0:
		return 1 + DefaultRetries
	default:
		return 1 + p.retries
	}
}

func (p policy) attemptTimeout() time.Duration {
	if p.timeout <= 0 {
		return DefaultTimeout
	}
	return p.timeout
}

func (p policy) wait(ctx context.Context, attempt int) error {
	d := p.backoff
	if d <= 0 {
		d = DefaultBackoff
	}
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// classify decides whether an attempt's outcome is transient and which
// kind of failure it is. status is 0 when no response was received.
func classify(ctx, attemptCtx context.Context, status int, err error) (transient bool, kind error) {
	switch {
	case err != nil && ctx.Err() != nil:
		// The caller's context ended: not retried.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return false, ErrTimeout
		}
		return false, ErrUnavailable
	case err != nil && (errors.Is(attemptCtx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || isTimeout(err)):
		return true, ErrTimeout
	case err != nil:
		// Connection refused or reset, EOF before a response, DNS.
		return true, ErrUnavailable
	case status >= 500 || status == http.StatusTooManyRequests:
		return true, ErrUnavailable
	case status >= 400:
		return false, ErrRejected
	}
	return false, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// serviceTransport is an http.RoundTripper bound to one Sign call and one
// service: it gives every attempt its own timeout under the call's
// context, retries transient failures with backoff, and records what
// happened so a failure can be reported as a *ServiceError.
type serviceTransport struct {
	base    http.RoundTripper
	ctx     context.Context
	service Service
	step    string
	url     string
	policy  policy
	onStart func() // called before each request (stage tracking)

	mu       sync.Mutex
	attempts int
	status   int
	kind     error
	lastErr  error
}

func newServiceTransport(ctx context.Context, base http.RoundTripper, svc Service, step, url string, p policy) *serviceTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &serviceTransport{base: base, ctx: ctx, service: svc, step: step, url: url, policy: p}
}

func (t *serviceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.onStart != nil {
		t.onStart()
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxRequestBody+1))
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		if len(b) > maxRequestBody {
			return nil, fmt.Errorf("request body larger than %d bytes", maxRequestBody)
		}
		body = b
	}
	n := t.policy.attempts()
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(t.ctx, t.policy.attemptTimeout())
		r := req.Clone(actx)
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		resp, err := t.base.RoundTrip(r)
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		transient, kind := classify(t.ctx, actx, status, err)
		t.record(attempt, status, kind, err)
		if transient && attempt >= n && err == nil {
			// Out of attempts on a 5xx/429: report it as an error, so the
			// client library does not run its own (slow) retry loop.
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			cancel()
			return nil, &statusError{status: status}
		}
		if !transient || attempt >= n {
			if err != nil {
				cancel()
				return nil, err
			}
			resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel, t: t, actx: actx}
			return resp, nil
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		cancel()
		if werr := t.policy.wait(t.ctx, attempt); werr != nil {
			return nil, werr
		}
	}
}

func (t *serviceTransport) record(attempt, status int, kind, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.attempts = attempt
	t.status = status
	t.kind = kind
	t.lastErr = err
}

// fail turns err, returned by the client library while this service was
// being used, into a *ServiceError carrying what the transport saw.
func (t *serviceTransport) fail(err error) error {
	return t.failKind(nil, err)
}

func (t *serviceTransport) failKind(kind, err error) error {
	var se *ServiceError
	if errors.As(err, &se) {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if kind == nil {
		kind = t.kind
	}
	if kind == nil {
		switch {
		case t.ctx.Err() != nil && errors.Is(t.ctx.Err(), context.DeadlineExceeded):
			kind = ErrTimeout
		case t.status >= 400:
			kind = ErrRejected
		case t.attempts == 0:
			kind = ErrUnavailable
		default:
			// The service answered 2xx but the client could not use it.
			kind = ErrBadResponse
		}
	}
	return &ServiceError{Service: t.service, Step: t.step, URL: t.url, Attempts: t.attempts, Status: t.status, Kind: kind, Err: err}
}

// cancelBody releases the attempt's context when the body is closed and
// notes a timeout while reading it.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
	t      *serviceTransport
	actx   context.Context
}

func (b *cancelBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && errors.Is(b.actx.Err(), context.DeadlineExceeded) {
		b.t.mu.Lock()
		b.t.kind = ErrTimeout
		b.t.mu.Unlock()
	}
	return n, err
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// retryCall runs fn with per-attempt timeouts and bounded retries, for
// clients that take a context but no transport (Rekor). statusOf extracts
// an HTTP status from fn's error when the client exposes one.
func retryCall(ctx context.Context, svc Service, step, url string, p policy, statusOf func(error) int, fn func(ctx context.Context) error) error {
	n := p.attempts()
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, p.attemptTimeout())
		err := fn(actx)
		cancel()
		if err == nil {
			return nil
		}
		status := statusOf(err)
		var netErr error
		if status == 0 && isNetworkError(err) {
			netErr = err
		}
		transient, kind := classify(ctx, actx, status, netErr)
		if kind == nil {
			kind = ErrBadResponse
		}
		if !transient || attempt >= n {
			return &ServiceError{Service: svc, Step: step, URL: url, Attempts: attempt, Status: status, Kind: kind, Err: err}
		}
		if werr := p.wait(ctx, attempt); werr != nil {
			return &ServiceError{Service: svc, Step: step, URL: url, Attempts: attempt, Status: status, Kind: kind, Err: err}
		}
	}
}

// isNetworkError reports whether err is a transport failure (no usable
// response): a connection error, a timeout, or an EOF mid-exchange.
func isNetworkError(err error) bool {
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ne), errors.As(err, &oe):
		return true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	}
	// retryablehttp (Rekor v1) reports exhausted connection retries only
	// as text.
	return strings.Contains(err.Error(), "giving up after")
}

// statusError reports a transient HTTP status that persisted through every
// attempt.
type statusError struct{ status int }

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.status, http.StatusText(e.status))
}
