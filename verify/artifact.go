package verify

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/internal/ctxio"
)

// Artifact is what a bundle is verified against. Set exactly one field.
type Artifact struct {
	// Path of a regular file, hashed as it is read (a FIFO, device or
	// directory is refused: it may never end).
	Path string
	// Reader streams the artifact; it is read once, to the end, and the
	// verification's context is checked between reads (a Read that
	// blocks forever still blocks: give such readers a deadline).
	Reader io.Reader
	// Digest is "sha256:<hex>" (also sha384, sha512). It must use the
	// algorithm the bundle signed: a message signature by an Ed25519 key
	// (Ed25519ph) signs a SHA-512 digest, P-384 keys a SHA-384 one.
	Digest string

	// hashed holds the digests of a Path or Reader hashed once up front
	// (VerifyAll), by algorithm.
	// (A pointer keeps Artifact comparable.)
	hashed *map[string][]byte
}

// ArtifactArg interprets a command-line argument the way the Sigstore
// conformance protocol does: a digest ("sha256:<hex>", as attest.IsDigest
// tells) is a Digest, anything else a file path. A malformed digest
// ("SHA256:<hex>") stays a digest, refused with the reason, not read as a
// file name.
func ArtifactArg(arg string) Artifact {
	if attest.IsDigest(arg) {
		return Artifact{Digest: arg}
	}
	return Artifact{Path: arg}
}

var digestSizes = map[string]int{"sha256": 32, "sha384": 48, "sha512": 64}

func newHash(alg string) hash.Hash {
	switch alg {
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	}
	return sha256.New()
}

// digest is an artifact digest.
type digest struct {
	alg string
	sum []byte
}

func (d digest) String() string { return d.alg + ":" + hex.EncodeToString(d.sum) }

// resolve returns the artifact's digest under alg (sha256, sha384, sha512).
// A Reader can be resolved only once.
func (a Artifact) resolve(ctx context.Context, alg string) (digest, error) {
	if a.hashed != nil {
		sum, ok := (*a.hashed)[alg]
		if !ok {
			return digest{}, failf(CheckArtifact, ErrArtifact, "artifact was not hashed with %s", alg)
		}
		return digest{alg: alg, sum: sum}, nil
	}
	n := 0
	for _, set := range []bool{a.Path != "", a.Reader != nil, a.Digest != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return digest{}, fail(CheckArtifact, ErrArtifact, fmt.Errorf("exactly one of Path, Reader, Digest must be set (%d are)", n))
	}
	if _, ok := digestSizes[alg]; !ok {
		return digest{}, failf(CheckArtifact, ErrArtifact, "unsupported digest algorithm %q", alg)
	}
	switch {
	case a.Digest != "":
		pd, err := attest.ParseDigest(a.Digest)
		if err != nil {
			return digest{}, fail(CheckArtifact, ErrArtifact, err)
		}
		gotAlg, sum := pd.Algorithm, pd.Bytes()
		if digestSizes[gotAlg] == 0 {
			return digest{}, failf(CheckArtifact, ErrArtifact, "digest %s: Sigstore signs sha256, sha384 or sha512 digests, not %s", pd, gotAlg)
		}
		if gotAlg != alg {
			return digest{}, failf(CheckArtifact, ErrArtifact, "bundle signs a %s digest, artifact given as %s", alg, gotAlg)
		}
		return digest{alg: alg, sum: sum}, nil
	case a.Path != "":
		f, err := openRegular(a.Path)
		if err != nil {
			return digest{}, err
		}
		defer f.Close()
		return hashReader(ctx, f, alg)
	default:
		return hashReader(ctx, a.Reader, alg)
	}
}

// openRegular opens path for reading if it is a regular file. A FIFO, a
// device such as /dev/zero or a directory is refused before any read
// (the check is on the opened file, so a path swapped after it cannot
// slip through).
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscallNonblock, 0)
	if err != nil {
		return nil, fail(CheckArtifact, ErrArtifactRead, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fail(CheckArtifact, ErrArtifactRead, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, failf(CheckArtifact, ErrArtifactRead, "%q is not a regular file (%s)", path, fi.Mode().Type())
	}
	return f, nil
}

// copyBuffers are io.Copy's 32 KiB buffers, kept across calls: hashing
// an artifact otherwise allocates one per verification (13% of the bytes
// BenchmarkBytesToVerified allocated).
var copyBuffers = sync.Pool{New: func() any { return new([32 << 10]byte) }}

func copyPooled(w io.Writer, r io.Reader) (int64, error) {
	buf := copyBuffers.Get().(*[32 << 10]byte)
	defer copyBuffers.Put(buf)
	return io.CopyBuffer(w, r, buf[:])
}

func hashReader(ctx context.Context, r io.Reader, alg string) (digest, error) {
	h := newHash(alg)
	if _, err := copyPooled(h, ctxio.Reader(ctx, r)); err != nil {
		if ctx.Err() != nil {
			return digest{}, fail(CheckArtifact, ErrVerification, err)
		}
		return digest{}, fail(CheckArtifact, ErrArtifactRead, fmt.Errorf("reading the artifact: %w", err))
	}
	return digest{alg: alg, sum: h.Sum(nil)}, nil
}

// subjectAlgs are the algorithms a file or reader is hashed with for an
// attestation, whose subjects may carry either.
var subjectAlgs = []string{"sha256", "sha512"}

// resolveSubjectDigests returns the artifact's digests an attestation's
// subjects can be matched against: SHA-256 and SHA-512 of a file or
// reader (read once), or a given digest under its own algorithm.
func (a Artifact) resolveSubjectDigests(ctx context.Context) ([]digest, error) {
	if a.hashed == nil && a.Digest != "" && a.Path == "" && a.Reader == nil {
		pd, err := attest.ParseDigest(a.Digest)
		if err != nil {
			return nil, fail(CheckArtifact, ErrArtifact, err)
		}
		d, err := a.resolve(ctx, pd.Algorithm)
		if err != nil {
			return nil, err
		}
		return []digest{d}, nil
	}
	h, err := a.hashOnce(ctx, subjectAlgs)
	if err != nil {
		return nil, err
	}
	if h.hashed == nil {
		_, err := h.resolve(ctx, "sha256") // reports the misuse
		return nil, err
	}
	var out []digest
	for _, alg := range subjectAlgs {
		if sum, ok := (*h.hashed)[alg]; ok {
			out = append(out, digest{alg: alg, sum: sum})
		}
	}
	if len(out) == 0 {
		return nil, failf(CheckArtifact, ErrArtifact, "artifact was not hashed with sha256 or sha512")
	}
	return out, nil
}

// hashOnce reads a Path or Reader artifact once, hashing it with every
// algorithm in algs, so that several verifications see the same bytes
// (a file that changes between them cannot satisfy one requirement with
// one content and another with another). SHA-256 and SHA-512 are always
// included, for attestation subjects. A Digest is returned unchanged.
func (a Artifact) hashOnce(ctx context.Context, algs []string) (Artifact, error) {
	if a.Digest != "" || (a.Path == "" && a.Reader == nil) || (a.Path != "" && a.Reader != nil) {
		return a, nil // resolve reports misuse
	}
	r := a.Reader
	if a.Path != "" {
		f, err := openRegular(a.Path)
		if err != nil {
			return a, err
		}
		defer f.Close()
		r = f
	}
	hs := map[string]hash.Hash{}
	var ws []io.Writer
	for _, alg := range append(append([]string{}, algs...), subjectAlgs...) {
		if _, ok := digestSizes[alg]; !ok || hs[alg] != nil {
			continue
		}
		hs[alg] = newHash(alg)
		ws = append(ws, hs[alg])
	}
	if _, err := copyPooled(io.MultiWriter(ws...), ctxio.Reader(ctx, r)); err != nil {
		if ctx.Err() != nil {
			return a, fail(CheckArtifact, ErrVerification, err)
		}
		return a, fail(CheckArtifact, ErrArtifactRead, fmt.Errorf("reading the artifact: %w", err))
	}
	sums := map[string][]byte{}
	for alg, h := range hs {
		sums[alg] = h.Sum(nil)
	}
	return Artifact{hashed: &sums}, nil
}
