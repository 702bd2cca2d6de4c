package ctlog_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ct "github.com/google/certificate-transparency-go"
	ctx509 "github.com/google/certificate-transparency-go/x509"

	"github.com/chainproof/chainproof/internal/ctlog"
)

var (
	fixedNow   = time.Date(2030, 1, 2, 3, 4, 5, 6e6, time.UTC)
	oidPoison  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 3}
	asn1Null   = []byte{0x05, 0x00}
	serialSeed int64
)

type ca struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newCA(t testing.TB, cn string) ca {
	t.Helper()
	k := newKey(t)
	serialSeed++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serialSeed), Subject: pkix.Name{CommonName: cn},
		NotBefore: fixedNow.Add(-time.Hour), NotAfter: fixedNow.Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return ca{k, c}
}

// leaf issues a leaf certificate, a precertificate when pre is set.
func (c ca) leaf(t testing.TB, pre bool) []byte {
	t.Helper()
	k := newKey(t)
	serialSeed++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serialSeed), Subject: pkix.Name{CommonName: "leaf"},
		NotBefore: fixedNow.Add(-time.Minute), NotAfter: fixedNow.Add(10 * time.Minute),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		EmailAddresses: []string{"dev@example.com"},
	}
	if pre {
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidPoison, Critical: true, Value: asn1Null}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &k.PublicKey, c.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func newLog(t testing.TB, root ca) (*ctlog.Log, *ecdsa.PrivateKey) {
	t.Helper()
	k := newKey(t)
	l, err := ctlog.New(k, [][]byte{root.cert.Raw}, ctlog.Options{Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	return l, k
}

// verifySCT checks the SCT with the library's verifier, independently of
// the log's signing code.
func verifySCT(t *testing.T, l *ctlog.Log, resp *ct.AddChainResponse, chain [][]byte, etype ct.LogEntryType) {
	t.Helper()
	sct, err := resp.ToSignedCertificateTimestamp()
	if err != nil {
		t.Fatal(err)
	}
	var certs []*ctx509.Certificate
	for _, der := range chain {
		c, err := ctx509.ParseCertificate(der)
		if ctx509.IsFatal(err) {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	leaf, err := ct.MerkleTreeLeafFromChain(certs, etype, sct.Timestamp)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ct.NewSignatureVerifier(l.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifySCTSignature(*sct, ct.LogEntry{Leaf: *leaf}); err != nil {
		t.Fatalf("SCT does not verify: %v", err)
	}
	id := l.LogID()
	if !bytes.Equal(sct.LogID.KeyID[:], id[:]) || sct.Timestamp != uint64(fixedNow.UnixMilli()) || sct.SCTVersion != ct.V1 {
		t.Errorf("sct = %+v", sct)
	}
	// Flip one byte of the signed leaf: the signature must not verify.
	if etype == ct.PrecertLogEntryType {
		leaf.TimestampedEntry.PrecertEntry.TBSCertificate[10] ^= 1
	} else {
		d := bytes.Clone(leaf.TimestampedEntry.X509Entry.Data) // it aliases the caller's chain
		d[10] ^= 1
		leaf.TimestampedEntry.X509Entry.Data = d
	}
	if err := v.VerifySCTSignature(*sct, ct.LogEntry{Leaf: *leaf}); err == nil {
		t.Error("SCT verifies over a modified entry")
	}
}

func post(t *testing.T, url string, body []byte) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp, buf.Bytes()
}

func TestAddPreChainOverHTTP(t *testing.T) {
	root := newCA(t, "root")
	l, _ := newLog(t, root)
	mux := http.NewServeMux()
	mux.Handle("/log/", http.StripPrefix("/log", l))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	chain := [][]byte{root.leaf(t, true), root.cert.Raw}
	body, _ := json.Marshal(ct.AddChainRequest{Chain: chain})
	resp, b := post(t, srv.URL+"/log"+ctlog.AddPreChainPath, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("add-pre-chain: %s: %s", resp.Status, b)
	}
	var acr ct.AddChainResponse
	if err := json.Unmarshal(b, &acr); err != nil {
		t.Fatal(err)
	}
	verifySCT(t, l, &acr, chain, ct.PrecertLogEntryType)

	// get-roots lists the root.
	gr, err := http.Get(srv.URL + "/log" + ctlog.GetRootsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer gr.Body.Close()
	var roots ct.GetRootsResponse
	if err := json.NewDecoder(gr.Body).Decode(&roots); err != nil {
		t.Fatal(err)
	}
	if len(roots.Certificates) != 1 || roots.Certificates[0] != base64.StdEncoding.EncodeToString(root.cert.Raw) {
		t.Errorf("get-roots = %v", roots.Certificates)
	}
}

func TestAdd(t *testing.T) {
	root := newCA(t, "root")
	other := newCA(t, "other")
	l, _ := newLog(t, root)

	pre, final := root.leaf(t, true), root.leaf(t, false)
	for _, c := range []struct {
		name  string
		chain [][]byte
		etype ct.LogEntryType
	}{
		{"precert with root", [][]byte{pre, root.cert.Raw}, ct.PrecertLogEntryType},
		{"precert alone", [][]byte{pre}, ct.PrecertLogEntryType},
		{"cert with root", [][]byte{final, root.cert.Raw}, ct.X509LogEntryType},
		{"cert alone", [][]byte{final}, ct.X509LogEntryType},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, err := l.Add(c.chain, c.etype)
			if err != nil {
				t.Fatal(err)
			}
			full := c.chain
			if len(full) == 1 {
				full = append(full, root.cert.Raw)
			}
			verifySCT(t, l, resp, full, c.etype)
		})
	}

	tampered := bytes.Clone(pre)
	tampered[len(tampered)-5] ^= 1 // inside the signature
	for _, c := range []struct {
		name  string
		chain [][]byte
		etype ct.LogEntryType
		want  error
	}{
		{"empty", nil, ct.PrecertLogEntryType, ctlog.ErrChain},
		{"too long", make([][]byte, ctlog.MaxChainLength+1), ct.PrecertLogEntryType, ctlog.ErrChain},
		{"garbage", [][]byte{[]byte("not a certificate")}, ct.PrecertLogEntryType, ctlog.ErrChain},
		{"untrusted root", [][]byte{other.leaf(t, true), other.cert.Raw}, ct.PrecertLogEntryType, ctlog.ErrChain},
		{"wrong issuer in chain", [][]byte{pre, other.cert.Raw}, ct.PrecertLogEntryType, ctlog.ErrChain},
		{"bad signature", [][]byte{tampered, root.cert.Raw}, ct.PrecertLogEntryType, ctlog.ErrChain},
		{"precert on add-chain", [][]byte{pre, root.cert.Raw}, ct.X509LogEntryType, ctlog.ErrPrecert},
		{"cert on add-pre-chain", [][]byte{final, root.cert.Raw}, ct.PrecertLogEntryType, ctlog.ErrPrecert},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := l.Add(c.chain, c.etype); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestHTTPErrors(t *testing.T) {
	root := newCA(t, "root")
	l, _ := newLog(t, root)
	srv := httptest.NewServer(l)
	defer srv.Close()
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", ctlog.AddPreChainPath, "", 405},
		{"POST", ctlog.GetRootsPath, "", 405},
		{"POST", ctlog.AddChainPath, "{", 400},
		{"POST", ctlog.AddChainPath, `{"chain":["` + strings.Repeat("A", ctlog.MaxRequestSize) + `"]}`, 400},
		{"POST", ctlog.AddPreChainPath, `{"chain":[]}`, 400},
		{"GET", "/ct/v1/get-sth", "", 404},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
	}
}

func TestNewRejects(t *testing.T) {
	root := newCA(t, "root")
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ctlog.New(rk, [][]byte{root.cert.Raw}, ctlog.Options{}); !errors.Is(err, ctlog.ErrKey) {
		t.Errorf("RSA key: got %v, want ErrKey", err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := ctlog.New(p384, [][]byte{root.cert.Raw}, ctlog.Options{}); !errors.Is(err, ctlog.ErrKey) {
		t.Errorf("P-384 key: got %v, want ErrKey", err)
	}
	if _, err := ctlog.New(newKey(t), nil, ctlog.Options{}); !errors.Is(err, ctlog.ErrNoRoots) {
		t.Errorf("no roots: got %v, want ErrNoRoots", err)
	}
}

// BenchmarkAdd reports the cost of issuing an SCT against the raw ECDSA
// signature underneath (see BenchmarkECDSASign).
func BenchmarkAdd(b *testing.B) {
	root := newCA(b, "root")
	l, _ := newLog(b, root)
	chain := [][]byte{root.leaf(b, true), root.cert.Raw}
	for b.Loop() {
		if _, err := l.Add(chain, ct.PrecertLogEntryType); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkECDSASign(b *testing.B) {
	k := newKey(b)
	d := make([]byte, 32)
	for b.Loop() {
		if _, err := ecdsa.SignASN1(rand.Reader, k, d); err != nil {
			b.Fatal(err)
		}
	}
}
