package sign

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	rekorclient "github.com/sigstore/rekor/pkg/client"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Options configure Sign. The zero value is the strictest setting, but is
// not enough on its own: set Token (keyless) or Key, Services, and
// TrustedRoot.
type Options struct {
	// Token supplies the OIDC identity token for keyless signing: a Fulcio
	// certificate is issued for a fresh ephemeral key. Exactly one of
	// Token and Key must be set.
	Token TokenSource
	// Key signs instead of an ephemeral key (any crypto.Signer: in-memory,
	// KMS, hardware). The bundle then carries a public-key hint, not a
	// certificate.
	Key crypto.Signer
	// KeyHint is the hint put in the bundle for Key; by default the
	// base64 SHA-256 of the PKIX public key.
	KeyHint string

	// Services are the Fulcio, Rekor and TSA endpoints.
	Services Services

	// TrustedRoot verifies every bundle right after it is made (the
	// certificate chain, log entries, timestamps, signature over the
	// content). Required for keyless signing; for Key it is extended with
	// the key itself.
	TrustedRoot root.TrustedMaterial
	// UnsafeSkipVerify turns verify-after-sign off.
	UnsafeSkipVerify bool

	// Timeout bounds each attempt of each service call (DefaultTimeout
	// when zero). The whole call is bounded by ctx.
	Timeout time.Duration
	// Retries is the number of extra attempts after a transient failure
	// (connection error, timeout, 5xx, 429): DefaultRetries when zero,
	// none when negative.
	Retries int
	// Backoff is the wait before the first retry, doubling after each
	// (DefaultBackoff when zero).
	Backoff time.Duration

	// Now is the clock used to check the token's expiry and to select
	// services; time.Now when nil.
	Now func() time.Time
	// Transport carries Fulcio and TSA requests (http.DefaultTransport
	// when nil). Rekor clients use their own.
	Transport http.RoundTripper
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) policy() policy {
	return policy{timeout: o.Timeout, retries: o.Retries, backoff: o.Backoff}
}

// Sign signs content and returns a Sigstore bundle (v0.3), verified
// against opts.TrustedRoot unless opts.UnsafeSkipVerify. Errors are
// *TokenError (before any network call), *ServiceError (naming the service
// and step) or *Error.
func Sign(ctx context.Context, content Content, opts Options) (*bundle.Bundle, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := content.validate(); err != nil {
		return nil, err
	}
	keyless := opts.Key == nil
	switch {
	case keyless && opts.Token == nil:
		return nil, errorf("options", ErrInvalidOptions, "set Options.Token (keyless) or Options.Key")
	case !keyless && opts.Token != nil:
		return nil, errorf("options", ErrInvalidOptions, "Options.Token and Options.Key are mutually exclusive")
	case keyless && opts.TrustedRoot == nil && !opts.UnsafeSkipVerify:
		return nil, errorf("options", ErrInvalidOptions, "keyless signing needs Options.TrustedRoot to verify the bundle")
	}
	if err := opts.Services.validate(keyless); err != nil {
		return nil, err
	}
	pol := opts.policy()

	// Token first: a bad token fails before any other network call.
	var idToken string
	signer := opts.Key
	if keyless {
		tok, err := opts.Token.Token(ctx)
		if err != nil {
			var te *TokenError
			var se *ServiceError
			if errors.As(err, &te) || errors.As(err, &se) {
				return nil, err
			}
			return nil, &TokenError{Kind: ErrToken, Reason: "token source failed", Err: err}
		}
		if _, err := ParseToken(tok, opts.now()); err != nil {
			return nil, err
		}
		idToken = tok
		h := crypto.SHA256
		if content.kind == kindDigest {
			h = content.hash
		}
		if signer, err = ephemeralKey(h); err != nil {
			return nil, &Error{Step: "sign", Kind: ErrSignature, Err: err}
		}
	}
	kp, err := newKeypair(signer, opts.KeyHint)
	if err != nil {
		return nil, err
	}

	var sc sgsign.Content
	switch content.kind {
	case kindBlob:
		d, err := hashReader(ctx, kp.hash(), content.r)
		if err != nil {
			return nil, errorf("content", ErrInvalidOptions, "reading blob: %w", err)
		}
		kp.prehashed = d
		sc = &sgsign.PlainData{Data: d}
	case kindDigest:
		if content.hash != kp.hash() {
			return nil, errorf("content", ErrInvalidOptions, "digest is %v but the key signs %v digests", content.hash, kp.hash())
		}
		kp.prehashed = content.digest
		sc = &sgsign.PlainData{Data: content.digest}
	case kindDSSE:
		sc = &sgsign.DSSEData{Data: content.payload, PayloadType: content.payloadType}
	}

	bo, tr := buildBundleOptions(ctx, &opts, pol, idToken)
	pb, err := sgsign.Bundle(sc, kp, bo)
	if err != nil {
		return nil, tr.attribute(err)
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, &Error{Step: "verify", Kind: ErrVerifyAfterSign, Err: err}
	}
	if !opts.UnsafeSkipVerify {
		if err := verifyAfterSign(b, pb, kp, &opts, keyless); err != nil {
			return nil, &Error{Step: "verify", Kind: ErrVerifyAfterSign, Err: err}
		}
	}
	return b, nil
}

// tracker remembers which service sigstore-go's sign.Bundle was talking to
// when it failed, so its (untyped) error can be attributed.
type tracker struct {
	mu      sync.Mutex
	current func(error) error
}

func (t *tracker) set(f func(error) error) {
	t.mu.Lock()
	t.current = f
	t.mu.Unlock()
}

func (t *tracker) attribute(err error) error {
	var se *ServiceError
	var te *Error
	if errors.As(err, &se) || errors.As(err, &te) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.mu.Lock()
		f := t.current
		t.mu.Unlock()
		if f != nil {
			return f(err)
		}
		return err
	}
	t.mu.Lock()
	f := t.current
	t.mu.Unlock()
	if f == nil {
		return &Error{Step: "sign", Kind: ErrSignature, Err: err}
	}
	return f(err)
}

func buildBundleOptions(ctx context.Context, opts *Options, pol policy, idToken string) (sgsign.BundleOptions, *tracker) {
	tr := &tracker{}
	bo := sgsign.BundleOptions{Context: ctx}
	if idToken != "" {
		ft := newServiceTransport(ctx, opts.Transport, ServiceFulcio, StepCertificate, opts.Services.Fulcio, pol)
		ft.onStart = func() { tr.set(ft.fail) }
		bo.CertificateProvider = &certProvider{
			inner:   sgsign.NewFulcio(&sgsign.FulcioOptions{BaseURL: strings.TrimSuffix(opts.Services.Fulcio, "/"), Timeout: -1, Transport: ft}),
			onStart: func() { tr.set(ft.fail) },
		}
		bo.CertificateProviderOptions = &sgsign.CertificateProviderOptions{IDToken: idToken}
	}
	for _, u := range opts.Services.TSA {
		tt := newServiceTransport(ctx, opts.Transport, ServiceTSA, StepTimestamp, u, pol)
		tt.onStart = func() { tr.set(tt.fail) }
		bo.TimestampAuthorities = append(bo.TimestampAuthorities,
			sgsign.NewTimestampAuthority(&sgsign.TimestampAuthorityOptions{URL: u, Timeout: -1, Transport: tt}))
	}
	for _, l := range opts.Services.Rekor {
		bo.TransparencyLogs = append(bo.TransparencyLogs, newLogStep(l, pol, tr))
	}
	return bo, tr
}

// certProvider marks the Fulcio step for error attribution.
type certProvider struct {
	inner   sgsign.CertificateProvider
	onStart func()
}

func (c *certProvider) GetCertificate(ctx context.Context, kp sgsign.Keypair, o *sgsign.CertificateProviderOptions) ([]byte, error) {
	c.onStart()
	return c.inner.GetCertificate(ctx, kp, o)
}

// logStep writes one Rekor entry through sigstore-go's client, with
// per-attempt timeouts and retries around it (the Rekor clients take no
// transport).
type logStep struct {
	log   Log
	pol   policy
	tr    *tracker
	inner *sgsign.Rekor
}

func newLogStep(l Log, pol policy, tr *tracker) *logStep {
	ro := &sgsign.RekorOptions{BaseURL: strings.TrimSuffix(l.URL, "/"), Version: max(l.Version, 1), Timeout: pol.attemptTimeout()}
	if ro.Version == 1 {
		// No retries inside: logStep retries. The client is built lazily
		// by sigstore-go otherwise, with its own retry schedule.
		if c, err := rekorclient.GetRekorClient(ro.BaseURL, rekorclient.WithRetryCount(0)); err == nil {
			ro.Client = c.Entries
		}
	}
	return &logStep{log: l, pol: pol, tr: tr, inner: sgsign.NewRekor(ro)}
}

func (s *logStep) GetTransparencyLogEntry(ctx context.Context, keyOrCertPEM []byte, b *protobundle.Bundle) error {
	var failed error
	s.tr.set(func(err error) error {
		if failed != nil {
			return failed
		}
		return &ServiceError{Service: ServiceRekor, Step: StepLogEntry, URL: s.log.URL, Attempts: 1, Kind: ErrBadResponse, Err: err}
	})
	err := retryCall(ctx, ServiceRekor, StepLogEntry, s.log.URL, s.pol, rekorStatus, func(actx context.Context) error {
		return s.inner.GetTransparencyLogEntry(actx, keyOrCertPEM, b)
	})
	failed = err
	return err
}

// rekorStatus extracts the HTTP status from a Rekor client error: the v1
// (go-openapi) errors carry Code(), except a retryable status (5xx, 429),
// which the v1 client's retry layer reports as "giving up after N
// attempt(s): status <status>: <body>"; the v2 writer formats
// "unexpected response: <status> <body>".
func rekorStatus(err error) int {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return coded.Code()
	}
	msg := err.Error()
	for _, prefix := range []string{"unexpected response: ", "attempt(s): status "} {
		if i := strings.Index(msg, prefix); i >= 0 {
			f := strings.FieldsFunc(msg[i+len(prefix):], func(r rune) bool { return r == ' ' || r == ':' })
			if len(f) > 0 {
				if n, err := strconv.Atoi(f[0]); err == nil {
					return n
				}
			}
		}
	}
	return 0
}

func verifyAfterSign(b *bundle.Bundle, pb *protobundle.Bundle, kp *keypair, opts *Options, keyless bool) error {
	nTSA, nLog := len(opts.Services.TSA), len(opts.Services.Rekor)
	var vo []verify.VerifierOption
	if nTSA > 0 {
		vo = append(vo, verify.WithSignedTimestamps(nTSA))
	}
	if nLog > 0 {
		vo = append(vo, verify.WithTransparencyLog(nLog))
		if nTSA == 0 {
			if keyless {
				vo = append(vo, verify.WithIntegratedTimestamps(nLog))
			} else {
				vo = append(vo, verify.WithNoObserverTimestamps())
			}
		}
	}
	if nTSA == 0 && nLog == 0 {
		if keyless {
			vo = append(vo, verify.WithCurrentTime())
		} else {
			vo = append(vo, verify.WithNoObserverTimestamps())
		}
	}
	tm := opts.TrustedRoot
	if keyless && len(tm.CTLogs()) > 0 {
		vo = append(vo, verify.WithSignedCertificateTimestamps(1))
	}
	var pp []verify.PolicyOption
	if keyless {
		pp = append(pp, verify.WithoutIdentitiesUnsafe())
	} else {
		v, err := signature.LoadDefaultVerifier(kp.GetPublicKey(), signatureLoadOpts(kp)...)
		if err != nil {
			return err
		}
		keys := root.NewTrustedPublicKeyMaterialFromMapping(map[string]*root.ExpiringKey{
			string(kp.GetHint()): root.NewExpiringKey(v, time.Time{}, time.Time{}),
		})
		if tm == nil {
			tm = keys
		} else {
			tm = root.TrustedMaterialCollection{tm, keys}
		}
		pp = append(pp, verify.WithKey())
	}
	ver, err := verify.NewVerifier(tm, vo...)
	if err != nil {
		return err
	}
	art := verify.WithoutArtifactUnsafe() // DSSE: the envelope signature is still checked
	if ms := pb.GetMessageSignature(); ms != nil {
		art = verify.WithArtifactDigest(hashName(kp.hash()), ms.GetMessageDigest().GetDigest())
	}
	_, err = ver.Verify(b, verify.NewPolicy(art, pp...))
	return err
}

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA384:
		return "sha384"
	case crypto.SHA512:
		return "sha512"
	}
	return "sha256"
}

// Marshal encodes b as compact Sigstore bundle JSON. Unlike protojson's
// output, which varies its whitespace on purpose, the bytes are stable.
func Marshal(b *bundle.Bundle) ([]byte, error) {
	if b == nil {
		return nil, errorf("write", ErrInvalidOptions, "nil bundle")
	}
	raw, err := b.MarshalJSON()
	if err != nil {
		return nil, &Error{Step: "write", Kind: ErrInvalidOptions, Err: err}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, &Error{Step: "write", Kind: ErrInvalidOptions, Err: err}
	}
	return buf.Bytes(), nil
}

// WriteFile writes b to path atomically: the JSON goes to a temporary file
// in the same directory, is synced, and is renamed over path, so a reader
// never sees a partial bundle and a failure leaves path untouched.
func WriteFile(path string, b *bundle.Bundle) error {
	data, err := Marshal(b)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return &Error{Step: "write", Kind: ErrWrite, Err: err}
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(append(data, '\n')); err != nil {
		return &Error{Step: "write", Kind: ErrWrite, Err: err}
	}
	if err = f.Sync(); err != nil {
		return &Error{Step: "write", Kind: ErrWrite, Err: err}
	}
	if err = f.Close(); err != nil {
		return &Error{Step: "write", Kind: ErrWrite, Err: err}
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return &Error{Step: "write", Kind: ErrWrite, Err: err}
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return &Error{Step: "write", Kind: ErrWrite, Err: fmt.Errorf("rename: %w", err)}
	}
	return nil
}
