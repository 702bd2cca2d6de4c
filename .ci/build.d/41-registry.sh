#!/usr/bin/env bash
# Builds the two registries the image tests run on loopback
# (.ci/test.d/15-registries-up.sh) into $CI_CACHE/bin:
#   - registry: the CNCF distribution registry (pinned as a `tool` line in
#     the nested module internal/tools/registry: distribution/v3 v3.1.2). It
#     has no OCI 1.1 referrers API, so it exercises the referrers tag schema;
#   - ociregistry: the project's loopback server around go-containerregistry's
#     pkg/registry with the referrers API on (internal/cmd/ociregistry).
# Phase 1 (network). Cold: ~4 min on 2 cores; warm build cache: a relink,
# ~5-10 s; up to date: ~1 s.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
CI_CACHE=${CI_CACHE:-$ROOT/.cache}
export GOTOOLCHAIN=local
bin="$CI_CACHE/bin"
mkdir -p "$bin"
start=$SECONDS
(
  cd "$ROOT/internal/tools/registry"
  go build -trimpath -o "$bin/" github.com/distribution/distribution/v3/cmd/registry
)
(cd "$ROOT" && go build -o "$bin/ociregistry" ./internal/cmd/ociregistry)
echo "registries built into $bin in $((SECONDS - start)) s"
