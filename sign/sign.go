package sign

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
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
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/chainproof/chainproof/verify"

	"github.com/chainproof/chainproof/attest"
)

// Signer says who signs: Keyless, for a Fulcio certificate issued to an
// OIDC identity, or Key, for a key the caller holds.
type Signer struct {
	token TokenSource
	key   crypto.Signer
}

// Keyless signs with a fresh ephemeral key, certified by Fulcio for the
// identity in the token that token supplies.
func Keyless(token TokenSource) Signer { return Signer{token: token} }

// Key signs with key (any crypto.Signer: in memory, KMS, hardware). The
// bundle then carries a public-key hint (Options.KeyHint), not a
// certificate, and verifies under a policy listing the public key.
func Key(key crypto.Signer) Signer { return Signer{key: key} }

// Options configure Sign. The zero value is valid and the strictest
// setting: the public-good Sigstore services, every bundle verified right
// after signing against the embedded public-good trusted root.
type Options struct {
	// Services are the Fulcio, Rekor and TSA endpoints. The zero value
	// means PublicGood() (Fulcio is not used when signing with a Key).
	// LoadSigningConfig reads them from a signing_config.json.
	Services Services
	// NoLog signs with a Key without writing a transparency log entry:
	// Services.Rekor must then be empty, the zero Services means no
	// services at all, and a TSA is used only if Services.TSA names one.
	// Such a bundle proves neither when it was made nor that anyone
	// could have seen it; verify accepts it only under
	// verify.Options.AllowUnloggedKeys. For air-gapped signing and tests.
	NoLog bool
	// KeyHint is the hint put in the bundle for a Key; by default the
	// base64 SHA-256 of the PKIX public key.
	KeyHint string

	// TrustedRoot verifies every bundle right after it is made, with
	// package verify: the certificate chain, SCT, log entries,
	// timestamps, signature over the content. Nil means
	// verify.PublicGood(), which only fits the public-good services.
	TrustedRoot *verify.TrustedRoot
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

// services returns the services to use: Options.Services, or the
// public-good ones when it is the zero value (and a log is wanted).
func (o *Options) services() Services {
	s := o.Services
	if s.Fulcio == "" && len(s.Rekor) == 0 && len(s.TSA) == 0 && !o.NoLog {
		s = PublicGood()
	}
	return s
}

// Sign signs content as signer and returns the Sigstore bundle (v0.3),
// verified with package verify against opts.TrustedRoot unless
// opts.UnsafeSkipVerify: what Sign returns, verify.Verifier.Verify
// accepts. Errors are *TokenError (before any network call),
// *ServiceError (naming the service and step) or *Error.
func Sign(ctx context.Context, content Content, signer Signer, opts Options) (*verify.Bundle, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := content.validate(); err != nil {
		return nil, err
	}
	keyless := signer.key == nil
	switch {
	case keyless && signer.token == nil:
		return nil, errorf("options", ErrInvalidOptions, "no signer: use Keyless(token) or Key(key)")
	case keyless && opts.NoLog:
		return nil, errorf("options", ErrInvalidOptions, "NoLog applies to Key signing: a Fulcio certificate is short-lived and needs a log entry or timestamp")
	case !keyless && opts.KeyHint != "" && strings.TrimSpace(opts.KeyHint) != opts.KeyHint:
		return nil, errorf("options", ErrInvalidOptions, "KeyHint %q has surrounding space", opts.KeyHint)
	}
	services := opts.services()
	if opts.NoLog && len(services.Rekor) > 0 {
		return nil, errorf("options", ErrInvalidOptions, "NoLog with Services.Rekor set")
	}
	if err := services.validate(keyless); err != nil {
		return nil, err
	}
	trust := opts.TrustedRoot
	if trust == nil && !opts.UnsafeSkipVerify {
		var err error
		if trust, err = verify.PublicGood(); err != nil {
			return nil, &Error{Step: "verify", Kind: ErrVerifyAfterSign, Err: err}
		}
	}
	pol := opts.policy()

	// Token first: a bad token fails before any other network call.
	var idToken string
	key := signer.key
	if keyless {
		tok, err := signer.token.Token(ctx)
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
		if key, err = ephemeralKey(h); err != nil {
			return nil, &Error{Step: "sign", Kind: ErrSignature, Err: err}
		}
	}
	kp, err := newKeypair(key, opts.KeyHint)
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
		sc = &envelope{payloadType: content.payloadType, payload: content.payload}
	}

	bo, tr := buildBundleOptions(ctx, &opts, services, pol, idToken)
	pb, err := sgsign.Bundle(sc, kp, bo)
	if err != nil {
		return nil, tr.attribute(err)
	}
	b, err := verify.BundleFromProto(pb)
	if err != nil {
		return nil, &Error{Step: "verify", Kind: ErrVerifyAfterSign, Err: err}
	}
	if !opts.UnsafeSkipVerify {
		if err := verifyAfterSign(ctx, b, &content, kp, trust, opts.NoLog); err != nil {
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

func buildBundleOptions(ctx context.Context, opts *Options, services Services, pol policy, idToken string) (sgsign.BundleOptions, *tracker) {
	tr := &tracker{}
	bo := sgsign.BundleOptions{Context: ctx}
	if idToken != "" {
		ft := newServiceTransport(ctx, opts.Transport, ServiceFulcio, StepCertificate, services.Fulcio, pol)
		ft.onStart = func() { tr.set(ft.fail) }
		bo.CertificateProvider = &certProvider{
			inner:   sgsign.NewFulcio(&sgsign.FulcioOptions{BaseURL: strings.TrimSuffix(services.Fulcio, "/"), Timeout: -1, Transport: ft}),
			onStart: func() { tr.set(ft.fail) },
		}
		bo.CertificateProviderOptions = &sgsign.CertificateProviderOptions{IDToken: idToken}
	}
	for _, u := range services.TSA {
		tt := newServiceTransport(ctx, opts.Transport, ServiceTSA, StepTimestamp, u, pol)
		tt.onStart = func() { tr.set(tt.fail) }
		bo.TimestampAuthorities = append(bo.TimestampAuthorities,
			sgsign.NewTimestampAuthority(&sgsign.TimestampAuthorityOptions{URL: u, Timeout: -1, Transport: tt}))
	}
	for _, l := range services.Rekor {
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

// verifyAfterSign verifies b with package verify, as a consumer of the
// bundle would: against trust, for the content signed, under a policy
// naming the signer (the public key, or the identity the certificate was
// issued to: which identity that should be is the consumer's policy, not
// something signing can know).
func verifyAfterSign(ctx context.Context, b *verify.Bundle, content *Content, kp *keypair, trust *verify.TrustedRoot, noLog bool) error {
	v, err := verify.New(verify.Options{TrustedRoot: trust, AllowUnloggedKeys: noLog})
	if err != nil {
		return err
	}
	var policy verify.Policy
	pb := b.Proto()
	if cert := leafCertificate(pb); cert != nil {
		sum, err := certificate.SummarizeCertificate(cert)
		if err != nil {
			return err
		}
		policy.Identities = []verify.Identity{{Issuer: verify.Exact(sum.Issuer), SAN: verify.Exact(sum.SubjectAlternativeName)}}
	} else {
		policy.PublicKeys = []crypto.PublicKey{kp.GetPublicKey()}
	}
	var artifact verify.Artifact
	if ms := pb.GetMessageSignature(); ms != nil {
		artifact.Digest = hashName(kp.hash()) + ":" + hex.EncodeToString(ms.GetMessageDigest().GetDigest())
	} else {
		d, err := subjectDigest(content.payload)
		if err != nil {
			return err
		}
		artifact.Digest = d
	}
	_, err = v.Verify(ctx, b, artifact, policy)
	return err
}

// leafCertificate returns the signing certificate of pb, if any.
func leafCertificate(pb *protobundle.Bundle) *x509.Certificate {
	vm := pb.GetVerificationMaterial()
	der := vm.GetCertificate().GetRawBytes()
	if chain := vm.GetX509CertificateChain().GetCertificates(); der == nil && len(chain) > 0 {
		der = chain[0].GetRawBytes()
	}
	if der == nil {
		return nil
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return cert
}

// subjectDigest returns a digest of the statement's first subject that a
// Sigstore artifact can have (sha256, sha384 or sha512), to verify the
// envelope against.
func subjectDigest(statement []byte) (string, error) {
	st, err := attest.Parse(statement)
	if err != nil {
		return "", err
	}
	for _, s := range st.GetSubject() {
		for _, alg := range []string{"sha256", "sha512", "sha384"} {
			if h, ok := s.GetDigest()[alg]; ok {
				return alg + ":" + h, nil
			}
		}
	}
	return "", errors.New("no subject has a sha256, sha384 or sha512 digest to verify the statement against")
}

// Marshal encodes b as compact Sigstore bundle JSON (see
// verify.Bundle.MarshalJSON: the bytes are stable).
func Marshal(b *verify.Bundle) ([]byte, error) {
	if b == nil {
		return nil, errorf("write", ErrInvalidOptions, "nil bundle")
	}
	raw, err := b.MarshalJSON()
	if err != nil {
		return nil, &Error{Step: "write", Kind: ErrInvalidOptions, Err: err}
	}
	return raw, nil
}

// WriteFile writes b to path atomically: the JSON goes to a temporary file
// in the same directory, is synced, and is renamed over path, so a reader
// never sees a partial bundle and a failure leaves path untouched.
func WriteFile(path string, b *verify.Bundle) error {
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

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA384:
		return "sha384"
	case crypto.SHA512:
		return "sha512"
	}
	return "sha256"
}
