package verify_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/chainproof/chainproof/verify"
)

func jsonCompact(dst *bytes.Buffer, src []byte) error { return json.Compact(dst, src) }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// conformanceLeaves calls f with each conformance bundle that carries a
// certificate: its case, its trusted root (the case's own, or the
// public-good one) and its leaf. Cases whose root or bundle does not load
// are skipped (those are refused before any certificate is read).
func conformanceLeaves(t *testing.T, f func(c confCase, tr *verify.TrustedRoot, leaf *x509.Certificate)) {
	t.Helper()
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := verify.PublicGood()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c := loadCase(t, e.Name())
		tr := pg
		if c.trust != "" {
			if tr, err = verify.LoadTrustedRoot(c.trust); err != nil {
				continue
			}
		}
		b, err := verify.ReadBundleFile(filepath.Join(c.dir, "bundle.sigstore.json"))
		if err != nil {
			continue
		}
		vc, err := b.Sigstore().VerificationContent()
		if err != nil || vc.Certificate() == nil {
			continue
		}
		f(c, tr, vc.Certificate())
	}
}
