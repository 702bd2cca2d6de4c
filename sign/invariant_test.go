package sign_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sbom"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	cpverify "github.com/chainproof/chainproof/verify"
)

// TestInvariantAttestSignVerify: every statement attest builds, sign signs
// (keyless and with a key), verify accepts against each subject's
// digests, and attest parses the statement verify returns. Statements
// attest refuses, sign refuses before any network call.
func TestInvariantAttestSignVerify(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	alice := signtest.Email("alice@example.com")

	statements := map[string][]byte{}
	// attest's goldens: a plain statement, generic and GitHub provenance,
	// CycloneDX and SPDX SBOMs, all built by attest.
	goldens, _ := filepath.Glob("../attest/testdata/*.golden")
	for _, g := range goldens {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		statements[filepath.Base(g)] = data
	}
	if len(goldens) < 5 {
		t.Fatalf("%d attest goldens", len(goldens))
	}
	build := func(name string, st *intoto.Statement, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		data, err := attest.Marshal(st)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		statements[name] = data
	}
	// Subjects hashed with SHA-256 and SHA-512, the most subjects attest
	// allows, an SBOM of this module's own document model.
	s1, err := attest.SubjectFromReader(ctx, "app.tar.gz", strings.NewReader("app"), attest.HashOptions{SHA512: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := attest.NewStatement("https://example.com/p/v1", nil, s1)
	build("sha256+sha512 subject", st, err)
	var many []*intoto.ResourceDescriptor
	for i := range attest.MaxSubjects {
		s, err := attest.SubjectFromReader(ctx, fmt.Sprint(i), strings.NewReader(fmt.Sprint(i)), attest.HashOptions{})
		if err != nil {
			t.Fatal(err)
		}
		many = append(many, s)
	}
	st, err = attest.NewStatement("https://example.com/p/v1", nil, many...)
	build("MaxSubjects subjects", st, err)
	doc, err := sbom.FromComponents(sbom.Component{Name: "app", Version: "1.0.0", Type: sbom.TypeApplication},
		[]sbom.Component{{Name: "lib", Version: "0.1.0", Type: sbom.TypeLibrary}}, nil, sbom.Options{Now: func() time.Time { return e.st.Now() }})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []sbom.Format{sbom.CycloneDX, sbom.SPDX} {
		sb, err := attest.SBOMFromDocument(doc, f)
		if err != nil {
			t.Fatal(err)
		}
		st, err = attest.SBOMStatement(sb, s1)
		build("sbom.Document as "+string(f), st, err)
	}
	// cosign's attest still writes Statement v0.1: read, signed and verified.
	statements["v0.1"] = []byte(`{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"img","digest":{"sha256":"` + strings.Repeat("ab", 32) + `"}}],"predicateType":"https://cosign.sigstore.dev/attestation/v1","predicate":{"Data":"x","Timestamp":"2026-01-01T00:00:00Z"}}`)

	signers := map[string]struct {
		s   sign.Signer
		o   sign.Options
		v   cpverify.Options
		pol cpverify.Policy
	}{
		"keyless": {e.signer(alice), e.opts(), cpverify.Options{TrustedRoot: e.st.TrustedRoot()},
			cpverify.Policy{Identities: []cpverify.Identity{{Issuer: cpverify.Exact(alice.Issuer), SAN: cpverify.Exact(alice.Subject)}}}},
		"key, no log": {sign.Key(key), sign.Options{NoLog: true}, cpverify.Options{AllowUnloggedKeys: true},
			cpverify.Policy{PublicKeys: []crypto.PublicKey{key.Public()}}},
	}
	for name, data := range statements {
		parsed, err := attest.ParseStatement(data)
		if err != nil {
			t.Fatalf("%s: attest refuses its own statement: %v", name, err)
		}
		for sname, sg := range signers {
			b, err := sign.Sign(ctx, sign.Statement(data), sg.s, sg.o)
			if err != nil {
				t.Fatalf("%s, %s: sign: %v", name, sname, err)
			}
			v, err := cpverify.New(sg.v)
			if err != nil {
				t.Fatal(err)
			}
			// Against each subject (the first and last of many).
			subs := parsed.Subject
			if len(subs) > 2 {
				subs = []attest.Subject{subs[0], subs[len(subs)-1]}
			}
			for _, sub := range subs {
				for alg, hx := range sub.Digest {
					if alg != "sha256" && alg != "sha512" {
						continue
					}
					res, err := v.Verify(ctx, b, cpverify.Artifact{Digest: alg + ":" + hx}, sg.pol)
					if err != nil {
						t.Fatalf("%s, %s: verify refuses what attest built and sign signed (%s): %v", name, sname, alg, err)
					}
					if _, err := attest.Parse(res.Statement.Payload); err != nil {
						t.Fatalf("%s, %s: attest refuses the statement verify accepted: %v", name, sname, err)
					}
				}
			}
		}
	}

	// What attest refuses, sign refuses, before any service is called.
	for name, data := range map[string]string{
		"too many subjects": strings.Replace(string(statements["MaxSubjects subjects"]), `"subject":[`, `"subject":[{"digest":{"sha256":"`+strings.Repeat("0", 64)+`"}},`, 1),
		"uppercase hex":     `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + strings.Repeat("AB", 32) + `"}}],"predicateType":"p"}`,
		"duplicate key":     `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + strings.Repeat("ab", 32) + `"}}],"predicateType":"p","predicateType":"q"}`,
		"_TYPE":             `{"_TYPE":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + strings.Repeat("ab", 32) + `"}}],"predicateType":"p"}`,
	} {
		if _, aerr := attest.ParseStatement([]byte(data)); aerr == nil {
			t.Fatalf("%s: attest accepts it", name)
		}
		_, err := sign.Sign(ctx, sign.Statement([]byte(data)), sign.Key(key), sign.Options{NoLog: true})
		var ae *attest.Error
		if !errors.Is(err, sign.ErrInvalidOptions) || !errors.As(err, &ae) {
			t.Errorf("%s: sign: %v, want ErrInvalidOptions wrapping an *attest.Error", name, err)
		}
	}
}
