package verify_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net/url"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// agreeCA checks that the fast CA and sigstore-go's FulcioCertificateAuthority
// (crypto/x509's full Verify) agree on leaf at each time, and, where they
// accept, return chains of the same certificates.
func agreeCA(t *testing.T, what string, ca root.CertificateAuthority, leaf *x509.Certificate, times ...time.Time) (accepted int) {
	t.Helper()
	fast := verify.NewFastCA(ca)
	for _, at := range times {
		want, werr := ca.Verify(leaf, at)
		got, gerr := fast.Verify(leaf, at)
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%s at %s: x509 full chain: %v; fast: %v", what, at.UTC().Format(time.RFC3339), werr, gerr)
			continue
		}
		if werr != nil {
			continue
		}
		accepted++
		if len(got) != len(want) || len(got[0]) != len(want[0]) {
			t.Errorf("%s: chains %d/%d, want %d/%d", what, len(got), len(got[0]), len(want), len(want[0]))
			continue
		}
		for i := range want[0] {
			if !got[0][i].Equal(want[0][i]) {
				t.Errorf("%s: chain[%d] differs", what, i)
			}
		}
	}
	return accepted
}

// around is the times a leaf is checked at: inside its validity, at and
// just past each edge.
func around(c *x509.Certificate) []time.Time {
	mid := c.NotBefore.Add(c.NotAfter.Sub(c.NotBefore) / 2)
	return []time.Time{mid, c.NotBefore, c.NotBefore.Add(-time.Second), c.NotAfter, c.NotAfter.Add(time.Second)}
}

// TestFastCADifferential: the fast chain check and crypto/x509's full
// Verify agree on every conformance certificate chain, on signtest's
// chains, and on certificates built to break one rule each.
func TestFastCADifferential(t *testing.T) {
	// Conformance: every bundle's leaf against every CA of its trusted
	// root (or the public-good one).
	leaves, accepted, fastCAs := 0, 0, 0
	conformanceLeaves(t, func(c confCase, tr *verify.TrustedRoot, leaf *x509.Certificate) {
		leaves++
		for _, ca := range tr.Material().FulcioCertificateAuthorities() {
			if verify.IsFastCA(verify.NewFastCA(ca)) {
				fastCAs++
			}
			accepted += agreeCA(t, c.name, ca, leaf, around(leaf)...)
		}
	})
	if leaves < 40 || accepted == 0 || fastCAs == 0 {
		t.Fatalf("%d conformance leaves, %d accepted, %d fast CAs", leaves, accepted, fastCAs)
	}

	// signtest's Fulcio.
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	chain, err := st.IssueCertificate(signtest.Email("alice@example.com"), key.Public())
	if err != nil {
		t.Fatal(err)
	}
	for _, ca := range st.SigstoreTrustedRoot().FulcioCertificateAuthorities() {
		if agreeCA(t, "signtest", ca, chain[0], around(chain[0])...) == 0 {
			t.Error("signtest leaf refused by both")
		}
	}

	// One rule broken at a time.
	pki := newTestPKI(t)
	ca := pki.ca()
	if !verify.IsFastCA(verify.NewFastCA(ca)) {
		t.Fatal("the test CA is not wrapped")
	}
	good := pki.leaf(t, pki.inter, pki.interKey, nil)
	if agreeCA(t, "good leaf", ca, good, around(good)...) == 0 {
		t.Fatal("good leaf refused")
	}
	other := newTestPKI(t)
	for name, leaf := range map[string]*x509.Certificate{
		"another intermediate's leaf": pki.leaf(t, other.inter, other.interKey, nil),
		"signed by the root directly": pki.leaf(t, pki.root, pki.rootKey, nil),
		"bad signature":               badSignature(t, good),
		"CA leaf":                     pki.leaf(t, pki.inter, pki.interKey, func(c *x509.Certificate) { c.IsCA, c.BasicConstraintsValid = true, true }),
		"server-auth EKU":             pki.leaf(t, pki.inter, pki.interKey, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }),
		"no EKU":                      pki.leaf(t, pki.inter, pki.interKey, func(c *x509.Certificate) { c.ExtKeyUsage = nil }),
		"unknown critical extension": pki.leaf(t, pki.inter, pki.interKey, func(c *x509.Certificate) {
			c.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Critical: true, Value: []byte{5, 0}}}
		}),
		"outlives the intermediate": pki.leaf(t, pki.inter, pki.interKey, func(c *x509.Certificate) { c.NotAfter = pki.inter.NotAfter.Add(time.Hour) }),
	} {
		agreeCA(t, name, ca, leaf, append(around(leaf), pki.inter.NotAfter.Add(time.Minute), pki.root.NotAfter.Add(time.Minute))...)
	}
	// An intermediate with name constraints the leaf's URI breaks.
	nc := newTestPKIWith(t, nil, func(c *x509.Certificate) { c.PermittedURIDomains = []string{"example.org"} })
	agreeCA(t, "intermediate name constraints", nc.ca(), nc.leaf(t, nc.inter, nc.interKey, nil), around(good)...)
	// Roots the fast path does not take: path length 0, name constraints.
	for name, p := range map[string]*testPKI{
		"root path length 0":    newTestPKIWith(t, func(c *x509.Certificate) { c.MaxPathLen, c.MaxPathLenZero = 0, true }, nil),
		"root name constraints": newTestPKIWith(t, func(c *x509.Certificate) { c.PermittedURIDomains = []string{"example.com"} }, nil),
		"root server-auth EKU":  newTestPKIWith(t, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }, nil),
	} {
		if verify.IsFastCA(verify.NewFastCA(p.ca())) {
			t.Errorf("%s: wrapped", name)
		}
		l := p.leaf(t, p.inter, p.interKey, nil)
		agreeCA(t, name, p.ca(), l, around(l)...)
	}
	// Validity: a root that expires before its intermediate, an
	// intermediate that expires before its leaf, a CA validity window in
	// the trusted root narrower than the certificates'.
	short := newTestPKIWith(t, func(c *x509.Certificate) { c.NotAfter = base.AddDate(1, 0, 0).Add(5 * time.Minute) }, nil)
	sl := short.leaf(t, short.inter, short.interKey, nil)
	if !verify.IsFastCA(verify.NewFastCA(short.ca())) {
		t.Error("short-lived root: not wrapped")
	}
	if agreeCA(t, "root expires first", short.ca(), sl, around(sl)...) == 0 {
		t.Error("short-lived root: leaf refused at every time")
	}
	win := pki.ca()
	win.ValidityPeriodStart, win.ValidityPeriodEnd = good.NotBefore.Add(time.Minute), good.NotBefore.Add(2*time.Minute)
	agreeCA(t, "CA validity window", win, good, append(around(good), good.NotBefore.Add(90*time.Second))...)

	// Path length: a root with room for exactly one intermediate (wrapped),
	// and a chain of two intermediates under an intermediate of path
	// length 0 (not wrapped: the second is not issued by the root).
	one := newTestPKIWith(t, func(c *x509.Certificate) { c.MaxPathLen = 1 }, nil)
	if !verify.IsFastCA(verify.NewFastCA(one.ca())) {
		t.Error("root of path length 1: not wrapped")
	}
	ol := one.leaf(t, one.inter, one.interKey, nil)
	if agreeCA(t, "root path length 1", one.ca(), ol, around(ol)...) == 0 {
		t.Error("root path length 1: refused")
	}
	subKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	sub := mustCreate(t, &x509.Certificate{
		SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "sub-intermediate", Organization: []string{randName()}},
		NotBefore: base, NotAfter: base.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, MaxPathLen: -1,
	}, pki.inter, &subKey.PublicKey, pki.interKey)
	deep := &root.FulcioCertificateAuthority{Root: pki.root, Intermediates: []*x509.Certificate{pki.inter, sub}}
	if verify.IsFastCA(verify.NewFastCA(deep)) {
		t.Error("two-level intermediates: wrapped")
	}
	dl := pki.leaf(t, sub, subKey, nil)
	agreeCA(t, "intermediate path length 0 exceeded", deep, dl, around(dl)...)
	agreeCA(t, "intermediate path length 0 exceeded (fast CA)", ca, dl, around(dl)...)

	// An intermediate with an unknown critical extension (wrapped: x509
	// refuses it as the anchor, per call, as it does in the full chain).
	crit := newTestPKIWith(t, nil, func(c *x509.Certificate) {
		c.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 2}, Critical: true, Value: []byte{5, 0}}}
	})
	cl := crit.leaf(t, crit.inter, crit.interKey, nil)
	if agreeCA(t, "intermediate with an unknown critical extension", crit.ca(), cl, around(cl)...) != 0 {
		t.Error("intermediate with an unknown critical extension: accepted")
	}
	// An intermediate that is not a CA, or may not sign certificates.
	for name, mut := range map[string]func(*x509.Certificate){
		"intermediate not a CA":         func(c *x509.Certificate) { c.IsCA, c.MaxPathLen, c.MaxPathLenZero = false, -1, false },
		"intermediate without certSign": func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageDigitalSignature },
		"intermediate server-auth EKU":  func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} },
	} {
		p := newTestPKIWith(t, nil, mut)
		l := p.leaf(t, p.inter, p.interKey, nil)
		agreeCA(t, name, p.ca(), l, around(l)...)
	}

	// Policies: RFC 5280 policy processing starts below the trust anchor,
	// so an intermediate's policy constraints keep its CA unwrapped, and a
	// leaf that requires an explicit policy is verified with the whole
	// chain. requireExplicitPolicy 0 (policyConstraints, 2.5.29.36).
	requireExplicit := pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 36}, Critical: true, Value: []byte{0x30, 0x03, 0x80, 0x01, 0x00}}
	pol := newTestPKIWith(t, nil, func(c *x509.Certificate) { c.ExtraExtensions = []pkix.Extension{requireExplicit} })
	if verify.IsFastCA(verify.NewFastCA(pol.ca())) {
		t.Error("intermediate with policy constraints: wrapped")
	}
	pl := pol.leaf(t, pol.inter, pol.interKey, nil)
	agreeCA(t, "intermediate requires an explicit policy", pol.ca(), pl, around(pl)...)
	policyY := x509.OID{}
	if o, err := x509.OIDFromInts([]uint64{1, 3, 6, 1, 4, 1, 99999, 7}); err == nil {
		policyY = o
	}
	policyX, _ := x509.OIDFromInts([]uint64{1, 3, 6, 1, 4, 1, 99999, 8})
	withPolicy := newTestPKIWith(t, nil, func(c *x509.Certificate) { c.Policies = []x509.OID{policyY} })
	if !verify.IsFastCA(verify.NewFastCA(withPolicy.ca())) {
		t.Error("intermediate with a certificate policy: not wrapped")
	}
	for name, mut := range map[string]func(*x509.Certificate){
		"leaf requires an explicit policy, has another": func(c *x509.Certificate) {
			c.Policies = []x509.OID{policyX}
			c.ExtraExtensions = []pkix.Extension{requireExplicit}
		},
		"leaf requires an explicit policy, has it": func(c *x509.Certificate) {
			c.Policies = []x509.OID{policyY}
			c.ExtraExtensions = []pkix.Extension{requireExplicit}
		},
		"leaf with another policy": func(c *x509.Certificate) { c.Policies = []x509.OID{policyX} },
	} {
		l := withPolicy.leaf(t, withPolicy.inter, withPolicy.interKey, mut)
		agreeCA(t, name, withPolicy.ca(), l, around(l)...)
		l = pki.leaf(t, pki.inter, pki.interKey, mut)
		agreeCA(t, name+" (no policy above)", ca, l, around(l)...)
	}
	t.Logf("%d conformance leaves (%d accepted checks), %d fast CAs", leaves, accepted, fastCAs)
}

// TestMaterialFor: a bundle whose intermediates the trusted root already
// holds (the public-good v0.1 and v0.2 chains) gets the fast CAs; one
// carrying an intermediate the root does not hold gets sigstore-go's, to
// which sigstore-go adds it.
func TestMaterialFor(t *testing.T) {
	tr, err := verify.PublicGood()
	if err != nil {
		t.Fatal(err)
	}
	fast := func(tm root.TrustedMaterial) bool {
		for _, ca := range tm.FulcioCertificateAuthorities() {
			if verify.IsFastCA(ca) {
				return true
			}
		}
		return false
	}
	if !fast(verify.MaterialFor(tr, nil)) {
		t.Fatal("public-good: no fast CA")
	}
	// The chains of bundle-with-root-cert_fail (refused before this for
	// its root) without the root: the public-good intermediate.
	for _, ca := range tr.Material().FulcioCertificateAuthorities() {
		fca := ca.(*root.FulcioCertificateAuthority)
		if len(fca.Intermediates) == 0 {
			continue
		}
		if !fast(verify.MaterialFor(tr, fca.Intermediates)) {
			t.Errorf("a bundle carrying the trusted intermediate %s did not get the fast CAs", fca.Intermediates[0].Subject)
		}
	}
	other := newTestPKI(t)
	if fast(verify.MaterialFor(tr, []*x509.Certificate{other.inter})) {
		t.Error("an unknown intermediate got the fast CAs")
	}
}

type testPKI struct {
	root, inter       *x509.Certificate
	rootKey, interKey *ecdsa.PrivateKey
}

func newTestPKI(t *testing.T) *testPKI { return newTestPKIWith(t, nil, nil) }

var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newTestPKIWith(t *testing.T, rootMut, interMut func(*x509.Certificate)) *testPKI {
	t.Helper()
	p := &testPKI{}
	p.rootKey, _ = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p.interKey, _ = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rt := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root", Organization: []string{randName()}},
		NotBefore: base, NotAfter: base.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, MaxPathLen: -1,
	}
	if rootMut != nil {
		rootMut(rt)
	}
	p.root = mustCreate(t, rt, rt, &p.rootKey.PublicKey, p.rootKey)
	it := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "test intermediate", Organization: []string{randName()}},
		NotBefore: base, NotAfter: base.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, MaxPathLen: 0, MaxPathLenZero: true,
	}
	if interMut != nil {
		interMut(it)
	}
	p.inter = mustCreate(t, it, p.root, &p.interKey.PublicKey, p.rootKey)
	return p
}

func (p *testPKI) ca() *root.FulcioCertificateAuthority {
	return &root.FulcioCertificateAuthority{Root: p.root, Intermediates: []*x509.Certificate{p.inter}}
}

func (p *testPKI) leaf(t *testing.T, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, mut func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	u, _ := url.Parse("https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1")
	c := &x509.Certificate{
		SerialNumber: big.NewInt(3), NotBefore: base.AddDate(1, 0, 0), NotAfter: base.AddDate(1, 0, 0).Add(10 * time.Minute),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, URIs: []*url.URL{u},
	}
	if mut != nil {
		mut(c)
	}
	return mustCreate(t, c, parent, &k.PublicKey, parentKey)
}

func mustCreate(t *testing.T, tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func badSignature(t *testing.T, c *x509.Certificate) *x509.Certificate {
	t.Helper()
	der := append([]byte(nil), c.Raw...)
	der[len(der)-3] ^= 0x01 // inside the signature value
	bad, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return bad
}

func randName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return string(rune('a'+b[0]%26)) + string(rune('a'+b[1]%26)) + string(rune('a'+b[2]%26)) + string(rune('a'+b[3]%26))
}
