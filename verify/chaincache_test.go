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
	"os"
	"path/filepath"
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
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	leaves, accepted, fastCAs := 0, 0, 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c := loadCase(t, e.Name())
		tr, err := verify.PublicGood()
		if c.trust != "" {
			tr, err = verify.LoadTrustedRoot(c.trust)
		}
		if err != nil {
			continue
		}
		b, err := verify.ReadBundleFile(filepath.Join(c.dir, "bundle.sigstore.json"))
		if err != nil {
			continue
		}
		vc, err := b.Sigstore().VerificationContent()
		if err != nil || vc.Certificate() == nil {
			continue
		}
		leaves++
		for _, ca := range tr.Material().FulcioCertificateAuthorities() {
			if verify.IsFastCA(verify.NewFastCA(ca)) {
				fastCAs++
			}
			accepted += agreeCA(t, c.name, ca, vc.Certificate(), around(vc.Certificate())...)
		}
	}
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
	t.Logf("%d conformance leaves (%d accepted checks), %d fast CAs", leaves, accepted, fastCAs)
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
