package verify

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
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
//     v0.1, an inclusion proof from v0.2);
//   - a checkpoint is at most MaxCheckpointSize bytes with at most
//     MaxCheckpointSignatures signature lines, none repeating a signer
//     (name and key hint), and every line of a Rekor v1 checkpoint names
//     the log (so that it holds exactly one: sigstore-go verifies every
//     line of those);
//   - the inclusion proof's tree size and root hash are the checkpoint's,
//     its index is inside the tree, and it is the entry's log index (Rekor
//     v2, and Rekor v1 entries without a promise; a Rekor v1 entry's index
//     counts across shards, so the proof's shard index is at most it).
func checkLogEntries(pb *protobundle.Bundle) ([]*tlog.Entry, error) {
	version, _ := bundleVersion(pb.GetMediaType())
	pes := pb.GetVerificationMaterial().GetTlogEntries()
	entries := make([]*tlog.Entry, len(pes))
	for i, e := range pes {
		bad := func(format string, args ...any) ([]*tlog.Entry, error) {
			return nil, failf(CheckTransparencyLog, ErrTransparencyLog, "entry %d: "+format, append([]any{i}, args...)...)
		}
		if e == nil || e.GetCanonicalizedBody() == nil || e.GetLogId().GetKeyId() == nil || e.GetKindVersion() == nil || e.GetLogIndex() < 0 {
			// Not a log entry at all: the bundle is malformed.
			return nil, failf(CheckBundle, ErrBundle, "entry %d: missing body, log ID or kind, or negative log index", i)
		}
		if len(e.GetCanonicalizedBody()) > MaxBundleString {
			return bad("body of %d bytes exceeds limit of %d", len(e.GetCanonicalizedBody()), MaxBundleString)
		}
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
		if t := e.GetIntegratedTime(); t < 0 || t > maxIntegratedTime {
			return bad("integrated time %d is not a time between 1970 and 9999", t)
		}
		switch {
		case version == "0.1" && e.GetInclusionPromise() == nil:
			return bad("bundle v0.1 requires an inclusion promise")
		case version != "0.1" && e.GetInclusionProof() == nil:
			return bad("bundle v%s requires an inclusion proof", version)
		}
		parsed, err := tlog.ParseTransparencyLogEntry(e)
		if err != nil {
			return bad("%w", err)
		}
		if err := tlog.ValidateEntry(parsed); err != nil {
			return bad("%w", err)
		}
		if e.GetInclusionProof() != nil {
			if err := checkProof(e, parsed.IsRekorV2()); err != nil {
				return bad("%w", err)
			}
		}
		entries[i] = parsed
	}
	return entries, nil
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
