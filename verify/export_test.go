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

// UseSigstoreGoDSSE routes DSSE bundles through sigstore-go's
// Verifier.Verify instead of the lean path, until restore is called. Not
// safe for parallel tests.
func UseSigstoreGoDSSE() (restore func()) {
	dssePath = sigstoreGoDSSE
	return func() { dssePath = verifyDSSE }
}

// sigstoreGoDSSE verifies a DSSE bundle the way sigstore-go does on its
// own: Verifier.Verify with the artifact digest (each of ds in turn) and
// no identity policy (identities are checked afterwards, as on the lean
// path); the statement is then read from the verified payload.
func sigstoreGoDSSE(ctx context.Context, sv *sgverify.Verifier, ent *entity, tm root.TrustedMaterial, requireSCT bool, ds []digest) (*sgverify.VerificationResult, *Statement, digest, error) {
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
		payload := ent.b.b.GetDsseEnvelope().GetPayload()
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
