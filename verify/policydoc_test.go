package verify_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

const admissionYAML = `
apiVersion: chainproof.dev/v1
kind: Policy
requirements:
  - name: signed
    kind: signature
    identities:
      - issuer: https://oidc.signtest.invalid
        subject: alice@example.com
  - name: sbom
    kind: attestation
    identities:
      - issuer: https://oidc.signtest.invalid
        subjectRegExp: "[a-z]+@example\\.com"
    attestation:
      predicateType: cyclonedx
`

func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(verify.PolicySchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("policy.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func schemaValid(t testing.TB, s *jsonschema.Schema, jsonDoc []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(jsonDoc))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

// TestPolicyDocumentVerdicts: a policy read from YAML gives the same
// verdicts as the same policy built in Go, for each requirement kind, on
// signtest bundles; and the document round-trips (Parse, Marshal, Parse;
// Go policy -> document -> policy), its JSON form valid under PolicySchema.
func TestPolicyDocumentVerdicts(t *testing.T) {
	st, v := signtestVerifier(t, "")
	ctx := context.Background()
	artifact := []byte("app image")
	sum := sha256.Sum256(artifact)
	stmt := func(pt, pred string) *verify.Bundle {
		s := fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":%q}}],"predicateType":%q,"predicate":%s}`, hex.EncodeToString(sum[:]), pt, pred)
		b, err := st.SignDSSE(signtest.Email("alice@example.com"), "application/vnd.in-toto+json", []byte(s), signtest.MintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return parse(t, b)
	}
	blob, err := st.SignBlob(signtest.Email("alice@example.com"), artifact, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sig, sbom := parse(t, blob), stmt("https://cyclonedx.org/bom", `{"bomFormat":"CycloneDX"}`)
	prov := stmt("https://slsa.dev/provenance/v1", `{}`)

	doc, err := verify.ParsePolicyDocument([]byte(admissionYAML))
	if err != nil {
		t.Fatal(err)
	}
	fromDoc, err := doc.CombinedPolicy()
	if err != nil {
		t.Fatal(err)
	}
	issuer := verify.Exact(signtest.DefaultIssuer)
	inGo := verify.CombinedPolicy{Requirements: []verify.Requirement{
		{Name: "signed", Kind: verify.KindSignature, Policy: verify.Policy{Identities: []verify.Identity{{Issuer: issuer, SAN: verify.Exact("alice@example.com")}}}},
		{Name: "sbom", Kind: verify.KindAttestation, Policy: verify.Policy{
			Identities:  []verify.Identity{{Issuer: issuer, SAN: verify.Regexp(`[a-z]+@example\.com`)}},
			Attestation: &verify.AttestationPolicy{PredicateType: "cyclonedx"},
		}},
	}}
	art := verify.Artifact{Digest: "sha256:" + hex.EncodeToString(sum[:])}
	for name, set := range map[string][]*verify.Bundle{
		"signature+sbom": {sig, sbom}, "sbom only": {sbom}, "signature only": {sig},
		"provenance+signature": {prov, sig}, "two sboms": {sbom, stmt("https://cyclonedx.org/bom", `{"bomFormat":"CycloneDX","x":1}`)},
	} {
		_, e1 := v.VerifyAll(ctx, set, art, fromDoc)
		_, e2 := v.VerifyAll(ctx, set, art, inGo)
		if (e1 == nil) != (e2 == nil) {
			t.Errorf("%s: document says %v, Go policy %v", name, e1, e2)
		}
		if want := name == "signature+sbom"; (e1 == nil) != want {
			t.Errorf("%s: admitted %v", name, e1 == nil)
		}
	}

	// Round trips.
	out, err := doc.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := verify.ParsePolicyDocument(out)
	if err != nil || !reflect.DeepEqual(doc, again) {
		t.Fatalf("Parse(Marshal(doc)) = %+v, %v", again, err)
	}
	schema := compileSchema(t)
	if err := schemaValid(t, schema, out); err != nil {
		t.Errorf("marshaled document fails the schema: %v", err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	gh := verify.CombinedPolicy{Threshold: 1, Requirements: []verify.Requirement{
		{Name: "release", Kind: verify.KindSignature, Policy: verify.Policy{Identities: []verify.Identity{verify.GitHubWorkflowIdentity("acme/app", ".github/workflows/release.yml", "refs/tags/v*")}}},
		{Name: "key", Policy: verify.Policy{PublicKeys: []crypto.PublicKey{key.Public()}}},
		{Name: "provenance", Kind: verify.KindAttestation, Policy: verify.Policy{
			Identities:  []verify.Identity{{Issuer: issuer, SAN: verify.Exact("alice@example.com"), Extensions: map[string]verify.Match{"sourceRepositoryURI": verify.Exact("https://github.com/acme/app")}}},
			Attestation: &verify.AttestationPolicy{PredicateType: "slsaprovenance1", SLSA: &verify.SLSAPolicy{BuilderID: verify.Regexp("https://github.com/.*")}},
		}},
	}}
	gd, err := verify.PolicyDocumentFrom(gh)
	if err != nil {
		t.Fatal(err)
	}
	gdJSON, _ := gd.Marshal()
	if err := schemaValid(t, schema, gdJSON); err != nil {
		t.Errorf("document of a Go policy fails the schema: %v\n%s", err, gdJSON)
	}
	back, err := verify.ParsePolicyDocument(gdJSON)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := back.CombinedPolicy()
	if err != nil || !reflect.DeepEqual(cp, gh) {
		t.Errorf("policy -> document -> policy differs:\n%+v\n%+v (%v)", cp, gh, err)
	}
}

// TestPolicyDocumentMalformed: every malformed document is refused with
// ErrPolicyDocument and the path of the offending field; the schema
// refuses the structural ones too.
func TestPolicyDocumentMalformed(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(key.Public())
	pemKey := strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), "\n", `\n`)
	head := `{"apiVersion":"chainproof.dev/v1","kind":"Policy","requirements":[`
	id := `{"issuer":"https://i","subject":"a@b"}`
	schema := compileSchema(t)
	for _, tc := range []struct {
		name, doc, path string
		schemaToo       bool
	}{
		{"unknown field", head + `{"name":"a","identities":[` + id + `],"identity":[]}]}`, "identity", true},
		{"duplicate key", head + `{"name":"a","name":"b","identities":[` + id + `]}]}`, "$", false},
		{"yaml duplicate key", "apiVersion: chainproof.dev/v1\nkind: Policy\nkind: Policy\nrequirements: []\n", "kind", false},
		{"wrong type", head + `{"name":"a","identities":[` + id + `]}],"threshold":"1"}`, "threshold", true},
		{"wrong apiVersion", `{"apiVersion":"v0","kind":"Policy","requirements":[{"name":"a","identities":[` + id + `]}]}`, "apiVersion", true},
		{"no requirements", head + `]}`, "requirements", true},
		{"repeated name", head + `{"name":"a","identities":[` + id + `]},{"name":"a","identities":[` + id + `]}]}`, "requirements[1].name", false},
		{"bad kind", head + `{"name":"a","kind":"sbom","identities":[` + id + `]}]}`, "requirements[0].kind", true},
		{"issuer and regexp", head + `{"name":"a","identities":[{"issuer":"x","issuerRegExp":"y","subject":"s"}]}]}`, "requirements[0].identities[0].issuer", true},
		{"no subject", head + `{"name":"a","identities":[{"issuer":"x"}]}]}`, "requirements[0].identities[0].subject", true},
		{"bad regexp", head + `{"name":"a","identities":[{"issuer":"x","subjectRegExp":"(("}]}]}`, "requirements[0]", false},
		{"bad github", head + `{"name":"a","identities":[{"github":{"repository":"https://github.com/a/b","workflow":".github/workflows/r.yml","ref":"refs/tags/v1"}}]}]}`, "requirements[0].identities[0].github", false},
		{"bad key", head + `{"name":"a","publicKeys":["-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]}]}`, "requirements[0].publicKeys[0]", false},
		{"signature with attestation", head + `{"name":"a","kind":"signature","publicKeys":["` + pemKey + `"],"attestation":{"predicateType":"cyclonedx"}}]}`, "requirements[0].attestation", false},
		{"threshold too high", head + `{"name":"a","identities":[` + id + `]}],"threshold":2}`, "threshold", false},
		{"nothing to trust", head + `{"name":"a"}]}`, "requirements[0]", true},
		{"yaml alias", "apiVersion: &v chainproof.dev/v1\nkind: *v\nrequirements: []\n", "kind", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verify.ParsePolicyDocument([]byte(tc.doc))
			var ve *verify.Error
			if !errors.Is(err, verify.ErrPolicyDocument) || !errors.Is(err, verify.ErrPolicy) || !errors.As(err, &ve) {
				t.Fatalf("error %v, want ErrPolicyDocument", err)
			}
			if ve.Path != tc.path {
				t.Errorf("path %q, want %q (%v)", ve.Path, tc.path, err)
			}
			if tc.schemaToo && strings.HasPrefix(tc.doc, "{") {
				if err := schemaValid(t, schema, []byte(tc.doc)); err == nil {
					t.Errorf("the schema accepts it")
				}
			}
		})
	}
}

// FuzzParsePolicyDocument: no input panics; whatever parses marshals to a
// document that parses to the same value.
func FuzzParsePolicyDocument(f *testing.F) {
	f.Add([]byte(admissionYAML))
	f.Add([]byte(`{"apiVersion":"chainproof.dev/v1","kind":"Policy","requirements":[{"name":"a","identities":[{"github":{"repository":"a/b","workflow":".github/workflows/*","ref":"refs/tags/v*"}}]}],"threshold":1}`))
	f.Add([]byte("apiVersion: chainproof.dev/v1\nkind: Policy\nrequirements:\n  - name: x\n    identities: [{issuer: a, subject: b}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := verify.ParsePolicyDocument(data)
		if err != nil {
			return
		}
		out, err := d.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		d2, err := verify.ParsePolicyDocument(out)
		if err != nil || !reflect.DeepEqual(d, d2) {
			t.Fatalf("round trip: %v\n%s", err, out)
		}
	})
}
