package verify

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
)

// Artifact is what a bundle is verified against. Set exactly one field.
type Artifact struct {
	// Path of a file, hashed as it is read.
	Path string
	// Reader streams the artifact; it is read once, to the end.
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
// conformance protocol does: "sha256:<hex>" is a digest, anything else a
// file path.
func ArtifactArg(arg string) Artifact {
	for _, alg := range []string{"sha256:", "sha384:", "sha512:"} {
		if strings.HasPrefix(arg, alg) {
			return Artifact{Digest: arg}
		}
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
func (a Artifact) resolve(alg string) (digest, error) {
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
		gotAlg, hx, ok := strings.Cut(a.Digest, ":")
		if !ok || digestSizes[gotAlg] == 0 {
			return digest{}, failf(CheckArtifact, ErrArtifact, "digest %q: want ALG:HEX with ALG sha256, sha384 or sha512", a.Digest)
		}
		sum, err := hex.DecodeString(hx)
		if err != nil || len(sum) != digestSizes[gotAlg] {
			return digest{}, failf(CheckArtifact, ErrArtifact, "digest %q: bad %s hex", a.Digest, gotAlg)
		}
		if gotAlg != alg {
			return digest{}, failf(CheckArtifact, ErrArtifact, "bundle signs a %s digest, artifact given as %s", alg, gotAlg)
		}
		return digest{alg: alg, sum: sum}, nil
	case a.Path != "":
		f, err := os.Open(a.Path)
		if err != nil {
			return digest{}, fail(CheckArtifact, ErrArtifact, err)
		}
		defer f.Close()
		return hashReader(f, alg)
	default:
		return hashReader(a.Reader, alg)
	}
}

func hashReader(r io.Reader, alg string) (digest, error) {
	h := newHash(alg)
	if _, err := io.Copy(h, r); err != nil {
		return digest{}, fail(CheckArtifact, ErrArtifact, err)
	}
	return digest{alg: alg, sum: h.Sum(nil)}, nil
}

// hashOnce reads a Path or Reader artifact once, hashing it with every
// algorithm in algs, so that several verifications see the same bytes
// (a file that changes between them cannot satisfy one requirement with
// one content and another with another). A Digest is returned unchanged.
func (a Artifact) hashOnce(algs []string) (Artifact, error) {
	if a.Digest != "" || (a.Path == "" && a.Reader == nil) || (a.Path != "" && a.Reader != nil) {
		return a, nil // resolve reports misuse
	}
	r := a.Reader
	if a.Path != "" {
		f, err := os.Open(a.Path)
		if err != nil {
			return a, fail(CheckArtifact, ErrArtifact, err)
		}
		defer f.Close()
		r = f
	}
	hs := map[string]hash.Hash{}
	var ws []io.Writer
	for _, alg := range algs {
		if _, ok := digestSizes[alg]; !ok || hs[alg] != nil {
			continue
		}
		hs[alg] = newHash(alg)
		ws = append(ws, hs[alg])
	}
	if _, err := io.Copy(io.MultiWriter(ws...), r); err != nil {
		return a, fail(CheckArtifact, ErrArtifact, err)
	}
	sums := map[string][]byte{}
	for alg, h := range hs {
		sums[alg] = h.Sum(nil)
	}
	return Artifact{hashed: &sums}, nil
}
