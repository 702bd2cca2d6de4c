package verify

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"google.golang.org/protobuf/encoding/protojson"
)

// Size and count limits for bundles read by this package.
const (
	// MaxBundleSize bounds one bundle's JSON (an attestation with a large
	// SBOM predicate can be tens of megabytes).
	MaxBundleSize = 128 << 20
	// MaxBundlesPerFile bounds the number of bundles in a JSON-lines file.
	MaxBundlesPerFile = 1024
	// MaxJSONLinesSize bounds a whole JSON-lines file.
	MaxJSONLinesSize = 256 << 20
)

// Bundle is a parsed Sigstore bundle (v0.1, v0.2 or v0.3). Parse it with
// ParseBundle or ParseBundles; it is immutable and safe for concurrent use.
type Bundle struct {
	b *bundle.Bundle

	// The log entries as checkLogEntries read them, shared by every
	// verification of the bundle.
	entries []*logEntry

	// sgEntries are the entries as sigstore-go's tlog package parses them,
	// built only when one of sigstore-go's functions needs them (a Rekor
	// v2 entry, a Rekor v1 entry of another kind than keyless
	// hashedrekord; the differential test's reference path).
	sgOnce    sync.Once
	sgEntries []*tlog.Entry
	sgErr     error

	// full is b as bundle.NewBundle makes it (its log entries parsed by
	// sigstore-go too), built only if Sigstore is called.
	fullOnce sync.Once
	full     *bundle.Bundle
}

func (b *Bundle) tlogEntries() ([]*tlog.Entry, error) {
	b.sgOnce.Do(func() {
		entries := make([]*tlog.Entry, len(b.entries))
		for i, e := range b.entries {
			full, err := e.sigstore()
			if err != nil {
				b.sgErr = bundle.ErrValidationError(err)
				return
			}
			entries[i] = full
		}
		b.sgEntries = entries
	})
	return b.sgEntries, b.sgErr
}

// Sigstore returns the underlying sigstore-go bundle, as
// bundle.NewBundle makes it.
func (b *Bundle) Sigstore() *bundle.Bundle {
	b.fullOnce.Do(func() {
		b.full = b.b
		if full, err := bundle.NewBundle(b.b.Bundle); err == nil {
			b.full = full
		}
	})
	return b.full
}

// MediaType returns the bundle's media type.
func (b *Bundle) MediaType() string { return b.b.MediaType }

// IsAttestation reports whether the bundle holds a DSSE envelope.
func (b *Bundle) IsAttestation() bool { return b.b.GetDsseEnvelope() != nil }

// ParseBundle parses one bundle from its JSON encoding. Unknown fields,
// duplicate fields, trailing data, unsupported versions and bundles larger
// than MaxBundleSize are rejected with ErrBundle.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, failf(CheckBundle, ErrBundle, "%d bytes exceeds limit of %d", len(data), MaxBundleSize)
	}
	if err := prescan(data); err != nil {
		return nil, fail(CheckBundle, ErrBundle, err)
	}
	pb, err := unmarshalBundle(data, largePayload)
	if err != nil {
		if what := notABundle(data); what != "" {
			return nil, failf(CheckBundle, ErrBundle, "%s", what)
		}
		return nil, fail(CheckBundle, ErrBundle, err)
	}
	return newBundle(pb)
}

// notABundle names the documents people mistake for a Sigstore bundle,
// from their top-level keys (data passed prescan, so it is bounded).
func notABundle(data []byte) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return ""
	}
	has := func(k string) bool { _, ok := top[k]; return ok }
	switch {
	case has("mediaType"):
		return ""
	case has("base64Signature") || has("rekorBundle"):
		return "a cosign legacy bundle (cosign sign-blob --bundle without --new-bundle-format), not a Sigstore bundle: oci.ParseCosignBlobBundle converts it"
	case has("payloadType") && has("signatures"):
		return "a bare DSSE envelope, not a Sigstore bundle: it carries no certificate, log entry or timestamp to verify (check it with package dsse and the signer's key, or use the .sigstore.json bundle the signer wrote)"
	}
	return ""
}

// largePayload is the bundle size from which unmarshalBundle decodes a
// DSSE payload itself.
const largePayload = 1 << 20

// unmarshalBundle is protojson.Unmarshal of a bundle. protojson holds a
// string copy of a bytes field's base64 text while decoding it, so for a
// bundle of at least minDirect bytes the DSSE payload (an attestation's
// bulk) is decoded here, straight from data, and protojson parses the
// rest with the payload's string emptied: one payload-sized allocation
// instead of three. Anything unusual about the payload (escapes, no single
// dsseEnvelope.payload string, bad base64) takes the plain protojson path,
// and protojson still rejects duplicate, unknown or misplaced fields in
// the rest of the document.
func unmarshalBundle(data []byte, minDirect int) (*protobundle.Bundle, error) {
	pb := new(protobundle.Bundle)
	if len(data) >= minDirect {
		if start, end, payload, ok := directPayload(data); ok {
			rest := make([]byte, 0, len(data)-(end-start)+2)
			rest = append(append(append(rest, data[:start]...), `""`...), data[end:]...)
			if err := protojson.Unmarshal(rest, pb); err == nil && pb.GetDsseEnvelope() != nil && len(pb.GetDsseEnvelope().GetPayload()) == 0 {
				pb.GetDsseEnvelope().Payload = payload
				return pb, nil
			}
			pb = new(protobundle.Bundle)
		}
	}
	if err := protojson.Unmarshal(data, pb); err != nil {
		return nil, err
	}
	return pb, nil
}

// spanJSON records the decoder's slice of the input for one value.
type spanJSON struct{ raw []byte }

func (s *spanJSON) UnmarshalJSON(b []byte) error {
	s.raw = b
	return nil
}

// directPayload locates the string value of dsseEnvelope.payload in data
// (its byte span, quotes included) and decodes it as protojson decodes a
// bytes field: standard or URL-safe base64, padded or not.
func directPayload(data []byte) (start, end int, payload []byte, ok bool) {
	var probe struct {
		DSSE *struct {
			Payload spanJSON `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if json.Unmarshal(data, &probe) != nil || probe.DSSE == nil {
		return 0, 0, nil, false
	}
	raw := probe.DSSE.Payload.raw
	// encoding/json hands Unmarshalers a subslice of its input; make sure
	// of it before using the offset.
	start = cap(data) - cap(raw)
	if len(raw) < 2 || start < 0 || start+len(raw) > len(data) || &data[start] != &raw[0] ||
		raw[0] != '"' || raw[len(raw)-1] != '"' {
		return 0, 0, nil, false
	}
	text := raw[1 : len(raw)-1]
	if bytes.IndexByte(text, '\\') >= 0 {
		return 0, 0, nil, false
	}
	enc := base64.StdEncoding
	if bytes.ContainsAny(text, "-_") {
		enc = base64.URLEncoding
	}
	if len(text)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	payload = make([]byte, enc.DecodedLen(len(text)))
	n, err := enc.Decode(payload, text)
	if err != nil {
		return 0, 0, nil, false
	}
	return start, start + len(raw), payload[:n:n], true
}

func newBundle(pb *protobundle.Bundle) (*Bundle, error) {
	if err := precheck(pb); err != nil {
		return nil, err
	}
	// The log entries are parsed and checked here, so that their failures
	// are reported as log failures by where they arose (not by matching
	// sigstore-go's message, which can quote the bundle).
	entries, err := checkLogEntries(pb)
	if err != nil {
		return nil, err
	}
	// sigstore-go's NewBundle checks the bundle's shape, and parses every
	// log entry again to learn whether one has a promise or a proof (what
	// checkLogEntries required of each): it checks the bundle without its
	// entries, and verification uses checkLogEntries' (hasInclusionPromise
	// stands for bundle.Bundle's flag). Sigstore() builds NewBundle's
	// value on demand.
	shape := &protobundle.Bundle{MediaType: pb.GetMediaType(), Content: pb.GetContent()}
	if vm := pb.GetVerificationMaterial(); vm != nil {
		shape.VerificationMaterial = &protobundle.VerificationMaterial{Content: vm.GetContent(), TimestampVerificationData: vm.GetTimestampVerificationData()}
	}
	if _, err := bundle.NewBundle(shape); err != nil {
		return nil, fail(CheckBundle, ErrBundle, err)
	}
	out := &Bundle{b: &bundle.Bundle{Bundle: pb}}
	out.entries = entries
	return out, nil
}

// hasInclusionPromise is bundle.Bundle.HasInclusionPromise for a bundle
// whose entries sigstore-go has not parsed (newBundle).
func hasInclusionPromise(b *bundle.Bundle) bool {
	for _, e := range b.GetVerificationMaterial().GetTlogEntries() {
		if len(e.GetInclusionPromise().GetSignedEntryTimestamp()) > 0 {
			return true
		}
	}
	return false
}

// Bundle media types: each version has two spellings.
const mediaTypeBase = "application/vnd.dev.sigstore.bundle"

// bundleVersion returns the version ("0.1", "0.2" or "0.3") a media type
// names; every other media type is unsupported.
func bundleVersion(mediaType string) (string, bool) {
	for _, v := range []string{"0.1", "0.2", "0.3"} {
		if mediaType == mediaTypeBase+"+json;version="+v || mediaType == mediaTypeBase+".v"+v+"+json" {
			return v, true
		}
	}
	return "", false
}

// precheck enforces what sigstore-go's bundle validation leaves to later
// stages (or to nobody): the media type must name a supported version in
// one of its two spellings, the single-certificate form needs v0.3, a
// certificate chain must be non-empty, its certificates must parse, and it
// must not include a self-signed (root) certificate: trust anchors come
// from the trusted root only. Counts are bounded before anything is
// parsed.
func precheck(pb *protobundle.Bundle) error {
	version, ok := bundleVersion(pb.GetMediaType())
	if !ok {
		return failf(CheckBundle, ErrBundle, "unsupported media type %.100q", pb.GetMediaType())
	}
	if version != "0.3" && pb.GetVerificationMaterial().GetCertificate() != nil {
		// The single-certificate form was introduced in v0.3.
		return failf(CheckBundle, ErrBundle, "bundle v%s does not allow the v0.3 \"certificate\" verification material", version)
	}
	if n := len(pb.GetDsseEnvelope().GetSignatures()); n > MaxBundleArray {
		return failf(CheckBundle, ErrBundle, "envelope has %d signatures, more than %d", n, MaxBundleArray)
	}
	if n := len(pb.GetVerificationMaterial().GetTlogEntries()); n > MaxBundleArray {
		return failf(CheckBundle, ErrBundle, "%d log entries, more than %d", n, MaxBundleArray)
	}
	if n := len(pb.GetVerificationMaterial().GetTimestampVerificationData().GetRfc3161Timestamps()); n > MaxBundleArray {
		return failf(CheckBundle, ErrBundle, "%d timestamps, more than %d", n, MaxBundleArray)
	}
	chain := pb.GetVerificationMaterial().GetX509CertificateChain()
	if chain == nil {
		if _, ok := pb.GetVerificationMaterial().GetContent().(*protobundle.VerificationMaterial_X509CertificateChain); ok {
			return failf(CheckBundle, ErrBundle, "empty certificate chain")
		}
		return nil
	}
	certs := chain.GetCertificates()
	if len(certs) == 0 {
		return failf(CheckBundle, ErrBundle, "empty certificate chain")
	}
	if len(certs) > maxChainLength {
		return failf(CheckBundle, ErrBundle, "certificate chain of %d exceeds limit of %d", len(certs), maxChainLength)
	}
	for i, c := range certs {
		cert, err := x509.ParseCertificate(c.GetRawBytes())
		if err != nil {
			return fail(CheckCertificate, ErrCertificate, fmt.Errorf("certificate %d: %w", i, err))
		}
		if bytes.Equal(cert.RawSubject, cert.RawIssuer) && cert.CheckSignatureFrom(cert) == nil {
			return failf(CheckCertificate, ErrCertificate, "certificate %d (%s) is a self-signed root; roots come from the trusted root, not the bundle", i, cert.Subject)
		}
	}
	return nil
}

// maxChainLength bounds the certificates in a bundle's chain.
const maxChainLength = 10

// ReadBundleFile reads and parses a bundle file (at most MaxBundleSize).
func ReadBundleFile(path string) (*Bundle, error) {
	data, err := readLimited(path, MaxBundleSize)
	if err != nil {
		return nil, fail(CheckBundle, ErrBundle, err)
	}
	return ParseBundle(data)
}

// ParseBundles reads a JSON-lines stream of bundles, as `gh attestation
// download` writes it: one bundle per line, or one {"bundle": {...}} object
// per line (GitHub's attestations API shape). Blank lines are skipped. At
// most MaxBundlesPerFile bundles and MaxJSONLinesSize bytes are read; a
// stream with no bundle is an error. A bad line fails the whole stream with
// an *Error whose Bundle field is the line's bundle index.
func ParseBundles(r io.Reader) ([]*Bundle, error) {
	sc := bufio.NewScanner(io.LimitReader(r, MaxJSONLinesSize+1))
	sc.Buffer(make([]byte, 0, 64<<10), MaxBundleSize+1)
	var out []*Bundle
	var total int64
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		total += int64(len(sc.Bytes())) + 1
		if total > MaxJSONLinesSize+1 {
			return nil, failf(CheckBundle, ErrBundle, "json lines exceed limit of %d bytes", MaxJSONLinesSize)
		}
		if len(line) == 0 {
			continue
		}
		if len(out) == MaxBundlesPerFile {
			return nil, failf(CheckBundle, ErrBundle, "more than %d bundles", MaxBundlesPerFile)
		}
		b, err := parseLine(line)
		if err != nil {
			if e, ok := asError(err); ok {
				e.Bundle = len(out)
			}
			return nil, err
		}
		out = append(out, b)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, failf(CheckBundle, ErrBundle, "bundle %d exceeds limit of %d bytes", len(out), MaxBundleSize)
		}
		return nil, fail(CheckBundle, ErrBundle, err)
	}
	if len(out) == 0 {
		return nil, failf(CheckBundle, ErrBundle, "no bundles in json lines")
	}
	return out, nil
}

// parseLine accepts a bundle or {"bundle": bundle, ...}.
func parseLine(line []byte) (*Bundle, error) {
	if err := prescan(line); err != nil {
		return nil, fail(CheckBundle, ErrBundle, err)
	}
	var probe struct {
		MediaType *string         `json:"mediaType"`
		Bundle    json.RawMessage `json:"bundle"`
	}
	if err := json.Unmarshal(line, &probe); err != nil {
		return nil, fail(CheckBundle, ErrBundle, err)
	}
	if probe.MediaType == nil && len(probe.Bundle) > 0 {
		return ParseBundle(probe.Bundle)
	}
	return ParseBundle(line)
}

// ReadBundlesFile reads a JSON-lines file of bundles (see ParseBundles).
func ReadBundlesFile(path string) ([]*Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fail(CheckBundle, ErrBundle, err)
	}
	defer f.Close()
	bs, err := ParseBundles(f)
	if err != nil {
		return nil, err
	}
	return bs, nil
}

// BundleFromProto returns the Bundle for a protobuf bundle made in memory
// (by package sign, or converted from another format by package oci). It
// applies the same checks as ParseBundle; pb must not be modified
// afterwards.
func BundleFromProto(pb *protobundle.Bundle) (*Bundle, error) {
	if pb == nil {
		return nil, failf(CheckBundle, ErrBundle, "nil bundle")
	}
	return newBundle(pb)
}

// Proto returns the bundle's protobuf message. Callers must not modify it.
func (b *Bundle) Proto() *protobundle.Bundle { return b.b.Bundle }

// MarshalJSON encodes the bundle in the Sigstore bundle JSON form (the
// protobuf JSON mapping, as cosign and sigstore-go write it), compact:
// unlike protojson's output, whose whitespace varies on purpose, the
// bytes are stable.
func (b *Bundle) MarshalJSON() ([]byte, error) {
	raw, err := protojson.Marshal(b.b.Bundle)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
