package verify

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	flog "github.com/transparency-dev/formats/log"
)

// maxIntegratedTime is the last second a time.Time can encode as JSON
// (9999-12-31T23:59:59Z): a verified Result must always serialize.
var maxIntegratedTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()

// checkLogEntries parses the bundle's log entries and enforces, before
// any signature is verified, what sigstore-go leaves unchecked:
//
//   - an entry's kindVersion equals the kind and apiVersion of its body,
//     and its integrated time is one a Result can serialize;
//   - every entry has what its bundle version requires (a promise for
//     v0.1, an inclusion proof from v0.2), and a promise is a signed
//     entry timestamp (sigstore-go ignores an empty one);
//   - a checkpoint is at most MaxCheckpointSize bytes with at most
//     MaxCheckpointSignatures signature lines, none repeating a signer
//     (name and key hint), and every line of a Rekor v1 checkpoint names
//     the log (so that it holds exactly one: sigstore-go verifies every
//     line of those);
//   - the inclusion proof's tree size and root hash are the checkpoint's,
//     its index is inside the tree, and it is the entry's log index (Rekor
//     v2, and Rekor v1 entries without a promise; a Rekor v1 entry's index
//     counts across shards, so the proof's shard index is at most it).
//
// A keyless hashedrekord v0.0.1 entry (leanHashedRekord) is read here
// without rekor's entry models; every other entry is parsed and validated
// by sigstore-go's tlog package.
func checkLogEntries(pb *protobundle.Bundle) ([]*logEntry, error) {
	version, _ := bundleVersion(pb.GetMediaType())
	pes := pb.GetVerificationMaterial().GetTlogEntries()
	entries := make([]*logEntry, len(pes))
	for i, e := range pes {
		bad := func(format string, args ...any) ([]*logEntry, error) {
			return nil, failf(CheckTransparencyLog, ErrTransparencyLog, "entry %d: "+format, append([]any{i}, args...)...)
		}
		if e == nil || e.GetCanonicalizedBody() == nil || e.GetLogId().GetKeyId() == nil || e.GetKindVersion() == nil || e.GetLogIndex() < 0 {
			// Not a log entry at all: the bundle is malformed.
			return nil, failf(CheckBundle, ErrBundle, "entry %d: missing body, log ID or kind, or negative log index", i)
		}
		if p := e.GetInclusionPromise(); p != nil && len(p.GetSignedEntryTimestamp()) == 0 {
			// Nothing would verify it, yet the entry would read as
			// promised (its integrated time and index as signed).
			return bad("inclusion promise without a signed entry timestamp")
		}
		if len(e.GetCanonicalizedBody()) > MaxBundleString {
			return bad("body of %d bytes exceeds limit of %d", len(e.GetCanonicalizedBody()), MaxBundleString)
		}
		// A body leanHashedRekord reads has the kind and version of the
		// entry's kindVersion.
		le := &logEntry{tle: e, hr: leanHashedRekord(e, pb)}
		if le.hr == nil {
			var body struct {
				Kind       string `json:"kind"`
				APIVersion string `json:"apiVersion"`
			}
			if err := json.Unmarshal(e.GetCanonicalizedBody(), &body); err != nil {
				return bad("body: %w", err)
			}
			kv := e.GetKindVersion()
			if kv.GetKind() != body.Kind || kv.GetVersion() != body.APIVersion {
				return bad("kindVersion %.40q/%.40q does not match body %.40q/%.40q", kv.GetKind(), kv.GetVersion(), body.Kind, body.APIVersion)
			}
		}
		if t := e.GetIntegratedTime(); t < 0 || t > maxIntegratedTime {
			return bad("integrated time %d is not a time between 1970 and 9999", t)
		}
		switch {
		case version == "0.1" && e.GetInclusionPromise() == nil:
			return bad("bundle v0.1 requires an inclusion promise")
		case version != "0.1" && e.GetInclusionProof() == nil:
			return bad("bundle v%s requires an inclusion proof", version)
		}
		if le.hr == nil {
			full, err := le.sigstore()
			if err != nil {
				return bad("%w", err)
			}
			le.v2 = full.IsRekorV2()
		}
		if e.GetInclusionProof() != nil {
			if err := checkProof(e, le.v2); err != nil {
				return bad("%w", err)
			}
		}
		entries[i] = le
	}
	return entries, nil
}

// logEntry is one of a bundle's log entries as checkLogEntries read it.
type logEntry struct {
	tle *protorekor.TransparencyLogEntry
	v2  bool       // a Rekor v2 entry
	hr  *leanEntry // a keyless hashedrekord v0.0.1 body, read here

	// full is the entry as sigstore-go's tlog package parses and
	// validates it: at once unless hr is set, else when first needed.
	once    sync.Once
	full    *tlog.Entry
	fullErr error
}

// sigstore returns the entry as tlog.ParseTransparencyLogEntry and
// tlog.ValidateEntry accept it.
func (e *logEntry) sigstore() (*tlog.Entry, error) {
	e.once.Do(func() {
		if e.full != nil {
			return
		}
		full, err := tlog.ParseTransparencyLogEntry(e.tle)
		if err == nil {
			err = tlog.ValidateEntry(full)
		}
		if err != nil {
			full = nil
		}
		e.full, e.fullErr = full, err
	})
	return e.full, e.fullErr
}

func (e *logEntry) logKeyID() string { return string(e.tle.GetLogId().GetKeyId()) }

func (e *logEntry) hasPromise() bool {
	return len(e.tle.GetInclusionPromise().GetSignedEntryTimestamp()) > 0
}

func (e *logEntry) hasProof() bool { return e.tle.GetInclusionProof() != nil }

// integratedTime is tlog.Entry.IntegratedTime: zero when unset.
func (e *logEntry) integratedTime() time.Time {
	if t := e.tle.GetIntegratedTime(); t != 0 {
		return time.Unix(t, 0)
	}
	return time.Time{}
}

// leanEntry is what the checks read of a keyless hashedrekord v0.0.1
// body: its signature and digest (its certificate is the bundle's leaf).
type leanEntry struct {
	sig    []byte
	alg    string // sha256, sha384 or sha512
	digest []byte
}

// leanHashedRekord reads a Rekor v1 hashedrekord v0.0.1 body without
// rekor's go-openapi models (0.3 ms and 60 KB per entry, an ECDSA check
// included, on the public-good bundle), or returns nil to leave the entry
// to sigstore-go's tlog package. It reads the body only when everything
// rekor's model validation requires of it is plain: the bundle is a
// message signature with a certificate; the body is the canonical JSON
// of exactly the schema's fields; its public key is one PEM CERTIFICATE block whose DER
// is the bundle's leaf, byte for byte (so it parses as crypto/x509 parsed
// the leaf); its signature is non-empty base64 and its digest is hex of
// its algorithm's length. Rekor's validation also checks the body's
// signature over the digest with that key: checkV1Body then requires the
// body's signature and digest to be the bundle's, whose signature the
// pipeline verifies with the same key over the same digest.
// TestLeanHashedRekord holds it to sigstore-go's parser on every
// conformance entry and on bodies that break each of these.
func leanHashedRekord(e *protorekor.TransparencyLogEntry, pb *protobundle.Bundle) *leanEntry {
	kv := e.GetKindVersion()
	ms := pb.GetMessageSignature()
	if kv.GetKind() != "hashedrekord" || kv.GetVersion() != "0.0.1" || ms == nil {
		return nil
	}
	vm := pb.GetVerificationMaterial()
	leaf := vm.GetCertificate().GetRawBytes()
	if certs := vm.GetX509CertificateChain().GetCertificates(); leaf == nil && len(certs) > 0 {
		leaf = certs[0].GetRawBytes()
	}
	if len(leaf) == 0 {
		return nil
	}
	// Rekor writes its bodies in canonical JSON (RFC 8785): keys in order,
	// no space, and neither hex nor base64 needs an escape. Only that
	// exact text is read here, in one pass; any other spelling of the
	// same body (another order, spaces, escapes, more fields) is left to
	// sigstore-go.
	rest := string(e.GetCanonicalizedBody())
	alg, ok := hrField(&rest, `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"`)
	value, ok2 := hrField(&rest, `","value":"`)
	sigB64, ok3 := hrField(&rest, `"}},"signature":{"content":"`)
	pemB64, ok4 := hrField(&rest, `","publicKey":{"content":"`)
	if !ok || !ok2 || !ok3 || !ok4 || rest != `"}}}}` {
		return nil
	}
	size := map[string]int{"sha256": 32, "sha384": 48, "sha512": 64}[alg]
	digest, err := hex.DecodeString(value)
	if size == 0 || err != nil || len(digest) != size {
		return nil
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil || len(sig) == 0 {
		return nil
	}
	pemBytes, err := base64.StdEncoding.DecodeString(pemB64)
	if err != nil {
		return nil
	}
	block, after := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" || len(block.Headers) != 0 || len(after) != 0 || !bytes.Equal(block.Bytes, leaf) {
		return nil
	}
	return &leanEntry{sig: sig, alg: alg, digest: digest}
}

// hrField cuts prefix from *rest, then the string value up to the next
// quote, which must not hold a backslash (an escape).
func hrField(rest *string, prefix string) (string, bool) {
	r, ok := strings.CutPrefix(*rest, prefix)
	if !ok {
		return "", false
	}
	i := strings.IndexByte(r, '"')
	if i < 0 || strings.IndexByte(r[:i], '\\') >= 0 {
		return "", false
	}
	*rest = r[i:]
	return r[:i], true
}

// maxProofHashes bounds an inclusion proof: a tree of fewer than 2^63
// leaves has paths of at most 63 hashes.
const maxProofHashes = 63

// checkpointSigner is a checkpoint signature line's signer.
type checkpointSigner struct {
	name string
	hint uint32
}

// parseCheckpoint splits a checkpoint (a signed note) into its checkpoint
// body and signers, within the bounds above. It does not verify.
func parseCheckpoint(env string) (*flog.Checkpoint, []checkpointSigner, error) {
	if len(env) > MaxCheckpointSize {
		return nil, nil, fmt.Errorf("checkpoint of %d bytes exceeds limit of %d", len(env), MaxCheckpointSize)
	}
	text, sigs, ok := strings.Cut(env, "\n\n")
	if !ok || strings.Contains(sigs, "\n\n") || !strings.HasSuffix(sigs, "\n") {
		return nil, nil, fmt.Errorf("malformed checkpoint")
	}
	if n := strings.Count(sigs, "\n"); n > MaxCheckpointSignatures {
		return nil, nil, fmt.Errorf("checkpoint has %d signature lines, more than %d", n, MaxCheckpointSignatures)
	}
	cp := new(flog.Checkpoint)
	if _, err := cp.Unmarshal([]byte(text + "\n")); err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %w", err)
	}
	var signers []checkpointSigner
	seen := map[checkpointSigner]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
		rest, ok := strings.CutPrefix(line, "\u2014 ")
		name, b64, ok2 := strings.Cut(rest, " ")
		if !ok || !ok2 || name == "" {
			return nil, nil, fmt.Errorf("malformed checkpoint signature line")
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) < 5 {
			return nil, nil, fmt.Errorf("malformed checkpoint signature of %.80q", name)
		}
		s := checkpointSigner{name: name, hint: binary.BigEndian.Uint32(raw)}
		if seen[s] {
			return nil, nil, fmt.Errorf("checkpoint signed twice by %.80q (key hint %08x)", name, s.hint)
		}
		seen[s] = true
		signers = append(signers, s)
	}
	return cp, signers, nil
}

// checkProof checks an entry's inclusion proof against its checkpoint's
// text and the entry; the checkpoint's signature is verified later.
func checkProof(e *protorekor.TransparencyLogEntry, rekorV2 bool) error {
	p := e.GetInclusionProof()
	cp, signers, err := parseCheckpoint(p.GetCheckpoint().GetEnvelope())
	if err != nil {
		return err
	}
	if name, _, v1 := strings.Cut(cp.Origin, " - "); v1 {
		// sigstore-go verifies every line of a Rekor v1 checkpoint (Rekor
		// v2 ones are verified as notes: only lines of known keys).
		for _, s := range signers {
			if s.name != name {
				return fmt.Errorf("checkpoint signature line names %.80q, log is %.80q", s.name, name)
			}
		}
	}
	switch {
	case uint64(p.GetTreeSize()) != cp.Size || p.GetTreeSize() < 0:
		return fmt.Errorf("inclusion proof tree size %d, checkpoint size %d", p.GetTreeSize(), cp.Size)
	case !bytes.Equal(p.GetRootHash(), cp.Hash):
		return fmt.Errorf("inclusion proof root hash %x, checkpoint root hash %x", p.GetRootHash(), cp.Hash)
	case p.GetLogIndex() < 0 || p.GetLogIndex() >= p.GetTreeSize():
		return fmt.Errorf("inclusion proof index %d outside a tree of size %d", p.GetLogIndex(), p.GetTreeSize())
	case len(p.GetHashes()) > maxProofHashes:
		return fmt.Errorf("inclusion proof of %d hashes, more than %d", len(p.GetHashes()), maxProofHashes)
	}
	switch {
	case rekorV2 || e.GetInclusionPromise() == nil:
		// Nothing but the proof authenticates the entry's index here.
		if p.GetLogIndex() != e.GetLogIndex() {
			return fmt.Errorf("inclusion proof index %d, entry log index %d", p.GetLogIndex(), e.GetLogIndex())
		}
	case p.GetLogIndex() > e.GetLogIndex():
		return fmt.Errorf("inclusion proof index %d exceeds the entry's log index %d", p.GetLogIndex(), e.GetLogIndex())
	}
	return nil
}
