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
	index, size, rootHash, proof := s.log.append(rfc6962.DefaultHasher.HashLeaf(body))
	s.mu.Unlock()

	cp := flog.Checkpoint{Origin: LogOrigin, Size: uint64(size), Hash: rootHash}.Marshal()
	ns, err := rekornote.NewNoteSigner(context.Background(), LogOrigin, noteSigner{detSigner{s.logKey}})
	if err != nil {
		return nil, err
	}
	signed, err := note.Sign(&note.Note{Text: string(cp)}, ns)
	if err != nil {
		return nil, err
	}
	if proof == nil {
		proof = [][]byte{}
	}
	return &protorekor.TransparencyLogEntry{
		LogIndex:    int64(index),
		LogId:       &protocommon.LogId{KeyId: s.LogID()},
		KindVersion: &protorekor.KindVersion{Kind: "hashedrekord", Version: "0.0.2"},
		InclusionProof: &protorekor.InclusionProof{
			LogIndex:   int64(index),
			TreeSize:   int64(size),
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

// merkleTree is an in-memory RFC 6962 Merkle tree of leaf hashes.
type merkleTree struct {
	leaves [][]byte
	nodes  map[[2]int][]byte // memoized complete subtree hashes
}

// append adds a leaf hash and returns its index, the new tree size, root
// hash and the leaf's inclusion proof.
func (t *merkleTree) append(leaf []byte) (index, size int, root []byte, proof [][]byte) {
	t.leaves = append(t.leaves, leaf)
	size = len(t.leaves)
	index = size - 1
	return index, size, t.subtree(0, size), t.inclusionPath(index, 0, size)
}

// subtree is the RFC 6962 Merkle tree hash of leaves [start, start+n).
// Hashes of complete power-of-two subtrees never change and are memoized,
// so computing a root or a proof costs O(log² n), not O(n).
func (t *merkleTree) subtree(start, n int) []byte {
	switch {
	case n == 0:
		return rfc6962.DefaultHasher.EmptyRoot()
	case n == 1:
		return t.leaves[start]
	}
	full := n&(n-1) == 0
	key := [2]int{start, n}
	if full {
		if h, ok := t.nodes[key]; ok {
			return h
		}
	}
	k := split(n)
	h := rfc6962.DefaultHasher.HashChildren(t.subtree(start, k), t.subtree(start+k, n-k))
	if full {
		if t.nodes == nil {
			t.nodes = map[[2]int][]byte{}
		}
		t.nodes[key] = h
	}
	return h
}

// inclusionPath is the RFC 6962 audit path of leaf m within the subtree
// [start, start+n).
func (t *merkleTree) inclusionPath(m, start, n int) [][]byte {
	if n <= 1 {
		return nil
	}
	k := split(n)
	if m < k {
		return append(t.inclusionPath(m, start, k), t.subtree(start+k, n-k))
	}
	return append(t.inclusionPath(m-k, start+k, n-k), t.subtree(start, k))
}

// split is the largest power of two smaller than n.
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}
