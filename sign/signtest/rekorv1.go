package signtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/go-openapi/runtime"
	"github.com/go-openapi/strfmt"
	"github.com/sigstore/rekor/pkg/generated/client/entries"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/rekor/pkg/types"
	rekorutil "github.com/sigstore/rekor/pkg/util"
	"github.com/transparency-dev/merkle/rfc6962"

	// The entry kinds the v1 log accepts (as sigstore-go writes them).
	_ "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1"
	_ "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1"
)

// ErrEntryExists is returned by AddEntryV1 for an entry already in the
// log (Rekor v1 answers 409 Conflict with the existing entry's location).
var ErrEntryExists = errors.New("signtest: rekor v1: an equivalent entry already exists in the log")

// v1Kinds are the entry kinds the Rekor v1 log accepts.
var v1Kinds = map[string]string{"hashedrekord": "0.0.1", "dsse": "0.0.1"}

// AddEntryV1 validates a Rekor v1 proposed entry (hashedrekord v0.0.1 or
// dsse v0.0.1; the signature is checked, as Rekor does), appends its
// canonicalized body to the Rekor v1 log and returns the entry UUID and
// the entry as Rekor v1's API returns it: body, integratedTime (the
// clock's reading), logID, logIndex, and verification with a signed entry
// timestamp and an inclusion proof whose checkpoint the log key signs. An
// entry already in the log gives ErrEntryExists and its UUID.
func (s *Sigstore) AddEntryV1(pe models.ProposedEntry) (string, *models.LogEntryAnon, error) {
	if pe == nil {
		return "", nil, errors.New("signtest: rekor v1: nil entry")
	}
	if _, ok := v1Kinds[pe.Kind()]; !ok {
		return "", nil, fmt.Errorf("signtest: rekor v1: unsupported entry kind %q", pe.Kind())
	}
	ei, err := types.CreateVersionedEntry(pe)
	if err != nil {
		return "", nil, fmt.Errorf("signtest: rekor v1: %w", err)
	}
	if v := v1Kinds[pe.Kind()]; v != ei.APIVersion() {
		return "", nil, fmt.Errorf("signtest: rekor v1: unsupported entry %s %s", pe.Kind(), ei.APIVersion())
	}
	body, err := types.CanonicalizeEntry(context.Background(), ei)
	if err != nil {
		return "", nil, fmt.Errorf("signtest: rekor v1: %w", err)
	}
	leaf := rfc6962.DefaultHasher.HashLeaf(body)
	uuid := v1UUID(leaf)

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.v1[hex.EncodeToString(leaf)]; ok {
		return uuid, nil, ErrEntryExists
	}
	index, size, rootHash, proof := s.logV1.append(leaf)
	integrated := s.now().Unix()
	logID := hex.EncodeToString(s.LogV1ID())
	idx, sz := int64(index), int64(size)
	b64 := base64.StdEncoding.EncodeToString(body)

	// The SET: the log's signature over the canonical JSON of
	// {body, integratedTime, logID, logIndex}.
	payload, err := json.Marshal(struct {
		Body           string `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogID          string `json:"logID"`
		LogIndex       int64  `json:"logIndex"`
	}{b64, integrated, logID, idx})
	if err != nil {
		return "", nil, err
	}
	canon, err := jsoncanonicalizer.Transform(payload)
	if err != nil {
		return "", nil, err
	}
	set, err := noteSigner{detSigner{s.logV1Key}}.SignMessage(bytes.NewReader(canon))
	if err != nil {
		return "", nil, err
	}
	cp, err := rekorutil.CreateAndSignCheckpoint(context.Background(), LogV1Origin, LogV1TreeID, uint64(size), rootHash, noteSigner{detSigner{s.logV1Key}})
	if err != nil {
		return "", nil, fmt.Errorf("signtest: rekor v1: %w", err)
	}
	hashes := make([]string, len(proof))
	for i, h := range proof {
		hashes[i] = hex.EncodeToString(h)
	}
	rootHex, cpStr := hex.EncodeToString(rootHash), string(cp)
	e := &models.LogEntryAnon{
		Body:           b64,
		IntegratedTime: &integrated,
		LogID:          &logID,
		LogIndex:       &idx,
		Verification: &models.LogEntryAnonVerification{
			SignedEntryTimestamp: strfmt.Base64(set),
			InclusionProof: &models.InclusionProof{
				Checkpoint: &cpStr,
				Hashes:     hashes,
				LogIndex:   &idx,
				RootHash:   &rootHex,
				TreeSize:   &sz,
			},
		},
	}
	if s.v1 == nil {
		s.v1 = map[string]*models.LogEntryAnon{}
	}
	s.v1[hex.EncodeToString(leaf)] = e
	return uuid, e, nil
}

// EntryV1 returns the Rekor v1 entry with the given UUID (64 hex digits,
// or 80 with the tree ID prefix), as Rekor v1's API returns it.
func (s *Sigstore) EntryV1(uuid string) (*models.LogEntryAnon, bool) {
	uuid = strings.ToLower(uuid)
	if len(uuid) == 80 {
		if uuid[:16] != fmt.Sprintf("%016x", LogV1TreeID) {
			return nil, false
		}
		uuid = uuid[16:]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.v1[uuid]
	return e, ok
}

// v1UUID is Rekor v1's entry ID: the tree ID (16 hex digits) and the leaf
// hash.
func v1UUID(leaf []byte) string { return fmt.Sprintf("%016x%x", LogV1TreeID, leaf) }

// v1Client is the in-process sign.RekorClient (Rekor v1). It sends the
// proposed entry through its JSON encoding, as over HTTP.
type v1Client struct{ s *Sigstore }

func (c v1Client) CreateLogEntry(p *entries.CreateLogEntryParams, _ ...entries.ClientOption) (*entries.CreateLogEntryCreated, error) {
	raw, err := json.Marshal(p.ProposedEntry)
	if err != nil {
		return nil, err
	}
	pe, err := models.UnmarshalProposedEntry(bytes.NewReader(raw), runtime.JSONConsumer())
	if err != nil {
		return nil, err
	}
	uuid, e, err := c.s.AddEntryV1(pe)
	if errors.Is(err, ErrEntryExists) {
		return nil, &entries.CreateLogEntryConflict{Location: strfmt.URI(PathLogEntriesV1 + "/" + uuid)}
	}
	if err != nil {
		return nil, err
	}
	return &entries.CreateLogEntryCreated{ETag: uuid, Location: strfmt.URI(PathLogEntriesV1 + "/" + uuid), Payload: models.LogEntry{uuid: *e}}, nil
}

func (c v1Client) GetLogEntryByUUID(p *entries.GetLogEntryByUUIDParams, _ ...entries.ClientOption) (*entries.GetLogEntryByUUIDOK, error) {
	e, ok := c.s.EntryV1(p.EntryUUID)
	if !ok {
		return nil, entries.NewGetLogEntryByUUIDNotFound()
	}
	return &entries.GetLogEntryByUUIDOK{Payload: models.LogEntry{p.EntryUUID: *e}}, nil
}
