package sbom

import (
	"errors"
	"fmt"
	"time"

	"github.com/chainproof/chainproof/internal/errtext"
)

// Size and count limits applied to every input this package reads.
const (
	// MaxDocumentSize bounds the JSON documents Decode accepts, in bytes.
	MaxDocumentSize = 64 << 20
	// MaxComponents bounds the number of components in a document, built or decoded.
	MaxComponents = 200_000
	// MaxDependencyEdges bounds the number of dependency edges in a document.
	MaxDependencyEdges = 2_000_000
	// MaxGoOutput bounds the output read from one `go` command, in bytes.
	MaxGoOutput = 256 << 20
	// MaxLicenseFileSize bounds the bytes read from one license file.
	MaxLicenseFileSize = 1 << 20
)

// Format names an SBOM serialization.
type Format string

// The formats this package encodes and decodes.
const (
	CycloneDX Format = "cyclonedx" // CycloneDX 1.6 JSON
	SPDX      Format = "spdx"      // SPDX 2.3 JSON
)

// Media types of the two formats.
const (
	CycloneDXMediaType = "application/vnd.cyclonedx+json"
	SPDXMediaType      = "application/spdx+json"
)

// ComponentType is the kind of a component. The values are CycloneDX's.
type ComponentType string

// Component types. An empty type is encoded as TypeLibrary.
const (
	TypeApplication     ComponentType = "application"
	TypeLibrary         ComponentType = "library"
	TypeFramework       ComponentType = "framework"
	TypeContainer       ComponentType = "container"
	TypeOperatingSystem ComponentType = "operating-system"
	TypeDevice          ComponentType = "device"
	TypeFirmware        ComponentType = "firmware"
	TypeFile            ComponentType = "file"
	TypePlatform        ComponentType = "platform"
	TypeData            ComponentType = "data"
)

// HashAlgorithm names a content digest algorithm, spelled as CycloneDX
// spells it ("SHA-256"); SPDX output uses SPDX spelling ("SHA256").
type HashAlgorithm string

// Supported hash algorithms.
const (
	MD5        HashAlgorithm = "MD5"
	SHA1       HashAlgorithm = "SHA-1"
	SHA256     HashAlgorithm = "SHA-256"
	SHA384     HashAlgorithm = "SHA-384"
	SHA512     HashAlgorithm = "SHA-512"
	SHA3_256   HashAlgorithm = "SHA3-256"
	SHA3_384   HashAlgorithm = "SHA3-384"
	SHA3_512   HashAlgorithm = "SHA3-512"
	BLAKE2b256 HashAlgorithm = "BLAKE2b-256"
	BLAKE2b384 HashAlgorithm = "BLAKE2b-384"
	BLAKE2b512 HashAlgorithm = "BLAKE2b-512"
	BLAKE3     HashAlgorithm = "BLAKE3"
)

// Hash is a digest of a component's content: Value is lowercase hex.
// For a Go module, the builders give the decoded go.sum "h1:" hash as a
// SHA-256 (see H1Hash), as cyclonedx-gomod does: a digest of a listing of
// the module's files and their SHA-256s, which pins the whole module.
type Hash struct {
	Algorithm HashAlgorithm
	Value     string
}

// Component is one thing an SBOM lists: a module, package, binary or file.
type Component struct {
	// ID identifies the component inside its document (CycloneDX bom-ref).
	// When empty, encoders and Normalize use PURL, or else Name@Version.
	ID      string
	Type    ComponentType
	Name    string
	Version string
	// PURL is the package URL (https://github.com/package-url/purl-spec).
	PURL   string
	Hashes []Hash
	// Licenses holds SPDX license expressions ("MIT", "Apache-2.0 OR MIT",
	// "LicenseRef-x"); several entries mean all of them apply.
	Licenses []string
	// GoSum and GoModSum are the go.sum hashes ("h1:...") of a Go module's
	// content and of its go.mod, as Go writes them. They are written as
	// properties (CycloneDX) or external references (SPDX); GoSum is also
	// in Hashes, decoded (H1Hash).
	GoSum    string
	GoModSum string
	// VCSRevision and VCSModified describe the main module of a binary:
	// the version control revision it was built from and whether the work
	// tree had uncommitted changes (Go's build information, vcs.revision
	// and vcs.modified). Empty and false when unknown.
	VCSRevision string
	VCSModified bool
	// Description is free text.
	Description string
}

// Dependency says that the component Ref depends directly on each of
// DependsOn. All values are Component IDs in the same document.
type Dependency struct {
	Ref       string
	DependsOn []string
}

// Document is the format-neutral SBOM model.
type Document struct {
	// Name names the document; empty means Subject.Name.
	Name string
	// Created is when the SBOM was made. It must be set: builders take it
	// from their Options.Now so output can be reproduced.
	Created time.Time
	// Subject is what the SBOM describes (the main module, the binary).
	Subject Component
	// Components are the subject's parts and dependencies, in output order.
	Components []Component
	// Dependencies lists direct dependency edges by Component ID.
	Dependencies []Dependency
	// Serial is the CycloneDX serial number ("urn:uuid:..."); empty means
	// one derived from the content. Decoding fills it in.
	Serial string
	// Namespace is the SPDX document namespace; empty means one derived
	// from the content. Decoding fills it in.
	Namespace string
}

// Errors returned by this package; the *Error type wraps them.
var (
	// ErrInvalid: a document breaks a rule of the model or of its format.
	ErrInvalid = errors.New("sbom: invalid document")
	// ErrTooLarge: an input exceeds one of the Max* limits.
	ErrTooLarge = errors.New("sbom: input too large")
	// ErrFormat: the input is not a supported SBOM format or version.
	ErrFormat = errors.New("sbom: unsupported format")
	// ErrGoCommand: running the go command failed.
	ErrGoCommand = errors.New("sbom: go command failed")
	// ErrNoBuildInfo: a file has no readable Go build information.
	ErrNoBuildInfo = errors.New("sbom: no go build information")
)

// Check names the rule an *Error reports.
type Check string

// Checks reported in Error.Check.
const (
	CheckEmptyName          Check = "empty-name"
	CheckEmptyID            Check = "empty-id"
	CheckDuplicateID        Check = "duplicate-id"
	CheckDanglingRef        Check = "dangling-ref"
	CheckPURL               Check = "purl"
	CheckURL                Check = "url"
	CheckHash               Check = "hash"
	CheckGoSum              Check = "go-sum"
	CheckLicense            Check = "license"
	CheckCreated            Check = "created"
	CheckSerial             Check = "serial-number"
	CheckSpecVersion        Check = "spec-version"
	CheckNamespace          Check = "document-namespace"
	CheckDownloadLocation   Check = "download-location"
	CheckVerificationCode   Check = "verification-code"
	CheckSyntax             Check = "syntax"
	CheckSize               Check = "size"
	CheckComponentType      Check = "component-type"
	CheckDuplicateComponent Check = "duplicate-component"
)

// Error is the typed error of this package. It names the failed Check,
// where it failed (Path: a JSON pointer or model field) and the offending
// Value, and wraps one of the Err* sentinels (or a lower-level error).
type Error struct {
	Check Check
	Path  string
	Value string
	Err   error
}

func (e *Error) Error() string {
	msg := "sbom: " + string(e.Check)
	if e.Path != "" {
		msg += ": " + e.Path
	}
	if e.Value != "" {
		v := e.Value
		if len(v) > 200 {
			v = v[:200] + "..."
		}
		msg += fmt.Sprintf(" (%q)", v)
	}
	if e.Err != nil {
		msg += ": " + errtext.Trim(e.Err)
	}
	return msg
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

func invalid(check Check, path, value, format string, args ...any) *Error {
	return &Error{Check: check, Path: path, Value: value, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)}
}
