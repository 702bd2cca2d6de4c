# Sourced by .ci/run (phase 2, loopback only): starts the local Sigstore
# (internal/cmd/localsigstore: real Fulcio, Rekor v2 and timestamp-authority
# built by .ci/build.d/20-sigstore.sh, plus the project's OIDC issuers and CT
# log), waits until it is ready, and exports CHAINPROOF_SIGSTORE_DIR for the
# integration tests (internal/sigstoretest). Stopped by ci_on_exit.
_ls_bin="$CI_CACHE/bin"
_ls_dir="$CI_CACHE/sigstore"
_ls_log="$CI_CACHE/localsigstore.log"
if [[ ! -x $_ls_bin/localsigstore ]]; then
  go build -o "$_ls_bin/localsigstore" ./internal/cmd/localsigstore
fi
rm -f "$_ls_dir/stack.json"
"$_ls_bin/localsigstore" -dir "$_ls_dir" -bin "$_ls_bin" -pidfile "$_ls_dir/harness.pid" >"$_ls_log" 2>&1 &
_ls_pid=$!

_localsigstore_down() {
  local i
  kill -0 "$_ls_pid" 2>/dev/null || return 0
  kill -TERM "$_ls_pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do # the harness gives each server 5 s
    kill -0 "$_ls_pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$_ls_pid" 2>/dev/null || true
  wait "$_ls_pid" 2>/dev/null || true
  echo "local sigstore stopped ($(tail -n 1 "$_ls_log"))"
}
ci_on_exit _localsigstore_down

_ls_start=$SECONDS
until [[ -s $_ls_dir/stack.json ]]; do
  if ! kill -0 "$_ls_pid" 2>/dev/null; then
    echo "local sigstore failed to start:"; cat "$_ls_log"; exit 1
  fi
  if ((SECONDS - _ls_start > 90)); then
    echo "local sigstore not ready after 90 s:"; cat "$_ls_log"; exit 1
  fi
  sleep 0.1
done
export CHAINPROOF_SIGSTORE_DIR="$_ls_dir"
cat "$_ls_log"
