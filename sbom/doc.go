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
//
// # Compared with cyclonedx-gomod
//
// TestCrossCheckGomod (in CI) runs cyclonedx-gomod v1.10.0 `mod` and
// `bin` beside FromModule and FromBinary on this module and on
// sigstore-go v1.3.0, distribution v3.1.2 and timestamp-authority v2.1.3
// (cosign v3.1.3 cannot be loaded offline: its module graph names modules
// the reachable proxy refuses), comparing package URLs without qualifiers
// and hashes. Every component both list has the same SHA-256 hash, and
// every non-main, non-stdlib component of ours has one. The differences,
// all expected by the test:
//
//   - bin: ours also lists the standard library (pkg:golang/stdlib@goX.Y.Z;
//     cyclonedx-gomod only with -std) and the main module as a component
//     (cyclonedx-gomod makes it the metadata component only).
//   - mod, distribution: cyclonedx-gomod also lists
//     github.com/planetscale/vtprotobuf; mod, timestamp-authority: also
//     cloud.google.com/go. Both are imported only by files under build
//     tags that no build of linux/amd64, darwin/arm64 or windows/amd64
//     sets: cyclonedx-gomod asks `go mod why`, which loads every tag;
//     FromModule lists what DefaultPlatforms build.
//   - mod, timestamp-authority: ours also lists github.com/kylelemons/godebug,
//     which non-test code imports (Azure's MSAL apps/errors);
//     cyclonedx-gomod calls a module test-only when the shortest `go mod
//     why` path to it runs through a test, even when a non-test path exists.
//   - Spelling only: packageurl-go percent-encodes "+" in versions
//     ("%2Bincompatible"), cyclonedx-gomod does not; both are the same purl.
//
// # Performance
//
// BenchmarkGomod, same run, same modules, like for like (a CycloneDX
// document of the module's needed modules, no licenses), 2 cores:
// FromModule + EncodeCycloneDX took 0.58-0.94 s, the cyclonedx-gomod
// process 3.2-4.7 s: 4.4x (distribution) to 6.1x (timestamp-authority)
// faster, 5.2x on this module. The difference is mostly cyclonedx-gomod's
// `go mod why` runs (one per 20 modules); FromModule runs `go list -deps`
// once per platform.
package sbom
