package sign

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Size limits.
const (
	// MaxTokenSize bounds an identity token read from a file, an
	// environment variable or a token endpoint.
	MaxTokenSize = 64 << 10
	// DefaultTokenEnv is the environment variable EnvToken reads by default.
	DefaultTokenEnv = "SIGSTORE_ID_TOKEN"
	// DefaultAudience is the audience requested from GitHub Actions.
	DefaultAudience = "sigstore"
)

// TokenSource supplies an OIDC identity token for keyless signing.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// TokenFunc adapts a function to a TokenSource.
type TokenFunc func(ctx context.Context) (string, error)

// Token calls f(ctx).
func (f TokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

// StaticToken returns a TokenSource that always returns tok.
func StaticToken(tok string) TokenSource {
	return TokenFunc(func(context.Context) (string, error) { return tok, nil })
}

// EnvToken returns a TokenSource that reads the environment variable name
// (DefaultTokenEnv, SIGSTORE_ID_TOKEN, when name is empty).
func EnvToken(name string) TokenSource {
	if name == "" {
		name = DefaultTokenEnv
	}
	return TokenFunc(func(context.Context) (string, error) {
		v, ok := os.LookupEnv(name)
		if !ok || strings.TrimSpace(v) == "" {
			return "", &TokenError{Kind: ErrToken, Reason: "environment variable " + name + " is not set"}
		}
		if len(v) > MaxTokenSize {
			return "", &TokenError{Kind: ErrTokenMalformed, Reason: "environment variable " + name + " is too large"}
		}
		return strings.TrimSpace(v), nil
	})
}

// FileToken returns a TokenSource that reads the token from a file each
// time it is asked (so a token refreshed on disk is picked up).
func FileToken(path string) TokenSource {
	return TokenFunc(func(context.Context) (string, error) {
		f, err := os.Open(path)
		if err != nil {
			return "", &TokenError{Kind: ErrToken, Reason: "cannot read token file", Err: err}
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, MaxTokenSize+1))
		if err != nil {
			return "", &TokenError{Kind: ErrToken, Reason: "cannot read token file", Err: err}
		}
		if len(b) > MaxTokenSize {
			return "", &TokenError{Kind: ErrTokenMalformed, Reason: "token file is too large"}
		}
		return strings.TrimSpace(string(b)), nil
	})
}

// GitHubActionsToken fetches GitHub Actions' ambient OIDC token from the
// endpoint named by ACTIONS_ID_TOKEN_REQUEST_URL, authenticating with
// ACTIONS_ID_TOKEN_REQUEST_TOKEN (the workflow needs "permissions:
// id-token: write"). The zero value is ready to use.
type GitHubActionsToken struct {
	// Audience requested; DefaultAudience ("sigstore") when empty.
	Audience string
	// Client used for the request; http.DefaultClient when nil.
	Client *http.Client
	// Getenv looks up the two variables; os.Getenv when nil.
	Getenv func(string) string
	// Timeout per attempt (DefaultTimeout when zero) and Retries
	// (DefaultRetries when zero, none when negative), as in Options.
	Timeout time.Duration
	Retries int
}

// Token requests a token with the configured audience.
func (g GitHubActionsToken) Token(ctx context.Context) (string, error) {
	getenv := g.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	reqURL, reqTok := getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	if reqURL == "" || reqTok == "" {
		return "", &TokenError{Kind: ErrToken, Reason: "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set (does the workflow have id-token: write?)"}
	}
	u, err := url.Parse(reqURL)
	if err != nil {
		return "", &TokenError{Kind: ErrToken, Reason: "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL", Err: err}
	}
	aud := g.Audience
	if aud == "" {
		aud = DefaultAudience
	}
	q := u.Query()
	q.Set("audience", aud)
	u.RawQuery = q.Encode()

	client := g.Client
	if client == nil {
		client = http.DefaultClient
	}
	tr := newServiceTransport(ctx, client.Transport, ServiceOIDC, StepToken, u.Redacted(), policy{timeout: g.Timeout, retries: g.Retries})
	c := *client
	c.Transport = tr
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", &TokenError{Kind: ErrToken, Reason: "cannot build token request", Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+reqTok)
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", tr.fail(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxTokenSize+1))
	if err != nil {
		return "", tr.fail(err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", tr.fail(fmt.Errorf("token endpoint answered %d", resp.StatusCode))
	}
	var v struct {
		Value string `json:"value"`
	}
	if len(body) > MaxTokenSize || json.Unmarshal(body, &v) != nil || v.Value == "" {
		return "", tr.failKind(ErrBadResponse, errors.New("token endpoint answer has no \"value\""))
	}
	return v.Value, nil
}

// Claims are the unverified claims of an identity token that signing
// relies on. Fulcio verifies the token; these are read only to fail
// early and to name the identity.
type Claims struct {
	Issuer    string
	Subject   string
	Email     string
	Audience  []string
	Expiry    time.Time // zero if the token has no exp
	NotBefore time.Time // zero if the token has no nbf
}

// ParseToken reads tok's claims WITHOUT verifying its signature and checks
// that it is a well-formed JWT with iss, sub or email, and an exp after
// now. It returns a *TokenError otherwise.
func ParseToken(tok string, now time.Time) (*Claims, error) {
	if tok == "" {
		return nil, &TokenError{Kind: ErrToken, Reason: "empty token"}
	}
	if len(tok) > MaxTokenSize {
		return nil, &TokenError{Kind: ErrTokenMalformed, Reason: "token too large"}
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, &TokenError{Kind: ErrTokenMalformed, Reason: fmt.Sprintf("not a JWS compact token (%d parts)", len(parts))}
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, &TokenError{Kind: ErrTokenMalformed, Reason: "payload is not base64url", Err: err}
	}
	var raw struct {
		Iss   string          `json:"iss"`
		Sub   string          `json:"sub"`
		Email string          `json:"email"`
		Aud   json.RawMessage `json:"aud"`
		Exp   *json.Number    `json:"exp"`
		Nbf   *json.Number    `json:"nbf"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, &TokenError{Kind: ErrTokenMalformed, Reason: "payload is not a JSON object", Err: err}
	}
	c := &Claims{Issuer: raw.Iss, Subject: raw.Sub, Email: raw.Email}
	if len(raw.Aud) > 0 {
		var one string
		if json.Unmarshal(raw.Aud, &one) == nil {
			c.Audience = []string{one}
		} else if json.Unmarshal(raw.Aud, &c.Audience) != nil {
			return nil, &TokenError{Kind: ErrTokenMalformed, Reason: "aud is neither a string nor a list of strings"}
		}
	}
	if c.Issuer == "" {
		return nil, &TokenError{Kind: ErrTokenMalformed, Reason: "no iss claim"}
	}
	if c.Subject == "" && c.Email == "" {
		return nil, &TokenError{Kind: ErrTokenMalformed, Reason: "no sub or email claim"}
	}
	numTime := func(n *json.Number, name string) (time.Time, error) {
		if n == nil {
			return time.Time{}, nil
		}
		f, err := n.Float64()
		if err != nil || f < 0 || f > 1<<40 {
			return time.Time{}, &TokenError{Kind: ErrTokenMalformed, Reason: name + " is not a valid NumericDate"}
		}
		return time.Unix(int64(f), 0).UTC(), nil
	}
	if c.Expiry, err = numTime(raw.Exp, "exp"); err != nil {
		return nil, err
	}
	if c.NotBefore, err = numTime(raw.Nbf, "nbf"); err != nil {
		return nil, err
	}
	if c.Expiry.IsZero() {
		return nil, &TokenError{Kind: ErrTokenMalformed, Reason: "no exp claim"}
	}
	if !now.Before(c.Expiry) {
		return nil, &TokenError{Kind: ErrTokenExpired, Reason: "expired at " + c.Expiry.Format(time.RFC3339)}
	}
	return c, nil
}
