#!/usr/bin/env bash
# Builds the local Sigstore used by the integration tests (see
# internal/cmd/localsigstore and shared/LOCAL-SIGSTORE.md):
#   - the real servers pinned as `tool` lines in the nested module
#     internal/tools/sigstore: fulcio, posix (Rekor v2, rekor-tiles POSIX
#     backend) and timestamp-server;
#   - the project's harness, localsigstore, which runs them with the
#     project's own OIDC issuer and CT log.
# Output: $CI_CACHE/bin. Cold: ~4-7 min on 2 cores; warm: ~20 s; up to date: ~1 s.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
CI_CACHE=${CI_CACHE:-$ROOT/.cache}
export GOTOOLCHAIN=local
bin="$CI_CACHE/bin"
mkdir -p "$bin"
start=$SECONDS
(
  cd "$ROOT/internal/tools/sigstore"
  go build -trimpath -o "$bin/" \
    github.com/sigstore/fulcio \
    github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix \
    github.com/sigstore/timestamp-authority/v2/cmd/timestamp-server
)
(cd "$ROOT" && go build -o "$bin/localsigstore" ./internal/cmd/localsigstore)
echo "sigstore servers and harness built into $bin in $((SECONDS - start)) s"
