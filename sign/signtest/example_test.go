package signtest_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/sigstore/rekor/pkg/types"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

func ExampleNew() {
	st, err := signtest.New(signtest.Options{}) // DefaultSeed, fixed DefaultTime
	if err != nil {
		fmt.Println(err)
		return
	}
	tr := st.SigstoreTrustedRoot()
	fmt.Println(st.Now(), len(tr.FulcioCertificateAuthorities()), len(tr.RekorLogs()), len(tr.TimestampingAuthorities()), len(tr.CTLogs()))
	// Output: 2026-01-01 00:00:00 +0000 UTC 1 2 1 1
}

func ExampleSigstore_SignBlob() {
	st, _ := signtest.New(signtest.Options{})
	data, err := st.SignBlob(signtest.Email("alice@example.com"), []byte("hello, world\n"), signtest.MintOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Same seed, clock and calls: the same bytes, every time.
	fmt.Printf("%x\n", sha256.Sum256(data))
	// Output: a71cab1409a635c4d7bc3cc023c4716b36e6a17fac0b0883ceddc18de5872216
}

func ExampleSigstore_SignDSSE() {
	st, _ := signtest.New(signtest.Options{})
	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"6a6f13bf7d5bd1e4ad9a4ba44a1d35de5a75a17d1ebc2b8c13cb35cf11b62e86"}}],"predicateType":"https://example.com/p","predicate":{}}`)
	data, err := st.SignDSSE(signtest.GitHub(signtest.GitHubWorkflow{Repository: "octo/app"}), "application/vnd.in-toto+json", stmt, signtest.MintOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		fmt.Println(err)
		return
	}
	vc, _ := b.VerificationContent()
	fmt.Println(vc.Certificate().URIs[0])
	// Output: https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main
}

func ExampleEmail() {
	id := signtest.Email("alice@example.com")
	fmt.Println(id.Issuer, id.Subject)
	// Output: https://oidc.signtest.invalid alice@example.com
}

func ExampleGitHub() {
	id := signtest.GitHub(signtest.GitHubWorkflow{Repository: "octo/app", WorkflowPath: ".github/workflows/ci.yml", Ref: "refs/tags/v1.0.0"})
	fmt.Println(id.Issuer)
	fmt.Println(id.Subject)
	// Output:
	// https://token.actions.githubusercontent.com
	// https://github.com/octo/app/.github/workflows/ci.yml@refs/tags/v1.0.0
}

func ExampleGitHubWorkflow_WorkflowRef() {
	fmt.Println(signtest.GitHubWorkflow{Repository: "octo/app"}.WorkflowRef())
	// Output: octo/app/.github/workflows/release.yml@refs/heads/main
}

func ExampleSigstore_IssueCertificate() {
	st, _ := signtest.New(signtest.Options{})
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	chain, err := st.IssueCertificate(signtest.Email("alice@example.com"), &key.PublicKey)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(chain), chain[0].EmailAddresses, chain[0].NotAfter.Sub(chain[0].NotBefore))
	// Output: 3 [alice@example.com] 10m0s
}

// ExampleSigstore_Handler runs the sign package's real clients against the
// instance over loopback. In a test, st.Serve(t) does the same and stops
// the server when the test ends.
func ExampleSigstore_Handler() {
	st, _ := signtest.New(signtest.Options{})
	srv := httptest.NewServer(st.Handler())
	defer srv.Close()

	b, err := sign.Sign(context.Background(), sign.Blob(strings.NewReader("artifact")), sign.Keyless(sign.StaticToken(st.Token(signtest.Email("alice@example.com")))), sign.Options{
		Services:    sign.Services{Fulcio: srv.URL, Rekor: []sign.Log{{URL: srv.URL, Version: 2}}, TSA: []string{srv.URL + signtest.PathTimestamp}},
		TrustedRoot: st.TrustedRoot(),
		Now:         st.Now,
	})
	fmt.Println(err, len(b.Proto().GetVerificationMaterial().GetTlogEntries()))
	// Output: <nil> 1
}

func ExampleSigstore_Token() {
	st, _ := signtest.New(signtest.Options{})
	c, err := sign.ParseToken(st.Token(signtest.Email("alice@example.com")), st.Now())
	fmt.Println(c.Issuer, c.Email, c.Audience, c.Expiry.Sub(st.Now()), err)
	// Output: https://oidc.signtest.invalid alice@example.com [sigstore] 10m0s <nil>
}

func ExampleSigstore_TrustedRootJSON() {
	st, _ := signtest.New(signtest.Options{})
	data, _ := st.TrustedRootJSON()
	fmt.Println(strings.Contains(string(data), `"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"`))
	// Output: true
}

func ExampleSigstore_SigningConfigJSON() {
	st, _ := signtest.New(signtest.Options{})
	data, _ := st.SigningConfigJSON("http://127.0.0.1:8080")
	fmt.Println(strings.Contains(string(data), "signingconfig.v0.2"))
	// Output: true
}

func ExampleSigstore_LogID() {
	st, _ := signtest.New(signtest.Options{})
	fmt.Println(len(st.LogID()))
	// Output: 32
}

func ExampleSigstore_LogV1ID() {
	st, _ := signtest.New(signtest.Options{})
	fmt.Println(len(st.LogV1ID()), bytes.Equal(st.LogV1ID(), st.LogID()))
	// Output: 32 false
}

// ExampleMintOptions_rekorV1 mints a bundle in the public-good Rekor v1
// shape: a hashedrekord v0.0.1 entry with an integrated time and a signed
// entry timestamp, and no RFC 3161 timestamp.
func ExampleMintOptions_rekorV1() {
	st, _ := signtest.New(signtest.Options{})
	data, err := st.SignBlob(signtest.Email("alice@example.com"), []byte("hello, world\n"), signtest.MintOptions{RekorV1: true, NoTimestamp: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		fmt.Println(err)
		return
	}
	e := b.GetVerificationMaterial().GetTlogEntries()[0]
	fmt.Println(e.GetKindVersion().GetKind(), e.GetKindVersion().GetVersion(), time.Unix(e.GetIntegratedTime(), 0).UTC())
	// Output: hashedrekord 0.0.1 2026-01-01 00:00:00 +0000 UTC
}

// ExampleSigstore_Handler_rekorV1 signs with sigstore-go's Rekor v1 client
// against the instance's Rekor v1 API, without a TSA: the log's integrated
// time is the signing time.
func ExampleSigstore_Handler_rekorV1() {
	st, _ := signtest.New(signtest.Options{})
	srv := httptest.NewServer(st.Handler())
	defer srv.Close()

	b, err := sign.Sign(context.Background(), sign.Statement([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"6a6f13bf7d5bd1e4ad9a4ba44a1d35de5a75a17d1ebc2b8c13cb35cf11b62e86"}}],"predicateType":"https://example.com/p","predicate":{}}`)), sign.Keyless(sign.StaticToken(st.Token(signtest.Email("alice@example.com")))), sign.Options{
		Services:    sign.Services{Fulcio: srv.URL, Rekor: []sign.Log{{URL: srv.URL, Version: 1}}},
		TrustedRoot: st.TrustedRoot(),
		Now:         st.Now,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	e := b.Proto().GetVerificationMaterial().GetTlogEntries()[0]
	fmt.Println(e.GetKindVersion().GetKind(), e.GetIntegratedTime() == st.Now().Unix())
	// Output: dsse true
}

// ExampleSigstore_AddEntryV1 logs a proposed entry (as Rekor v1's API
// receives it) and looks it up by UUID.
func ExampleSigstore_AddEntryV1() {
	st, _ := signtest.New(signtest.Options{})
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := cryptoutils.MarshalPublicKeyToPEM(&key.PublicKey)
	sum := sha256.Sum256([]byte("artifact"))
	sig, _ := ecdsa.SignASN1(rand.Reader, key, sum[:])
	pe, err := types.NewProposedEntry(context.Background(), "hashedrekord", "0.0.1", types.ArtifactProperties{
		ArtifactHash:   "sha256:" + hex.EncodeToString(sum[:]),
		SignatureBytes: sig,
		PublicKeyBytes: [][]byte{pub},
		PKIFormat:      "x509",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	uuid, e, err := st.AddEntryV1(pe)
	if err != nil {
		fmt.Println(err)
		return
	}
	got, ok := st.EntryV1(uuid)
	fmt.Println(len(uuid), *e.LogIndex, *e.IntegratedTime == st.Now().Unix(), ok && got == e)
	_, _, err = st.AddEntryV1(pe)
	fmt.Println(errors.Is(err, signtest.ErrEntryExists))
	// Output:
	// 80 0 true true
	// true
}
