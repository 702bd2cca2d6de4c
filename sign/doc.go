// Package sign makes Sigstore bundles (v0.3 JSON): keyless, where an OIDC
// identity token gets a short-lived Fulcio certificate for a fresh key, the
// signature is logged in Rekor (v1 or v2) and timestamped by RFC 3161
// timestamp authorities; or with any crypto.Signer (a file key, a KMS or
// hardware key), the bundle then naming the key by a hint.
//
// It builds on sigstore-go's sign package (github.com/sigstore/sigstore-go
// v1.3, pkg/sign) and its Fulcio, Rekor and TSA clients, and adds what an
// embedding program needs around them:
//
//   - Content: a blob streamed through a hash (a 2 GB file is never held in
//     memory; the digest is what gets signed), a precomputed digest, or an
//     in-toto statement (a DSSE bundle).
//   - Token sources: StaticToken, EnvToken (SIGSTORE_ID_TOKEN),
//     FileToken, GitHubActionsToken (the ambient Actions token, audience
//     "sigstore"), InteractiveToken (a person at a terminal: the browser
//     flow with PKCE, or the RFC 8628 device flow; the id_token is verified
//     against the issuer's keys before it is used), or a TokenFunc.
//     A malformed or expired token is a *TokenError before any network call.
//   - Services: PublicGood, explicit URLs, or ServicesFromSigningConfig
//     (signing_config.json v0.2: services selected by validity window and
//     API version).
//   - Verify-after-sign against Options.TrustedRoot, on unless
//     Options.UnsafeSkipVerify.
//   - Faults: each attempt has a timeout; transient failures (connection
//     errors, timeouts, 5xx, 429) are retried with exponential backoff; then
//     a *ServiceError names the service (fulcio, rekor, tsa, oidc), the step
//     and the kind (ErrUnavailable, ErrTimeout, ErrBadResponse,
//     ErrRejected). WriteFile writes atomically: never a partial bundle.
//
// Specifications: Sigstore bundle
// (https://github.com/sigstore/protobuf-specs, bundle v0.3), DSSE
// (https://github.com/secure-systems-lab/dsse), in-toto Statement v1,
// signing_config v0.2, RFC 3161.
//
// A keyless signature of a file, with the services a signing config names
// and verify-after-sign against a trusted root:
//
//	f, _ := os.Open("release.tar.gz")
//	defer f.Close()
//	services, _ := sign.LoadSigningConfig("signing_config.json", time.Now())
//	tr, _ := verify.LoadTrustedRoot("trusted_root.json")
//	b, err := sign.Sign(ctx, sign.Blob(f), sign.Keyless(sign.EnvToken("")), sign.Options{
//		Services:    services,
//		TrustedRoot: tr,
//	})
//	if err != nil { ... }
//	err = sign.WriteFile("release.tar.gz.sigstore.json", b)
//
// The zero Options sign with the public-good instance and verify against
// the embedded public-good trusted root. What Sign returns is a
// *verify.Bundle: verify.Verifier.Verify takes it as it is, and Sign has
// already verified it with package verify (the one definition of what
// counts as verified), under a policy naming the signer.
//
// Signing with a key needs no Fulcio: sign.Key(k). With Options.NoLog it
// needs no service at all; verify then accepts the bundle only under
// verify.Options.AllowUnloggedKeys.
//
// For tests, package signtest (sign/signtest) is a deterministic in-process
// Sigstore: it serves Fulcio, Rekor v2 and a TSA on loopback so Sign runs
// against it in milliseconds, and mints bundles for golden files.
//
// What this package does not check: that the token's identity is the one
// the caller expects (Fulcio verifies the token; verify-after-sign checks
// the chain, log entry, timestamps, SCT and signature, not a policy — use
// the verify package for that); what a statement says (see attest); and,
// for Digest content, that the digest is really the artifact's.
package sign
