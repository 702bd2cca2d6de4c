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
// trusted intermediate's signature by the root is checked when the fast
// material of a TrustedRoot is built, and the intermediate then serves as
// the trust anchor of a per-call crypto/x509 verification of the leaf.
// That per-call verification still applies every rule crypto/x509
// applies from the leaf up to the intermediate: the leaf's signature by
// the intermediate (and the intermediate's basic constraints and
// certSign key usage), validity of both at the observed time, names
// chaining (issuer is the intermediate's subject), code-signing extended
// key usage nested down the chain, the intermediate's name constraints
// and path length, unhandled critical extensions of either. The root's
// part is checked per call where it depends on the time (its validity
// period, and the CA's in the trusted root) and once otherwise.
//
// What crypto/x509 would do differently with the root as the anchor is
// excluded when the fast CA is built (the CA is then not wrapped, and
// sigstore-go's FulcioCertificateAuthority verifies the whole chain on
// every call):
//
//   - the root constrains the chain: name constraints, an extended key
//     usage other than any or code signing, a path length that leaves no
//     room for one intermediate, unhandled critical extensions;
//   - an intermediate is not issued by the root itself (its issuer is not
//     the root's subject, its signature does not verify, it is not a CA),
//     or has the root's subject (so that one intermediate could chain
//     through another);
//   - an intermediate carries policy constraints or policy mappings, which
//     RFC 5280 policy processing reads only below the trust anchor.
//
// and at each call a leaf that requires an explicit policy (the one leaf
// field whose policy outcome depends on the certificates above it) is
// verified with the whole chain.
//
// TestFastCADifferential shows that this and crypto/x509's full Verify
// agree on accept and refuse for every conformance, signtest and mutated
// chain.
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
		if in == nil || !bytes.Equal(in.RawIssuer, fca.Root.RawSubject) || bytes.Equal(in.RawSubject, fca.Root.RawSubject) ||
			!in.BasicConstraintsValid || !in.IsCA || hasPolicyConstraints(in) {
			return ca
		}
		// The intermediate's signature by the root, once (CheckSignatureFrom
		// also checks the root's basic constraints and certSign usage).
		if err := in.CheckSignatureFrom(fca.Root); err != nil {
			return ca
		}
		anchors.AddCert(in)
	}
	// A leaf the root signed itself is a chain of two: the root is the
	// anchor, as in the full verification.
	anchors.AddCert(fca.Root)
	return &fastCA{ca: fca, anchors: anchors}
}

// plainRoot reports whether r constrains nothing beyond what the per-call
// checks of fastCA cover.
func plainRoot(r *x509.Certificate) bool {
	if !r.BasicConstraintsValid || !r.IsCA {
		return false
	}
	if r.MaxPathLen == 0 || (r.MaxPathLen < 0 && r.MaxPathLenZero) { // no room for an intermediate
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

// hasPolicyConstraints reports whether c carries policy constraints,
// inhibitAnyPolicy or policy mappings (unset counts are -1 when parsed).
func hasPolicyConstraints(c *x509.Certificate) bool {
	return c.RequireExplicitPolicy > 0 || c.RequireExplicitPolicyZero ||
		c.InhibitPolicyMapping > 0 || c.InhibitPolicyMappingZero ||
		c.InhibitAnyPolicy > 0 || c.InhibitAnyPolicyZero ||
		len(c.PolicyMappings) > 0
}

var (
	errCANotYetValid = errors.New("certificate is not valid yet")
	errCANoLonger    = errors.New("certificate is no longer valid")
	errRootNotValid  = errors.New("x509: the trusted root certificate is not valid at the observed time")
)

// Verify verifies leaf at observerTimestamp, as
// root.FulcioCertificateAuthority.Verify does, and returns the same
// chains (leaf, intermediate, root).
func (f *fastCA) Verify(leaf *x509.Certificate, observerTimestamp time.Time) ([][]*x509.Certificate, error) {
	if leaf.RequireExplicitPolicyZero || hasPolicyConstraints(leaf) {
		return f.ca.Verify(leaf, observerTimestamp)
	}
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

// fastMaterial is trusted material whose Fulcio CAs are fastCAs where
// their shape allows; everything else is the wrapped material's.
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

// materialFor returns the trusted material to verify a certificate
// bundle with: the fast material, built once per TrustedRoot (safe for
// concurrent use), unless the bundle carries an intermediate that a
// wrapped CA does not already hold. sigstore-go adds a bundle's
// intermediates (v0.1 and v0.2 chains) to every
// root.FulcioCertificateAuthority it verifies with, which a fastCA does
// not take; when each wrapped CA holds them already (the public-good
// chains), adding them changes nothing and the fast material verifies
// the same.
func (t *TrustedRoot) materialFor(bundleIntermediates []*x509.Certificate) root.TrustedMaterial {
	t.fastOnce.Do(func() { t.fast = newFastMaterial(t.material) })
	if len(bundleIntermediates) == 0 {
		return t.fast
	}
	for _, ca := range t.fast.FulcioCertificateAuthorities() {
		f, ok := ca.(*fastCA)
		if !ok {
			continue
		}
		for _, in := range bundleIntermediates {
			if !f.holds(in) {
				return t.material
			}
		}
	}
	return t.fast
}

// holds reports whether c is one of f's intermediates, byte for byte.
func (f *fastCA) holds(c *x509.Certificate) bool {
	for _, in := range f.ca.Intermediates {
		if c != nil && bytes.Equal(in.Raw, c.Raw) {
			return true
		}
	}
	return false
}
