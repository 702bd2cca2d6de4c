package sign_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// exampleEnv serves a signtest instance on loopback for the examples.
func exampleEnv() (*signtest.Sigstore, *httptest.Server, sign.Signer, sign.Options) {
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(st.Handler())
	alice := sign.Keyless(sign.StaticToken(st.Token(signtest.Email("alice@example.com"))))
	return st, srv, alice, sign.Options{
		Services: sign.Services{
			Fulcio: srv.URL,
			Rekor:  []sign.Log{{URL: srv.URL, Version: 2}},
			TSA:    []string{srv.URL + signtest.PathTimestamp},
		},
		TrustedRoot: st.TrustedRoot(),
		Now:         st.Now,
	}
}

func ExampleSign() {
	st, srv, signer, opts := exampleEnv()
	defer srv.Close()

	b, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("release contents")), signer, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.MediaType())
	fmt.Println("log entries:", len(b.Proto().GetVerificationMaterial().GetTlogEntries()))
	fmt.Println("timestamps:", len(b.Proto().GetVerificationMaterial().GetTimestampVerificationData().GetRfc3161Timestamps()))

	// What Sign returns, package verify takes as it is.
	v, _ := verify.New(verify.Options{TrustedRoot: st.TrustedRoot()})
	alice := signtest.Email("alice@example.com")
	res, err := v.Verify(context.Background(), b, verify.Artifact{Reader: strings.NewReader("release contents")},
		verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(alice.Issuer), SAN: verify.Exact("alice@example.com")}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signer:", res.Certificate.SAN)
	// Output:
	// application/vnd.dev.sigstore.bundle.v0.3+json
	// log entries: 1
	// timestamps: 1
	// signer: alice@example.com
}

func ExampleSign_statement() {
	_, srv, signer, opts := exampleEnv()
	defer srv.Close()

	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a.txt","digest":{"sha256":"853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`)
	b, err := sign.Sign(context.Background(), sign.Statement(stmt), signer, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Proto().GetDsseEnvelope().GetPayloadType())
	// Output: application/vnd.in-toto+json
}

func ExampleSign_key() {
	// Any crypto.Signer: a KMS or hardware key plugs in the same way.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("release contents")),
		sign.Key(key), sign.Options{NoLog: true, KeyHint: "release-2026"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("hint:", b.Proto().GetVerificationMaterial().GetPublicKey().GetHint())
	// Output: hint: release-2026
}

func ExampleSign_faults() {
	st, _, signer, opts := exampleEnv()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer broken.Close()
	opts.Services = sign.Services{Fulcio: broken.URL}
	opts.Retries, opts.Backoff = 2, time.Millisecond
	_ = st

	_, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("x")), signer, opts)
	var se *sign.ServiceError
	if errors.As(err, &se) {
		fmt.Println(se.Service, se.Step, se.Attempts, se.Status, errors.Is(err, sign.ErrUnavailable))
	}
	// Output: fulcio certificate 3 503 true
}

func ExampleDigest() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := make([]byte, 32) // the artifact's SHA-256, computed elsewhere
	b, err := sign.Sign(context.Background(), sign.Digest(crypto.SHA256, digest), sign.Key(key), sign.Options{NoLog: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Proto().GetMessageSignature().GetMessageDigest().GetAlgorithm())
	// Output: SHA2_256
}

func ExampleParseDigest() {
	c, err := sign.ParseDigest("sha256:853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020")
	if err != nil {
		fmt.Println(err)
		return
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err = sign.Sign(context.Background(), c, sign.Key(key), sign.Options{NoLog: true})
	fmt.Println(err)
	_, err = sign.ParseDigest("md5:00")
	fmt.Println(err)
	// Output:
	// <nil>
	// sign: invalid options: digest.md5: malformed digest: 2 hex characters, want 32
}

func ExampleBlob() {
	// A reader of any size: it is hashed as it streams, never buffered.
	f, err := os.Open("doc.go")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err = sign.Sign(context.Background(), sign.Blob(f), sign.Key(key), sign.Options{NoLog: true})
	fmt.Println(err)
	// Output: <nil>
}

func ExampleParseToken() {
	st, _ := signtest.New(signtest.Options{})
	tok := st.Token(signtest.Email("alice@example.com"))

	c, err := sign.ParseToken(tok, st.Now())
	fmt.Println(c.Email, c.Issuer, err)
	_, err = sign.ParseToken(tok, st.Now().Add(time.Hour))
	fmt.Println(errors.Is(err, sign.ErrTokenExpired))
	// Output:
	// alice@example.com https://oidc.signtest.invalid <nil>
	// true
}

func ExampleStaticToken() {
	tok, _ := sign.StaticToken("eyJ...").Token(context.Background())
	fmt.Println(tok)
	// Output: eyJ...
}

func ExampleEnvToken() {
	os.Setenv("MY_ID_TOKEN", "eyJ...")
	defer os.Unsetenv("MY_ID_TOKEN")
	tok, err := sign.EnvToken("MY_ID_TOKEN").Token(context.Background()) // "" means SIGSTORE_ID_TOKEN
	fmt.Println(tok, err)
	// Output: eyJ... <nil>
}

func ExampleFileToken() {
	dir, _ := os.MkdirTemp("", "token")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "token")
	os.WriteFile(path, []byte("eyJ...\n"), 0o600)
	tok, err := sign.FileToken(path).Token(context.Background())
	fmt.Println(tok, err)
	// Output: eyJ... <nil>
}

func ExampleTokenFunc() {
	src := sign.TokenFunc(func(ctx context.Context) (string, error) {
		return "eyJ...", nil // e.g. from a secret manager
	})
	tok, _ := src.Token(context.Background())
	fmt.Println(tok)
	// Output: eyJ...
}

func ExampleGitHubActionsToken() {
	// A stand-in for GitHub's endpoint; in a workflow the two variables are
	// set by the runner when the job has "permissions: id-token: write".
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("audience:", r.URL.Query().Get("audience"))
		fmt.Fprint(w, `{"value":"eyJ..."}`)
	}))
	defer endpoint.Close()
	env := map[string]string{
		"ACTIONS_ID_TOKEN_REQUEST_URL":   endpoint.URL + "/?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-secret",
	}
	tok, err := sign.GitHubActionsToken{Getenv: func(k string) string { return env[k] }}.Token(context.Background())
	fmt.Println(tok, err)
	// Output:
	// audience: sigstore
	// eyJ... <nil>
}

func ExamplePublicGood() {
	s := sign.PublicGood()
	fmt.Println(s.Fulcio, s.Rekor[0], s.TSA[0])
	// Output: https://fulcio.sigstore.dev https://rekor.sigstore.dev (v1) https://timestamp.sigstore.dev/api/v1/timestamp
}

func ExampleServicesFromSigningConfig() {
	st, _ := signtest.New(signtest.Options{})
	data, _ := st.SigningConfigJSON("http://127.0.0.1:8080")
	sc, err := root.NewSigningConfigFromJSON(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := sign.ServicesFromSigningConfig(sc, st.Now())
	fmt.Println(s.Fulcio, s.Rekor, s.TSA, err)
	// Output: http://127.0.0.1:8080 [http://127.0.0.1:8080 (v2)] [http://127.0.0.1:8080/api/v1/timestamp] <nil>
}

func ExampleWriteFile() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, _ := sign.Sign(context.Background(), sign.Blob(strings.NewReader("x")), sign.Key(key), sign.Options{NoLog: true})
	dir, _ := os.MkdirTemp("", "bundle")
	defer os.RemoveAll(dir)
	// Temp file + rename: a reader never sees a partial bundle.
	err := sign.WriteFile(filepath.Join(dir, "x.sigstore.json"), b)
	fmt.Println(err)
	// Output: <nil>
}

func ExampleMarshal() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, _ := sign.Sign(context.Background(), sign.Blob(strings.NewReader("x")), sign.Key(key), sign.Options{NoLog: true})
	data, _ := sign.Marshal(b)
	fmt.Println(strings.HasPrefix(string(data), `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"`))
	// Output: true
}

func ExampleLoadSigningConfig() {
	st, _ := signtest.New(signtest.Options{})
	data, _ := st.SigningConfigJSON("http://127.0.0.1:8080")
	dir, _ := os.MkdirTemp("", "sc")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "signing_config.json")
	_ = os.WriteFile(path, data, 0o644)

	s, err := sign.LoadSigningConfig(path, st.Now())
	fmt.Println(s.Fulcio, s.Rekor, err)
	_, err = sign.LoadSigningConfig(filepath.Join(dir, "missing.json"), st.Now())
	fmt.Println(errors.Is(err, sign.ErrInvalidOptions), errors.Is(err, fs.ErrNotExist))
	// Output:
	// http://127.0.0.1:8080 [http://127.0.0.1:8080 (v2)] <nil>
	// true true
}

// ExampleSign_noLog signs with a key and no service at all (air-gapped);
// package verify accepts such a bundle only when told to.
func ExampleSign_noLog() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("release contents")), sign.Key(key), sign.Options{NoLog: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	policy := verify.Policy{PublicKeys: []crypto.PublicKey{key.Public()}}
	art := func() verify.Artifact { return verify.Artifact{Reader: strings.NewReader("release contents")} }
	v, _ := verify.New(verify.Options{})
	_, err = v.Verify(context.Background(), b, art(), policy)
	fmt.Println(errors.Is(err, verify.ErrTransparencyLog))
	v, _ = verify.New(verify.Options{AllowUnloggedKeys: true})
	_, err = v.Verify(context.Background(), b, art(), policy)
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}
