package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"google.golang.org/protobuf/proto"
)

// TestLeanHashedRekord holds leanHashedRekord to sigstore-go's parser
// (tlog.ParseTransparencyLogEntry and tlog.ValidateEntry, rekor's models):
// on every conformance entry and on bodies that break each condition
// leanHashedRekord reads, whatever it reads either parses there too, with
// the same signature, digest and certificate, or is refused by
// checkLeanBody (a body whose signature or digest is not the bundle's,
// which rekor's validation refuses by its signature check).
func TestLeanHashedRekord(t *testing.T) {
	dir := "testdata/conformance"
	cases, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	read, refused, checked := 0, 0, 0
	check := func(what string, tle *protorekor.TransparencyLogEntry, pb *protobundle.Bundle) *leanEntry {
		t.Helper()
		checked++
		hr := leanHashedRekord(tle, pb)
		if hr == nil {
			refused++
			return nil
		}
		read++
		leafDER := pb.GetVerificationMaterial().GetCertificate().GetRawBytes()
		if leafDER == nil {
			leafDER = pb.GetVerificationMaterial().GetX509CertificateChain().GetCertificates()[0].GetRawBytes()
		}
		leaf, err := x509.ParseCertificate(leafDER)
		if err != nil {
			t.Fatalf("%s: leaf: %v", what, err)
		}
		full, err := tlog.ParseTransparencyLogEntry(tle)
		if err == nil {
			err = tlog.ValidateEntry(full)
		}
		if err != nil {
			if checkLeanBody(hr, pb, leaf) == nil {
				t.Errorf("%s: read without rekor's models and bound to the bundle, but sigstore-go refuses it: %v", what, err)
			}
			return hr
		}
		digest, alg, _ := full.GetHashedRekordDigest()
		cert, _ := full.PublicKey().(*x509.Certificate)
		if !bytes.Equal(full.Signature(), hr.sig) || alg != hr.alg || !bytes.Equal(digest, hr.digest) || cert == nil || !cert.Equal(leaf) {
			t.Errorf("%s: read differently: signature %x/%x, digest %s:%x/%s:%x", what, full.Signature(), hr.sig, alg, digest, hr.alg, hr.digest)
		}
		return hr
	}

	var sample *protorekor.TransparencyLogEntry
	var samplePB *protobundle.Bundle
	for _, c := range cases {
		b, err := ReadBundleFile(filepath.Join(dir, c.Name(), "bundle.sigstore.json"))
		if err != nil {
			continue
		}
		pb := b.b.Bundle
		for _, tle := range pb.GetVerificationMaterial().GetTlogEntries() {
			if check(c.Name(), tle, pb) != nil && sample == nil {
				sample, samplePB = tle, pb
			}
		}
	}
	if sample == nil {
		t.Fatal("no conformance entry was read without rekor's models")
	}

	// Bodies that break one condition each, from a real entry.
	var body map[string]any
	if err := json.Unmarshal(sample.GetCanonicalizedBody(), &body); err != nil {
		t.Fatal(err)
	}
	spec := body["spec"].(map[string]any)
	sig := spec["signature"].(map[string]any)
	pemBytes, _ := base64.StdEncoding.DecodeString(sig["publicKey"].(map[string]any)["content"].(string))
	block, _ := pem.Decode(pemBytes)
	hash := spec["data"].(map[string]any)["hash"].(map[string]any)
	value := hash["value"].(string)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	otherPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: append(bytes.Clone(block.Bytes[:len(block.Bytes)-1]), block.Bytes[len(block.Bytes)-1]^1)}))
	mutations := []struct {
		name      string
		edit      func(b, spec, sig, hash map[string]any)
		wantLean  bool // leanHashedRekord must still read it
		mustCatch bool // ... and checkLeanBody must refuse it
	}{
		{"as logged", func(b, spec, sig, hash map[string]any) {}, true, false},
		{"unknown top-level field", func(b, spec, sig, hash map[string]any) { b["extra"] = 1 }, false, false},
		{"unknown spec field", func(b, spec, sig, hash map[string]any) { spec["extra"] = "x" }, false, false},
		{"no data", func(b, spec, sig, hash map[string]any) { delete(spec, "data") }, false, false},
		{"no signature", func(b, spec, sig, hash map[string]any) { delete(spec, "signature") }, false, false},
		{"empty signature", func(b, spec, sig, hash map[string]any) { sig["content"] = "" }, false, false},
		{"signature not base64", func(b, spec, sig, hash map[string]any) { sig["content"] = "!!!!" }, false, false},
		{"no public key", func(b, spec, sig, hash map[string]any) { delete(sig, "publicKey") }, false, false},
		{"public key as PUBLIC KEY block", func(b, spec, sig, hash map[string]any) {
			sig["publicKey"] = map[string]any{"content": b64(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: block.Bytes})))}
		}, false, false},
		{"PEM with trailing data", func(b, spec, sig, hash map[string]any) {
			sig["publicKey"] = map[string]any{"content": b64(string(pemBytes) + "x")}
		}, false, false},
		{"PEM with headers", func(b, spec, sig, hash map[string]any) {
			sig["publicKey"] = map[string]any{"content": b64(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Headers: map[string]string{"a": "b"}, Bytes: block.Bytes})))}
		}, false, false},
		{"another certificate", func(b, spec, sig, hash map[string]any) { sig["publicKey"] = map[string]any{"content": b64(otherPEM)} }, false, false},
		{"algorithm SHA256", func(b, spec, sig, hash map[string]any) { hash["algorithm"] = "SHA256" }, false, false},
		{"algorithm md5", func(b, spec, sig, hash map[string]any) { hash["algorithm"] = "md5" }, false, false},
		{"algorithm sha512, sha256 value", func(b, spec, sig, hash map[string]any) { hash["algorithm"] = "sha512" }, false, false},
		{"no algorithm", func(b, spec, sig, hash map[string]any) { delete(hash, "algorithm") }, false, false},
		{"no value", func(b, spec, sig, hash map[string]any) { delete(hash, "value") }, false, false},
		{"short value", func(b, spec, sig, hash map[string]any) { hash["value"] = value[2:] }, false, false},
		{"value not hex", func(b, spec, sig, hash map[string]any) { hash["value"] = "zz" + value[2:] }, false, false},
		{"value upper case", func(b, spec, sig, hash map[string]any) { hash["value"] = strings.ToUpper(value) }, true, false},
		{"another digest", func(b, spec, sig, hash map[string]any) { hash["value"] = strings.Repeat("ab", 32) }, true, true},
		{"another signature", func(b, spec, sig, hash map[string]any) { sig["content"] = b64("another signature") }, true, true},
		{"kind rekord", func(b, spec, sig, hash map[string]any) { b["kind"] = "rekord" }, false, false},
		{"apiVersion 0.0.2", func(b, spec, sig, hash map[string]any) { b["apiVersion"] = "0.0.2" }, false, false},
	}
	for _, m := range mutations {
		var mb map[string]any
		_ = json.Unmarshal(sample.GetCanonicalizedBody(), &mb)
		ms := mb["spec"].(map[string]any)
		msig := ms["signature"].(map[string]any)
		mhash := ms["data"].(map[string]any)["hash"].(map[string]any)
		m.edit(mb, ms, msig, mhash)
		data, err := json.Marshal(mb)
		if err != nil {
			t.Fatal(err)
		}
		tle := proto.Clone(sample).(*protorekor.TransparencyLogEntry)
		tle.CanonicalizedBody = data
		if k, v := mb["kind"], mb["apiVersion"]; k != nil && v != nil {
			tle.KindVersion = &protorekor.KindVersion{Kind: k.(string), Version: v.(string)}
		}
		hr := check(m.name, tle, samplePB)
		if (hr != nil) != m.wantLean {
			t.Errorf("%s: read without rekor's models: %v, want %v", m.name, hr != nil, m.wantLean)
		}
		if hr != nil && m.mustCatch {
			leafDER := samplePB.GetVerificationMaterial().GetCertificate().GetRawBytes()
			if leafDER == nil {
				leafDER = samplePB.GetVerificationMaterial().GetX509CertificateChain().GetCertificates()[0].GetRawBytes()
			}
			leaf, err := x509.ParseCertificate(leafDER)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkLeanBody(hr, samplePB, leaf); err == nil {
				t.Errorf("%s: checkLeanBody accepts it", m.name)
			}
		}
	}
	// The same body spelled otherwise: left to sigstore-go.
	raw := string(sample.GetCanonicalizedBody())
	for name, body := range map[string]string{
		"a space":           strings.Replace(raw, `":"`, `": "`, 1),
		"an escape":         strings.Replace(raw, `"0.0.1"`, `"0.0.\u0031"`, 1),
		"keys out of order": `{"kind":"hashedrekord","apiVersion":"0.0.1",` + strings.TrimPrefix(raw, `{"apiVersion":"0.0.1","kind":"hashedrekord",`),
		"trailing space":    raw + " ",
		"value escaped":     strings.Replace(raw, `"value":"`+value[:1], `"value":"\u00`+hex.EncodeToString([]byte(value[:1])), 1),
	} {
		tle := proto.Clone(sample).(*protorekor.TransparencyLogEntry)
		tle.CanonicalizedBody = []byte(body)
		if body == raw {
			t.Fatalf("%s: no change", name)
		}
		if check(name, tle, samplePB) != nil {
			t.Errorf("%s: read without rekor's models", name)
		}
	}
	t.Logf("%d entries: %d read without rekor's models, %d left to sigstore-go (sample digest %s)", checked, read, refused, hex.EncodeToString(leanHashedRekord(sample, samplePB).digest))
}
