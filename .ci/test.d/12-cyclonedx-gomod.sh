# Sourced by .ci/run (phase 2): the cyclonedx-gomod that
# .ci/build.d/45-cyclonedx-gomod.sh built, for sbom's cross-check test
# (sbom/gomod_test.go fails under CHAINPROOF_CI when this is unset).
if [[ ! -x $CI_CACHE/bin/cyclonedx-gomod ]]; then
  echo "12-cyclonedx-gomod: $CI_CACHE/bin/cyclonedx-gomod missing (run .ci/build.d/45-cyclonedx-gomod.sh)" >&2
  exit 1
fi
export CHAINPROOF_CYCLONEDX_GOMOD="$CI_CACHE/bin/cyclonedx-gomod"
