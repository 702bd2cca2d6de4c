package attest

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"io"
	"os"
	"path/filepath"

	intoto "github.com/in-toto/attestation/go/v1"

	"github.com/chainproof/chainproof/internal/ctxio"
)

// HashOptions selects the digests computed for a subject. The zero value
// computes SHA-256 only.
type HashOptions struct {
	// SHA512 adds a sha512 digest beside sha256.
	SHA512 bool
}

// NewSubject returns a subject named name with the given digest set
// (algorithm -> lowercase hex), validated as Validate validates subjects.
// The map is copied.
func NewSubject(name string, digest map[string]string) (*intoto.ResourceDescriptor, error) {
	if err := validateDigestSet("digest", digest); err != nil {
		return nil, err
	}
	ds := make(map[string]string, len(digest))
	for k, v := range digest {
		ds[k] = v
	}
	return &intoto.ResourceDescriptor{Name: name, Digest: ds}, nil
}

// SubjectFromDigest returns a subject named name from a digest written as
// "algorithm:hex", such as "sha256:9f86d0...". The algorithm must be one
// the in-toto DigestSet spec lists (sha256, sha512, sha1, gitCommit, ...;
// case sensitive); use NewSubject for others.
func SubjectFromDigest(name, digest string) (*intoto.ResourceDescriptor, error) {
	d, err := ParseDigest(digest)
	if err != nil {
		return nil, err
	}
	return &intoto.ResourceDescriptor{Name: name, Digest: map[string]string{d.Algorithm: d.Hex}}, nil
}

// SubjectFromReader returns a subject named name whose digests are those
// of everything read from r. r is streamed, never held in memory; ctx
// cancels between reads.
func SubjectFromReader(ctx context.Context, name string, r io.Reader, opts HashOptions) (*intoto.ResourceDescriptor, error) {
	ds, err := digestReader(ctx, r, opts)
	if err != nil {
		return nil, newError(name, wrap(ErrIO, err), "")
	}
	return &intoto.ResourceDescriptor{Name: name, Digest: ds}, nil
}

// SubjectFromFile returns a subject for the regular file at path, named by
// its base name (as GitHub's attest actions name file subjects).
func SubjectFromFile(ctx context.Context, path string, opts HashOptions) (*intoto.ResourceDescriptor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, newError(path, wrap(ErrIO, err), "")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, newError(path, wrap(ErrIO, err), "")
	}
	if !fi.Mode().IsRegular() {
		return nil, newError(path, ErrIO, "not a regular file")
	}
	ds, err := digestReader(ctx, f, opts)
	if err != nil {
		return nil, newError(path, wrap(ErrIO, err), "")
	}
	return &intoto.ResourceDescriptor{Name: filepath.Base(path), Digest: ds}, nil
}

func digestReader(ctx context.Context, r io.Reader, opts HashOptions) (map[string]string, error) {
	hashes := map[string]hash.Hash{string(intoto.AlgorithmSHA256): sha256.New()}
	if opts.SHA512 {
		hashes[string(intoto.AlgorithmSHA512)] = sha512.New()
	}
	ws := make([]io.Writer, 0, len(hashes))
	for _, h := range hashes {
		ws = append(ws, h)
	}
	if _, err := io.Copy(io.MultiWriter(ws...), ctxio.Reader(ctx, r)); err != nil {
		return nil, err
	}
	ds := make(map[string]string, len(hashes))
	for alg, h := range hashes {
		ds[alg] = hex.EncodeToString(h.Sum(nil))
	}
	return ds, nil
}
