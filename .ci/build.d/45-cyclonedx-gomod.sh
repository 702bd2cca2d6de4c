#!/usr/bin/env bash
# Builds cyclonedx-gomod v1.10.0 (pinned as a `tool` line in the nested
# module internal/tools/cyclonedx-gomod) into $CI_CACHE/bin for sbom's
# cross-check (sbom/gomod_test.go; .ci/test.d/12-cyclonedx-gomod.sh exports
# CHAINPROOF_CYCLONEDX_GOMOD), and fills the module cache with what both
# tools read of the cross-checked modules, since phase 2 has no network:
# each module is copied out of the cache and both tools' go commands run
# on it once here (cyclonedx-gomod's `go mod why` loads every build tag and
# the main module's tests; FromModule's `go list -deps` three platforms).
# Cold: ~1 min build + ~1-2 min of downloads; warm: a few seconds.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
CI_CACHE=${CI_CACHE:-$ROOT/.cache}
export GOTOOLCHAIN=local GOWORK=off
bin="$CI_CACHE/bin"
mkdir -p "$bin"
start=$SECONDS
(cd "$ROOT/internal/tools/cyclonedx-gomod" && go build -trimpath -o "$bin/" github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod)
# Keep in step with gomodModules in sbom/gomod_test.go.
warm="$CI_CACHE/gomod-warm"
for m in github.com/sigstore/sigstore-go@v1.3.0:./examples/sigstore-go-verification \
  github.com/distribution/distribution/v3@v3.1.2:./cmd/registry \
  github.com/sigstore/timestamp-authority/v2@v2.1.3:./cmd/timestamp-server; do
  mod=${m%%:*} pkg=${m#*:}
  dir=$(GOFLAGS=-mod=mod go mod download -json "$mod" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [[ -d $dir ]] || { echo "45: go mod download $mod gave no directory" >&2; exit 1; }
  rm -rf "$warm" && mkdir -p "$warm" && cp -r "$dir/." "$warm/" && chmod -R u+w "$warm"
  (
    cd "$warm"
    export GOFLAGS=-mod=mod
    "$bin/cyclonedx-gomod" mod -json -output /dev/null . 2>/dev/null
    for p in linux/amd64 darwin/arm64 windows/amd64; do
      GOOS=${p%/*} GOARCH=${p#*/} go list -deps ./... >/dev/null
    done
    go build -trimpath -o /dev/null "$pkg"
  )
done
rm -rf "$warm"
echo "cyclonedx-gomod built into $bin, cross-check modules cached, in $((SECONDS - start)) s"
