#!/usr/bin/env bash
# bench-gomod.sh [MODULE_DIR] — time this project's SBOM generator against
# cyclonedx-gomod (github.com/CycloneDX/cyclonedx-gomod) on the same Go
# module, in the same run. Needs the Go module proxy once (to install
# cyclonedx-gomod); the timed runs use GOPROXY=off and the module cache.
#
#   RUNS=5 sbom/testdata/bench-gomod.sh            # this repository's module
#   CI_CACHE=.cache sbom/testdata/bench-gomod.sh   # keep the tools in .cache
set -euo pipefail
export GOTOOLCHAIN=local
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MOD=$(cd "${1:-$ROOT}" && pwd)
RUNS=${RUNS:-5}
GOMOD_VERSION=${GOMOD_VERSION:-v1.7.0}
if [[ -n ${CI_CACHE:-} ]]; then
  WORK=$CI_CACHE/bench-gomod; mkdir -p "$WORK"
else
  WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
fi
BIN=$WORK/bin; mkdir -p "$BIN"

# 1. Install cyclonedx-gomod from the module proxy. `go install pkg@version`
# also asks the proxy for the version list (deprecation check); where that
# is refused, install through a throwaway module instead.
if [[ ! -x $BIN/cyclonedx-gomod-$GOMOD_VERSION ]]; then
  if ! GOBIN=$BIN go install "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@$GOMOD_VERSION" 2>"$WORK/install.log"; then
    tmpmod=$(mktemp -d)
    (cd "$tmpmod" && go mod init bench.local/gomod >/dev/null 2>&1 &&
      go get "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@$GOMOD_VERSION" >>"$WORK/install.log" 2>&1 &&
      GOBIN=$BIN go install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod) || {
      cat "$WORK/install.log" >&2; rm -rf "$tmpmod"; exit 1; }
    rm -rf "$tmpmod"
  fi
  mv "$BIN/cyclonedx-gomod" "$BIN/cyclonedx-gomod-$GOMOD_VERSION"
fi

# 2. Build ours (examples/sbom) once, so neither side pays for compilation.
(cd "$ROOT" && go build -o "$BIN/chainproof-sbom" ./examples/sbom)

export GOPROXY=off GOFLAGS=-mod=readonly SOURCE_DATE_EPOCH=1767323045
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
best() { sort -n | head -1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -a ours=() theirs=()
for ((i = 0; i < RUNS; i++)); do
  t=$(date +%s%N); "$BIN/chainproof-sbom" -format cyclonedx -o "$WORK/ours.cdx.json" "$MOD"; ours+=("$(ms "$t")")
  t=$(date +%s%N)
  "$BIN/cyclonedx-gomod-$GOMOD_VERSION" mod -json -licenses -assert-licenses -noserial \
    -output "$WORK/theirs.cdx.json" "$MOD" 2>/dev/null
  theirs+=("$(ms "$t")")
done
t=$(date +%s%N); "$BIN/chainproof-sbom" -format spdx -o "$WORK/ours.spdx.json" "$MOD"; spdx_ms=$(ms "$t")

count() { grep -c '"bom-ref"' "$1" || true; }
echo "module:           $MOD"
echo "runs:             $RUNS (wall clock, ms; both with license detection)"
echo "chainproof sbom:  median $(printf '%s\n' "${ours[@]}" | median)  best $(printf '%s\n' "${ours[@]}" | best)  ($(count "$WORK/ours.cdx.json") bom-refs, CycloneDX 1.6; SPDX run: ${spdx_ms} ms)"
echo "cyclonedx-gomod:  median $(printf '%s\n' "${theirs[@]}" | median)  best $(printf '%s\n' "${theirs[@]}" | best)  ($(count "$WORK/theirs.cdx.json") bom-refs, CycloneDX 1.5, $GOMOD_VERSION mod)"
echo "note: chainproof lists the whole module graph (go list -m all); cyclonedx-gomod mod lists the modules its packages need."
