package verify

import (
	"encoding/json"
	"fmt"
	"strings"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
)

// checkLogEntries enforces bundle fields that sigstore-go leaves unchecked:
// an entry's kindVersion must equal the kind and apiVersion of its
// canonicalized body, and every signature line of a Rekor v1 checkpoint
// must name the log (the origin's first token), so no byte of a log entry
// is unauthenticated.
func checkLogEntries(pb *protobundle.Bundle) error {
	for i, e := range pb.GetVerificationMaterial().GetTlogEntries() {
		var body struct {
			Kind       string `json:"kind"`
			APIVersion string `json:"apiVersion"`
		}
		if err := json.Unmarshal(e.GetCanonicalizedBody(), &body); err != nil {
			return fail(CheckTransparencyLog, ErrTransparencyLog, fmt.Errorf("entry %d: body: %w", i, err))
		}
		kv := e.GetKindVersion()
		if kv.GetKind() != body.Kind || kv.GetVersion() != body.APIVersion {
			return failf(CheckTransparencyLog, ErrTransparencyLog, "entry %d: kindVersion %s/%s does not match body %s/%s",
				i, kv.GetKind(), kv.GetVersion(), body.Kind, body.APIVersion)
		}
		cp := e.GetInclusionProof().GetCheckpoint().GetEnvelope()
		text, sigs, ok := strings.Cut(cp, "\n\n")
		origin, _, _ := strings.Cut(text, "\n")
		name, _, v1 := strings.Cut(origin, " - ")
		if cp == "" || !v1 {
			// Rekor v2 checkpoints (origin without " - TREEID") are
			// verified as signed notes by sigstore-go, names included,
			// and may carry witness cosignatures.
			continue
		}
		if !ok || name == "" {
			return failf(CheckTransparencyLog, ErrTransparencyLog, "entry %d: malformed checkpoint", i)
		}
		for _, line := range strings.Split(strings.TrimSuffix(sigs, "\n"), "\n") {
			signer, _, _ := strings.Cut(strings.TrimPrefix(line, "\u2014 "), " ")
			if !strings.HasPrefix(line, "\u2014 ") || signer != name {
				return failf(CheckTransparencyLog, ErrTransparencyLog, "entry %d: checkpoint signature line names %q, log is %q", i, signer, name)
			}
		}
	}
	return nil
}
