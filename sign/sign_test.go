package sign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	prototrustroot "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	cpverify "github.com/chainproof/chainproof/verify"
)

var statement = []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a.txt","digest":{"sha256":"853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020"}}],"predicateType":"https://example.com/predicate","predicate":{}}`)

var gh = signtest.GitHubWorkflow{Repository: "chainproof/example", Ref: "refs/heads/main"}

type env struct {
	st  *signtest.Sigstore
	srv *signtest.Server
}

func newEnv(t testing.TB) *env {
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &env{st: st, srv: st.Serve(t)}
}

func (e *env) services() sign.Services {
	return sign.Services{
		Fulcio: e.srv.URL,
		Rekor:  []sign.Log{{URL: e.srv.URL, Version: 2}},
		TSA:    []string{e.srv.TSAURL()},
	}
}

func (e *env) signer(id signtest.Identity) sign.Signer {
	return sign.Keyless(sign.StaticToken(e.st.Token(id)))
}

func (e *env) opts() sign.Options {
	return sign.Options{
		Services:    e.services(),
		TrustedRoot: e.st.TrustedRoot(),
		Now:         e.st.Now,
	}
}

// independentVerify checks a bundle with sigstore-go's verifier and an
// exact identity.
func independentVerify(t *testing.T, tr root.TrustedMaterial, b interface{ Sigstore() *bundle.Bundle }, id signtest.Identity, art verify.ArtifactPolicyOption) error {
	t.Helper()
	v, err := verify.NewVerifier(tr, verify.WithSignedTimestamps(1), verify.WithTransparencyLog(1), verify.WithSignedCertificateTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	ci, err := verify.NewShortCertificateIdentity(id.Issuer, "", id.Subject, "")
	if err != nil {
		t.Fatal(err)
	}
	if art == nil {
		art = verify.WithoutArtifactUnsafe()
	}
	_, err = v.Verify(b.Sigstore(), verify.NewPolicy(art, verify.WithCertificateIdentity(ci)))
	return err
}

func TestKeyless(t *testing.T) {
	e := newEnv(t)
	artifact := []byte("hello, world\n")
	sum := sha256.Sum256(artifact)
	for _, id := range []signtest.Identity{signtest.Email("alice@example.com"), signtest.GitHub(gh)} {
		t.Run(id.Subject, func(t *testing.T) {
			for _, tc := range []struct {
				name    string
				content sign.Content
				art     verify.ArtifactPolicyOption
			}{
				{"blob", sign.Blob(bytes.NewReader(artifact)), verify.WithArtifact(bytes.NewReader(artifact))},
				{"digest", sign.Digest(crypto.SHA256, sum[:]), verify.WithArtifactDigest("sha256", sum[:])},
				{"statement", sign.Statement(statement), verify.WithoutArtifactUnsafe()},
			} {
				t.Run(tc.name, func(t *testing.T) {
					b, err := sign.Sign(context.Background(), tc.content, e.signer(id), e.opts())
					if err != nil {
						t.Fatal(err)
					}
					if err := independentVerify(t, e.st.SigstoreTrustedRoot(), b, id, tc.art); err != nil {
						t.Fatalf("independent verification: %v", err)
					}
					if err := independentVerify(t, e.st.SigstoreTrustedRoot(), b, signtest.Email("mallory@example.com"), tc.art); err == nil {
						t.Error("wrong identity accepted")
					}
					if tc.name == "statement" {
						if got := b.Proto().GetDsseEnvelope().GetPayloadType(); got != attest.PayloadType {
							t.Errorf("payloadType = %q", got)
						}
					} else if err := independentVerify(t, e.st.SigstoreTrustedRoot(), b, id, verify.WithArtifact(strings.NewReader("tampered"))); err == nil {
						t.Error("tampered artifact accepted")
					}
				})
			}
		})
	}
}

func TestSigningConfig(t *testing.T) {
	e := newEnv(t)
	scJSON, err := e.st.SigningConfigJSON(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := root.NewSigningConfigFromJSON(scJSON)
	if err != nil {
		t.Fatal(err)
	}
	svcs, err := sign.ServicesFromSigningConfig(sc, e.st.Now())
	if err != nil {
		t.Fatal(err)
	}
	if svcs.Fulcio != e.srv.URL || len(svcs.Rekor) != 1 || svcs.Rekor[0].Version != 2 || len(svcs.TSA) != 1 {
		t.Fatalf("services = %+v", svcs)
	}
	o := e.opts()
	o.Services = svcs
	if _, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("x")), e.signer(signtest.Email("alice@example.com")), o); err != nil {
		t.Fatal(err)
	}
}

func TestServiceSelection(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	svc := func(u string, v uint32, start, end time.Time) root.Service {
		return root.Service{URL: u, MajorAPIVersion: v, ValidityPeriodStart: start, ValidityPeriodEnd: end, Operator: u}
	}
	past, future := now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0)
	sc, err := root.NewSigningConfig(root.SigningConfigMediaType02,
		[]root.Service{svc("https://old-fulcio", 1, past.AddDate(-1, 0, 0), past), svc("https://fulcio", 1, past, time.Time{})},
		nil,
		[]root.Service{svc("https://rekor-v1", 1, past, time.Time{}), svc("https://rekor-v2", 2, past, time.Time{}), svc("https://rekor-v3", 3, past, time.Time{}), svc("https://rekor-next", 2, future, time.Time{})},
		root.ServiceConfiguration{Selector: prototrustroot.ServiceSelector_ALL},
		[]root.Service{svc("https://tsa-a", 1, past, time.Time{}), svc("https://tsa-b", 1, past, time.Time{})},
		root.ServiceConfiguration{Selector: prototrustroot.ServiceSelector_ALL},
	)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sign.ServicesFromSigningConfig(sc, now)
	if err != nil {
		t.Fatal(err)
	}
	if s.Fulcio != "https://fulcio" {
		t.Errorf("Fulcio = %q (expired service chosen?)", s.Fulcio)
	}
	if len(s.Rekor) != 1 || s.Rekor[0] != (sign.Log{URL: "https://rekor-v2", Version: 2}) {
		t.Errorf("Rekor = %+v, want only the valid v2 log", s.Rekor)
	}
	if len(s.TSA) != 2 {
		t.Errorf("TSA = %v, want both", s.TSA)
	}
}

func TestKeyBased(t *testing.T) {
	e := newEnv(t)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for name, key := range map[string]crypto.Signer{"p256": p256, "p384": p384, "ed25519ph": ed} {
		t.Run(name, func(t *testing.T) {
			// Without services: only the signature and the key hint.
			b, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("artifact")), sign.Key(key), sign.Options{NoLog: true, KeyHint: "release-key"})
			if err != nil {
				t.Fatal(err)
			}
			if got := b.Proto().GetVerificationMaterial().GetPublicKey().GetHint(); got != "release-key" {
				t.Errorf("hint = %q", got)
			}
			// With a TSA and Rekor v2, verified after signing: a message
			// signature and a DSSE statement. Rekor v2 logs DSSE as a
			// hashedrekord of the PAE, so Ed25519 keys sign both as
			// Ed25519ph.
			o := sign.Options{Services: sign.Services{Rekor: []sign.Log{{URL: e.srv.URL, Version: 2}}, TSA: []string{e.srv.TSAURL()}}, TrustedRoot: e.st.TrustedRoot()}
			mb, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("artifact")), sign.Key(key), o)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte("artifact"))
			stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + hex.EncodeToString(sum[:]) + `"}}],"predicateType":"https://example.com/p","predicate":{}}`)
			db, err := sign.Sign(context.Background(), sign.Statement(stmt), sign.Key(key), o)
			if err != nil {
				t.Fatalf("DSSE: %v", err)
			}
			if name == "ed25519ph" {
				env := db.Proto().GetDsseEnvelope()
				pae := sha512.Sum512([]byte(fmt.Sprintf("DSSEv1 %d %s %d %s", len(env.GetPayloadType()), env.GetPayloadType(), len(env.GetPayload()), env.GetPayload())))
				if err := ed25519.VerifyWithOptions(ed.Public().(ed25519.PublicKey), pae[:], env.GetSignatures()[0].GetSig(), &ed25519.Options{Hash: crypto.SHA512}); err != nil {
					t.Errorf("DSSE signature is not Ed25519ph over the PAE: %v", err)
				}
			}
			// chainproof's verify accepts both with the key as the policy.
			trust, err := e.st.TrustedRootJSON()
			if err != nil {
				t.Fatal(err)
			}
			tr, err := cpverify.ParseTrustedRoot(trust, "signtest")
			if err != nil {
				t.Fatal(err)
			}
			policy := cpverify.Policy{PublicKeys: []crypto.PublicKey{key.Public()}}
			for what, b := range map[string]*cpverify.Bundle{"message": mb, "dsse": db} {
				data, err := sign.Marshal(b)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := cpverify.Verify(context.Background(), data, cpverify.Artifact{Reader: strings.NewReader("artifact")}, policy, cpverify.Options{TrustedRoot: tr}); err != nil {
					t.Errorf("verify %s bundle: %v", what, err)
				}
				// Another key is an identity mismatch, with both keys as evidence.
				other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
				_, err = cpverify.Verify(context.Background(), data, cpverify.Artifact{Reader: strings.NewReader("artifact")},
					cpverify.Policy{PublicKeys: []crypto.PublicKey{other.Public()}}, cpverify.Options{TrustedRoot: tr})
				var ve *cpverify.Error
				if !errors.Is(err, cpverify.ErrIdentity) || !errors.As(err, &ve) || ve.Check != cpverify.CheckIdentity || len(ve.Mismatches) != 1 || ve.Mismatches[0].Field != "key" {
					t.Errorf("%s bundle, wrong key: err = %v, want an identity mismatch on the key", what, err)
				}
			}
		})
	}
	// A digest whose hash does not match the key's is refused.
	sum := sha512.Sum512([]byte("x"))
	_, err := sign.Sign(context.Background(), sign.Digest(crypto.SHA512, sum[:]), sign.Key(p256), sign.Options{NoLog: true})
	if !errors.Is(err, sign.ErrInvalidOptions) {
		t.Errorf("mismatched digest: err = %v, want ErrInvalidOptions", err)
	}
}

func TestVerifyAfterSignCatchesWrongRoot(t *testing.T) {
	e := newEnv(t)
	other, err := signtest.New(signtest.Options{Seed: "another instance"})
	if err != nil {
		t.Fatal(err)
	}
	o := e.opts()
	o.TrustedRoot = other.TrustedRoot()
	alice := e.signer(signtest.Email("alice@example.com"))
	_, err = sign.Sign(context.Background(), sign.Blob(strings.NewReader("x")), alice, o)
	var se *sign.Error
	if !errors.Is(err, sign.ErrVerifyAfterSign) || !errors.As(err, &se) || se.Step != "verify" {
		t.Fatalf("err = %v, want ErrVerifyAfterSign", err)
	}
	o.UnsafeSkipVerify = true
	if _, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("x")), alice, o); err != nil {
		t.Fatalf("with UnsafeSkipVerify: %v", err)
	}
}

func TestOptionsErrors(t *testing.T) {
	e := newEnv(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	alice := e.signer(signtest.Email("a@example.com"))
	x := func() sign.Content { return sign.Blob(strings.NewReader("x")) }
	for name, tc := range map[string]struct {
		c sign.Content
		s sign.Signer
		o func(o *sign.Options)
	}{
		"no signer":        {x(), sign.Signer{}, func(o *sign.Options) {}},
		"nil token":        {x(), sign.Keyless(nil), func(o *sign.Options) {}},
		"keyless no log":   {x(), alice, func(o *sign.Options) { o.NoLog = true }},
		"key no log rekor": {x(), sign.Key(key), func(o *sign.Options) { o.NoLog = true }},
		"no fulcio":        {x(), alice, func(o *sign.Options) { o.Services.Fulcio = "" }},
		"rekor v2 no tsa":  {x(), alice, func(o *sign.Options) { o.Services.TSA = nil }},
		"empty content":    {sign.Content{}, alice, func(o *sign.Options) {}},
		"nil reader":       {sign.Blob(nil), alice, func(o *sign.Options) {}},
		"short digest":     {sign.Digest(crypto.SHA256, []byte{1}), alice, func(o *sign.Options) {}},
		"not a statement":  {sign.Statement([]byte(`[1]`)), alice, func(o *sign.Options) {}},
		"statement v2":     {sign.Statement([]byte(`{"_type":"https://in-toto.io/Statement/v2","subject":[{"digest":{"sha256":"00"}}],"predicateType":"p"}`)), alice, func(o *sign.Options) {}},
		"duplicate key":    {sign.Statement([]byte(`{"_type":"https://in-toto.io/Statement/v1","_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + strings.Repeat("0", 64) + `"}}],"predicateType":"p"}`)), alice, func(o *sign.Options) {}},
		"rekor v9":         {x(), alice, func(o *sign.Options) { o.Services.Rekor = []sign.Log{{URL: "x", Version: 9}} }},
	} {
		t.Run(name, func(t *testing.T) {
			o := e.opts()
			tc.o(&o)
			_, err := sign.Sign(context.Background(), tc.c, tc.s, o)
			var se *sign.Error
			if !errors.Is(err, sign.ErrInvalidOptions) || !errors.As(err, &se) {
				t.Fatalf("err = %v, want *Error with ErrInvalidOptions", err)
			}
		})
	}
}

func TestParseDigest(t *testing.T) {
	if _, err := sign.ParseDigest("sha256:" + strings.Repeat("ab", 32)); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"", "sha256", "md5:00", "sha256:zz", "sha256:" + strings.Repeat("ab", 31)} {
		if _, err := sign.ParseDigest(bad); !errors.Is(err, sign.ErrInvalidOptions) {
			t.Errorf("ParseDigest(%q) err = %v", bad, err)
		}
	}
}

func TestWriteFile(t *testing.T) {
	e := newEnv(t)
	b, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("x")), e.signer(signtest.Email("a@example.com")), e.opts())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "out.sigstore.json")
	if err := sign.WriteFile(path, b); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back bundle.Bundle
	if err := back.UnmarshalJSON(data); err != nil {
		t.Fatalf("written bundle does not parse: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries, want only the bundle (temp file left behind?)", len(ents))
	}
	// A failed write leaves nothing.
	err = sign.WriteFile(filepath.Join(dir, "missing", "out.json"), b)
	if !errors.Is(err, sign.ErrWrite) {
		t.Errorf("err = %v, want ErrWrite", err)
	}
}

// countingServer counts requests; tests use it to show that token errors
// happen before any network call.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, "unexpected", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
