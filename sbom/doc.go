// Package sbom builds, encodes, decodes and checks software bills of
// materials (SBOMs) for Go software, in CycloneDX 1.6 JSON
// (https://cyclonedx.org/docs/1.6/json/) and SPDX 2.3 JSON
// (https://spdx.github.io/spdx-spec/v2.3/).
//
// A Document is a format-neutral model: a Subject (what the SBOM
// describes), its Components and the direct Dependencies between them.
// Builders make one from
//
//   - a Go module directory (FromModule: the modules its packages need to
//     build, from the package graph of `go list -deps ./...` on the
//     DefaultPlatforms, test-only dependencies left out unless
//     Options.IncludeTests; edges between modules follow package
//     imports; go.sum hashes; licenses found in module directories with
//     github.com/google/licensecheck; Options.WholeModuleGraph lists the
//     whole `go list -m all` graph instead),
//   - a compiled Go binary (FromBinary, FromBuildInfo: the build
//     information the linker embeds, plus the file's SHA-256),
//   - a list of components (FromComponents).
//
// EncodeCycloneDX (github.com/CycloneDX/cyclonedx-go) and EncodeSPDX
// (github.com/spdx/tools-golang) write JSON with package URLs
// (github.com/package-url/packageurl-go), checksums and dependency
// relationships. Output is byte-stable: given the same Document (and so
// the same clock, see Options.Now and SourceDateEpoch), the serial
// number and document namespace are derived from the content, and the
// bytes are identical. DecodeCycloneDX, DecodeSPDX and Decode read
// existing documents back into the model, so a verifier can ask what an
// attested SBOM contains.
//
// Hashes: every module component whose go.sum line (FromModule) or build
// information entry (FromBinary) carries an "h1:" hash gets it as a
// SHA-256 hash in CycloneDX and a SHA256 checksum in SPDX: the decoded h1
// value, as cyclonedx-gomod writes it (H1Hash). An h1 hash is the SHA-256
// of a listing of the module's files with their own SHA-256s
// (golang.org/x/mod/sumdb/dirhash), so it pins the module's content, and
// Go's checksum database vouches for it; it is not the hash of a zip file.
// The h1 strings themselves are also kept (Component.GoSum, GoModSum) as
// properties (CycloneDX) or OTHER external references (SPDX).
//
// Example:
//
//	doc, err := sbom.FromModule(ctx, ".", sbom.Options{})
//	if err != nil { ... }
//	cdxJSON, err := sbom.EncodeCycloneDX(doc)
//	spdxJSON, err := sbom.EncodeSPDX(doc)
//
// What it checks: Document.Validate enforces the model's rules before
// encoding; CheckJSON runs, on any CycloneDX 1.6 or SPDX 2.3 JSON, the
// checks the official JSON schemas do not make (empty names, duplicate or
// dangling references, malformed purls and URLs, SPDX namespace, created
// time, download locations, "h1:" values as checksums, filesAnalyzed
// without a verification code). The package's tests validate every SBOM
// they produce against the official schemas (vendored in testdata, see
// testdata/schemas/SOURCES.md); internal/sbomtest offers the same
// validation to the other tests of this repository.
//
// What it does NOT do: it does not validate documents against the JSON
// schemas at run time, does not resolve or check license texts beyond
// classifying a module's license file, does not verify go.sum hashes
// against module content or the checksum database, does not hash module
// zips, and decoding does not apply Validate or CheckJSON (call them).
// Licenses found by FromModule depend on which module directories the
// local module cache holds.
package sbom
