package verify

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"

	"github.com/chainproof/chainproof/attest"
)

// Options configures a Verifier. The zero value verifies against the
// embedded public-good trusted root with the strictest settings.
type Options struct {
	// TrustedRoot is the trust material; nil means PublicGood().
	TrustedRoot *TrustedRoot
	// AllowUnloggedKeys accepts a bundle signed by one of the policy's
	// PublicKeys that carries no transparency log entry (what sign makes
	// with sign.Options.NoLog). Any log entry or timestamp it does carry
	// must still verify, and certificate-signed bundles are unaffected.
	// Such a signature is trusted without any evidence of when it was
	// made or that it was ever published: a stolen key can sign anything
	// unnoticed, and a revoked key's old signatures cannot be told from
	// new ones. Use it only for keys kept offline and closed systems.
	AllowUnloggedKeys bool
}

// Verifier verifies bundles against one trusted root. It is safe for
// concurrent use; reuse one Verifier for many bundles.
type Verifier struct {
	trust *TrustedRoot
	// allowUnloggedKeys is Options.AllowUnloggedKeys.
	allowUnloggedKeys bool
	// memo, set only on VerifyAll's private copy, keeps each bundle's
	// cryptographic outcome across the requirements of one call.
	memo *cryptoMemo
}

// cryptoMemo remembers, for one artifact, what the cryptographic checks
// of a bundle gave: they do not depend on the policy's identities or
// predicate, only (for key-signed bundles) on the key tried.
type cryptoMemo struct {
	m map[cryptoKey]cryptoOutcome
}

type cryptoKey struct {
	b   *Bundle
	key string // "" for certificate bundles; the key's fingerprint otherwise
}

type cryptoOutcome struct {
	res *sgverify.VerificationResult
	st  *Statement
	d   digest
	err error
}

// cryptoRuns counts cryptographic verifications (tests count work with it).
var cryptoRuns atomic.Int64

// New returns a Verifier for opts.
func New(opts Options) (*Verifier, error) {
	t := opts.TrustedRoot
	if t == nil {
		var err error
		if t, err = PublicGood(); err != nil {
			return nil, err
		}
	}
	return &Verifier{trust: t, allowUnloggedKeys: opts.AllowUnloggedKeys}, nil
}

// Verify parses one bundle (JSON, any supported version) and verifies it
// against artifact and policy under opts. It is the one-call entry point;
// use New and (*Verifier).Verify to verify many bundles.
func Verify(ctx context.Context, bundleJSON []byte, artifact Artifact, policy Policy, opts Options) (*Result, error) {
	v, err := New(opts)
	if err != nil {
		return nil, err
	}
	b, err := ParseBundle(bundleJSON)
	if err != nil {
		return nil, err
	}
	return v.Verify(ctx, b, artifact, policy)
}

// Verify verifies b against artifact and policy. On failure it returns an
// *Error naming the failed check. The checks run in this order: policy,
// bundle shape, artifact digest (message signatures), transparency log,
// timestamps, certificate chain and SCT, signature and artifact, identity
// or key, predicate.
func (v *Verifier) Verify(ctx context.Context, b *Bundle, artifact Artifact, policy Policy) (*Result, error) {
	cp, err := policy.compile()
	if err != nil {
		return nil, err
	}
	if b == nil || b.b == nil {
		return nil, failf(CheckBundle, ErrBundle, "nil bundle")
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(CheckPolicy, ErrVerification, err)
	}
	return v.verify(ctx, b, artifact, cp)
}

func (v *Verifier) verify(ctx context.Context, b *Bundle, artifact Artifact, cp *compiledPolicy) (*Result, error) {
	sb := b.b
	// Bundle shape and the artifact digest it needs.
	alg := "sha256"
	msg := sb.GetMessageSignature()
	env := sb.GetDsseEnvelope()
	switch {
	case msg != nil:
		if cp.p.Attestation != nil {
			return nil, failf(CheckPredicate, ErrPredicate, "policy requires an attestation; bundle holds a message signature")
		}
		if md := msg.GetMessageDigest(); md != nil {
			a, ok := hashAlgs[md.GetAlgorithm()]
			if !ok {
				return nil, failf(CheckBundle, ErrBundle, "unsupported message digest algorithm %s", md.GetAlgorithm())
			}
			alg = a
		}
	case env != nil:
		if env.GetPayloadType() != attest.PayloadType && cp.p.Attestation != nil {
			return nil, failf(CheckPredicate, ErrPredicate, "payload type %q is not an in-toto statement", env.GetPayloadType())
		}
	}
	// An attestation's subjects may carry any digest: a file or reader is
	// hashed (once) with SHA-256 and SHA-512, a given digest is used with
	// its own algorithm.
	var ds []digest
	if env != nil {
		var err error
		if ds, err = artifact.resolveSubjectDigests(ctx); err != nil {
			return nil, err
		}
	} else {
		d, err := artifact.resolve(ctx, alg)
		if err != nil {
			return nil, err
		}
		ds = []digest{d}
	}
	d := ds[0]
	if msg != nil && msg.GetMessageDigest() != nil && !bytesEqual(msg.GetMessageDigest().GetDigest(), d.sum) {
		return nil, failf(CheckArtifact, ErrArtifact, "another artifact: its %s is %s, the bundle signed %s (a different or modified file?)", alg, hex.EncodeToString(d.sum), hex.EncodeToString(msg.GetMessageDigest().GetDigest()))
	}

	ent := newEntity(b)
	vc, err := ent.VerificationContent()
	if err != nil {
		return nil, fail(CheckBundle, ErrBundle, err)
	}
	keyed := vc.Certificate() == nil
	ck, err := v.checksFor(sb, keyed)
	if err != nil {
		return nil, err
	}
	// run verifies the bundle under tm through pipeline (pipeline.go),
	// which also decodes a DSSE bundle's statement.
	var st *Statement
	var runCrypto func(tm root.TrustedMaterial) (*sgverify.VerificationResult, error)
	run := func(tm root.TrustedMaterial, memoKey string) (*sgverify.VerificationResult, error) {
		if v.memo != nil {
			if o, ok := v.memo.m[cryptoKey{b, memoKey}]; ok {
				st, d = o.st, o.d
				return o.res, o.err
			}
		}
		res, err := runCrypto(tm)
		if v.memo != nil && ctx.Err() == nil {
			v.memo.m[cryptoKey{b, memoKey}] = cryptoOutcome{res: res, st: st, d: d, err: err}
		}
		return res, err
	}
	runCrypto = func(tm root.TrustedMaterial) (*sgverify.VerificationResult, error) {
		cryptoRuns.Add(1)
		signer, err := bundleSigner(vc, tm)
		if err != nil {
			return nil, fail(CheckSignature, ErrSignature, err)
		}
		if err := checkLogBinding(ctx, b, v.trust.material, v.trust.source, signer, keyed); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, fail(CheckTransparencyLog, ErrVerification, err)
		}
		var res *sgverify.VerificationResult
		res, st, d, err = pipeline(ctx, ck, ent, tm, ds)
		if err != nil {
			if e, ok := asError(err); ok {
				return nil, e // typed where it arose
			}
			return nil, classify(err, keyed)
		}
		return res, nil
	}

	var (
		sgres    *sgverify.VerificationResult
		keyIndex = -1
	)
	if !keyed {
		if len(cp.ids) == 0 {
			return nil, failf(CheckIdentity, ErrIdentity, "bundle is signed with a certificate; the policy accepts only public keys")
		}
		var err error
		if sgres, err = run(v.trust.materialFor(vc.Intermediates()), ""); err != nil {
			return nil, err
		}
	} else {
		if len(cp.p.PublicKeys) == 0 {
			return nil, failf(CheckIdentity, ErrIdentity, "bundle is signed with a public key; the policy accepts only certificate identities")
		}
		var best *Error
		var mismatches []IdentityMismatch
		logKeys := logEntryKeys(sb.GetVerificationMaterial().GetTlogEntries())
		for i, k := range cp.p.PublicKeys {
			if err := ctx.Err(); err != nil {
				return nil, fail(CheckSignature, ErrVerification, err)
			}
			// A key the log entries do not name cannot verify them: say
			// so (an identity mismatch) instead of failing the inclusion
			// proof that sigstore-go would rebuild with this key.
			if fp, err := keyFingerprint(k); err == nil && len(logKeys) > 0 && !logKeys[fp] {
				got := make([]string, 0, len(logKeys))
				for g := range logKeys {
					got = append(got, g)
				}
				sort.Strings(got)
				mismatches = append(mismatches, IdentityMismatch{Index: i, Identity: fmt.Sprintf("public key %d (%s)", i, fp), Field: "key", Want: fp, Got: strings.Join(got, ", ")})
				continue
			}
			tm, err := keyMaterial(k, env == nil)
			if err != nil {
				return nil, fail(CheckPolicy, ErrPolicy, fmt.Errorf("publicKeys[%d]: %w", i, err))
			}
			memoKey := fmt.Sprintf("key:%p", k)
			if fp, err := keyFingerprint(k); err == nil {
				memoKey = "key:" + fp
			}
			res, err := run(root.TrustedMaterialCollection{tm, v.trust.material}, memoKey)
			if err == nil {
				sgres, keyIndex = res, i
				break
			}
			e := err.(*Error)
			if e.Check == CheckPolicy {
				return nil, e
			}
			if e.Check == CheckIdentity {
				mismatches = append(mismatches, IdentityMismatch{Index: i, Identity: fmt.Sprintf("public key %d (%T)", i, k), Field: "key", Want: "a signature by this key", Got: e.Err.Error()})
			} else if best == nil {
				best = e
			}
		}
		if sgres == nil {
			if best != nil {
				return nil, best
			}
			e := failf(CheckIdentity, ErrIdentity, "bundle not signed by any of the policy's %d public keys", len(cp.p.PublicKeys))
			e.Mismatches = mismatches
			return nil, e
		}
	}

	res := &Result{
		MediaType:   sb.MediaType,
		TrustedRoot: v.trust.source,
		Artifact:    d.String(),
		Identity:    -1,
		PublicKey:   keyIndex,
	}
	for _, ts := range sgres.VerifiedTimestamps {
		kind := "tsa"
		if ts.Type == "Tlog" {
			kind = "tlog"
		}
		res.Timestamps = append(res.Timestamps, Timestamp{Kind: kind, URI: ts.URI, Time: ts.Timestamp.UTC()})
	}
	for _, e := range sb.GetVerificationMaterial().GetTlogEntries() {
		le := LogEntry{
			LogID:          hex.EncodeToString(e.GetLogId().GetKeyId()),
			LogIndex:       e.GetLogIndex(),
			Kind:           e.GetKindVersion().GetKind(),
			Version:        e.GetKindVersion().GetVersion(),
			InclusionProof: e.GetInclusionProof() != nil,
			Promise:        e.GetInclusionPromise() != nil,
		}
		// The integrated time is signed only by a promise (verified by
		// checkLogBinding); without one it is the bundle author's word.
		if t := e.GetIntegratedTime(); t != 0 && le.Promise {
			le.IntegratedTime = unixUTC(t)
		}
		res.LogEntries = append(res.LogEntries, le)
	}

	if !keyed {
		cert := summarize(vc.Certificate(), sgres.Signature.Certificate)
		res.Certificate = cert
		var mismatches []IdentityMismatch
		for i, id := range cp.ids {
			if m := id.mismatch(i, cert); m != nil {
				mismatches = append(mismatches, *m)
				continue
			}
			res.Identity, res.IdentityString = i, id.id.String()
			break
		}
		if res.Identity < 0 {
			e := failf(CheckIdentity, ErrIdentity, "the certificate names %q, issuer %q", cert.SAN, cert.Issuer)
			e.Certificate, e.Mismatches = cert, mismatches
			return nil, e
		}
	}

	if st != nil {
		// Read by verifyEntity from the verified payload with
		// attest.ParseStatement.
		res.Statement = st
	}
	if cp.p.Attestation != nil {
		st := res.Statement
		if st == nil {
			return nil, failf(CheckPredicate, ErrPredicate, "no in-toto statement")
		}
		if st.PredicateType != cp.predicateType {
			return nil, failf(CheckPredicate, ErrPredicate, "predicate type %q, policy requires %q", st.PredicateType, cp.predicateType)
		}
		if cp.slsa != nil {
			if err := cp.checkSLSA(st.Predicate); err != nil {
				return nil, fail(CheckPredicate, ErrPredicate, err)
			}
		}
		if cp.p.Attestation.SameRepository {
			if st.PredicateType != PredicateSLSAProvenanceV1 {
				return nil, failf(CheckPredicate, ErrPredicate, "sameRepository applies to %s predicates, not %q", PredicateSLSAProvenanceV1, st.PredicateType)
			}
			if err := checkSameRepository(res.Certificate, st.Predicate); err != nil {
				return nil, fail(CheckPredicate, ErrPredicate, err)
			}
		}
	}
	return res, nil
}

var hashAlgs = map[protocommon.HashAlgorithm]string{
	protocommon.HashAlgorithm_SHA2_256: "sha256",
	protocommon.HashAlgorithm_SHA2_384: "sha384",
	protocommon.HashAlgorithm_SHA2_512: "sha512",
}

// checksFor derives what the bundle must show from the trust profile and
// the bundle: every timestamp and log entry present must verify, and at
// least one observer timestamp is always required.
func (v *Verifier) checksFor(b *bundle.Bundle, keyed bool) (checks, error) {
	var ck checks
	ts, err := b.Timestamps()
	if err != nil {
		return ck, fail(CheckBundle, ErrBundle, err)
	}
	if keyed && v.allowUnloggedKeys && len(b.GetVerificationMaterial().GetTlogEntries()) == 0 {
		ck.signed = len(ts)
		ck.noTimestamp = len(ts) == 0
		return ck, nil
	}
	promise := false
	switch v.trust.profile {
	case ProfileTransparencyLog:
		if len(b.GetVerificationMaterial().GetTlogEntries()) == 0 {
			hint := ""
			if keyed {
				hint = " (a bundle signed with a key and no log, sign.Options.NoLog, verifies only under Options.AllowUnloggedKeys)"
			}
			return ck, failf(CheckTransparencyLog, ErrTransparencyLog, "the bundle has no log entry, and the trusted root (%s) requires one%s", v.trust.source, hint)
		}
		ck.tlog, ck.sct = true, !keyed
		promise = hasInclusionPromise(b)
		ck.integrated = promise
	case ProfileTimestampOnly:
		if len(ts) == 0 {
			return ck, failf(CheckTimestamp, ErrTimestamp, "trusted root profile %s requires an RFC 3161 timestamp; bundle has none", v.trust.profile)
		}
	}
	switch {
	case len(ts) > 0:
		ck.signed = len(ts)
	case !promise:
		ck.observer = true
	}
	return ck, nil
}

// keyMaterial trusts k for any key hint, at any time. An Ed25519 key
// verifies message signatures as Ed25519ph (they sign the artifact's
// digest, Sigstore's PKIX_ED25519_PH) and DSSE signatures as pure Ed25519
// (over the PAE, PKIX_ED25519).
func keyMaterial(k crypto.PublicKey, messageSignature bool) (root.TrustedMaterial, error) {
	var opts []signature.LoadOption
	if _, ok := k.(ed25519.PublicKey); ok && messageSignature {
		opts = append(opts, options.WithED25519ph())
	}
	sv, err := signature.LoadDefaultVerifier(k, opts...)
	if err != nil {
		return nil, err
	}
	ek := root.NewExpiringKey(sv, zeroTime, zeroTime)
	return root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return ek, nil }), nil
}

func summarize(c *x509.Certificate, s *certificate.Summary) *Certificate {
	out := &Certificate{NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()}
	if s != nil {
		out.SAN, out.Issuer, out.CA, out.Extensions = s.SubjectAlternativeName, s.Extensions.Issuer, s.CertificateIssuer, s.Extensions
	}
	return out
}

// classify maps an error from sigstore-go's Verifier.Verify to the check
// that failed. sigstore-go v1.3.0 runs, in order: log inclusion, observer
// timestamps, verification content, certificate chain at each verified
// time, SCTs, signature (with artifact), statement; its errors are wrapped
// with a fixed prefix per stage, which is what is matched here.
func classify(err error, keyed bool) *Error {
	// sigstore-go's errors begin with a fixed text naming the stage and end
	// with a fixed leaf; anything a bundle's author wrote can only sit in
	// between. So stages are matched by prefix and causes by suffix, never
	// by substring, and the author cannot steer the reported check.
	msg := err.Error()
	pre := func(s string) bool { return strings.HasPrefix(msg, s) }
	leaf := func(s string) bool { return strings.HasSuffix(msg, s) }
	switch {
	case pre("failed to build policy"):
		return fail(CheckPolicy, ErrPolicy, err)
	case pre("failed to verify log inclusion"):
		switch {
		case leaf("integrated time outside certificate validity"):
			return fail(CheckCertificate, ErrCertificate, err)
		case keyed && leaf("transparency log certificate does not match"):
			return fail(CheckIdentity, ErrIdentity, err)
		}
		return fail(CheckTransparencyLog, ErrTransparencyLog, err)
	case pre("failed to verify timestamps"):
		return fail(CheckTimestamp, ErrTimestamp, err)
	case pre("failed to fetch verification content"),
		pre("failed to fetch signature content"),
		pre("failed to fetch entity version"):
		return fail(CheckBundle, ErrBundle, err)
	case pre("expected key signature, not certificate"),
		pre("can't verify certificate identities"):
		return fail(CheckIdentity, ErrIdentity, err)
	case pre("failed to summarize certificate"),
		pre("failed to verify leaf certificate"),
		pre("must provide timestamp to verify certificate"):
		return fail(CheckCertificate, ErrCertificate, err)
	case pre("failed to verify signed certificate timestamp"),
		pre("SCTs required"):
		return fail(CheckCertificate, ErrSCT, err)
	case pre("signature time outside of public key validity window"):
		return fail(CheckTimestamp, ErrTimestamp, err)
	case pre("failed to get signature verifier"):
		return fail(CheckSignature, ErrSignature, err)
	case pre("failed to verify signature"):
		if leaf("does not match digest") || leaf("does not match message digest") ||
			leaf("does not match digests in statement") || leaf("does not match any digest in statement") ||
			leaf("no matching artifact hash algorithm found in subject digests") || leaf("not just their digest") {
			return fail(CheckArtifact, ErrArtifact, err)
		}
		return fail(CheckSignature, ErrSignature, err)
	case pre("failed to fetch envelope statement"):
		return fail(CheckPredicate, ErrPredicate, err)
	}
	return fail(CheckSignature, ErrVerification, err)
}
