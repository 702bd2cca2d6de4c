package verify

import (
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/chainproof/chainproof/attest"
)

// Result explains a successful verification. It is JSON-serializable.
type Result struct {
	// MediaType is the bundle's media type.
	MediaType string `json:"mediaType"`
	// TrustedRoot names the trusted root used (its Source).
	TrustedRoot string `json:"trustedRoot"`
	// Artifact is the artifact digest the signature was checked against.
	Artifact string `json:"artifact"`
	// Certificate is the verified signing certificate (keyless bundles).
	Certificate *Certificate `json:"certificate,omitempty"`
	// Identity is the index into Policy.Identities that matched (keyless),
	// and IdentityString its rendering.
	Identity       int    `json:"identity"`
	IdentityString string `json:"identityString,omitempty"`
	// PublicKey is the index into Policy.PublicKeys that verified (key
	// bundles); -1 for keyless bundles.
	PublicKey int `json:"publicKey"`
	// Timestamps are the verified observer timestamps.
	Timestamps []Timestamp `json:"timestamps"`
	// LogEntries are the transparency log entries the bundle carried,
	// which were verified.
	LogEntries []LogEntry `json:"logEntries,omitempty"`
	// Statement is the verified in-toto statement (attestations only).
	Statement *Statement `json:"statement,omitempty"`
}

// Certificate summarizes a verified Fulcio signing certificate.
type Certificate struct {
	// SAN is the subject alternative name (email, URI, ...).
	SAN string `json:"san"`
	// Issuer is the OIDC issuer recorded in the certificate.
	Issuer string `json:"issuer"`
	// CA is the certificate issuer's distinguished name.
	CA         string                 `json:"ca"`
	NotBefore  time.Time              `json:"notBefore"`
	NotAfter   time.Time              `json:"notAfter"`
	Extensions certificate.Extensions `json:"extensions"`
}

// Timestamp is one verified observer timestamp.
type Timestamp struct {
	// Kind is "tlog" (a log entry's integrated time, covered by a signed
	// promise) or "tsa" (an RFC 3161 timestamp).
	Kind string    `json:"kind"`
	URI  string    `json:"uri,omitempty"`
	Time time.Time `json:"time"`
}

// LogEntry is a transparency log entry carried by the bundle.
type LogEntry struct {
	LogID          string    `json:"logId"` // hex
	LogIndex       int64     `json:"logIndex"`
	Kind           string    `json:"kind"` // e.g. hashedrekord, dsse, intoto
	Version        string    `json:"version"`
	IntegratedTime time.Time `json:"integratedTime,omitzero"`
	InclusionProof bool      `json:"inclusionProof"`
	Promise        bool      `json:"promise"`
}

// Statement is a verified in-toto statement (v1, or v0.1 as cosign's
// attest writes it), as attest.ParseStatement reads it from the verified
// payload.
type Statement struct {
	attest.Statement
	// Payload is the exact DSSE payload whose signature verified, the
	// bytes the fields above were decoded from. Hand these, not a
	// re-encoding, to anything that checks the statement further (such
	// as proof.VerifyStatement). It aliases the bundle: do not modify it.
	// It is left out of the Result's JSON.
	Payload []byte `json:"-"`
}

// Subject is one in-toto subject.
type Subject = attest.Subject
