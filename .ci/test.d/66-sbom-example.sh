# SBOMs of this project's module and of a built example binary, made by the
# examples/sbom program (offline: module cache only), reproducible under
# SOURCE_DATE_EPOCH, validated against the vendored official schemas.
sbom_out=$CI_CACHE/sbom-example
rm -rf "$sbom_out" && mkdir -p "$sbom_out"
go build -o "$sbom_out/sbom" ./examples/sbom
(
  export SOURCE_DATE_EPOCH=1767323045 GOPROXY=off
  for f in cyclonedx spdx; do
    "$sbom_out/sbom" -format "$f" -o "$sbom_out/module.$f.json" "$ROOT"
    "$sbom_out/sbom" -format "$f" "$ROOT" >"$sbom_out/module.$f.again.json"
    cmp "$sbom_out/module.$f.json" "$sbom_out/module.$f.again.json"
    "$sbom_out/sbom" -format "$f" -o "$sbom_out/binary.$f.json" "$sbom_out/sbom"
  done
)
_sbom_v=$(SBOMTEST_FILES="$(echo "$sbom_out"/module.*.json "$sbom_out"/binary.*.json)" \
  go test -count=1 -v -run '^TestValidateFiles$' ./internal/sbomtest 2>&1) || { echo "$_sbom_v"; exit 1; }
grep -q -- '--- PASS: TestValidateFiles' <<<"$_sbom_v" || { echo "$_sbom_v"; echo "66: validation did not run" >&2; exit 1; }
