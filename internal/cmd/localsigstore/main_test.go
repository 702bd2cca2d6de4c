package main

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/youmark/pkcs8"

	"github.com/chainproof/chainproof/internal/ctlog"
	"github.com/chainproof/chainproof/internal/sigstoretest"
)

func readPEM(t *testing.T, path string) []*pem.Block {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*pem.Block
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out
		}
		out = append(out, blk)
	}
}

func TestPKI(t *testing.T) {
	dir := t.TempDir()
	p, err := newPKI(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Fulcio: CA:TRUE, keyCertSign, encrypted key that decrypts with the
	// password handed to Fulcio.
	if !p.fulcioCert.IsCA || p.fulcioCert.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Error("fulcio CA lacks CA:TRUE or keyCertSign")
	}
	blks := readPEM(t, p.fulcioKeyPath)
	if len(blks) != 1 || blks[0].Type != "ENCRYPTED PRIVATE KEY" {
		t.Fatalf("fulcio key file: %d blocks", len(blks))
	}
	if _, err := pkcs8.ParsePKCS8PrivateKey(blks[0].Bytes, []byte(p.fulcioPass)); err != nil {
		t.Errorf("fulcio key does not decrypt: %v", err)
	}
	if _, err := pkcs8.ParsePKCS8PrivateKey(blks[0].Bytes, []byte("wrong")); err == nil {
		t.Error("fulcio key decrypts with a wrong password")
	}
	// TSA: the leaf's EKU is timeStamping only, and critical.
	var eku bool
	for _, e := range p.tsaLeaf.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			eku = e.Critical
		}
	}
	if !eku || len(p.tsaLeaf.ExtKeyUsage) != 1 || p.tsaLeaf.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		t.Errorf("tsa leaf EKU: critical=%v %v", eku, p.tsaLeaf.ExtKeyUsage)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.tsaRoot)
	if _, err := p.tsaLeaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		t.Errorf("tsa chain: %v", err)
	}
	if n := len(readPEM(t, p.tsaChainPath)); n != 2 {
		t.Errorf("tsa chain file: %d certificates, want 2", n)
	}
	if b := readPEM(t, p.rekorKeyPath); len(b) != 1 || b[0].Type != "PRIVATE KEY" {
		t.Error("rekor key is not one PKCS#8 block")
	}
}

func TestWriteTrust(t *testing.T) {
	dir := t.TempDir()
	p, err := newPKI(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l, err := ctlog.New(p.ctKey, [][]byte{p.fulcioCert.Raw}, ctlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := sigstoretest.Manifest{
		FulcioURL: "http://127.0.0.1:1", RekorURL: "http://localhost:2", TSAURL: "http://127.0.0.1:3/api/v1/timestamp",
		CTLogURL: "http://127.0.0.1:4/ctlog", OIDCIssuerURL: "http://127.0.0.1:4/email", OIDCTokenURL: "http://127.0.0.1:4/email/token",
		GitHubIssuerURL: "http://127.0.0.1:4/github", GitHubTokenURL: "http://127.0.0.1:4/github/token",
	}
	if err := writeTrust(dir, m, p, l); err != nil {
		t.Fatal(err)
	}
	tr, err := root.NewTrustedRootFromPath(filepath.Join(dir, sigstoretest.TrustedRootFile))
	if err != nil {
		t.Fatal(err)
	}
	id := l.LogID()
	if ct, ok := tr.CTLogs()[hex.EncodeToString(id[:])]; !ok || ct.BaseURL != m.CTLogURL {
		t.Errorf("ct log missing under its log id: %v", tr.CTLogs())
	}
	if len(tr.RekorLogs()) != 1 {
		t.Fatalf("rekor logs: %d", len(tr.RekorLogs()))
	}
	for _, rl := range tr.RekorLogs() {
		if rl.BaseURL != m.RekorURL {
			t.Errorf("rekor base url %q", rl.BaseURL)
		}
	}
	if len(tr.FulcioCertificateAuthorities()) != 1 || len(tr.TimestampingAuthorities()) != 1 {
		t.Error("want one Fulcio CA and one TSA")
	}
	if _, err := root.NewSigningConfigFromPath(filepath.Join(dir, sigstoretest.SigningConfigFile)); err != nil {
		t.Error(err)
	}
	if _, err := sigstoretest.Open(dir); err != nil {
		t.Errorf("sigstoretest.Open: %v", err)
	}
}

func TestFulcioConfigNamesIssuers(t *testing.T) {
	c := fulcioConfig("http://127.0.0.1:9/email", "http://127.0.0.1:9/github")
	for _, want := range []string{`"http://127.0.0.1:9/email":`, `"http://127.0.0.1:9/github":`, "ci-provider: github-workflow",
		`subject-alternative-name-template: "{{ .url }}/{{ .job_workflow_ref }}"`} {
		if !strings.Contains(c, want) {
			t.Errorf("config lacks %q", want)
		}
	}
}

func TestAllocatePorts(t *testing.T) {
	ps, ln, err := allocatePorts(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	seen := map[int]bool{}
	for _, p := range []int{ps.local, ps.fulcioHTTP, ps.fulcioGRPC, ps.fulcioMetrics, ps.rekorHTTP, ps.rekorGRPC, ps.rekorMetrics, ps.tsaHTTP} {
		if p == 0 || seen[p] {
			t.Errorf("port %d zero or duplicated: %+v", p, ps)
		}
		seen[p] = true
	}
	if _, _, err := allocatePorts(tsaMetricsPort - 3); err == nil {
		t.Error("a fixed range covering the TSA metrics port was accepted")
	}
}
