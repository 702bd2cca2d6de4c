package verify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	rekorutil "github.com/sigstore/rekor/pkg/util"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
	merkleproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// checks is what one bundle must show under the trust profile: the
// requirements sigstore-go calls VerifierOptions (checks.sgOptions gives
// them in that form, for the reference path of the differential test).
type checks struct {
	tlog        bool // every log entry verified, at least one
	sct         bool // an SCT of a trusted CT log in the leaf
	integrated  bool // a verified promise's integrated time is a timestamp
	signed      int  // RFC 3161 timestamps that must all verify
	observer    bool // at least one timestamp of either kind
	noTimestamp bool // a key-signed bundle without log or timestamp
}

// sgOptions is c as sigstore-go's verifier options.
func (c checks) sgOptions() []sgverify.VerifierOption {
	o := []sgverify.VerifierOption{sgverify.WithoutStatementPredicate()}
	if c.noTimestamp {
		return append(o, sgverify.WithNoObserverTimestamps())
	}
	if c.tlog {
		o = append(o, sgverify.WithTransparencyLog(1))
	}
	if c.sct {
		o = append(o, sgverify.WithSignedCertificateTimestamps(1))
	}
	if c.integrated {
		o = append(o, sgverify.WithIntegratedTimestamps(1))
	}
	if c.signed > 0 {
		o = append(o, sgverify.WithSignedTimestamps(c.signed))
	}
	if c.observer {
		o = append(o, sgverify.WithObserverTimestamps(1))
	}
	return o
}

// pipeline is the one seam between verify's own verification of a bundle
// and sigstore-go's Verifier.Verify: verifyEntity in production,
// sigstore-go's in the differential test (export_test.go), which must agree
// on every bundle.
var pipeline = verifyEntity

// verifyEntity runs the stages of sigstore-go's Verifier.Verify (v1.3.0)
// for a message signature or a DSSE envelope: log entries, observer
// timestamps, the certificate chain at each verified time and its SCT (or
// the key's validity window), then the signature over the artifact digest
// d or the envelope's PAE and the statement's subjects against ds. Its
// errors carry Verifier.Verify's stage prefixes, for classify.
//
// Why not call Verifier.Verify: it verifies each promise (SET) a second
// time after checkLogBinding, through an allocating JSON canonicalizer;
// re-parses the certificates with certificate-transparency-go for the SCT
// (verifySCTs, sct.go); and for DSSE re-encodes and copies the payload
// five times. Here the stages sigstore-go's exported functions do without
// that cost stay theirs (RFC 3161 timestamps, Rekor v2 entries; rekor's
// inclusion proof and checkpoint checks), and the rest is the same rules
// on what ParseBundle already parsed. TestDifferentialPipeline holds both
// to the same answers.
func verifyEntity(ctx context.Context, ck checks, ent *entity, tm root.TrustedMaterial, ds []digest) (res *sgverify.VerificationResult, st *Statement, matched digest, err error) {
	stage := func(c Check) error {
		if err := ctx.Err(); err != nil {
			return fail(c, ErrVerification, err)
		}
		return nil
	}
	var logTs []sgverify.TimestampVerificationResult
	if ck.tlog {
		if logTs, err = verifyLogEntries(ent, tm, 1, ck.integrated || ck.observer); err != nil {
			return nil, nil, digest{}, fmt.Errorf("failed to verify log inclusion: %w", err)
		}
	}
	if err := stage(CheckTimestamp); err != nil {
		return nil, nil, digest{}, err
	}
	tss, err := observerTimestamps(ent, tm, ck, logTs)
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
	msg := ent.GetMessageSignature()
	res = sgverify.NewVerificationResult()
	var verifiers []signature.Verifier
	if leaf := vc.Certificate(); leaf != nil {
		if ck.noTimestamp {
			return nil, nil, digest{}, errors.New("must provide timestamp to verify certificate")
		}
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
		if ck.sct {
			if err := verifySCTs(chains, 1, tm.CTLogs()); err != nil {
				return nil, nil, digest{}, fmt.Errorf("failed to verify signed certificate timestamp: %w", err)
			}
		}
		res.Signature = &sgverify.SignatureVerificationResult{Certificate: &summary}
		version, err := ent.Version()
		if err != nil {
			return nil, nil, digest{}, fmt.Errorf("failed to fetch entity version: %w", err)
		}
		if verifiers, err = leafVerifiers(leaf, version, msg != nil); err != nil {
			return nil, nil, digest{}, fmt.Errorf("failed to get signature verifier: %w", err)
		}
	} else if pk := vc.PublicKey(); pk != nil {
		for _, ts := range tss {
			if !vc.ValidAtTime(ts.Timestamp, tm) {
				return nil, nil, digest{}, failf(CheckTimestamp, ErrTimestamp, "signature time outside of public key validity window")
			}
		}
		if ck.sct {
			return nil, nil, digest{}, failf(CheckCertificate, ErrSCT, "SCTs required but bundle is signed with a public key, which cannot contain SCTs")
		}
		kv, err := tm.PublicKeyVerifier(pk.Hint())
		if err != nil {
			return nil, nil, digest{}, fmt.Errorf("failed to get signature verifier: %w", err)
		}
		verifiers = keyVerifiers(kv, msg != nil)
		hint := []byte(pk.Hint())
		res.Signature = &sgverify.SignatureVerificationResult{PublicKeyID: &hint}
	} else {
		return nil, nil, digest{}, failf(CheckSignature, ErrSignature, "failed to get signature verifier: no public key or certificate found")
	}

	if err := stage(CheckSignature); err != nil {
		return nil, nil, digest{}, err
	}
	if msg != nil {
		if len(ds) != 1 {
			return nil, nil, digest{}, errors.New("failed to verify signature: only one artifact can be verified with a message signature")
		}
		if err := verifyMessage(verifiers, msg.GetSignature(), msg.GetMessageDigest().GetDigest(), ds[0].sum); err != nil {
			return nil, nil, digest{}, fmt.Errorf("failed to verify signature: %w", err)
		}
		res.VerifiedTimestamps = tss
		return res, nil, ds[0], nil
	}
	env := ent.GetDsseEnvelope()
	if env == nil {
		return nil, nil, digest{}, errors.New("failed to fetch signature content: bundle has neither a message signature nor an envelope")
	}
	if err := verifyEnvelope(verifiers, env); err != nil {
		return nil, nil, digest{}, fail(CheckSignature, ErrSignature, fmt.Errorf("failed to verify signature: could not verify envelope: %w", err))
	}
	if err := checkKeyID(verifiers[0], env); err != nil {
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

// checkKeyID refuses an envelope signature whose keyid names another key
// than v's, as sigstore-go's envelope verifier (go-securesystemslib's
// EnvelopeVerifier) does: it skips a key whose SHA-256 fingerprint is
// not a non-empty keyid. An empty keyid, or a key without a fingerprint,
// names any key.
func checkKeyID(v signature.Verifier, env *protodsse.Envelope) error {
	sigs := env.GetSignatures()
	if len(sigs) != 1 || sigs[0].GetKeyid() == "" {
		return nil
	}
	pub, err := v.PublicKey()
	if err != nil {
		return err
	}
	want, err := ssldsse.SHA256KeyID(pub)
	if err != nil || want == "" {
		return nil
	}
	if sigs[0].GetKeyid() != want {
		return fmt.Errorf("the signature's keyid %.100q is not the key's %s", sigs[0].GetKeyid(), want)
	}
	return nil
}

// keyVerifiers is the verifier the trusted material gave for the bundle's
// key hint; for DSSE an Ed25519 key may also have signed as Ed25519ph
// (Rekor v2 logs DSSE as a hashedrekord of the PAE, which needs a prehash
// algorithm; sigstore-go signs it that way), pure Ed25519 otherwise
// (Rekor v1 dsse entries).
func keyVerifiers(kv signature.Verifier, messageSignature bool) []signature.Verifier {
	out := []signature.Verifier{kv}
	if messageSignature {
		return out
	}
	if pub, err := kv.PublicKey(); err == nil {
		if edk, ok := pub.(ed25519.PublicKey); ok {
			if ph, err := signature.LoadED25519phVerifier(edk); err == nil {
				out = append(out, ph)
			}
		}
	}
	return out
}

// leafVerifiers returns the verifiers sigstore-go accepts for a signature
// by leaf: the key's default algorithm (Ed25519ph for a message
// signature, pure Ed25519 for DSSE) and, for bundles up to v0.3, ECDSA
// P-384/P-521 with SHA-256 as older clients signed.
func leafVerifiers(leaf *x509.Certificate, version string, messageSignature bool) ([]signature.Verifier, error) {
	var opts []signature.LoadOption
	if messageSignature {
		opts = append(opts, options.WithED25519ph())
	}
	v, err := signature.LoadDefaultVerifier(leaf.PublicKey, opts...)
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
	cv, err := signature.LoadVerifierFromAlgorithmDetails(leaf.PublicKey, ad, opts...)
	if err != nil {
		return nil, err
	}
	return append(out, cv), nil
}

// verifyMessage checks a message signature over the artifact digest
// artifact, which must be the digest the bundle signed.
func verifyMessage(verifiers []signature.Verifier, sig, signed, artifact []byte) error {
	if !bytes.Equal(artifact, signed) {
		return errors.New("artifact does not match digest")
	}
	if len(verifiers) == 1 {
		if _, ok := verifiers[0].(*signature.ED25519Verifier); ok {
			return errors.New("message signatures with ed25519 signatures can only be verified with artifacts, and not just their digest")
		}
	}
	var err error
	for _, v := range verifiers {
		if err = v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(nil), options.WithDigest(artifact)); err == nil {
			return nil
		}
	}
	return fmt.Errorf("could not verify message: %w", err)
}

// observerTimestamps is sigstore-go's Verifier.VerifyObserverTimestamps
// under ck: the RFC 3161 timestamps (all of them when ck.signed), the log
// entries' integrated times, and at least one timestamp of either kind.
func observerTimestamps(ent *entity, tm root.TrustedMaterial, ck checks, logTs []sgverify.TimestampVerificationResult) ([]sgverify.TimestampVerificationResult, error) {
	var out []sgverify.TimestampVerificationResult
	tsa := func(ts []*root.Timestamp) {
		for _, t := range ts {
			out = append(out, sgverify.TimestampVerificationResult{Type: "TimestampAuthority", URI: t.URI, Timestamp: t.Time})
		}
	}
	if ck.signed > 0 {
		ts, err := sgverify.VerifySignedTimestampWithThreshold(ent, tm, ck.signed)
		if err != nil {
			return nil, err
		}
		tsa(ts)
	}
	if ck.integrated {
		if len(logTs) < 1 {
			return nil, fmt.Errorf("threshold not met for verified log entry integrated timestamps: %d < 1", len(logTs))
		}
		out = append(out, logTs...)
	}
	if ck.observer {
		ts, errs, err := sgverify.VerifySignedTimestamp(ent, tm)
		if err != nil {
			return nil, fmt.Errorf("failed to verify signed timestamps: %w", err)
		}
		if n := len(ts) + len(logTs); n < 1 {
			return nil, fmt.Errorf("threshold not met for verified signed & log entry integrated timestamps: %d < 1; error: %w", n, errors.Join(errs...))
		}
		out = append(out, logTs...)
		tsa(ts)
	}
	if len(out) == 0 && !ck.noTimestamp {
		return nil, errors.New("no valid observer timestamps found")
	}
	return out, nil
}

// maxLogEntries is sigstore-go's bound on a bundle's log entries.
const maxLogEntries = 32

// rekorV1Origin is how a Rekor v1 checkpoint's origin line ends: the tree
// ID. sigstore-go verifies a checkpoint of this form as Rekor v1's signed
// tree head, any other as a Rekor v2 note.
var rekorV1Origin = regexp.MustCompile(".* - [0-9]+$")

func hasRekorV1STH(tle *protorekor.TransparencyLogEntry) bool {
	body := tle.GetInclusionProof().GetCheckpoint().GetEnvelope()
	first, _, _ := strings.Cut(body, "\n")
	return strings.Count(body, "\n") >= 3 && rekorV1Origin.MatchString(first)
}

// verifyLogEntries is sigstore-go's VerifyTlogEntry after checkLogBinding,
// which already made every entry's log a trusted one, verified every
// promise (SET) and bound every Rekor v1 body to the bundle (signature,
// key or certificate, digest or payload hash), failing where sigstore-go
// would skip the entry. What is left is done here: no duplicate entries,
// a promise or a proof on each (a proof on Rekor v2 entries), the
// inclusion proof under the log's signed checkpoint, and the integrated
// time within the certificate's validity; a verified promise's integrated
// time is a timestamp when trustIntegrated. Bundles whose entries are
// Rekor v2's (or carry a checkpoint of that form) go through
// sigstore-go's VerifyTlogEntry whole: it rebuilds their leaf from the
// bundle, and they have no promise to verify twice.
func verifyLogEntries(ent *entity, tm root.TrustedMaterial, threshold int, trustIntegrated bool) ([]sgverify.TimestampVerificationResult, error) {
	entries := ent.b.entries
	for _, e := range entries {
		if e.v2 || (e.hasProof() && !hasRekorV1STH(e.tle)) {
			ts, err := sgverify.VerifyTlogEntry(ent, tm, threshold, trustIntegrated)
			if err != nil {
				return nil, err
			}
			out := make([]sgverify.TimestampVerificationResult, 0, len(ts))
			for _, t := range ts {
				out = append(out, sgverify.TimestampVerificationResult{Type: "Tlog", URI: t.URI, Timestamp: t.Time})
			}
			return out, nil
		}
	}
	if len(entries) > maxLogEntries {
		return nil, fmt.Errorf("too many tlog entries: %d > %d", len(entries), maxLogEntries)
	}
	for i := range entries {
		for j := i + 1; j < len(entries); j++ {
			if entries[i].logKeyID() == entries[j].logKeyID() && entries[i].tle.GetLogIndex() == entries[j].tle.GetLogIndex() {
				return nil, errors.New("duplicate tlog entries found")
			}
		}
	}
	vc, err := ent.VerificationContent()
	if err != nil {
		return nil, err
	}
	logs := tm.RekorLogs()
	var out []sgverify.TimestampVerificationResult
	verified, timed := map[string]bool{}, map[string]bool{}
	for _, e := range entries {
		// checkLogEntries validated each entry (tlog.ValidateEntry, or
		// leanHashedRekord's reading of a keyless hashedrekord).
		keyID := e.logKeyID()
		log, ok := logs[hex.EncodeToString([]byte(keyID))]
		if !ok {
			continue // checkLogBinding refused it already
		}
		if !e.hasPromise() && !e.hasProof() {
			return nil, errors.New("entry must contain an inclusion proof and/or promise")
		}
		if e.hasProof() {
			v, err := signature.LoadVerifier(log.PublicKey, log.SignatureHashFunc)
			if err != nil {
				return nil, err
			}
			if err := verifyInclusionV1(e.tle, v); err != nil {
				return nil, err
			}
		}
		if t := e.integratedTime(); !t.IsZero() && !vc.ValidAtTime(t, tm) {
			return nil, errors.New("integrated time outside certificate validity")
		}
		if trustIntegrated && e.hasPromise() && !timed[keyID] {
			timed[keyID] = true
			out = append(out, sgverify.TimestampVerificationResult{Type: "Tlog", URI: log.BaseURL, Timestamp: e.integratedTime()})
		}
		verified[keyID] = true
	}
	if len(verified) < threshold {
		return nil, fmt.Errorf("not enough verified log entries from transparency log: %d < %d", len(verified), threshold)
	}
	return out, nil
}

// verifyInclusionV1 is tlog.VerifyInclusion (rekor's VerifyInclusion and
// VerifyCheckpointSignature) on the protobuf entry, without rekor's entry
// model: its hex and base64 round trips of the proof and the body were 30%
// of the bytes a verification allocated. The RFC 6962 proof of the
// entry's leaf under the proof's root hash, then the checkpoint's
// signature by v, whose root hash must be the proof's.
func verifyInclusionV1(tle *protorekor.TransparencyLogEntry, v signature.Verifier) error {
	p := tle.GetInclusionProof()
	leaf := rfc6962.DefaultHasher.HashLeaf(tle.GetCanonicalizedBody())
	if err := merkleproof.VerifyInclusion(rfc6962.DefaultHasher, uint64(p.GetLogIndex()), uint64(p.GetTreeSize()), leaf, p.GetHashes(), p.GetRootHash()); err != nil { //nolint:gosec // checkProof refused negative values
		return err
	}
	var sth rekorutil.SignedCheckpoint
	if err := sth.UnmarshalText([]byte(p.GetCheckpoint().GetEnvelope())); err != nil {
		return fmt.Errorf("unmarshalling log entry checkpoint to SignedCheckpoint: %w", err)
	}
	if !sth.Verify(v) {
		return errors.New("signature on checkpoint did not verify")
	}
	if !bytes.Equal(p.GetRootHash(), sth.Hash) {
		return fmt.Errorf("proof root hash does not match signed tree head, expected %x got %x", p.GetRootHash(), sth.Hash)
	}
	return nil
}
