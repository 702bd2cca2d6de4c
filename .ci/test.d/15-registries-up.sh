# Sourced by .ci/run (phase 2, loopback only) and .ci/with-services: starts
# the two registries the image tests use, built by .ci/build.d/41-registry.sh,
# waits until both answer GET /v2/, and exports for the tests
# (internal/registrytest):
#   CHAINPROOF_REGISTRY            the CNCF distribution registry v3 (plain
#                                  HTTP, filesystem storage in a fresh temp dir
#                                  under $CI_CACHE): no referrers API, so
#                                  clients use the referrers tag schema;
#   CHAINPROOF_REFERRERS_REGISTRY  internal/cmd/ociregistry (go-containerregistry's
#                                  registry, OCI 1.1 referrers API on);
#   CHAINPROOF_COSIGN              the real cosign (.ci/build.d/40-cosign.sh).
# Both are stopped (and the storage removed) by ci_on_exit.
_rg_bin="$CI_CACHE/bin"
for _rg_b in registry cosign; do
  if [[ ! -x $_rg_bin/$_rg_b ]]; then
    echo "15-registries-up: $_rg_bin/$_rg_b missing (run .ci/build.d/40-cosign.sh and 41-registry.sh)" >&2
    exit 1
  fi
done
if [[ ! -x $_rg_bin/ociregistry ]]; then
  go build -o "$_rg_bin/ociregistry" ./internal/cmd/ociregistry
fi
mkdir -p "$CI_CACHE"
_rg_dir=$(mktemp -d "$CI_CACHE/registries.XXXXXX")
_rg_pids=()

_registries_down() {
  local p i
  for p in "${_rg_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${_rg_pids[@]}"; do
    for ((i = 0; i < 100; i++)); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.05
    done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$_rg_dir"
}
ci_on_exit _registries_down

# _rg_get200 HOST:PORT: whether GET /v2/ answers 200 (bash's /dev/tcp, no curl).
_rg_get200() {
  local line
  line=$(timeout 2 bash -c 'exec 3<>"/dev/tcp/${1%:*}/${1##*:}" && printf "GET /v2/ HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" >&3 && head -n 1 <&3' _ "$1" 2>/dev/null) || return 1
  [[ $line == "HTTP/"*" 200"* ]]
}

# _rg_wait NAME PID HOST:PORT LOG: until GET /v2/ answers 200 (30 s), or PID dies.
_rg_wait() {
  local i
  for ((i = 0; i < 300; i++)); do
    if ! kill -0 "$2" 2>/dev/null; then
      echo "15-registries-up: $1 exited:" >&2; cat "$4" >&2; return 1
    fi
    if _rg_get200 "$3"; then return 0; fi
    sleep 0.1
  done
  echo "15-registries-up: $1 not ready after 30 s:" >&2; cat "$4" >&2; return 1
}

# The distribution registry takes its port from its config file: pick a free
# one (retried if another process takes it first).
for _rg_try in 1 2 3; do
  _rg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat >"$_rg_dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $_rg_dir/storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$_rg_port
  secret: chainproof-ci-not-secret
YAML
  OTEL_TRACES_EXPORTER=none OTEL_SDK_DISABLED=true \
    "$_rg_bin/registry" serve "$_rg_dir/config.yml" >"$_rg_dir/registry.log" 2>&1 &
  _rg_pid=$!
  _rg_pids+=("$_rg_pid")
  if _rg_wait distribution "$_rg_pid" "127.0.0.1:$_rg_port" "$_rg_dir/registry.log" 2>/dev/null; then
    break
  fi
  kill -KILL "$_rg_pid" 2>/dev/null || true
  if ((_rg_try == 3)); then
    _rg_wait distribution "$_rg_pid" "127.0.0.1:$_rg_port" "$_rg_dir/registry.log"
    exit 1
  fi
done

"$_rg_bin/ociregistry" -addr 127.0.0.1:0 -addr-file "$_rg_dir/ociregistry.addr" \
  >"$_rg_dir/ociregistry.out" 2>"$_rg_dir/ociregistry.log" &
_rg_opid=$!
_rg_pids+=("$_rg_opid")
for ((_rg_i = 0; _rg_i < 300; _rg_i++)); do
  [[ -s $_rg_dir/ociregistry.addr ]] && break
  kill -0 "$_rg_opid" 2>/dev/null || break
  sleep 0.1
done
_rg_oaddr=$(cat "$_rg_dir/ociregistry.addr" 2>/dev/null || true)
if [[ -z $_rg_oaddr ]]; then
  echo "15-registries-up: ociregistry did not start:" >&2; cat "$_rg_dir/ociregistry.log" >&2; exit 1
fi
_rg_wait ociregistry "$_rg_opid" "$_rg_oaddr" "$_rg_dir/ociregistry.log" || exit 1

export CHAINPROOF_REGISTRY="127.0.0.1:$_rg_port"
export CHAINPROOF_REFERRERS_REGISTRY="$_rg_oaddr"
export CHAINPROOF_COSIGN="$_rg_bin/cosign"
echo "registries up: distribution $CHAINPROOF_REGISTRY, ociregistry (referrers) $CHAINPROOF_REFERRERS_REGISTRY; cosign $CHAINPROOF_COSIGN"
