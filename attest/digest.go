package attest

import (
	"encoding/hex"
	"strings"
)

// Digest is one entry of an in-toto DigestSet: an algorithm name, spelled
// as the DigestSet spec spells it ("sha256", "sha512", "gitCommit", ...),
// and the digest as lowercase hex.
type Digest struct {
	Algorithm string
	Hex       string
}

// String returns the digest as "algorithm:hex".
func (d Digest) String() string { return d.Algorithm + ":" + d.Hex }

// Bytes returns the decoded digest.
func (d Digest) Bytes() []byte {
	b, _ := hex.DecodeString(d.Hex) // validated by ParseDigest
	return b
}

// ParseDigest parses "algorithm:hex" (such as "sha256:9f86d0...") as an
// entry of an in-toto DigestSet. It is the one parser of that form in this
// module: sign, verify and the examples use it. The algorithm must be one
// the DigestSet spec lists, spelled exactly as there (lower case: "SHA256"
// is refused with a message naming "sha256"); the value must be lowercase
// hex of the algorithm's length. Errors are *Error wrapping
// ErrDigestMalformed.
func ParseDigest(s string) (Digest, error) {
	alg, value, ok := strings.Cut(s, ":")
	if !ok {
		return Digest{}, newError("digest", ErrDigestMalformed, "want algorithm:hex, got "+quote(s))
	}
	if _, known := digestHexLengths[alg]; !known {
		for name := range digestHexLengths {
			if strings.EqualFold(name, alg) {
				return Digest{}, newError("digest", ErrDigestMalformed, "algorithm "+quote(alg)+" is spelled "+quote(name)+" (in-toto digest names are case sensitive)")
			}
		}
		return Digest{}, newError("digest", ErrDigestMalformed, "unknown algorithm "+quote(alg))
	}
	if err := validateDigest("digest", alg, value); err != nil {
		return Digest{}, err
	}
	return Digest{Algorithm: alg, Hex: value}, nil
}

// IsDigest reports whether s has the form of a digest ParseDigest would
// try to read: a known in-toto algorithm name, in any case, then ':'.
// Command-line tools use it to tell a digest argument from a file name
// (an argument that IsDigest but does not parse is a bad digest, not a
// path).
func IsDigest(s string) bool {
	alg, _, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	for name := range digestHexLengths {
		if strings.EqualFold(name, alg) {
			return true
		}
	}
	return false
}
