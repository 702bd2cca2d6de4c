package verify_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"testing"
	"time"

	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"golang.org/x/crypto/cryptobyte"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

var (
	// sctListOID is RFC 6962's embedded SCT list extension.
	sctListOID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}
	// ctEKU is RFC 6962's precertificate signing certificate EKU.
	ctEKU = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 4}
)

// sctMaterial is trusted material holding only CT logs, for sigstore-go.
type sctMaterial struct {
	root.BaseTrustedMaterial
	logs map[string]*root.TransparencyLog
}

func (m *sctMaterial) CTLogs() map[string]*root.TransparencyLog { return m.logs }

// sctDiff runs verifySCTs and sigstore-go's
// VerifySignedCertificateTimestamp side by side and counts the cases and
// the accepted ones.
type sctDiff struct {
	t                         *testing.T
	cases, accepted, rejected int
}

// agree fails the test when verifySCTs and sigstore-go answer chains
// differently at threshold; it reports whether sigstore-go accepted.
func (d *sctDiff) agree(what string, chains [][]*x509.Certificate, threshold int, tm root.TrustedMaterial) bool {
	d.t.Helper()
	got := verify.VerifySCTs(chains, threshold, tm.CTLogs())
	want := sgverify.VerifySignedCertificateTimestamp(chains, threshold, tm)
	d.cases++
	if (got == nil) != (want == nil) {
		d.t.Errorf("%s (threshold %d): verifySCTs: %v; sigstore-go: %v", what, threshold, got, want)
	}
	if want == nil {
		d.accepted++
	} else {
		d.rejected++
	}
	return want == nil
}

// testCTLog is a CT log: its key and its ID (the SHA-256 of the key).
type testCTLog struct {
	id  [32]byte
	key crypto.Signer
}

func newTestCTLog(t *testing.T, key crypto.Signer) testCTLog {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return testCTLog{id: sha256.Sum256(der), key: key}
}

func (l testCTLog) hexID() string { return hex.EncodeToString(l.id[:]) }

func (l testCTLog) entry(start, end time.Time) *root.TransparencyLog {
	return &root.TransparencyLog{ID: l.id[:], PublicKey: l.key.Public(), ValidityPeriodStart: start, ValidityPeriodEnd: end, HashFunc: crypto.SHA256, SignatureHashFunc: crypto.SHA256}
}

// sctTime is when the test leaves' SCTs are issued (see sctLeaf).
var sctTime = base.AddDate(1, 0, 0)

// sctSpec describes one SCT, signed the way certificate-transparency-go
// serializes the signed struct.
type sctSpec struct {
	log     testCTLog
	signer  crypto.Signer // signs the SCT; log.key if nil
	ts      uint64        // milliseconds; sctTime if zero
	ext     []byte
	hash    *cttls.HashAlgorithm      // SHA-256 if nil
	sigAlg  *cttls.SignatureAlgorithm // the signer's if nil
	keyHash *[32]byte                 // the issuer key hash signed over; the issuer's if nil
	version uint8                     // written over the v1 SCT after signing
	sig     func(sig []byte) []byte   // rewrites the signature after signing
	tbs     func(tbs []byte) []byte   // rewrites the precertificate TBS signed over
	issuer  *x509.Certificate         // the issuer whose key hash is signed; the leaf's if nil
}

func hashAlg(h cttls.HashAlgorithm) *cttls.HashAlgorithm { return &h }

func sigAlg(a cttls.SignatureAlgorithm) *cttls.SignatureAlgorithm { return &a }

var sctHashes = map[cttls.HashAlgorithm]crypto.Hash{
	cttls.MD5: crypto.MD5, cttls.SHA1: crypto.SHA1, cttls.SHA224: crypto.SHA224,
	cttls.SHA256: crypto.SHA256, cttls.SHA384: crypto.SHA384, cttls.SHA512: crypto.SHA512,
}

// serialize returns s as a TLS-encoded SCT over the precertificate TBS
// preTBS issued by issuer.
func (s sctSpec) serialize(t *testing.T, preTBS []byte, issuer *x509.Certificate) []byte {
	t.Helper()
	signer := s.signer
	if signer == nil {
		signer = s.log.key
	}
	ts := s.ts
	if ts == 0 {
		ts = uint64(sctTime.UnixMilli())
	}
	h := cttls.SHA256
	if s.hash != nil {
		h = *s.hash
	}
	if s.issuer != nil {
		issuer = s.issuer
	}
	kh := sha256.Sum256(issuer.RawSubjectPublicKeyInfo)
	if s.keyHash != nil {
		kh = *s.keyHash
	}
	if s.tbs != nil {
		preTBS = s.tbs(bytes.Clone(preTBS))
	}
	sct := ct.SignedCertificateTimestamp{SCTVersion: ct.V1, LogID: ct.LogID{KeyID: s.log.id}, Timestamp: ts, Extensions: s.ext}
	input, err := ct.SerializeSCTSignatureInput(sct, ct.LogEntry{Leaf: ct.MerkleTreeLeaf{
		Version: ct.V1, LeafType: ct.TimestampedEntryLeafType,
		TimestampedEntry: &ct.TimestampedEntry{
			Timestamp: ts, EntryType: ct.PrecertLogEntryType,
			PrecertEntry: &ct.PreCert{IssuerKeyHash: kh, TBSCertificate: preTBS},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	hf, ok := sctHashes[h]
	if !ok {
		hf = crypto.SHA256 // an unknown hash byte over a SHA-256 signature
	}
	hh := hf.New()
	hh.Write(input)
	digest := hh.Sum(nil)
	var sig []byte
	var alg cttls.SignatureAlgorithm
	switch k := signer.(type) {
	case *ecdsa.PrivateKey:
		sig, err = ecdsa.SignASN1(rand.Reader, k, digest)
		alg = cttls.ECDSA
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, hf, digest)
		alg = cttls.RSA
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, input)
		alg = 7 // ed25519 (RFC 8422)
	default:
		t.Fatalf("signer %T", signer)
	}
	if err != nil {
		t.Fatal(err)
	}
	if s.sigAlg != nil {
		alg = *s.sigAlg
	}
	if s.sig != nil {
		sig = s.sig(sig)
	}
	sct.Signature = ct.DigitallySigned{Algorithm: cttls.SignatureAndHashAlgorithm{Hash: h, Signature: alg}, Signature: sig}
	out, err := cttls.Marshal(sct)
	if err != nil {
		t.Fatal(err)
	}
	out[0] = s.version
	return out
}

// sctList returns the TLS-encoded SignedCertificateTimestampList of
// scts.
func sctList(scts ...[]byte) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, s := range scts {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(s) })
		}
	})
	return b.BytesOrPanic()
}

// octets returns v as a DER OCTET STRING, the SCT list extension's value.
func octets(v []byte) []byte {
	der, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return der
}

// sctLeafKey is the key of every sctLeaf, so that a leaf issued twice has
// the same TBS.
var sctLeafKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

// sctLeaf issues a leaf from issuer (whose key is ik) as a CA with a CT
// log does: first without the SCT list to learn the precertificate TBS,
// then with the extension value ext(preTBS). A nil ext issues the leaf
// without the extension.
func sctLeaf(t *testing.T, issuer *x509.Certificate, ik *ecdsa.PrivateKey, ext func(preTBS []byte) []byte) *x509.Certificate {
	t.Helper()
	return sctLeafWith(t, issuer, ik, nil, ext)
}

// sctLeafWith is sctLeaf with the template changed by mut first.
func sctLeafWith(t *testing.T, issuer *x509.Certificate, ik *ecdsa.PrivateKey, mut func(*x509.Certificate), ext func(preTBS []byte) []byte) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42), NotBefore: sctTime, NotAfter: sctTime.Add(10 * time.Minute),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		EmailAddresses: []string{"alice@example.com"},
	}
	if mut != nil {
		mut(tmpl)
	}
	pre := mustCreate(t, tmpl, issuer, &sctLeafKey.PublicKey, ik)
	if ext == nil {
		return pre
	}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: sctListOID, Value: ext(pre.RawTBSCertificate)})
	return mustCreate(t, tmpl, issuer, &sctLeafKey.PublicKey, ik)
}

// withSCTs returns an ext function for sctLeaf: the list of specs, each
// signed over the precertificate TBS and issuer's key.
func withSCTs(t *testing.T, issuer *x509.Certificate, specs ...sctSpec) func([]byte) []byte {
	return func(preTBS []byte) []byte {
		var scts [][]byte
		for _, s := range specs {
			scts = append(scts, s.serialize(t, preTBS, issuer))
		}
		return octets(sctList(scts...))
	}
}

// patchSCTExt returns leaf with f applied to its SCT list extension's
// value in place (the leaf's signature no longer verifies; neither SCT
// check looks at it).
func patchSCTExt(t *testing.T, leaf *x509.Certificate, f func(v []byte)) *x509.Certificate {
	t.Helper()
	var v []byte
	for _, e := range leaf.Extensions {
		if e.Id.Equal(sctListOID) {
			v = e.Value
		}
	}
	i := bytes.Index(leaf.Raw, v)
	if v == nil || i < 0 {
		t.Fatal("no SCT list extension")
	}
	raw := bytes.Clone(leaf.Raw)
	f(raw[i : i+len(v)])
	c, err := x509.ParseCertificate(raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// flipSCTExt checks every single-byte flip (by 0x01 and by 0xff) of the
// leaf's SCT list extension value at each threshold; every third byte
// when short is set.
func flipSCTExt(t *testing.T, d *sctDiff, what string, chains [][]*x509.Certificate, tm root.TrustedMaterial, thresholds ...int) {
	t.Helper()
	leaf := chains[0][0]
	var n int
	for _, e := range leaf.Extensions {
		if e.Id.Equal(sctListOID) {
			n = len(e.Value)
		}
	}
	step := 1
	if testing.Short() {
		step = 3
	}
	for i := 0; i < n; i += step {
		for _, x := range []byte{0x01, 0xff} {
			m := patchSCTExt(t, leaf, func(v []byte) { v[i] ^= x })
			mc := make([][]*x509.Certificate, len(chains))
			for j, c := range chains {
				mc[j] = append([]*x509.Certificate{m}, c[1:]...)
			}
			for _, th := range thresholds {
				d.agree(what+": byte flipped", mc, th, tm)
			}
		}
	}
}

// TestSCTDifferential: verifySCTs and sigstore-go's
// VerifySignedCertificateTimestamp agree on accept/refuse for every leaf
// of the conformance bundles (chains built by each trusted root's Fulcio
// CAs, under its own root and the public-good one), signtest's leaves,
// and leaves built to probe one rule each: every byte flip of the SCT
// list, every truncation, the log validity window, unknown logs, other
// signers, repeated logs, RSA, P-384 and Ed25519 log keys, the SCT's hash
// and signature algorithms, SCT versions, ECDSA signature encodings,
// malformed lists, swapped and precertificate-signing issuers.
func TestSCTDifferential(t *testing.T) {
	d := &sctDiff{t: t}

	// The conformance bundles' leaves.
	pg, err := verify.PublicGood()
	if err != nil {
		t.Fatal(err)
	}
	leaves, confAccepted := 0, 0
	var happy [][]*x509.Certificate
	var happyTM root.TrustedMaterial
	conformanceLeaves(t, func(c confCase, tr *verify.TrustedRoot, leaf *x509.Certificate) {
		leaves++
		mid := leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
		// Chains as the CAs verify them, and each CA's chain taken as
		// is (leaf, intermediates, root) whether or not it issued the
		// leaf.
		var all [][]*x509.Certificate
		for _, ca := range tr.Material().FulcioCertificateAuthorities() {
			if chains, err := ca.Verify(leaf, mid); err == nil {
				all = append(all, chains...)
			}
			if f, ok := ca.(*root.FulcioCertificateAuthority); ok {
				all = append(all, append(append([]*x509.Certificate{leaf}, f.Intermediates...), f.Root))
			}
		}
		for _, tm := range []root.TrustedMaterial{tr.Material(), pg.Material()} {
			for _, th := range []int{1, 2} {
				if d.agree(c.name, all, th, tm) {
					confAccepted++
				}
				for i, chain := range all {
					d.agree(fmt.Sprintf("%s: chain %d", c.name, i), [][]*x509.Certificate{chain}, th, tm)
				}
			}
		}
		if c.name == "happy-path-v0.3" {
			happy, happyTM = all, tr.Material()
		}
	})
	if leaves < 40 || confAccepted == 0 || happy == nil {
		t.Fatalf("%d conformance leaves, %d accepted, happy path found: %t", leaves, confAccepted, happy != nil)
	}
	if !d.agree("happy path", happy, 1, happyTM) {
		t.Fatal("the public-good happy path's SCT was refused")
	}
	flipSCTExt(t, d, "happy path", happy, happyTM, 1)

	// signtest's Fulcio and CT log.
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	stChain, err := st.IssueCertificate(signtest.Email("alice@example.com"), key.Public())
	if err != nil {
		t.Fatal(err)
	}
	stTM := st.SigstoreTrustedRoot()
	if !d.agree("signtest", [][]*x509.Certificate{stChain}, 1, stTM) {
		t.Fatal("signtest's SCT refused")
	}
	d.agree("signtest, threshold 2", [][]*x509.Certificate{stChain}, 2, stTM)
	d.agree("signtest under public-good", [][]*x509.Certificate{stChain}, 1, pg.Material())
	flipSCTExt(t, d, "signtest", [][]*x509.Certificate{stChain}, stTM, 1)

	// A test PKI and CT logs, to break one rule at a time.
	pki := newTestPKI(t)
	other := newTestPKI(t)
	ecKey := func() *ecdsa.PrivateKey { k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return k }
	logA, logB := newTestCTLog(t, ecKey()), newTestCTLog(t, ecKey())
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaSmall, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	logRSA, logRSASmall := newTestCTLog(t, rsaKey), newTestCTLog(t, rsaSmall)
	logP384, logEd := newTestCTLog(t, p384), newTestCTLog(t, edKey)
	unknown := newTestCTLog(t, ecKey())
	start, end := base, base.AddDate(2, 0, 0)
	logs := map[string]*root.TransparencyLog{}
	for _, l := range []testCTLog{logA, logB, logRSA, logRSASmall, logP384, logEd} {
		logs[l.hexID()] = l.entry(start, end)
	}
	tm := &sctMaterial{logs: logs}
	chain := func(leaf *x509.Certificate) [][]*x509.Certificate {
		return [][]*x509.Certificate{{leaf, pki.inter, pki.root}}
	}
	issue := func(specs ...sctSpec) *x509.Certificate {
		return sctLeaf(t, pki.inter, pki.interKey, withSCTs(t, pki.inter, specs...))
	}
	ms := func(at time.Time) uint64 { return uint64(at.UnixMilli()) }
	trailing := func(sig []byte) []byte { return append(sig, 0, 0) }

	two := issue(sctSpec{log: logA}, sctSpec{log: logB})
	for name, c := range map[string]struct {
		leaf   *x509.Certificate
		chains [][]*x509.Certificate
		tm     root.TrustedMaterial
		want   []bool // sigstore-go's answer at thresholds 1, 2 (documents the case; the test is the agreement)
	}{
		"one SCT":                         {leaf: issue(sctSpec{log: logA}), want: []bool{true, false}},
		"two logs":                        {leaf: two, want: []bool{true, true}},
		"one log twice":                   {leaf: issue(sctSpec{log: logA}, sctSpec{log: logA}), want: []bool{true, false}},
		"one log twice, first bad":        {leaf: issue(sctSpec{log: logA, signer: logB.key}, sctSpec{log: logA}), want: []bool{true, false}},
		"two logs, one bad":               {leaf: issue(sctSpec{log: logA}, sctSpec{log: logB, signer: logA.key}), want: []bool{true, false}},
		"unknown log, then known":         {leaf: issue(sctSpec{log: unknown}, sctSpec{log: logA}), want: []bool{true, false}},
		"unknown log":                     {leaf: issue(sctSpec{log: unknown}), want: []bool{false, false}},
		"signed by another key":           {leaf: issue(sctSpec{log: logA, signer: logB.key}), want: []bool{false, false}},
		"before the log's window":         {leaf: issue(sctSpec{log: logA, ts: ms(start) - 1}), want: []bool{false, false}},
		"at the window's start":           {leaf: issue(sctSpec{log: logA, ts: ms(start)}), want: []bool{true, false}},
		"at the window's end":             {leaf: issue(sctSpec{log: logA, ts: ms(end)}), want: []bool{true, false}},
		"after the log's window":          {leaf: issue(sctSpec{log: logA, ts: ms(end) + 1}), want: []bool{false, false}},
		"timestamp 2^64-1":                {leaf: issue(sctSpec{log: logA, ts: 1<<64 - 1}), want: []bool{false, false}},
		"no SCT list":                     {leaf: sctLeaf(t, pki.inter, pki.interKey, nil), want: []bool{false, false}},
		"SCT extensions":                  {leaf: issue(sctSpec{log: logA, ext: []byte("extension")}), want: []bool{true, false}},
		"SCT v2":                          {leaf: issue(sctSpec{log: logA, version: 1}), want: []bool{false, false}},
		"RSA log":                         {leaf: issue(sctSpec{log: logRSA}), want: []bool{true, false}},
		"RSA log and ECDSA log":           {leaf: issue(sctSpec{log: logRSA}, sctSpec{log: logA}), want: []bool{true, true}},
		"RSA-1024 log":                    {leaf: issue(sctSpec{log: logRSASmall}), want: []bool{false, false}},
		"P-384 log":                       {leaf: issue(sctSpec{log: logP384}), want: []bool{false, false}},
		"Ed25519 log":                     {leaf: issue(sctSpec{log: logEd}), want: []bool{false, false}},
		"ECDSA, SHA-384":                  {leaf: issue(sctSpec{log: logA, hash: hashAlg(cttls.SHA384)}), want: []bool{true, false}},
		"ECDSA, SHA-512":                  {leaf: issue(sctSpec{log: logA, hash: hashAlg(cttls.SHA512)}), want: []bool{true, false}},
		"ECDSA, SHA-224":                  {leaf: issue(sctSpec{log: logA, hash: hashAlg(cttls.SHA224)}), want: []bool{true, false}},
		"ECDSA, SHA-1":                    {leaf: issue(sctSpec{log: logA, hash: hashAlg(cttls.SHA1)}), want: []bool{true, false}},
		"RSA, MD5":                        {leaf: issue(sctSpec{log: logRSA, hash: hashAlg(cttls.MD5)}), want: []bool{true, false}},
		"RSA, SHA-512":                    {leaf: issue(sctSpec{log: logRSA, hash: hashAlg(cttls.SHA512)}), want: []bool{true, false}},
		"hash none":                       {leaf: issue(sctSpec{log: logA, hash: hashAlg(cttls.None)}), want: []bool{false, false}},
		"hash 7":                          {leaf: issue(sctSpec{log: logA, hash: hashAlg(7)}), want: []bool{false, false}},
		"ECDSA signature labelled RSA":    {leaf: issue(sctSpec{log: logA, sigAlg: sigAlg(cttls.RSA)}), want: []bool{false, false}},
		"RSA signature labelled ECDSA":    {leaf: issue(sctSpec{log: logRSA, sigAlg: sigAlg(cttls.ECDSA)}), want: []bool{false, false}},
		"ECDSA signature labelled DSA":    {leaf: issue(sctSpec{log: logA, sigAlg: sigAlg(cttls.DSA)}), want: []bool{false, false}},
		"ECDSA signature labelled 0":      {leaf: issue(sctSpec{log: logA, sigAlg: sigAlg(cttls.Anonymous)}), want: []bool{false, false}},
		"ECDSA signature, trailing bytes": {leaf: issue(sctSpec{log: logA, sig: trailing}), want: []bool{true, false}},
		"ECDSA signature, third INTEGER": {leaf: issue(sctSpec{log: logA, sig: func(sig []byte) []byte {
			s := cryptobyte.String(sig)
			var inner cryptobyte.String
			s.ReadASN1(&inner, 0x30)
			b := cryptobyte.NewBuilder(nil)
			b.AddASN1(0x30, func(b *cryptobyte.Builder) { b.AddBytes(inner); b.AddBytes([]byte{2, 1, 1}) })
			return b.BytesOrPanic()
		}}), want: []bool{true, false}},
		"ECDSA signature, negative r": {leaf: issue(sctSpec{log: logA, sig: func(sig []byte) []byte {
			s := cryptobyte.String(sig)
			var inner cryptobyte.String
			var r, ss big.Int
			s.ReadASN1(&inner, 0x30)
			inner.ReadASN1Integer(&r)
			inner.ReadASN1Integer(&ss)
			b := cryptobyte.NewBuilder(nil)
			b.AddASN1(0x30, func(b *cryptobyte.Builder) { b.AddASN1BigInt(new(big.Int).Neg(&r)); b.AddASN1BigInt(&ss) })
			return b.BytesOrPanic()
		}}), want: []bool{false, false}},
		"ECDSA signature, non-minimal r": {leaf: issue(sctSpec{log: logA, sig: func(sig []byte) []byte {
			s := cryptobyte.String(sig)
			var inner, r cryptobyte.String
			s.ReadASN1(&inner, 0x30)
			inner.ReadASN1(&r, 2)
			b := cryptobyte.NewBuilder(nil)
			b.AddASN1(0x30, func(b *cryptobyte.Builder) {
				b.AddASN1(2, func(b *cryptobyte.Builder) { b.AddBytes(append([]byte{0, 0}, r...)) })
				b.AddBytes(inner)
			})
			return b.BytesOrPanic()
		}}), want: []bool{false, false}},
		"ECDSA signature, one INTEGER": {leaf: issue(sctSpec{log: logA, sig: func(sig []byte) []byte {
			s := cryptobyte.String(sig)
			var inner, r cryptobyte.String
			s.ReadASN1(&inner, 0x30)
			inner.ReadASN1Element(&r, 2)
			b := cryptobyte.NewBuilder(nil)
			b.AddASN1(0x30, func(b *cryptobyte.Builder) { b.AddBytes(r) })
			return b.BytesOrPanic()
		}}), want: []bool{false, false}},
		"empty signature":                 {leaf: issue(sctSpec{log: logA, sig: func([]byte) []byte { return nil }}), want: []bool{false, false}},
		"RSA signature, trailing bytes":   {leaf: issue(sctSpec{log: logRSA, sig: trailing}), want: []bool{false, false}},
		"signed over another issuer key":  {leaf: issue(sctSpec{log: logA, issuer: other.inter}), want: []bool{false, false}},
		"signed over a changed TBS":       {leaf: issue(sctSpec{log: logA, tbs: func(tbs []byte) []byte { tbs[len(tbs)-1] ^= 1; return tbs }}), want: []bool{false, false}},
		"issuer swapped":                  {leaf: two, chains: [][]*x509.Certificate{{two, other.inter, other.root}}, want: []bool{false, false}},
		"issuer swapped, then right":      {leaf: two, chains: [][]*x509.Certificate{{two, other.inter, other.root}, {two, pki.inter, pki.root}}, want: []bool{true, true}},
		"leaf alone":                      {leaf: two, chains: [][]*x509.Certificate{{two}}, want: []bool{false, false}},
		"no chains":                       {leaf: two, chains: [][]*x509.Certificate{}, want: []bool{false, false}},
		"other logs trusted":              {leaf: two, tm: &sctMaterial{logs: map[string]*root.TransparencyLog{unknown.hexID(): unknown.entry(start, end)}}, want: []bool{false, false}},
		"no logs trusted":                 {leaf: two, tm: &sctMaterial{}, want: []bool{false, false}},
		"log with no key":                 {leaf: two, tm: &sctMaterial{logs: map[string]*root.TransparencyLog{logA.hexID(): {ID: logA.id[:], ValidityPeriodStart: start}}}, want: []bool{false, false}},
		"logs without windows":            {leaf: issue(sctSpec{log: logA, ts: 1<<64 - 1}, sctSpec{log: logB, ts: 1}), tm: &sctMaterial{logs: map[string]*root.TransparencyLog{logA.hexID(): logA.entry(time.Time{}, time.Time{}), logB.hexID(): logB.entry(time.Time{}, time.Time{})}}, want: []bool{true, true}},
		"ECDSA log key with another hash": {leaf: two, tm: &sctMaterial{logs: map[string]*root.TransparencyLog{logA.hexID(): {ID: logA.id[:], PublicKey: logA.key.Public(), HashFunc: crypto.SHA384, SignatureHashFunc: crypto.SHA384}}}, want: []bool{true, false}},
	} {
		chains, ctm := c.chains, c.tm
		if chains == nil {
			chains = chain(c.leaf)
		}
		if ctm == nil {
			ctm = tm
		}
		for i, th := range []int{1, 2} {
			if got := d.agree(name, chains, th, ctm); got != c.want[i] {
				t.Errorf("%s (threshold %d): sigstore-go accepts: %t, the case expects %t", name, th, got, c.want[i])
			}
		}
	}
	d.agree("no SCT list, threshold 0", chain(sctLeaf(t, pki.inter, pki.interKey, nil)), 0, tm)

	// The precertificate signing certificate (RFC 6962 3.1): an issuer
	// with the CT EKU. sigstore-go, through ct-go's embedded-SCT path,
	// takes chain[1] as the issuer whatever its EKUs; so does verifySCTs.
	pre := newTestPKIWith(t, nil, func(c *x509.Certificate) { c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{ctEKU} })
	preChain := func(leaf *x509.Certificate) [][]*x509.Certificate {
		return [][]*x509.Certificate{{leaf, pre.inter, pre.root}}
	}
	if !d.agree("issuer with the CT EKU", preChain(sctLeaf(t, pre.inter, pre.interKey, withSCTs(t, pre.inter, sctSpec{log: logA}))), 1, tm) {
		t.Error("an SCT over the CT-EKU issuer's key refused")
	}
	// As RFC 6962 would have a precertificate signing certificate's SCT:
	// over the key of the issuer's issuer and the TBS naming it.
	d.agree("issuer with the CT EKU, SCT over its issuer", preChain(sctLeaf(t, pre.inter, pre.interKey, withSCTs(t, pre.inter, sctSpec{log: logA, issuer: pre.root}))), 1, tm)

	// Malformed lists and extension values.
	good := sctSpec{log: logA}
	raw := func(f func(sct []byte) []byte) *x509.Certificate {
		return sctLeaf(t, pki.inter, pki.interKey, func(preTBS []byte) []byte { return f(good.serialize(t, preTBS, pki.inter)) })
	}
	big1 := func(preTBS []byte, extLen int) []byte {
		// RSA: signatures of one length.
		return sctSpec{log: logRSA, ext: make([]byte, extLen)}.serialize(t, preTBS, pki.inter)
	}
	for name, leaf := range map[string]*x509.Certificate{
		"empty list":                  raw(func([]byte) []byte { return octets([]byte{0, 0}) }),
		"empty extension value":       raw(func([]byte) []byte { return nil }),
		"empty OCTET STRING":          raw(func([]byte) []byte { return octets(nil) }),
		"list not in an OCTET STRING": raw(func(s []byte) []byte { return sctList(s) }),
		"constructed OCTET STRING": raw(func(s []byte) []byte {
			v := octets(sctList(s))
			v[0] = 0x24
			return v
		}),
		"UTF8String":                   raw(func(s []byte) []byte { v := octets(sctList(s)); v[0] = 0x0c; return v }),
		"bytes after the OCTET STRING": raw(func(s []byte) []byte { return append(octets(sctList(s)), 0) }),
		"bytes after the list":         raw(func(s []byte) []byte { return octets(append(sctList(s), 0)) }),
		"bytes after the SCT": raw(func(s []byte) []byte {
			return octets(sctList(append(s, 0)))
		}),
		"empty SCT":             raw(func(s []byte) []byte { return octets(sctList(s, nil)) }),
		"SCT length overruns":   raw(func(s []byte) []byte { l := sctList(s); l[3]++; l[1]++; return octets(l) }),
		"list length overruns":  raw(func(s []byte) []byte { l := sctList(s); l[1]++; return octets(l) }),
		"list length underruns": raw(func(s []byte) []byte { l := sctList(s); l[1]--; return octets(l) }),
		"valid then malformed":  raw(func(s []byte) []byte { return octets(sctList(s, s[:len(s)-1])) }),
		"extensions length +1":  raw(func(s []byte) []byte { s[42]++; return octets(sctList(s)) }),
		"signature length +1":   raw(func(s []byte) []byte { s[48]++; return octets(sctList(s)) }),
		"signature length -1":   raw(func(s []byte) []byte { s[48]--; return octets(sctList(s)) }),
		"list of 65335 bytes": sctLeaf(t, pki.inter, pki.interKey, func(preTBS []byte) []byte {
			s := good.serialize(t, preTBS, pki.inter)
			b := big1(preTBS, 0)
			b = big1(preTBS, 65335-2-len(s)-2-len(b))
			return octets(sctList(s, b))
		}),
		"list of 65336 bytes": sctLeaf(t, pki.inter, pki.interKey, func(preTBS []byte) []byte {
			s := good.serialize(t, preTBS, pki.inter)
			b := big1(preTBS, 0)
			b = big1(preTBS, 65336-2-len(s)-2-len(b))
			return octets(sctList(s, b))
		}),
	} {
		for _, th := range []int{0, 1} {
			d.agree(name, chain(leaf), th, tm)
		}
	}

	// Every truncation of a two-log list: as it stands (the lengths
	// overrun), and with the list's length fixed up (the last SCT is cut).
	var list []byte
	sctLeaf(t, pki.inter, pki.interKey, func(preTBS []byte) []byte {
		list = sctList(good.serialize(t, preTBS, pki.inter), sctSpec{log: logB}.serialize(t, preTBS, pki.inter))
		return nil
	})
	step := 1
	if testing.Short() {
		step = 5
	}
	for n := 0; n < len(list); n += step {
		cut := bytes.Clone(list[:n])
		fixed := bytes.Clone(cut)
		if n >= 2 {
			fixed[0], fixed[1] = byte((n-2)>>8), byte(n-2)
		}
		for _, v := range [][]byte{cut, fixed} {
			leaf := sctLeaf(t, pki.inter, pki.interKey, func([]byte) []byte { return octets(v) })
			d.agree("truncated list", chain(leaf), 1, tm)
		}
	}

	// Every byte flip of a two-log list, at thresholds 1 and 2.
	flipSCTExt(t, d, "two logs", chain(two), tm, 1, 2)

	t.Logf("%d cases: %d accepted, %d refused by both", d.cases, d.accepted, d.rejected)
	if d.accepted < 50 || d.rejected < 50 {
		t.Fatalf("%d accepted, %d refused: too few to compare", d.accepted, d.rejected)
	}
}

// TestSCTKnownDifferences pins where verifySCTs and sigstore-go differ
// by design (see verifySCTs): sigstore-go refuses every SCT of a leaf
// that certificate-transparency-go's x509 objects to for reasons other
// than its SCTs, here an empty AuthorityInfoAccess or SubjectInfoAccess
// extension, which crypto/x509 parses; verifySCTs judges the SCTs alone.
func TestSCTKnownDifferences(t *testing.T) {
	pki := newTestPKI(t)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	log := newTestCTLog(t, k)
	tm := &sctMaterial{logs: map[string]*root.TransparencyLog{log.hexID(): log.entry(base, base.AddDate(2, 0, 0))}}
	for name, mut := range map[string]func(*x509.Certificate){
		"empty AuthorityInfoAccess": func(c *x509.Certificate) {
			c.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}, Value: []byte{0x30, 0}}}
		},
		"empty SubjectInfoAccess": func(c *x509.Certificate) {
			c.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 11}, Value: []byte{0x30, 0}}}
		},
	} {
		leaf := sctLeafWith(t, pki.inter, pki.interKey, mut, withSCTs(t, pki.inter, sctSpec{log: log}))
		chains := [][]*x509.Certificate{{leaf, pki.inter, pki.root}}
		if err := verify.VerifySCTs(chains, 1, tm.CTLogs()); err != nil {
			t.Errorf("%s: verifySCTs: %v", name, err)
		}
		if err := sgverify.VerifySignedCertificateTimestamp(chains, 1, tm); err == nil {
			t.Errorf("%s: sigstore-go accepts: the difference is gone; fold the case into TestSCTDifferential", name)
		}
	}
}

// BenchmarkSCT compares verifySCTs with sigstore-go's
// VerifySignedCertificateTimestamp on the public-good happy-path v0.3
// leaf and its chain, and reports their ratio from one loop running both
// alternately (so that a busy machine slows both alike).
func BenchmarkSCT(b *testing.B) {
	var sb bundle.Bundle
	data, err := os.ReadFile(happyV03)
	if err != nil {
		b.Fatal(err)
	}
	if err := sb.UnmarshalJSON(data); err != nil {
		b.Fatal(err)
	}
	vc, err := sb.VerificationContent()
	if err != nil {
		b.Fatal(err)
	}
	leaf := vc.Certificate()
	tr, err := verify.PublicGood()
	if err != nil {
		b.Fatal(err)
	}
	tm := tr.Material()
	var chains [][]*x509.Certificate
	for _, ca := range tm.FulcioCertificateAuthorities() {
		if c, err := ca.Verify(leaf, leaf.NotBefore); err == nil {
			chains = c
			break
		}
	}
	if chains == nil {
		b.Fatal("no chain")
	}
	ctlogs := tm.CTLogs()
	native := func() {
		if err := verify.VerifySCTs(chains, 1, ctlogs); err != nil {
			b.Fatal(err)
		}
	}
	sg := func() {
		if err := sgverify.VerifySignedCertificateTimestamp(chains, 1, tm); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("native", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			native()
		}
	})
	b.Run("sigstore-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sg()
		}
	})
	b.Run("native-vs-sigstore-go", func(b *testing.B) {
		var n, s time.Duration
		for b.Loop() {
			t0 := time.Now()
			native()
			t1 := time.Now()
			sg()
			n, s = n+t1.Sub(t0), s+time.Since(t1)
		}
		b.ReportMetric(float64(n.Nanoseconds())/float64(b.N)/1e3, "native-us")
		b.ReportMetric(float64(s.Nanoseconds())/float64(b.N)/1e3, "sigstore-go-us")
		b.ReportMetric(float64(s)/float64(n), "x-faster")
	})
}
