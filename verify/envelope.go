package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"
	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/dsse"
)

// DSSE bundles are verified by verifyEntity (pipeline.go) rather than by
// sgverify.Verifier.Verify, whose envelope path re-encodes the payload to
// base64 on every access, decodes it again, builds the PAE in memory (and
// its compatibility verifier buffers it once more) and parses the
// statement a second time: five payload-sized copies for one attestation.
// Here the envelope signature is hashed as a stream over the PAE and the
// subject digests are checked on the payload the bundle already holds.

// entity is the sigstore-go SignedEntity for one Verify call. Its DSSE
// signature content is a view of the protobuf envelope: Signature() costs
// nothing, and the base64 envelope is built only when sigstore-go's log
// check asks for it (Rekor entries for DSSE bind the payload hash). The
// log entries are the bundle's, parsed once for all calls; the
// verification content (the parsed certificate, which sigstore-go adjusts
// in place) is parsed once per call rather than at each stage.
type entity struct {
	*bundle.Bundle
	b      *Bundle
	vc     sgverify.VerificationContent
	vcErr  error
	vcDone bool
}

func newEntity(b *Bundle) *entity { return &entity{Bundle: b.b, b: b} }

func (e *entity) TlogEntries() ([]*tlog.Entry, error) { return e.b.tlogEntries() }

func (e *entity) VerificationContent() (sgverify.VerificationContent, error) {
	if !e.vcDone {
		e.vc, e.vcErr = e.Bundle.VerificationContent()
		e.vcDone = true
	}
	return e.vc, e.vcErr
}

func (e *entity) SignatureContent() (sgverify.SignatureContent, error) {
	env := e.GetDsseEnvelope()
	if env == nil {
		return e.Bundle.SignatureContent()
	}
	if env.GetPayload() == nil {
		return nil, bundle.ErrMissingEnvelope
	}
	for _, s := range env.GetSignatures() {
		if s == nil {
			return nil, bundle.ErrMissingEnvelope
		}
	}
	return envelopeView{env}, nil
}

// envelopeView implements sgverify.SignatureContent and EnvelopeContent.
type envelopeView struct{ env *protodsse.Envelope }

func (v envelopeView) Signature() []byte {
	sigs := v.env.GetSignatures()
	if len(sigs) == 0 || sigs[0].GetSig() == nil {
		return []byte{}
	}
	return sigs[0].GetSig()
}

func (v envelopeView) EnvelopeContent() sgverify.EnvelopeContent { return v }

func (v envelopeView) MessageSignatureContent() sgverify.MessageSignatureContent { return nil }

// RawEnvelope builds the base64 form sigstore-go works on; it is not kept.
func (v envelopeView) RawEnvelope() *ssldsse.Envelope {
	out := &ssldsse.Envelope{
		PayloadType: v.env.GetPayloadType(),
		Payload:     base64.StdEncoding.EncodeToString(v.env.GetPayload()),
		Signatures:  make([]ssldsse.Signature, len(v.env.GetSignatures())),
	}
	for i, s := range v.env.GetSignatures() {
		out.Signatures[i] = ssldsse.Signature{KeyID: s.GetKeyid(), Sig: base64.StdEncoding.EncodeToString(s.GetSig())}
	}
	return out
}

func (v envelopeView) Statement() (*intoto.Statement, error) {
	return (&bundle.Envelope{Envelope: v.RawEnvelope()}).Statement()
}

// verifyLeaf verifies leaf, with the bundle's intermediates, against the
// trusted Fulcio CAs at time t.
func verifyLeaf(t time.Time, leaf *x509.Certificate, tm root.TrustedMaterial, intermediates []*x509.Certificate) ([][]*x509.Certificate, error) {
	for _, ca := range tm.FulcioCertificateAuthorities() {
		if fca, ok := ca.(*root.FulcioCertificateAuthority); ok && len(intermediates) > 0 {
			c := *fca
			c.Intermediates = append(append([]*x509.Certificate{}, fca.Intermediates...), intermediates...)
			ca = &c
		}
		if chains, err := ca.Verify(leaf, t); err == nil {
			return chains, nil
		}
	}
	return nil, errors.New("leaf certificate verification failed")
}

// verifyEnvelope checks the envelope's one signature over PAE(type,
// payload), hashing the PAE as a stream: no copy of the payload is made
// (a pure Ed25519 verifier still reads the message into memory).
func verifyEnvelope(verifiers []signature.Verifier, env *protodsse.Envelope) error {
	// A DSSE envelope in a Sigstore bundle must hold exactly one signature.
	if len(env.GetSignatures()) != 1 {
		return sgverify.ErrDSSEInvalidSignatureCount
	}
	sig := env.GetSignatures()[0].GetSig()
	if len(sig) == 0 {
		return errors.New("empty signature")
	}
	// dsse owns PAE: the streamed form keeps a large payload from being
	// copied into the signed bytes.
	var err error
	for _, v := range verifiers {
		pae := dsse.PAEReader(env.GetPayloadType(), int64(len(env.GetPayload())), bytes.NewReader(env.GetPayload()))
		if err = v.VerifySignature(bytes.NewReader(sig), pae); err == nil {
			return nil
		}
	}
	return err
}

// checkSubjects parses the verified in-toto statement and checks that one
// subject carries one of the artifact's digests ds, as sigstore-go does
// for WithArtifactDigest; it returns the digest that matched. When no
// subject carries a digest of an algorithm in ds, the error names the
// algorithms the subjects do carry. The statement's predicate aliases the
// payload.
func checkSubjects(env *protodsse.Envelope, ds []digest) (*Statement, digest, error) {
	if env.GetPayloadType() != attest.PayloadType {
		return nil, digest{}, failf(CheckPredicate, ErrPredicate, "unsupported DSSE payload type %.100q (want %s)", env.GetPayloadType(), attest.PayloadType)
	}
	payload := env.GetPayload()
	ast, err := attest.ParseStatement(payload)
	if err != nil {
		return nil, digest{}, fail(CheckPredicate, ErrPredicate, fmt.Errorf("the signed in-toto statement: %w", err))
	}
	st := &Statement{Statement: *ast, Payload: payload[:len(payload):len(payload)]}
	carried := map[string]bool{}
	algFound := false
	for _, s := range st.Subject {
		for alg, hx := range s.Digest {
			carried[alg] = true
			for _, d := range ds {
				if alg == d.alg {
					// sha256/384/512 values are lowercase hex of their
					// length (attest.ParseStatement checked).
					algFound = true
					if hx == hex.EncodeToString(d.sum) {
						return st, d, nil
					}
				}
			}
		}
	}
	if !algFound {
		var have, want []string
		for alg := range carried {
			have = append(have, fmt.Sprintf("%.20q", alg))
		}
		sort.Strings(have)
		for _, d := range ds {
			want = append(want, d.alg)
		}
		return nil, digest{}, failf(CheckArtifact, ErrArtifact, "no subject of the statement has a %s digest of the artifact; the subjects carry %s", strings.Join(want, " or "), strings.Join(have, ", "))
	}
	return nil, digest{}, failf(CheckArtifact, ErrArtifact, "artifact %s matches no subject of the statement", ds[0])
}
