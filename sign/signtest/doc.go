// Package signtest is a deterministic, in-process Sigstore for tests and
// golden files: a Fulcio-like CA (root and intermediate, certificates with
// embedded SCTs from a CT log key), a Rekor v2-like transparency log
// (hashedrekord v0.0.2 entries, RFC 6962 inclusion proofs, signed
// checkpoints), a Rekor v1-like log with its own key (hashedrekord and
// dsse v0.0.1 entries with integrated times, signed entry timestamps and
// inclusion proofs with signed checkpoints), an RFC 3161 timestamp
// authority and an OIDC issuer.
//
// Every key derives from Options.Seed and every signature is deterministic
// (ECDSA P-256 with RFC 6979 nonces); the clock is Options.Now (a fixed
// DefaultTime by default). So the same seed, clock and sequence of calls
// give the same bytes: trusted_root.json, certificates, timestamps, log
// entries, bundles.
//
// Two ways to use it:
//
//   - Mint bundles directly: SignBlob and SignDSSE return Sigstore bundle
//     v0.3 JSON for any Identity (Email, or GitHub with every Fulcio GitHub
//     Actions extension), verifiable with sigstore-go against TrustedRoot.
//     By default the entry is a Rekor v2 one and an RFC 3161 timestamp
//     gives the signing time; MintOptions{RekorV1: true, NoTimestamp: true}
//     gives the public-good Rekor v1 shape, where the log's integrated time
//     (covered by the SET) is the signing time.
//
//   - Serve it: Handler (or Serve in a test) answers Fulcio's
//     /api/v2/signingCert, Rekor v2's /api/v2/log/entries, Rekor v1's
//     /api/v1/log/entries (create; get by UUID) and the TSA's
//     /api/v1/timestamp, so real signing clients (sigstore-go, the sign
//     package, with sign.Log Version 1 or 2) run against it on loopback in
//     milliseconds. Fulcio accepts the tokens from Token.
//
//     st, _ := signtest.New(signtest.Options{})
//     srv := st.Serve(t)
//     alice := sign.Keyless(sign.StaticToken(st.Token(signtest.Email("alice@example.com"))))
//     b, err := sign.Sign(ctx, sign.Blob(r), alice, sign.Options{
//     Services:    sign.Services{Fulcio: srv.URL, Rekor: []sign.Log{{URL: srv.URL, Version: 2}}, TSA: []string{srv.TSAURL()}},
//     TrustedRoot: st.TrustedRoot(), // a *verify.TrustedRoot, for verify.Options too
//     Now:         st.Now,
//     })
//
// It is a test double, not a security boundary: keys are derived from a
// public seed. It does not implement Rekor v1's other entry kinds
// (intoto, rekord, ...), its search, log info and proof APIs, sharding,
// Fulcio's gRPC API, CT log submission APIs or OIDC discovery;
// SigningConfigJSON names the Rekor v2 API only.
package signtest
