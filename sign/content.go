package sign

import (
	"context"
	"crypto"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/internal/ctxio"
)

// MaxPayloadSize bounds a DSSE payload (statements are signed in memory,
// blobs are streamed and have no bound).
const MaxPayloadSize = 32 << 20

type contentKind int

const (
	kindBlob contentKind = iota + 1
	kindDigest
	kindDSSE
)

// Content is what gets signed: a blob (streamed and hashed, never held in
// memory), a precomputed digest, or an in-toto statement (DSSE). Build it
// with Blob, Digest, ParseDigest or Statement. A Content made from a reader
// can be signed once.
type Content struct {
	kind        contentKind
	r           io.Reader
	hash        crypto.Hash
	digest      []byte
	payloadType string
	payload     []byte
}

// Blob signs the bytes read from r. They are hashed as they stream by
// (with the key's hash, SHA-256 for keyless signing); the bundle carries a
// message signature over that digest.
func Blob(r io.Reader) Content { return Content{kind: kindBlob, r: r} }

// Digest signs an artifact known only by its digest (SHA-256, SHA-384 or
// SHA-512). For keyless signing the ephemeral key is chosen to match the
// digest (P-256, P-384, P-521); a key given in Options must use the same
// hash.
func Digest(h crypto.Hash, digest []byte) Content {
	return Content{kind: kindDigest, hash: h, digest: append([]byte(nil), digest...)}
}

// ParseDigest parses "sha256:<hex>" (also sha384, sha512) into a Content.
func ParseDigest(s string) (Content, error) {
	alg, hx, ok := strings.Cut(s, ":")
	if !ok {
		return Content{}, errorf("content", ErrInvalidOptions, "digest %q is not ALG:HEX", s)
	}
	var h crypto.Hash
	switch strings.ToLower(alg) {
	case "sha256":
		h = crypto.SHA256
	case "sha384":
		h = crypto.SHA384
	case "sha512":
		h = crypto.SHA512
	default:
		return Content{}, errorf("content", ErrInvalidOptions, "unsupported digest algorithm %q", alg)
	}
	d, err := hex.DecodeString(hx)
	if err != nil || len(d) != h.Size() {
		return Content{}, errorf("content", ErrInvalidOptions, "digest is not %d bytes of hex", h.Size())
	}
	return Digest(h, d), nil
}

// Statement signs an in-toto statement (JSON) into a DSSE bundle with
// payload type application/vnd.in-toto+json. The statement must be a
// JSON object with a _type; its meaning is not checked here (see the
// attest package). (Sigstore bundles carry DSSE only for in-toto
// statements; sigstore-go's verifier refuses other payload types.)
func Statement(statement []byte) Content {
	return Content{kind: kindDSSE, payloadType: attest.PayloadType, payload: append([]byte(nil), statement...)}
}

func (c Content) validate() error {
	switch c.kind {
	case kindBlob:
		if c.r == nil {
			return errorf("content", ErrInvalidOptions, "blob reader is nil")
		}
	case kindDigest:
		switch c.hash {
		case crypto.SHA256, crypto.SHA384, crypto.SHA512:
		default:
			return errorf("content", ErrInvalidOptions, "unsupported digest algorithm %v", c.hash)
		}
		if len(c.digest) != c.hash.Size() {
			return errorf("content", ErrInvalidOptions, "digest is %d bytes, want %d for %v", len(c.digest), c.hash.Size(), c.hash)
		}
	case kindDSSE:
		if c.payloadType == "" {
			return errorf("content", ErrInvalidOptions, "empty DSSE payload type")
		}
		if len(c.payload) > MaxPayloadSize {
			return errorf("content", ErrInvalidOptions, "DSSE payload larger than %d bytes", MaxPayloadSize)
		}
		if c.payloadType == attest.PayloadType {
			var st struct {
				Type *string `json:"_type"`
			}
			if err := json.Unmarshal(c.payload, &st); err != nil || st.Type == nil {
				return errorf("content", ErrInvalidOptions, "in-toto statement is not a JSON object with _type")
			}
		}
	default:
		return errorf("content", ErrInvalidOptions, "empty Content (use Blob, Digest or Statement)")
	}
	return nil
}

// hashReader hashes r with h, checking ctx between reads.
func hashReader(ctx context.Context, h crypto.Hash, r io.Reader) ([]byte, error) {
	if !h.Available() {
		return nil, fmt.Errorf("hash %v unavailable", h)
	}
	hh := h.New()
	if _, err := io.Copy(hh, ctxio.Reader(ctx, r)); err != nil {
		return nil, err
	}
	return hh.Sum(nil), nil
}
