#!/usr/bin/env bash
# Builds the real cosign CLI (pinned as a `tool` line in the nested module
# internal/tools/cosign: github.com/sigstore/cosign/v3 v3.1.3) into
# $CI_CACHE/bin/cosign for the image interop tests (oci/cosign_test.go,
# .ci/test.d/15-registries-up.sh exports CHAINPROOF_COSIGN).
# Phase 1 (network): modules come from the Go module proxy.
# Cold: ~14 min on 2 cores; warm build cache (fresh clone): a relink, ~15-30 s;
# binary up to date: ~1 s (go build skips the link when the build ID matches).
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
CI_CACHE=${CI_CACHE:-$ROOT/.cache}
export GOTOOLCHAIN=local
bin="$CI_CACHE/bin"
mkdir -p "$bin"
start=$SECONDS
(
  cd "$ROOT/internal/tools/cosign"
  go build -trimpath -o "$bin/" github.com/sigstore/cosign/v3/cmd/cosign
)
"$bin/cosign" version 2>/dev/null | grep -E '^GitVersion' || true
echo "cosign built into $bin in $((SECONDS - start)) s"
