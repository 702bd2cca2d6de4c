package sign

// The issuer's answers, bounded and made safe to show.

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// limitTransport refuses response bodies longer than max (go-oidc reads
// the discovery document and the JWKS whole, with no bound): a body that
// declares or turns out to be longer ends in a *tooLargeError, which
// exceeded reports afterwards.
type limitTransport struct {
	base http.RoundTripper
	max  int64

	mu  sync.Mutex
	err *tooLargeError
}

// tooLargeError reports a response body longer than the flow accepts. It
// unwraps to *http.MaxBytesError, whose Limit is the bound.
type tooLargeError struct{ mbe *http.MaxBytesError }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("the issuer's response is longer than %d bytes", e.mbe.Limit)
}
func (e *tooLargeError) Unwrap() error { return e.mbe }

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, t.exceed()
	}
	resp.Body = &limitBody{ReadCloser: resp.Body, left: t.max, t: t}
	return resp, nil
}

func (t *limitTransport) exceed() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		t.err = &tooLargeError{&http.MaxBytesError{Limit: t.max}}
	}
	return t.err
}

// exceeded returns the error of the first body that was too long, if any.
func (t *limitTransport) exceeded() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		return nil
	}
	return t.err
}

// limitBody reads at most left more bytes, then fails if there are more.
type limitBody struct {
	io.ReadCloser
	left int64
	t    *limitTransport
}

func (b *limitBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, b.probe()
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left <= 0 && err == nil {
		// Probe now: a reader that stops at exactly max bytes (x/oauth2's
		// io.LimitReader of 1 MiB) would otherwise see a longer body
		// merely truncated.
		if perr := b.probe(); perr != io.EOF {
			err = perr
		}
	}
	return n, err
}

// probe reads one byte more, which tells a body of exactly max bytes
// (io.EOF) from a longer one (the *tooLargeError). A longer body is closed
// at once: its reader may never close it (x/oauth2's DeviceAuth does not),
// and the rest is not wanted.
func (b *limitBody) probe() error {
	var one [1]byte
	if n, err := b.ReadCloser.Read(one[:]); n == 0 {
		return err
	}
	b.ReadCloser.Close()
	return b.t.exceed()
}

// cleanError shows an error whose text may carry what a server sent
// (response bodies, error_description) with every character that is not
// printable escaped, so a terminal printing it cannot be fed escape
// sequences; it is truncated like other causes. It unwraps to the error.
type cleanError struct{ err error }

func (e cleanError) Error() string { return truncate(clean(e.err.Error())) }
func (e cleanError) Unwrap() error { return e.err }

// clean escapes, Go style, the runes of s that are not printable
// (control characters, bidirectional overrides, invalid UTF-8).
func clean(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsPrint(r):
			b.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

// printable reports whether s can be shown on a terminal as is: valid
// UTF-8 of printable characters only (a hostile server could otherwise
// send escape sequences or bidirectional overrides) and not too long.
func printable(s string) bool {
	if s == "" || len(s) > maxPromptField {
		return false
	}
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// endpointURL reports whether s may be used as an issuer's endpoint and
// shown to the person: printable ASCII without spaces (no control
// characters, no look-alike Unicode), at most maxPromptField bytes, an
// absolute https URL, or http on a loopback host (a local issuer), with a
// host and neither user info nor a fragment.
func endpointURL(s string) bool {
	if s == "" || len(s) > maxPromptField {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" || u.User != nil || u.Fragment != "" || strings.Contains(s, "#") {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		return loopbackHost(u.Hostname())
	}
	return false
}

// randomToken returns 256 random bits, base64url (state and nonce).
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
