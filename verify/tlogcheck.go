package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	rekortilesverify "github.com/sigstore/rekor-tiles/v2/pkg/verify"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
)

// checkLogBinding runs before sigstore-go's log verification and makes it
// all-or-nothing: sigstore-go skips an entry whose log the trusted root
// does not know or whose promise (SET) does not verify, and for Rekor v2
// never reads the body the bundle carries. Here every entry must
//
//   - come from a log of trust (the trusted root's logs),
//   - have a promise that verifies, if it has one,
//   - carry a body that describes this bundle: for Rekor v2, the body's
//     leaf hash is the one the inclusion proof proves (sigstore-go proves
//     a leaf rebuilt from the bundle, so the body could be any other),
//     under a checkpoint that is a note (under one of Rekor v1's form
//     sigstore-go proves the body itself and compares it with nothing);
//     for Rekor v1, the body's signature(s), key or certificate, and
//     digest or payload hash (and payload type) are this bundle's.
//
// signer is the bundle's leaf certificate or the policy key being tried.
// A Rekor v1 body naming another key, for a key-signed bundle, is an
// identity mismatch (the next policy key may be the one); anything else is
// a log failure. ctx is checked between entries.
func checkLogBinding(ctx context.Context, b *Bundle, trust root.TrustedMaterial, trustName string, signer any, keyed bool) error {
	logs := trust.RekorLogs()
	pb := b.b.Bundle
	for i, e := range b.entries {
		if err := ctx.Err(); err != nil {
			return fail(CheckTransparencyLog, ErrVerification, err)
		}
		bad := func(format string, args ...any) error {
			return failf(CheckTransparencyLog, ErrTransparencyLog, "entry %d: "+format, append([]any{i}, args...)...)
		}
		logID := hex.EncodeToString([]byte(e.logKeyID()))
		if _, ok := logs[logID]; !ok {
			return bad("no log in the trusted root (%s) has this entry's log ID %s: was the bundle made with another Sigstore instance? Pass its trusted root in Options.TrustedRoot", trustName, logID)
		}
		if e.hasPromise() {
			if err := verifySET(e, logs); err != nil {
				return bad("signed entry timestamp: %w", err)
			}
		}
		if !e.v2 && e.hasProof() {
			// sigstore-go verifies every line of a Rekor v1 checkpoint:
			// each must carry this log's key hint (checkLogEntries made
			// them name the log, and no signer repeat), so at most one
			// signature is verified.
			if err := checkV1Hints(e.tle, logs[logID]); err != nil {
				return bad("%w", err)
			}
		}
		if e.v2 {
			if hasRekorV1STH(e.tle) {
				// sigstore-go would prove this entry's own body as a
				// Rekor v1 entry's, never the leaf it rebuilds from the
				// bundle, and compare no field of it with the bundle.
				return bad("a Rekor v2 entry under a checkpoint of Rekor v1's form")
			}
			if err := checkV2Leaf(e.tle); err != nil {
				return bad("%w", err)
			}
			continue
		}
		if err := checkV1Body(e, pb, signer); err != nil {
			var km *keyMismatch
			if keyed && errors.As(err, &km) {
				return failf(CheckIdentity, ErrIdentity, "entry %d: %v", i, err)
			}
			return bad("%w", err)
		}
	}
	return nil
}

// checkV2Leaf checks that a Rekor v2 entry's body is the leaf its
// inclusion proof proves under its checkpoint's root hash (whose signature
// sigstore-go verifies next, against a leaf it rebuilds from the bundle:
// both leaves proving the same root by the same path makes them one).
func checkV2Leaf(tle *protorekor.TransparencyLogEntry) error {
	cp, _, err := parseCheckpoint(tle.GetInclusionProof().GetCheckpoint().GetEnvelope())
	if err != nil {
		return err
	}
	if err := rekortilesverify.VerifyInclusionProof(tle, cp); err != nil {
		return fmt.Errorf("the entry body is not the logged entry: %w", err)
	}
	return nil
}

// checkV1Hints checks that every signature line of a Rekor v1 checkpoint
// carries the key hint of log (the first four bytes of the SHA-256 of its
// key's PKIX encoding).
func checkV1Hints(tle *protorekor.TransparencyLogEntry, log *root.TransparencyLog) error {
	_, signers, err := parseCheckpoint(tle.GetInclusionProof().GetCheckpoint().GetEnvelope())
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(log.PublicKey)
	if err != nil {
		return fmt.Errorf("log key: %w", err)
	}
	sum := sha256.Sum256(der)
	hint := binary.BigEndian.Uint32(sum[:4])
	for _, s := range signers {
		if s.hint != hint {
			return fmt.Errorf("checkpoint signature with key hint %08x is not the log's (%08x)", s.hint, hint)
		}
	}
	return nil
}

// keyMismatch: a Rekor v1 body names another key or certificate.
type keyMismatch struct{ what string }

func (k *keyMismatch) Error() string { return "the entry body names another " + k.what }

// v1Body is what checkV1Body reads of a Rekor v1 body beyond sigstore-go's
// accessors: the signature count of dsse and intoto entries and intoto's
// payload type.
type v1Body struct {
	Spec struct {
		Signatures []json.RawMessage `json:"signatures"` // dsse
		Content    struct {
			Envelope struct {
				PayloadType string            `json:"payloadType"`
				Signatures  []json.RawMessage `json:"signatures"`
			} `json:"envelope"`
		} `json:"content"` // intoto
	} `json:"spec"`
}

func checkV1Body(le *logEntry, pb *protobundle.Bundle, signer any) error {
	if le.hr != nil {
		return checkLeanBody(le.hr, pb, signer)
	}
	e, err := le.sigstore()
	if err != nil {
		return err
	}
	var body v1Body
	if err := json.Unmarshal(e.TransparencyLogEntry().GetCanonicalizedBody(), &body); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	kind := e.TransparencyLogEntry().GetKindVersion().GetKind()
	var sig []byte
	switch {
	case pb.GetMessageSignature() != nil:
		ms := pb.GetMessageSignature()
		sig = ms.GetSignature()
		digest, alg, ok := e.GetHashedRekordDigest()
		if !ok || kind != "hashedrekord" {
			return fmt.Errorf("a message signature needs a hashedrekord entry, not %.40q", kind)
		}
		if err := sameDigest(alg, digest, ms); err != nil {
			return err
		}
	case pb.GetDsseEnvelope() != nil:
		env := pb.GetDsseEnvelope()
		if len(env.GetSignatures()) > 0 {
			sig = env.GetSignatures()[0].GetSig()
		}
		n := len(body.Spec.Signatures)
		switch kind {
		case "dsse":
		case "intoto":
			n = len(body.Spec.Content.Envelope.Signatures)
			if body.Spec.Content.Envelope.PayloadType != env.GetPayloadType() {
				return fmt.Errorf("the entry body's payload type %.100q is not the envelope's", body.Spec.Content.Envelope.PayloadType)
			}
		default:
			return fmt.Errorf("an envelope needs a dsse or intoto entry, not %.40q", kind)
		}
		if n != len(env.GetSignatures()) {
			return fmt.Errorf("the entry body has %d signatures, the envelope %d", n, len(env.GetSignatures()))
		}
		got, ok := e.GetDssePayloadHash()
		want := sha256.Sum256(env.GetPayload())
		if !ok || !bytes.Equal(got, want[:]) {
			return fmt.Errorf("the entry body's payload hash %x is not the envelope payload's %x", got, want)
		}
	default:
		return errors.New("bundle has no signature")
	}
	if !bytes.Equal(e.Signature(), sig) {
		return errors.New("the entry body holds another signature")
	}
	switch want := signer.(type) {
	case *x509.Certificate:
		if got, ok := e.PublicKey().(*x509.Certificate); !ok || !got.Equal(want) {
			return &keyMismatch{"certificate"}
		}
	case crypto.PublicKey:
		got := e.PublicKey()
		if _, isCert := got.(*x509.Certificate); isCert || got == nil {
			return &keyMismatch{"key"}
		}
		if k, ok := want.(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(got) {
			return &keyMismatch{"key"}
		}
	default:
		return errors.New("no signer to compare")
	}
	return nil
}

// checkLeanBody is checkV1Body for a body leanHashedRekord read: its
// certificate is the bundle's leaf (leanHashedRekord compared the DER),
// which signer, the leaf, is.
func checkLeanBody(hr *leanEntry, pb *protobundle.Bundle, signer any) error {
	ms := pb.GetMessageSignature()
	if ms == nil {
		return errors.New("a hashedrekord entry needs a message signature")
	}
	if err := sameDigest(hr.alg, hr.digest, ms); err != nil {
		return err
	}
	if !bytes.Equal(hr.sig, ms.GetSignature()) {
		return errors.New("the entry body holds another signature")
	}
	if _, ok := signer.(*x509.Certificate); !ok {
		return &keyMismatch{"key"}
	}
	return nil
}

// sameDigest checks that a hashedrekord body's digest is the message
// signature's.
func sameDigest(alg string, digest []byte, ms *protocommon.MessageSignature) error {
	want, ok := hashAlgs[ms.GetMessageDigest().GetAlgorithm()]
	if !ok || !strings.EqualFold(alg, want) || !bytes.Equal(digest, ms.GetMessageDigest().GetDigest()) {
		return fmt.Errorf("the entry body signs %s:%x, the bundle %s:%x", alg, digest, want, ms.GetMessageDigest().GetDigest())
	}
	return nil
}

// bundleSigner returns the key or certificate the log entries must name:
// the leaf certificate, or the policy key tm resolves the bundle's hint to.
func bundleSigner(vc sgverify.VerificationContent, tm root.TrustedMaterial) (any, error) {
	if c := vc.Certificate(); c != nil {
		return c, nil
	}
	pk := vc.PublicKey()
	if pk == nil {
		return nil, errors.New("no certificate or public key")
	}
	v, err := tm.PublicKeyVerifier(pk.Hint())
	if err != nil {
		return nil, err
	}
	return v.PublicKey()
}
