package sign_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// BenchmarkKeyless compares sign.Sign with calling sigstore-go's sign.Bundle
// directly, both keyless against the same signtest services on loopback
// (Fulcio, Rekor v2, TSA) and both verifying the bundle against the trusted
// root. sign.Bundle's built-in verification does not check the
// certificate's SCT while sign.Sign does (the trusted root lists a CT log),
// so "sigstore-go+sct" adds exactly that check to the direct call: the
// difference between "sdk" and it is the SDK's overhead (token checks,
// streaming hash, retrying transports, error attribution).
//
//	go test ./sign -run '^$' -bench Keyless -benchtime 200x
func BenchmarkKeyless(b *testing.B) {
	artifact := bytes.Repeat([]byte("a"), 1<<10)
	setup := func(b *testing.B) (*signtest.Sigstore, *httptest.Server, string) {
		st, err := signtest.New(signtest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(st.Handler())
		b.Cleanup(srv.Close)
		return st, srv, st.Token(signtest.Email("alice@example.com"))
	}
	b.Run("sdk", func(b *testing.B) {
		st, srv, tok := setup(b)
		signer := sign.Keyless(sign.StaticToken(tok))
		opts := sign.Options{
			Services:    sign.Services{Fulcio: srv.URL, Rekor: []sign.Log{{URL: srv.URL, Version: 2}}, TSA: []string{srv.URL + signtest.PathTimestamp}},
			TrustedRoot: st.TrustedRoot(),
			Now:         st.Now,
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := sign.Sign(context.Background(), sign.Blob(bytes.NewReader(artifact)), signer, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sigstore-go", func(b *testing.B) {
		st, srv, tok := setup(b)
		b.ReportAllocs()
		for b.Loop() {
			kp, err := sgsign.NewEphemeralKeypair(nil)
			if err != nil {
				b.Fatal(err)
			}
			_, err = sgsign.Bundle(&sgsign.PlainData{Data: artifact}, kp, sgsign.BundleOptions{
				CertificateProvider:        sgsign.NewFulcio(&sgsign.FulcioOptions{BaseURL: srv.URL}),
				CertificateProviderOptions: &sgsign.CertificateProviderOptions{IDToken: tok},
				TimestampAuthorities:       []*sgsign.TimestampAuthority{sgsign.NewTimestampAuthority(&sgsign.TimestampAuthorityOptions{URL: srv.URL + signtest.PathTimestamp})},
				TransparencyLogs:           []sgsign.Transparency{sgsign.NewRekor(&sgsign.RekorOptions{BaseURL: srv.URL, Version: 2})},
				TrustedRoot:                st.SigstoreTrustedRoot(),
				Context:                    context.Background(),
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkKeylessSameChecks(b *testing.B) {
	artifact := bytes.Repeat([]byte("a"), 1<<10)
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(st.Handler())
	b.Cleanup(srv.Close)
	tok := st.Token(signtest.Email("alice@example.com"))
	b.Run("sigstore-go+sct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			kp, err := sgsign.NewEphemeralKeypair(nil)
			if err != nil {
				b.Fatal(err)
			}
			pb, err := sgsign.Bundle(&sgsign.PlainData{Data: artifact}, kp, sgsign.BundleOptions{
				CertificateProvider:        sgsign.NewFulcio(&sgsign.FulcioOptions{BaseURL: srv.URL}),
				CertificateProviderOptions: &sgsign.CertificateProviderOptions{IDToken: tok},
				TimestampAuthorities:       []*sgsign.TimestampAuthority{sgsign.NewTimestampAuthority(&sgsign.TimestampAuthorityOptions{URL: srv.URL + signtest.PathTimestamp})},
				TransparencyLogs:           []sgsign.Transparency{sgsign.NewRekor(&sgsign.RekorOptions{BaseURL: srv.URL, Version: 2})},
				Context:                    context.Background(),
			})
			if err != nil {
				b.Fatal(err)
			}
			bb, err := bundle.NewBundle(pb)
			if err != nil {
				b.Fatal(err)
			}
			v, err := verify.NewVerifier(st.SigstoreTrustedRoot(), verify.WithSignedTimestamps(1), verify.WithTransparencyLog(1), verify.WithSignedCertificateTimestamps(1))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Verify(bb, verify.NewPolicy(verify.WithArtifact(bytes.NewReader(artifact)), verify.WithoutIdentitiesUnsafe())); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// zeros is an endless reader of zero bytes: a large "file" that is never
// on disk or in memory.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// BenchmarkBlobMemory signs blobs of growing size with a local key (no
// services) and reports bytes allocated per operation: it stays flat
// because the blob is streamed through the hash.
//
//	go test ./sign -run '^$' -bench BlobMemory -benchtime 1x
func BenchmarkBlobMemory(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int64{1 << 20, 64 << 20, 1 << 30} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sign.Sign(context.Background(), sign.Blob(io.LimitReader(zeros{}, size)), sign.Key(key), sign.Options{NoLog: true, UnsafeSkipVerify: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
