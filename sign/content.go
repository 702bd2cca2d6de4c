package sign

import (
	"context"
	"crypto"
	"fmt"
	"io"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/dsse"
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

// ParseDigest parses "sha256:<hex>" (also sha384, sha512) into a Content,
// with attest.ParseDigest: lower-case algorithm, lowercase hex.
func ParseDigest(s string) (Content, error) {
	d, err := attest.ParseDigest(s)
	if err != nil {
		return Content{}, &Error{Step: "content", Kind: ErrInvalidOptions, Err: err}
	}
	var h crypto.Hash
	switch d.Algorithm {
	case "sha256":
		h = crypto.SHA256
	case "sha384":
		h = crypto.SHA384
	case "sha512":
		h = crypto.SHA512
	default:
		return Content{}, errorf("content", ErrInvalidOptions, "digest %s: Sigstore signs sha256, sha384 or sha512 digests, not %s", d, d.Algorithm)
	}
	return Digest(h, d.Bytes()), nil
}

// Statement signs an in-toto statement (JSON) into a DSSE bundle with
// payload type attest.PayloadType. The statement must be one
// attest.ParseStatement reads (v1 or v0.1, no duplicate keys, valid
// subjects): Sign refuses what package verify would. (Sigstore bundles
// carry DSSE only for in-toto statements.)
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
		// What verify would refuse is not signed: the statement is read
		// by the same reader.
		if _, err := attest.ParseStatement(c.payload); err != nil {
			return &Error{Step: "content", Kind: ErrInvalidOptions, Err: err}
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

// envelope is the DSSE content signed into a bundle: its signed bytes are
// package dsse's PAE (the one encoder in this module), its bundle content
// a DSSE envelope with the one signature.
type envelope struct {
	payloadType string
	payload     []byte
}

func (e *envelope) PreAuthEncoding() []byte { return dsse.PAE(e.payloadType, e.payload) }

func (e *envelope) Bundle(b *protobundle.Bundle, signature, _ []byte, _ protocommon.HashAlgorithm) {
	b.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
		Payload:     e.payload,
		PayloadType: e.payloadType,
		Signatures:  []*protodsse.Signature{{Sig: signature}},
	}}
}
