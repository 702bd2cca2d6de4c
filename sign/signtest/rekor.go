package signtest

import (
	"context"
	"errors"
	"fmt"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	rekortilespb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	rekornote "github.com/sigstore/rekor-tiles/v2/pkg/note"
	"github.com/sigstore/rekor-tiles/v2/pkg/types/hashedrekord"
	"github.com/sigstore/sigstore/pkg/signature"
	flog "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"google.golang.org/protobuf/encoding/protojson"
)

// algorithms the log accepts (Rekor v2's default registry).
var logAlgorithms = []protocommon.PublicKeyDetails{
	protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256,
	protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_384,
	protocommon.PublicKeyDetails_PKIX_ECDSA_P521_SHA_512,
	protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_2048_SHA256,
	protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_3072_SHA256,
	protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_4096_SHA256,
	protocommon.PublicKeyDetails_PKIX_ED25519_PH,
}

// AddEntry appends a Rekor v2 hashedrekord entry to the log (after
// checking its signature, as Rekor does) and returns the log entry with
// an inclusion proof and a signed checkpoint. Rekor v2 records no
// integrated time.
func (s *Sigstore) AddEntry(req *rekortilespb.HashedRekordRequestV002) (*protorekor.TransparencyLogEntry, error) {
	reg, err := signature.NewAlgorithmRegistryConfig(logAlgorithms)
	if err != nil {
		return nil, err
	}
	entry, err := hashedrekord.ToLogEntry(req, reg)
	if err != nil {
		return nil, fmt.Errorf("signtest: rekor: %w", err)
	}
	raw, err := protojson.Marshal(entry)
	if err != nil {
		return nil, err
	}
	body, err := jsoncanonicalizer.Transform(raw)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	s.log = append(s.log, rfc6962.DefaultHasher.HashLeaf(body))
	leaves := append([][]byte(nil), s.log...)
	s.mu.Unlock()

	index := len(leaves) - 1
	rootHash := treeHash(leaves)
	cp := flog.Checkpoint{Origin: LogOrigin, Size: uint64(len(leaves)), Hash: rootHash}.Marshal()
	ns, err := rekornote.NewNoteSigner(context.Background(), LogOrigin, noteSigner{detSigner{s.logKey}})
	if err != nil {
		return nil, err
	}
	signed, err := note.Sign(&note.Note{Text: string(cp)}, ns)
	if err != nil {
		return nil, err
	}
	proof := inclusionPath(index, leaves)
	if proof == nil {
		proof = [][]byte{}
	}
	return &protorekor.TransparencyLogEntry{
		LogIndex:    int64(index),
		LogId:       &protocommon.LogId{KeyId: s.LogID()},
		KindVersion: &protorekor.KindVersion{Kind: "hashedrekord", Version: "0.0.2"},
		InclusionProof: &protorekor.InclusionProof{
			LogIndex:   int64(index),
			TreeSize:   int64(len(leaves)),
			RootHash:   rootHash,
			Hashes:     proof,
			Checkpoint: &protorekor.Checkpoint{Envelope: string(signed)},
		},
		CanonicalizedBody: body,
	}, nil
}

// logClient is the in-process sign.RekorV2Client.
type logClient struct{ s *Sigstore }

func (c logClient) Add(_ context.Context, entry any) (*protorekor.TransparencyLogEntry, error) {
	req, ok := entry.(*rekortilespb.HashedRekordRequestV002)
	if !ok {
		return nil, errors.New("signtest: rekor: unsupported entry type")
	}
	return c.s.AddEntry(req)
}

// treeHash is the RFC 6962 Merkle tree hash over leaf hashes.
func treeHash(leaves [][]byte) []byte {
	switch n := len(leaves); n {
	case 0:
		return rfc6962.DefaultHasher.EmptyRoot()
	case 1:
		return leaves[0]
	default:
		k := split(n)
		return rfc6962.DefaultHasher.HashChildren(treeHash(leaves[:k]), treeHash(leaves[k:]))
	}
}

// inclusionPath is the RFC 6962 audit path of leaf m.
func inclusionPath(m int, leaves [][]byte) [][]byte {
	n := len(leaves)
	if n <= 1 {
		return nil
	}
	k := split(n)
	if m < k {
		return append(inclusionPath(m, leaves[:k]), treeHash(leaves[k:]))
	}
	return append(inclusionPath(m-k, leaves[k:]), treeHash(leaves[:k]))
}

// split is the largest power of two smaller than n.
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}
