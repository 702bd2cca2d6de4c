package oidctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Audience is the audience Sigstore's Fulcio expects in identity tokens.
const Audience = "sigstore"

// DefaultLifetime is how long a minted token is valid when the claims do
// not set "exp".
const DefaultLifetime = 10 * time.Minute

// MaxTokenRequestSize bounds the body of a request to the token endpoint.
const MaxTokenRequestSize = 64 << 10

// Paths served below the issuer URL.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/jwks"
	TokenPath     = "/token"
)

// Errors returned by the issuer.
var (
	ErrIssuerURL = errors.New("oidctest: bad issuer url")
	ErrClaims    = errors.New("oidctest: bad claims")
)

// Options configures an Issuer. The zero value generates a fresh RSA-2048
// key and uses the wall clock.
type Options struct {
	// Key signs the tokens (RS256). Nil: a fresh RSA-2048 key.
	Key *rsa.PrivateKey
	// Now is the clock used for iat, nbf and exp. Nil: time.Now.
	Now func() time.Time
}

// Issuer is one OpenID Connect issuer. It is an http.Handler serving the
// discovery document, the JWKS and a token endpoint below the path of its
// URL; mount it on a mux at that path.
type Issuer struct {
	url    string
	prefix string
	key    *rsa.PrivateKey
	kid    string
	now    func() time.Time
	signer jose.Signer

	mu     sync.Mutex
	login  Login             // see SetLogin
	grants map[string]*grant // authorization and device codes not yet redeemed
}

// New returns an issuer whose "iss" is issuerURL (scheme and host, with an
// optional path, no trailing slash, no query).
func New(issuerURL string, opts Options) (*Issuer, error) {
	u, err := url.Parse(issuerURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(u.Path, "/") {
		return nil, fmt.Errorf("%w: %q", ErrIssuerURL, issuerURL)
	}
	key := opts.Key
	if key == nil {
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("oidctest: generating key: %w", err)
		}
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: string(jose.RS256), Use: "sig"}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("oidctest: key thumbprint: %w", err)
	}
	kid := hex.EncodeToString(thumb[:8])
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("oidctest: signer: %w", err)
	}
	return &Issuer{url: issuerURL, prefix: u.Path, key: key, kid: kid, now: now, signer: signer}, nil
}

// URL is the issuer URL, the value of the "iss" claim.
func (i *Issuer) URL() string { return i.url }

// TokenURL is the URL of the token endpoint (see ServeHTTP).
func (i *Issuer) TokenURL() string { return i.url + TokenPath }

// PublicKey is the key that verifies the issuer's tokens.
func (i *Issuer) PublicKey() *rsa.PublicKey { return &i.key.PublicKey }

// Mint returns a signed RS256 JWT carrying claims. The issuer always sets
// "iss"; it sets "aud" to Audience, "iat" to now, "nbf" to "iat" and "exp"
// to now + DefaultLifetime unless claims set them (set "exp" in the past for an
// expired token). Numeric times are Unix seconds.
func (i *Issuer) Mint(claims map[string]any) (string, error) {
	c := make(map[string]any, len(claims)+5)
	for k, v := range claims {
		c[k] = v
	}
	if _, ok := c["iss"]; ok {
		return "", fmt.Errorf("%w: iss is set by the issuer", ErrClaims)
	}
	now := i.now()
	c["iss"] = i.url
	setDefault(c, "aud", Audience)
	setDefault(c, "iat", now.Unix())
	setDefault(c, "nbf", c["iat"])
	setDefault(c, "exp", now.Add(DefaultLifetime).Unix())
	if _, ok := c["sub"]; !ok {
		return "", fmt.Errorf("%w: sub is required", ErrClaims)
	}
	if _, ok := c["jti"]; !ok {
		var b [8]byte
		_, _ = rand.Read(b[:])
		c["jti"] = hex.EncodeToString(b[:])
	}
	tok, err := jwt.Signed(i.signer).Claims(c).Serialize()
	if err != nil {
		return "", fmt.Errorf("oidctest: signing token: %w", err)
	}
	return tok, nil
}

func setDefault(c map[string]any, k string, v any) {
	if _, ok := c[k]; !ok {
		c[k] = v
	}
}

// Discovery is the subset of the OpenID Provider metadata the issuer
// serves.
type Discovery struct {
	Issuer                           string   `json:"issuer"`
	JWKSURI                          string   `json:"jwks_uri"`
	TokenEndpoint                    string   `json:"token_endpoint"`
	AuthorizationEndpoint            string   `json:"authorization_endpoint"`
	DeviceAuthorizationEndpoint      string   `json:"device_authorization_endpoint"`
	GrantTypesSupported              []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported    []string `json:"code_challenge_methods_supported"`
	ScopesSupported                  []string `json:"scopes_supported"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                  []string `json:"claims_supported"`
}

// TokenResponse is the JSON answer of the token endpoint.
type TokenResponse struct {
	IDToken     string `json:"id_token"`
	AccessToken string `json:"access_token,omitempty"` // interactive flows only
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// ServeHTTP serves, below the issuer URL's path:
//
//	GET  /.well-known/openid-configuration   discovery (Discovery)
//	GET  /jwks                               the JSON Web Key Set
//	POST /token                              body: a JSON object of claims;
//	                                         answer: TokenResponse (see Mint)
//	POST /token  (form-encoded)              an OAuth 2.0 token request:
//	                                         grant_type authorization_code or
//	                                         device_code (see Login)
//	GET  /authorize                          authorization endpoint (code flow,
//	                                         PKCE S256 required; see Login)
//	POST /device/code                        device authorization (RFC 8628)
//
// The token endpoint mints any claims it is given: it is for tests only.
func (i *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := strings.CutPrefix(r.URL.Path, i.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch p {
	case DiscoveryPath:
		if !allow(w, r, http.MethodGet) {
			return
		}
		writeJSON(w, http.StatusOK, Discovery{
			Issuer:                           i.url,
			JWKSURI:                          i.url + JWKSPath,
			TokenEndpoint:                    i.url + TokenPath,
			AuthorizationEndpoint:            i.url + AuthorizePath,
			DeviceAuthorizationEndpoint:      i.url + DevicePath,
			GrantTypesSupported:              []string{"authorization_code", DeviceCodeGrantType},
			CodeChallengeMethodsSupported:    []string{"S256"},
			ScopesSupported:                  []string{"openid", "email"},
			ResponseTypesSupported:           []string{"id_token", "code"},
			SubjectTypesSupported:            []string{"public"},
			IDTokenSigningAlgValuesSupported: []string{string(jose.RS256)},
			ClaimsSupported:                  []string{"iss", "sub", "aud", "exp", "iat", "email", "email_verified"},
		})
	case JWKSPath:
		if !allow(w, r, http.MethodGet) {
			return
		}
		writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
			Key: &i.key.PublicKey, KeyID: i.kid, Algorithm: string(jose.RS256), Use: "sig",
		}}})
	case TokenPath:
		if !allow(w, r, http.MethodPost) {
			return
		}
		if isForm(r) {
			i.serveGrant(w, r)
			return
		}
		i.serveToken(w, r)
	case AuthorizePath:
		if !allow(w, r, http.MethodGet) {
			return
		}
		i.serveAuthorize(w, r)
	case DevicePath:
		if !allow(w, r, http.MethodPost) {
			return
		}
		i.serveDevice(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxTokenRequestSize+1))
	if err != nil || len(body) > MaxTokenRequestSize {
		http.Error(w, "oidctest: request body unreadable or too large", http.StatusBadRequest)
		return
	}
	var claims map[string]any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil || claims == nil {
		http.Error(w, "oidctest: body must be a JSON object of claims", http.StatusBadRequest)
		return
	}
	tok, err := i.Mint(claims)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var exp int64
	if n, ok := claims["exp"].(json.Number); ok {
		exp, _ = n.Int64()
	} else {
		exp = i.now().Add(DefaultLifetime).Unix()
	}
	writeJSON(w, http.StatusOK, TokenResponse{IDToken: tok, TokenType: "Bearer", ExpiresIn: exp - i.now().Unix()})
}

func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", method)
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "oidctest: encoding response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}
