// Package sigstoretest gives integration tests a real Sigstore running on
// loopback: Fulcio, Rekor v2 (rekor-tiles), a timestamp authority, a CT log
// and two OpenID Connect issuers, started by the project's harness
// (internal/cmd/localsigstore; .ci/run starts it in CI).
//
// The harness writes, in its directory, trusted_root.json and
// signing_config.json (Sigstore's trust root and signing config formats,
// https://github.com/sigstore/protobuf-specs) and stack.json (Manifest).
// Tests find that directory through the CHAINPROOF_SIGSTORE_DIR environment
// variable.
//
// Example:
//
//	func TestKeyless(t *testing.T) {
//		s := sigstoretest.Local(t) // skips when no stack is running
//		tok := s.EmailToken(t, "dev@example.com")
//		gh := s.GitHubToken(t, sigstoretest.GitHubClaims{Repository: "acme/app"})
//		// sign with s.FulcioURL, s.RekorURL (Rekor v2), s.TSAURL and tok,
//		// verify against s.TrustedRootPath ...
//	}
//
// To run such tests by hand:
//
//	bash .ci/build.d/20-sigstore.sh          # servers and harness into .cache/bin
//	.cache/bin/localsigstore -dir /tmp/ls    # runs until Ctrl-C
//	CHAINPROOF_SIGSTORE_DIR=/tmp/ls go test ./sign/...   # in another terminal
//
// What it does NOT do: start the stack itself (that takes building three
// servers; see .ci/build.d/20-sigstore.sh), or isolate tests from each
// other: every test shares the one running stack and its logs.
package sigstoretest
