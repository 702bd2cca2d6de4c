package verify

import (
	"bytes"
	"crypto/x509"
	"errors"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// fastCA verifies leaf certificates against a trusted Fulcio CA with the
// part of the chain that is the same on every call verified once: each
// trusted intermediate is checked against the root when the trusted root
// is loaded, and then serves as the trust anchor of a per-call
// crypto/x509 verification of the leaf. That per-call verification still
// applies every rule x509 applies from the leaf up to the intermediate
// (the leaf's signature by the intermediate, validity of both at the
// observed time, key usage and code-signing extended key usage, basic
// constraints, the intermediate's name and path length constraints,
// unhandled critical extensions); what it no longer repeats is the
// intermediate's signature by the root, one P-384 verification per call.
// The root's own part is checked here per call (its validity at the
// observed time) or once (it constrains nothing a Fulcio root does not:
// a CA with no name constraints, no extended key usage other than any or
// code signing, room for one intermediate).
//
// A CA whose shape falls outside this (no intermediates, an intermediate
// not issued by the root itself, name constraints or a restrictive path
// length or extended key usage on the root) is not wrapped: sigstore-go's
// FulcioCertificateAuthority verifies the whole chain every time.
// TestFastCADifferential shows both agree on accept and refuse.
type fastCA struct {
	ca      *root.FulcioCertificateAuthority
	anchors *x509.CertPool
}

// newFastCA returns ca, or a fastCA for it when its shape allows.
func newFastCA(ca root.CertificateAuthority) root.CertificateAuthority {
	fca, ok := ca.(*root.FulcioCertificateAuthority)
	if !ok || fca.Root == nil || len(fca.Intermediates) == 0 || !plainRoot(fca.Root) {
		return ca
	}
	anchors := x509.NewCertPool()
	for _, in := range fca.Intermediates {
		if !bytes.Equal(in.RawIssuer, fca.Root.RawSubject) || !in.BasicConstraintsValid || !in.IsCA {
			return ca
		}
		// The intermediate's signature by the root, once. (Its validity
		// and the root's are checked per call, at the observed time.)
		if err := in.CheckSignatureFrom(fca.Root); err != nil {
			return ca
		}
		anchors.AddCert(in)
	}
	// A leaf the root signed itself is a chain of two, verified whole.
	anchors.AddCert(fca.Root)
	return &fastCA{ca: fca, anchors: anchors}
}

// plainRoot reports whether root constrains nothing beyond what the
// per-call checks of fastCA cover.
func plainRoot(r *x509.Certificate) bool {
	if !r.BasicConstraintsValid || !r.IsCA {
		return false
	}
	if r.MaxPathLen == 0 { // room for no intermediate (-1: no limit)
		return false
	}
	if r.PermittedDNSDomainsCritical || len(r.PermittedDNSDomains) > 0 || len(r.ExcludedDNSDomains) > 0 ||
		len(r.PermittedIPRanges) > 0 || len(r.ExcludedIPRanges) > 0 || len(r.PermittedEmailAddresses) > 0 ||
		len(r.ExcludedEmailAddresses) > 0 || len(r.PermittedURIDomains) > 0 || len(r.ExcludedURIDomains) > 0 {
		return false
	}
	if len(r.UnknownExtKeyUsage) > 0 {
		return false
	}
	for _, u := range r.ExtKeyUsage {
		if u != x509.ExtKeyUsageAny && u != x509.ExtKeyUsageCodeSigning {
			return false
		}
	}
	return len(r.UnhandledCriticalExtensions) == 0
}

var (
	errCANotYetValid = errors.New("certificate is not valid yet")
	errCANoLonger    = errors.New("certificate is no longer valid")
	errRootNotValid  = errors.New("x509: the trusted root is not valid at the observed time")
)

// Verify verifies leaf at observerTimestamp, as
// root.FulcioCertificateAuthority.Verify does.
func (f *fastCA) Verify(leaf *x509.Certificate, observerTimestamp time.Time) ([][]*x509.Certificate, error) {
	if !f.ca.ValidityPeriodStart.IsZero() && observerTimestamp.Before(f.ca.ValidityPeriodStart) {
		return nil, errCANotYetValid
	}
	if !f.ca.ValidityPeriodEnd.IsZero() && observerTimestamp.After(f.ca.ValidityPeriodEnd) {
		return nil, errCANoLonger
	}
	if r := f.ca.Root; observerTimestamp.Before(r.NotBefore) || observerTimestamp.After(r.NotAfter) {
		return nil, errRootNotValid
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		CurrentTime: observerTimestamp,
		Roots:       f.anchors,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	})
	if err != nil {
		return nil, err
	}
	for i, c := range chains {
		if !c[len(c)-1].Equal(f.ca.Root) {
			chains[i] = append(c, f.ca.Root)
		}
	}
	return chains, nil
}

// fastMaterial is trusted material whose Fulcio CAs are fastCAs.
type fastMaterial struct {
	root.TrustedMaterial
	cas []root.CertificateAuthority
}

func (m *fastMaterial) FulcioCertificateAuthorities() []root.CertificateAuthority { return m.cas }

// newFastMaterial wraps tm's Fulcio CAs (see fastCA).
func newFastMaterial(tm root.TrustedMaterial) root.TrustedMaterial {
	m := &fastMaterial{TrustedMaterial: tm}
	for _, ca := range tm.FulcioCertificateAuthorities() {
		m.cas = append(m.cas, newFastCA(ca))
	}
	return m
}

// materialFor returns the trusted material to verify a bundle whose
// verification material carries intermediates (v0.1/v0.2 chains) or not:
// sigstore-go adds a bundle's intermediates only to its own
// FulcioCertificateAuthority, so such bundles get the plain material.
func (t *TrustedRoot) materialFor(bundleIntermediates int) root.TrustedMaterial {
	if bundleIntermediates > 0 {
		return t.material
	}
	t.fastOnce.Do(func() { t.fast = newFastMaterial(t.material) })
	return t.fast
}
