package verify

import (
	"context"
	"crypto/x509"

	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/chainproof/chainproof/attest"
)

// CryptoRuns counts cryptographic verifications, for tests that count work.
var CryptoRuns = &cryptoRuns

// EventKey is eventKey, the identity of a signing event.
var EventKey = eventKey

// VerifySCTs is verifySCTs, the native check of a leaf's embedded SCTs.
var VerifySCTs = verifySCTs

// UseSigstoreGo routes every bundle through sigstore-go's Verifier.Verify
// instead of verify's own pipeline, until restore is called. Not safe for
// parallel tests.
func UseSigstoreGo() (restore func()) {
	pipeline = sigstoreGoVerify
	return func() { pipeline = verifyEntity }
}

// sigstoreGoVerify verifies a bundle the way sigstore-go does on its own:
// Verifier.Verify with ck as its options, the artifact digest (each of ds
// in turn) and no identity policy (identities are checked afterwards, as
// on verify's own path); a DSSE statement is then read from the verified
// payload.
func sigstoreGoVerify(ctx context.Context, ck checks, ent *entity, tm root.TrustedMaterial, ds []digest) (*sgverify.VerificationResult, *Statement, digest, error) {
	sv, err := sgverify.NewVerifier(tm, ck.sgOptions()...)
	if err != nil {
		return nil, nil, digest{}, fail(CheckPolicy, ErrPolicy, err)
	}
	vc, err := ent.VerificationContent()
	if err != nil {
		return nil, nil, digest{}, err
	}
	id := sgverify.WithoutIdentitiesUnsafe()
	if vc.Certificate() == nil {
		id = sgverify.WithKey()
	}
	var last error
	for _, d := range ds {
		res, err := sv.Verify(ent, sgverify.NewPolicy(sgverify.WithArtifactDigest(d.alg, d.sum), id))
		if err != nil {
			last = err
			continue
		}
		env := ent.b.b.GetDsseEnvelope()
		if env == nil {
			return res, nil, d, nil
		}
		payload := env.GetPayload()
		ast, err := attest.ParseStatement(payload)
		if err != nil {
			return nil, nil, digest{}, fail(CheckPredicate, ErrPredicate, err)
		}
		return res, &Statement{Statement: *ast, Payload: payload}, d, nil
	}
	return nil, nil, digest{}, last
}

// NewFastCA is newFastCA: a Fulcio CA whose intermediate-by-root check is
// done once (chaincache.go).
func NewFastCA(ca root.CertificateAuthority) root.CertificateAuthority { return newFastCA(ca) }

// IsFastCA reports whether ca is a fastCA.
func IsFastCA(ca root.CertificateAuthority) bool { _, ok := ca.(*fastCA); return ok }

// MaterialFor is (*TrustedRoot).materialFor.
func MaterialFor(t *TrustedRoot, bundleIntermediates []*x509.Certificate) root.TrustedMaterial {
	return t.materialFor(bundleIntermediates)
}
