// Package oidctest is a small OpenID Connect issuer for tests: it serves
// the discovery document (OpenID Connect Discovery 1.0,
// https://openid.net/specs/openid-connect-discovery-1_0.html), a JWKS, and
// a token endpoint that mints RS256 JWTs (RFC 7519) with audience
// "sigstore" for whatever claims it is asked for.
//
// The local Sigstore (internal/cmd/localsigstore) runs two of them, one that
// Fulcio treats as an "email" issuer and one it treats as a GitHub Actions
// ("github-workflow" ci-provider) issuer, so keyless signing can be tested
// with both identity kinds. EmailClaims and GitHubClaims build the claims
// those issuer types read.
//
// Example:
//
//	iss, _ := oidctest.New("http://127.0.0.1:8080/email", oidctest.Options{})
//	mux := http.NewServeMux()
//	mux.Handle("/email/", iss)
//	tok, _ := iss.Mint(oidctest.EmailClaims("dev@example.com"))
//
// It also plays the interactive flows a person at a terminal runs: the
// authorization code flow with PKCE (RFC 6749 4.1, RFC 7636) and the device
// authorization grant (RFC 8628). SetLogin scripts the person: who signs
// in, whether they refuse, how many times a polling device is told
// authorization_pending or slow_down, whether the device code expires, and
// whether the id_token is tampered with.
//
// What it does NOT do: authenticate anyone. The token endpoint signs any
// claims posted to it and the authorization endpoint signs in whoever
// SetLogin names; it exists only for tests on loopback. There is no
// consent page, no key rotation, no refresh tokens, no client secrets.
package oidctest
