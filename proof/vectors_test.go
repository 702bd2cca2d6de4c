package proof

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Keys of the upstream vectors (testdata/ophamin/SOURCE.md).
const (
	canonicalTestKey = "ophamin-canonical-test-key-v1"
	scenarioProofKey = "ophamin-scenario-proof-key"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUpstreamCanonicalFixtures(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/ophamin/canonical_form/*.input.json")
	if len(inputs) != 5 {
		t.Fatalf("found %d canonical fixtures, want 5", len(inputs))
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".input.json")
		t.Run(name, func(t *testing.T) {
			dir := filepath.Dir(in)
			want := readFile(t, filepath.Join(dir, name+".canonical.bytes"))
			wantMAC := strings.TrimSpace(string(readFile(t, filepath.Join(dir, name+".hmac_sha256.hex"))))
			got, err := Canonicalize(readFile(t, in))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("canonical form differs:\n got %s\nwant %s", got, want)
			}
			m := hmac.New(sha256.New, []byte(canonicalTestKey))
			m.Write(got)
			if h := hex.EncodeToString(m.Sum(nil)); h != wantMAC {
				t.Errorf("hmac = %s, want %s", h, wantMAC)
			}
			again, err := Canonicalize(want)
			if err != nil || !bytes.Equal(again, want) {
				t.Errorf("re-canonicalization is not the identity: %s, %v", again, err)
			}
		})
	}
}

var proofIDPrefix = regexp.MustCompile(`_([0-9a-f]{12,16})\.json$`)

func shippedProofs(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob("testdata/ophamin/proofs/*.json")
	if len(files) != 6 {
		t.Fatalf("found %d shipped proofs, want 6", len(files))
	}
	return files
}

func TestUpstreamProofs(t *testing.T) {
	attested := 0
	for _, f := range shippedProofs(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data := readFile(t, f)
			v, err := Verify(data, []byte(scenarioProofKey))
			if err != nil {
				t.Fatal(err)
			}
			m := proofIDPrefix.FindStringSubmatch(f)
			if m == nil || !strings.HasPrefix(v.ProofID, m[1]) {
				t.Errorf("proof_id %s does not start with the file name's prefix %v", v.ProofID, m)
			}
			if strings.Contains(f, "crdt-laws") {
				if v.Attestation == nil || v.Attestation.Pinned {
					t.Fatalf("attestation = %+v, want present and not pinned", v.Attestation)
				}
				attested++
				pub := v.Attestation.PublicKey
				if hex.EncodeToString(pub) != "1c0049bf886605d96defb43cb0a24969788b8a0076a3c7e83d32a9b166009b3c" {
					t.Errorf("public key = %x", pub)
				}
				v2, err := VerifyWithOptions(data, []byte(scenarioProofKey), VerifyOptions{AttestationKeys: []ed25519.PublicKey{pub}})
				if err != nil || !v2.Attestation.Pinned {
					t.Fatalf("pinned verification: %v", err)
				}
				a, err := VerifyAttestation(data, pub)
				if err != nil || !a.Pinned || a.Author != "ben.slama.idir@gmail.com" {
					t.Fatalf("VerifyAttestation = %+v, %v", a, err)
				}
			} else if v.Attestation != nil {
				t.Errorf("unexpected attestation")
			}
			// The typed Record reads every upstream body exactly, and signing
			// it reproduces the upstream proof_id and signature.
			r, err := ParseRecord(data)
			if err != nil {
				t.Fatal(err)
			}
			typed, err := r.Sign([]byte(scenarioProofKey))
			if err != nil {
				t.Fatal(err)
			}
			vt, err := Verify(typed, []byte(scenarioProofKey))
			if err != nil || vt.ProofID != v.ProofID {
				t.Fatalf("typed Record re-signed: %v", err)
			}
			var up, ours struct {
				Signature string `json:"signature"`
			}
			json.Unmarshal(data, &up)
			json.Unmarshal(typed, &ours)
			if up.Signature != ours.Signature {
				t.Errorf("signature %s, upstream %s", ours.Signature, up.Signature)
			}
			// Re-signing with the same key reproduces the same proof_id and signature.
			resigned, err := Sign(data, []byte(scenarioProofKey))
			if err != nil {
				t.Fatal(err)
			}
			v3, err := Verify(resigned, []byte(scenarioProofKey))
			if err != nil || v3.ProofID != v.ProofID || !bytes.Equal(v3.Body, v.Body) {
				t.Fatalf("re-signed record: %v", err)
			}
		})
	}
	if attested != 1 {
		t.Errorf("%d attested proofs verified, want 1", attested)
	}
}

func TestVectorChecksums(t *testing.T) {
	sums := readFile(t, "testdata/ophamin/SHA256SUMS")
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		want, name, _ := strings.Cut(line, "  ")
		sum := sha256.Sum256(readFile(t, filepath.Join("testdata/ophamin", name)))
		if hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s: checksum differs from SHA256SUMS", name)
		}
	}
}
