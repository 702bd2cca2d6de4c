# Sourced by .ci/run (phase 2): the cyclonedx-gomod that
# .ci/build.d/45-cyclonedx-gomod.sh built, for sbom's cross-check test.
# When it is missing (a developer's .ci/with-services before any build) the
# variable stays unset: the test then skips, and fails under CHAINPROOF_CI.
if [[ -x $CI_CACHE/bin/cyclonedx-gomod ]]; then
  export CHAINPROOF_CYCLONEDX_GOMOD="$CI_CACHE/bin/cyclonedx-gomod"
else
  echo "12-cyclonedx-gomod: $CI_CACHE/bin/cyclonedx-gomod missing (.ci/build.d/45-cyclonedx-gomod.sh builds it)" >&2
fi
