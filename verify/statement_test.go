package verify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// TestAmbiguousStatements signs statements whose JSON two readers could
// read differently (duplicate keys, keys differing only in case) and
// checks that verify reads them as a strict, exact-key reader does:
// duplicates are refused, and "SUBJECT" or "BuildType" never stand in for
// subject or buildType.
func TestAmbiguousStatements(t *testing.T) {
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	trJSON, err := st.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := verify.ParseTrustedRoot(trJSON, "signtest")
	if err != nil {
		t.Fatal(err)
	}
	artifact := []byte("the artifact")
	sum := sha256.Sum256(artifact)
	good := hex.EncodeToString(sum[:])
	other := strings.Repeat("ab", 32)
	id := verify.Identity{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact("alice@example.com")}
	slsa := func(s *verify.SLSAPolicy) *verify.AttestationPolicy {
		return &verify.AttestationPolicy{PredicateType: verify.PredicateSLSAProvenanceV1, SLSA: s}
	}
	const stmt = `{"_type":"https://in-toto.io/Statement/v1",`
	for _, tc := range []struct {
		name    string
		payload string
		att     *verify.AttestationPolicy
		want    error // nil: verifies
	}{
		{"plain", stmt + `"subject":[{"name":"a","digest":{"sha256":"` + good + `"}}],"predicateType":"https://example.com/p","predicate":{}}`, nil, nil},
		{"SUBJECT is not subject", stmt + `"subject":[{"name":"a","digest":{"sha256":"` + other + `"}}],"SUBJECT":[{"name":"a","digest":{"sha256":"` + good + `"}}],"predicateType":"https://example.com/p","predicate":{}}`, nil, verify.ErrArtifact},
		{"DIGEST is not digest", stmt + `"subject":[{"name":"a","digest":{"sha256":"` + other + `"},"DIGEST":{"sha256":"` + good + `"}}],"predicateType":"https://example.com/p","predicate":{}}`, nil, verify.ErrArtifact},
		{"duplicate subject", stmt + `"subject":[{"name":"a","digest":{"sha256":"` + other + `"}}],"subject":[{"name":"a","digest":{"sha256":"` + good + `"}}],"predicateType":"https://example.com/p","predicate":{}}`, nil, verify.ErrPredicate},
		{"duplicate predicateType", stmt + `"subject":[{"name":"a","digest":{"sha256":"` + good + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicateType":"https://example.com/p","predicate":{}}`, nil, verify.ErrPredicate},
		{"duplicate key deep in the predicate", stmt + `"subject":[{"name":"a","digest":{"sha256":"` + good + `"}}],"predicateType":"https://example.com/p","predicate":{"x":[{"k":1,"k":2}]}}`, nil, verify.ErrPredicate},
		{"slsa buildType", stmt + `"subject":[{"name":"a","digest":{"sha256":"` + good + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://evil.example/bt"}}}`,
			slsa(&verify.SLSAPolicy{BuildType: verify.Exact("https://evil.example/bt")}), nil},
		{"slsa BuildType is not buildType", stmt + `"subject":[{"name":"a","digest":{"sha256":"` + good + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://evil.example/bt","BuildType":"https://good.example/bt"}}}`,
			slsa(&verify.SLSAPolicy{BuildType: verify.Exact("https://good.example/bt")}), verify.ErrPredicate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := st.SignDSSE(signtest.Email("alice@example.com"), "application/vnd.in-toto+json", []byte(tc.payload), signtest.MintOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := verify.Verify(context.Background(), b, verify.Artifact{Digest: "sha256:" + good},
				verify.Policy{Identities: []verify.Identity{id}, Attestation: tc.att}, verify.Options{TrustedRoot: tr})
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Statement.Subject) != 1 || res.Statement.Subject[0].Digest["sha256"] != good {
					t.Fatalf("statement subject %+v", res.Statement.Subject)
				}
				return
			}
			var ve *verify.Error
			if !errors.Is(err, tc.want) || !errors.As(err, &ve) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			t.Logf("refused by check %q: %v", ve.Check, err)
		})
	}
}

// TestSignerCannotSteerTheCheck plants the texts verify's classifier once
// matched (as duplicate keys and as the payload type) in signed DSSE
// bundles: every one must be reported as the predicate check.
func TestSignerCannotSteerTheCheck(t *testing.T) {
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	trJSON, _ := st.TrustedRootJSON()
	tr, err := verify.ParseTrustedRoot(trJSON, "signtest")
	if err != nil {
		t.Fatal(err)
	}
	id := verify.Identity{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact("alice@example.com")}
	sum := sha256.Sum256([]byte("x"))
	good := hex.EncodeToString(sum[:])
	texts := []string{
		"can't verify certificate identities", "expected key signature, not certificate",
		"SCTs required", "failed to verify log inclusion", "signature time outside of public key validity window",
		"any digest in statement", "does not match digest", "failed to build policy", "must provide timestamp to verify certificate",
	}
	for _, text := range texts {
		dup := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + good + `"}}],"predicateType":"https://example.com/p","predicate":{"` + text + `":1,"` + text + `":2}}`
		for name, b := range map[string]func() ([]byte, error){
			"duplicate key": func() ([]byte, error) {
				return st.SignDSSE(signtest.Email("alice@example.com"), "application/vnd.in-toto+json", []byte(dup), signtest.MintOptions{})
			},
			"payload type": func() ([]byte, error) {
				return st.SignDSSE(signtest.Email("alice@example.com"), "text/plain; "+text, []byte(dup), signtest.MintOptions{})
			},
		} {
			data, err := b()
			if err != nil {
				t.Fatal(err)
			}
			_, err = verify.Verify(context.Background(), data, verify.Artifact{Digest: "sha256:" + good},
				verify.Policy{Identities: []verify.Identity{id}}, verify.Options{TrustedRoot: tr})
			var ve *verify.Error
			if !errors.As(err, &ve) || ve.Check != verify.CheckPredicate || !errors.Is(err, verify.ErrPredicate) {
				t.Errorf("%s %q: err = %v, want the predicate check", name, text, err)
			}
		}
	}
}
