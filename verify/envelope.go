package verify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"
	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/dsse"
)

// DSSE bundles are verified here rather than by sgverify.Verifier.Verify,
// whose envelope path re-encodes the payload to base64 on every access,
// decodes it again, builds the PAE in memory (and its compatibility
// verifier buffers it once more) and parses the statement a second time:
// five payload-sized copies for one attestation. The transparency log,
// observer timestamps, certificate chain and SCT checks still run in
// sigstore-go (its exported Verifier methods and functions, in the order
// and with the error prefixes of Verifier.Verify, which classify matches);
// only the envelope signature (hashed as a stream over the PAE) and the
// subject digests are checked here, on the payload the bundle already
// holds.

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

// dssePath is the one seam between verify and its memory-lean DSSE path:
// verifyDSSE in production, sigstore-go's own Verifier.Verify in the
// differential test (export_test.go), which must agree on every bundle.
var dssePath = verifyDSSE

// verifyDSSE runs, for a DSSE bundle, the steps of sigstore-go's
// Verifier.Verify: log inclusion, observer timestamps, certificate chain
// at each verified time and SCTs (or the key's validity window), then the
// envelope signature and the statement's subject digests against d. Its
// errors carry Verifier.Verify's stage prefixes, for classify.
func verifyDSSE(ctx context.Context, sv *sgverify.Verifier, ent *entity, tm root.TrustedMaterial, requireSCT bool, ds []digest) (res *sgverify.VerificationResult, st *Statement, matched digest, err error) {
	stage := func(c Check) error {
		if err := ctx.Err(); err != nil {
			return fail(c, ErrVerification, err)
		}
		return nil
	}
	logTs, err := sv.VerifyTransparencyLogInclusion(ent)
	if err != nil {
		return nil, nil, digest{}, fmt.Errorf("failed to verify log inclusion: %w", err)
	}
	if err := stage(CheckTimestamp); err != nil {
		return nil, nil, digest{}, err
	}
	tss, err := sv.VerifyObserverTimestamps(ent, logTs)
	if err != nil {
		return nil, nil, digest{}, fmt.Errorf("failed to verify timestamps: %w", err)
	}
	if err := stage(CheckCertificate); err != nil {
		return nil, nil, digest{}, err
	}
	vc, err := ent.VerificationContent()
	if err != nil {
		return nil, nil, digest{}, fmt.Errorf("failed to fetch verification content: %w", err)
	}
	res = sgverify.NewVerificationResult()
	var verifiers []signature.Verifier
	if leaf := vc.Certificate(); leaf != nil {
		summary, err := certificate.SummarizeCertificate(leaf)
		if err != nil {
			return nil, nil, digest{}, fmt.Errorf("failed to summarize certificate: %w", err)
		}
		// Fulcio may mark an OtherName SAN critical; SummarizeCertificate
		// handled it, crypto/x509 cannot.
		var unhandled []asn1.ObjectIdentifier
		for _, oid := range leaf.UnhandledCriticalExtensions {
			if !oid.Equal(cryptoutils.SANOID) {
				unhandled = append(unhandled, oid)
			}
		}
		leaf.UnhandledCriticalExtensions = unhandled
		var chains [][]*x509.Certificate
		for _, ts := range tss {
			if chains, err = verifyLeaf(ts.Timestamp, leaf, tm, vc.Intermediates()); err != nil {
				return nil, nil, digest{}, fmt.Errorf("failed to verify leaf certificate: %w", err)
			}
		}
		if requireSCT {
			if err := verifySCTs(chains, 1, tm.CTLogs()); err != nil {
				return nil, nil, digest{}, fmt.Errorf("failed to verify signed certificate timestamp: %w", err)
			}
		}
		res.Signature = &sgverify.SignatureVerificationResult{Certificate: &summary}
		version, err := ent.Version()
		if err != nil {
			return nil, nil, digest{}, fmt.Errorf("failed to fetch entity version: %w", err)
		}
		if verifiers, err = certVerifiers(leaf, version); err != nil {
			return nil, nil, digest{}, fmt.Errorf("failed to get signature verifier: %w", err)
		}
	} else if pk := vc.PublicKey(); pk != nil {
		for _, ts := range tss {
			if !vc.ValidAtTime(ts.Timestamp, tm) {
				return nil, nil, digest{}, failf(CheckTimestamp, ErrTimestamp, "signature time outside of public key validity window")
			}
		}
		if requireSCT {
			return nil, nil, digest{}, failf(CheckCertificate, ErrSCT, "SCTs required but bundle is signed with a public key, which cannot contain SCTs")
		}
		kv, err := tm.PublicKeyVerifier(pk.Hint())
		if err != nil {
			return nil, nil, digest{}, fmt.Errorf("failed to get signature verifier: %w", err)
		}
		verifiers = []signature.Verifier{kv}
		// An Ed25519 key signs DSSE as pure Ed25519 (Rekor v1 dsse entries)
		// or as Ed25519ph (Rekor v2 logs DSSE as a hashedrekord of the PAE,
		// which needs a prehash algorithm; sigstore-go signs it that way).
		if pub, err := kv.PublicKey(); err == nil {
			if edk, ok := pub.(ed25519.PublicKey); ok {
				if ph, err := signature.LoadED25519phVerifier(edk); err == nil {
					verifiers = append(verifiers, ph)
				}
			}
		}
		hint := []byte(pk.Hint())
		res.Signature = &sgverify.SignatureVerificationResult{PublicKeyID: &hint}
	} else {
		return nil, nil, digest{}, failf(CheckSignature, ErrSignature, "failed to get signature verifier: no public key or certificate found")
	}

	if err := stage(CheckSignature); err != nil {
		return nil, nil, digest{}, err
	}
	env := ent.GetDsseEnvelope()
	if err := verifyEnvelope(verifiers, env); err != nil {
		return nil, nil, digest{}, fail(CheckSignature, ErrSignature, fmt.Errorf("failed to verify signature: could not verify envelope: %w", err))
	}
	// The stages from here on read what the signer wrote: their errors are
	// typed here, never classified by their (signer-influenced) text.
	st, matched, err = checkSubjects(env, ds)
	if err != nil {
		return nil, nil, digest{}, err
	}
	res.VerifiedTimestamps = tss
	return res, st, matched, nil
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

// certVerifiers returns the verifiers sigstore-go accepts for a DSSE
// signature by leaf: the key's default algorithm (pure Ed25519 for
// Ed25519 keys) and, for bundles up to v0.3, ECDSA P-384/P-521 with
// SHA-256 as older clients signed.
func certVerifiers(leaf *x509.Certificate, version string) ([]signature.Verifier, error) {
	v, err := signature.LoadDefaultVerifier(leaf.PublicKey)
	if err != nil {
		return nil, err
	}
	out := []signature.Verifier{v}
	switch strings.TrimPrefix(version, "v") {
	case "0.1", "0.2", "0.3":
	default:
		return out, nil
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return out, nil
	}
	var details protocommon.PublicKeyDetails
	switch pub.Curve {
	case elliptic.P384():
		details = protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_256 //nolint:staticcheck // old clients
	case elliptic.P521():
		details = protocommon.PublicKeyDetails_PKIX_ECDSA_P521_SHA_256 //nolint:staticcheck // old clients
	default:
		return out, nil
	}
	ad, err := signature.GetAlgorithmDetails(details)
	if err != nil {
		return nil, err
	}
	cv, err := signature.LoadVerifierFromAlgorithmDetails(leaf.PublicKey, ad)
	if err != nil {
		return nil, err
	}
	return append(out, cv), nil
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
