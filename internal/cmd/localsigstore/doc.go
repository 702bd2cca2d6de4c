/*
Command localsigstore runs a real Sigstore on 127.0.0.1 for the project's
integration tests (see ../../sigstoretest and shared/LOCAL-SIGSTORE.md):

  - two OpenID Connect issuers (internal/oidctest), in process: one Fulcio
    treats as an "email" issuer, one as a GitHub Actions issuer;
  - a CT log (internal/ctlog), in process, so certificates carry SCTs;
  - Fulcio (fileca, with a fresh CA and an encrypted key);
  - Rekor v2 (rekor-tiles, POSIX backend), origin "localhost";
  - a timestamp authority (file signer, fresh root and leaf).

The three servers are the real ones, built from the pinned nested module
internal/tools/sigstore by .ci/build.d/20-sigstore.sh into .cache/bin.

Usage:

	localsigstore -dir DIR [-bin BINDIR] [-base-port N] [-pidfile FILE] [-timeout 60s] [-quiet]

It generates fresh keys under DIR/keys, starts the servers (logs in
DIR/logs), waits until each answers, then writes DIR/trusted_root.json,
DIR/signing_config.json and, last, DIR/stack.json (the readiness marker,
read by sigstoretest.Local through CHAINPROOF_SIGSTORE_DIR). It runs until
SIGINT, SIGTERM or SIGHUP, or until a server dies, and then stops every
server it started (each runs in its own process group: SIGTERM, then
SIGKILL after 5 s), also when startup fails. Exit status 1 means startup
failed or a server died.

Ports: free ports are picked unless -base-port is given. The
timestamp-server's metrics port is fixed at :2112 on every interface, so
only one stack can run per network namespace; CI runs it inside `unshare -n`.

By hand (the build script also builds the harness into .cache/bin):

	bash .ci/build.d/20-sigstore.sh
	.cache/bin/localsigstore -dir /tmp/ls          # Ctrl-C stops it
	CHAINPROOF_SIGSTORE_DIR=/tmp/ls go test ./...   # in another terminal

In a script, start the built binary in the background and stop it with
kill -TERM (as .ci/test.d/10-sigstore-up.sh does). Avoid `go run ... &`
there: `go run` does not pass SIGTERM on, so the harness would outlive it.

What it does NOT give: persistence across restarts (DIR's stack state is
wiped at start), Rekor v1, TLS, or a private metrics port for Fulcio (its
metrics listener binds every interface).
*/
package main
