# Sourced by .ci/run (phase 2, no network): the sigstore-conformance offline
# bundle-verify cases (70 cases x path/digest = 140 runs) against our client,
# with the suite's exact arguments: the 32 cases without their own
# trusted_root.json use verify's embedded public-good root. No xfail list.
_conf_shared="$ROOT/../shared/conformance"
if [[ ! -f $_conf_shared/run-offline.py ]]; then
  echo "70-conformance: $_conf_shared/run-offline.py not found (the shared dir must sit beside the repo as ../shared)" >&2
  exit 1
fi
mkdir -p "$CI_CACHE/bin"
go build -o "$CI_CACHE/bin/conformance" ./internal/cmd/conformance
_conf_out=$(python3 "$_conf_shared/run-offline.py" --include-prod-root-cases --xfail "" "$CI_CACHE/bin/conformance" 2>&1) || {
  echo "$_conf_out" | grep -v '^PASS' >&2
  echo "70-conformance: FAILED" >&2
  exit 1
}
echo "$_conf_out" | tail -n 1
if [[ $(echo "$_conf_out" | tail -n 1) != "140 passed, 0 failed" ]]; then
  echo "70-conformance: expected exactly \"140 passed, 0 failed\"" >&2
  exit 1
fi
