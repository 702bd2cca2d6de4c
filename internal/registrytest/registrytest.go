package registrytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"math"
	mrand "math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/chainproof/chainproof/internal/itest"
)

// Environment variables set by .ci/test.d/15-registries-up.sh.
const (
	// EnvRegistry holds HOST:PORT of the CNCF distribution registry (plain
	// HTTP on loopback; no referrers API).
	EnvRegistry = "CHAINPROOF_REGISTRY"
	// EnvReferrersRegistry holds HOST:PORT of internal/cmd/ociregistry
	// (plain HTTP on loopback; OCI 1.1 referrers API).
	EnvReferrersRegistry = "CHAINPROOF_REFERRERS_REGISTRY"
	// EnvCosign holds the path of the real cosign binary (v3.1.3).
	EnvCosign = "CHAINPROOF_COSIGN"
	// EnvCI is set by .ci/run: a missing service fails the test there
	// instead of skipping it.
	EnvCI = "CHAINPROOF_CI"
)

// Registry is one registry tests push to.
type Registry struct {
	// Name says which registry this is: "distribution", "ociregistry" or
	// "in-process"; subtests are named after it.
	Name string
	// Host is HOST:PORT, for name.ParseReference and cosign (plain HTTP).
	Host string
	// Referrers reports whether the registry serves the OCI 1.1 referrers
	// API; without it clients fall back to the referrers tag schema.
	Referrers bool
}

// missing skips t, or fails it when running in CI (EnvCI set), with one
// line saying what is missing.
func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(EnvCI) != "" {
		t.Fatalf("registrytest: %s (%s is set: .ci/run must provide it; see .ci/test.d/15-registries-up.sh)", what, EnvCI)
	}
	itest.Skip(t, itest.Registries, fmt.Sprintf("registrytest: %s (run under .ci/with-services; see internal/registrytest)", what))
}

func fromEnv(t testing.TB, env, nm string, referrers bool) Registry {
	t.Helper()
	host := os.Getenv(env)
	if host == "" {
		missing(t, env+" not set: no "+nm+" registry")
	}
	r := Registry{Name: nm, Host: host, Referrers: referrers}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Ping(ctx); err != nil {
		t.Fatalf("registrytest: %s=%s: %v", env, host, err)
	}
	return r
}

// Distribution returns the CNCF distribution registry named by
// CHAINPROOF_REGISTRY (no referrers API: the tag-schema fallback).
func Distribution(t testing.TB) Registry {
	t.Helper()
	return fromEnv(t, EnvRegistry, "distribution", false)
}

// WithReferrers returns the registry with the OCI 1.1 referrers API named
// by CHAINPROOF_REFERRERS_REGISTRY (internal/cmd/ociregistry).
func WithReferrers(t testing.TB) Registry {
	t.Helper()
	return fromEnv(t, EnvReferrersRegistry, "ociregistry", true)
}

// Both returns the two CI registries: distribution (tag schema) and
// ociregistry (referrers API), for tests that run once per registry.
func Both(t testing.TB) []Registry {
	t.Helper()
	return []Registry{Distribution(t), WithReferrers(t)}
}

// CosignPath returns the path of the real cosign named by CHAINPROOF_COSIGN.
func CosignPath(t testing.TB) string {
	t.Helper()
	p := os.Getenv(EnvCosign)
	if p == "" {
		missing(t, EnvCosign+" not set: no cosign binary")
	}
	if fi, err := os.Stat(p); err != nil || fi.IsDir() {
		t.Fatalf("registrytest: %s=%s: not a file (%v)", EnvCosign, p, err)
	}
	return p
}

// Options configures New. The zero value is a registry without the
// referrers API that keeps its log to itself.
type Options struct {
	// Referrers turns the OCI 1.1 referrers API on.
	Referrers bool
	// Wrap, if set, wraps the registry's handler (to count, delay, corrupt
	// or refuse requests in hostile-registry tests).
	Wrap func(http.Handler) http.Handler
}

// New starts an in-process registry (go-containerregistry's pkg/registry on
// an httptest server, 127.0.0.1) for fast unit tests; it is closed when the
// test ends.
func New(t testing.TB, opts Options) Registry {
	t.Helper()
	var h http.Handler = registry.New(
		registry.WithReferrersSupport(opts.Referrers),
		registry.Logger(log.New(io.Discard, "", 0)),
	)
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return Registry{Name: "in-process", Host: strings.TrimPrefix(srv.URL, "http://"), Referrers: opts.Referrers}
}

// Ping checks that the registry answers GET /v2/ with 200.
func (r Registry) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.Host+"/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /v2/: %s", resp.Status)
	}
	return nil
}

var unsafeRepo = regexp.MustCompile(`[^a-z0-9]+`)

// Repo returns a repository on r unique to this call, HOST:PORT/chainproof/
// NAME-RANDOM, where NAME is derived from the test's name, so tests sharing
// a registry never see each other's images or signatures.
func (r Registry) Repo(t testing.TB) string {
	t.Helper()
	n := strings.Trim(unsafeRepo.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(n) > 60 {
		n = strings.Trim(n[len(n)-60:], "-")
	}
	if n == "" {
		n = "test"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return r.Host + "/chainproof/" + n + "-" + hex.EncodeToString(b[:])
}

// Image is an image pushed by PushRandom.
type Image struct {
	Repo   string      // HOST:PORT/REPO
	Tag    string      // the tag it was pushed under (PushRandom: "latest")
	Digest v1.Hash     // manifest digest
	Ref    name.Digest // REPO@sha256:...
	Image  v1.Image
}

// TagRef returns REPO:TAG.
func (i Image) TagRef() string { return i.Repo + ":" + i.Tag }

// String returns REPO@sha256:... (what cosign is given).
func (i Image) String() string { return i.Ref.String() }

// PushRandom pushes a small random image (one 1 KiB layer) to a fresh
// repository on r (Repo) under the tag "latest" and returns it.
func (r Registry) PushRandom(t testing.TB) Image {
	t.Helper()
	return PushRandomTo(t, r.Repo(t), "latest")
}

// PushRandomTo pushes a small random image to repo (HOST:PORT/NAME) under
// tag.
func PushRandomTo(t testing.TB, repo, tag string) Image {
	t.Helper()
	img, err := random.Image(1024, 1, random.WithSource(mrand.NewSource(seed())))
	if err != nil {
		t.Fatalf("registrytest: random image: %v", err)
	}
	tg, err := name.NewTag(repo+":"+tag, name.Insecure)
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := remote.Write(tg, img, remote.WithContext(ctx)); err != nil {
		t.Fatalf("registrytest: pushing %s: %v", tg, err)
	}
	h, err := img.Digest()
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	d, err := name.NewDigest(repo+"@"+h.String(), name.Insecure)
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	return Image{Repo: repo, Tag: tag, Digest: h, Ref: d, Image: img}
}

var seeds atomic.Int64

func seed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	var s int64
	for _, c := range b {
		s = s<<8 | int64(c)
	}
	return (s & math.MaxInt64) ^ seeds.Add(1)
}

// Transport is an http.RoundTripper that counts requests and the time
// spent in them (from sending the request until the response body is closed
// or read to its end), for benchmarks that split registry time from the rest.
type Transport struct {
	// Base performs the requests; nil means http.DefaultTransport.
	Base http.RoundTripper

	requests atomic.Int64
	nanos    atomic.Int64
}

// RoundTrip implements http.RoundTripper.
func (c *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := c.Base
	if base == nil {
		base = http.DefaultTransport
	}
	start := time.Now()
	c.requests.Add(1)
	resp, err := base.RoundTrip(req)
	if err != nil {
		c.nanos.Add(int64(time.Since(start)))
		return nil, err
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, start: start, t: c}
	return resp, nil
}

// Requests returns the number of requests made so far.
func (c *Transport) Requests() int64 { return c.requests.Load() }

// Elapsed returns the total time spent in requests made so far (bodies
// still open are not counted yet).
func (c *Transport) Elapsed() time.Duration { return time.Duration(c.nanos.Load()) }

// Reset zeroes the counters.
func (c *Transport) Reset() {
	c.requests.Store(0)
	c.nanos.Store(0)
}

type timedBody struct {
	io.ReadCloser
	start time.Time
	t     *Transport
	done  atomic.Bool
}

func (b *timedBody) finish() {
	if b.done.CompareAndSwap(false, true) {
		b.t.nanos.Add(int64(time.Since(b.start)))
	}
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.finish()
	}
	return n, err
}

func (b *timedBody) Close() error {
	b.finish()
	return b.ReadCloser.Close()
}
