package oci_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/oci"
)

// hostile starts an in-process registry holding one random image, whose
// answers wrap may change, and returns the image's tag reference.
func hostile(t *testing.T, wrap func(next http.Handler) http.Handler) (registrytest.Image, *atomic.Bool) {
	t.Helper()
	on := new(atomic.Bool)
	reg := registrytest.New(t, registrytest.Options{Referrers: true, Wrap: func(next http.Handler) http.Handler {
		h := wrap(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if on.Load() {
				h.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}})
	img := reg.PushRandom(t)
	on.Store(true)
	return img, on
}

// countingWriter counts the bytes a hostile handler managed to send.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// TestHostileRegistry: each way a registry can misbehave gives a typed
// error naming the registry, and oversized answers are cut off near the
// limit (bytes counted on the server side), never read whole.
func TestHostileRegistry(t *testing.T) {
	ctx := context.Background()
	huge := func(mediaType string, sent *atomic.Int64) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", mediaType)
			cw := countingWriter{w, sent}
			chunk := bytes.Repeat([]byte(" "), 64<<10)
			for i := 0; i < (64<<20)/len(chunk); i++ { // 64 MiB of whitespace
				if _, err := cw.Write(chunk); err != nil {
					return
				}
			}
		})
	}
	for _, tc := range []struct {
		name     string
		wrap     func(next http.Handler, sent *atomic.Int64) http.Handler
		op       func(c *oci.Client, img registrytest.Image) error
		want     error
		status   int
		maxBytes int64
	}{
		{
			name: "server-error",
			wrap: func(next http.Handler, _ *atomic.Int64) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) })
			},
			op:     resolveOp,
			want:   oci.ErrRegistry,
			status: http.StatusInternalServerError,
		},
		{
			name: "forbidden",
			wrap: func(next http.Handler, _ *atomic.Int64) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/v2/" {
						next.ServeHTTP(w, r)
						return
					}
					http.Error(w, `{"errors":[{"code":"DENIED","message":"no"}]}`, http.StatusForbidden)
				})
			},
			op:     resolveOp,
			want:   oci.ErrRegistry,
			status: http.StatusForbidden,
		},
		{
			name: "huge-manifest",
			wrap: func(next http.Handler, sent *atomic.Int64) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.Contains(r.URL.Path, "/manifests/") {
						huge("application/vnd.oci.image.manifest.v1+json", sent).ServeHTTP(w, r)
						return
					}
					next.ServeHTTP(w, r)
				})
			},
			op:       resolveOp,
			want:     oci.ErrLimit,
			maxBytes: oci.MaxManifestSize + 64<<10, // the limit and one read buffer
		},
		{
			name: "huge-referrers-list",
			wrap: func(next http.Handler, sent *atomic.Int64) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.Contains(r.URL.Path, "/referrers/") {
						huge("application/vnd.oci.image.index.v1+json", sent).ServeHTTP(w, r)
						return
					}
					next.ServeHTTP(w, r)
				})
			},
			op:       discoverOp,
			want:     oci.ErrLimit,
			maxBytes: oci.MaxManifestSize + 64<<10,
		},
		{
			name: "too-many-referrers",
			wrap: func(next http.Handler, _ *atomic.Int64) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if !strings.Contains(r.URL.Path, "/referrers/") {
						next.ServeHTTP(w, r)
						return
					}
					var b strings.Builder
					b.WriteString(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[`)
					for i := range oci.MaxReferrers + 1 {
						if i > 0 {
							b.WriteString(",")
						}
						fmt.Fprintf(&b, `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%064x","size":10,"artifactType":"%s"}`, i, oci.BundleMediaType)
					}
					b.WriteString("]}")
					w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
					w.Write([]byte(b.String()))
				})
			},
			op:   discoverOp,
			want: oci.ErrLimit,
		},
		{
			name: "wrong-content-for-digest",
			wrap: func(next http.Handler, _ *atomic.Int64) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.Contains(r.URL.Path, "/manifests/sha256:") && r.Method == http.MethodGet {
						w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
						w.Write([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`))
						return
					}
					next.ServeHTTP(w, r)
				})
			},
			op: func(c *oci.Client, img registrytest.Image) error {
				_, err := c.Resolve(ctx, img.Ref.String(), oci.ResolveOptions{})
				return err
			},
			want: oci.ErrRegistry,
		},
		{
			name: "redirect-loop",
			wrap: func(next http.Handler, _ *atomic.Int64) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.Contains(r.URL.Path, "/manifests/") {
						http.Redirect(w, r, r.URL.Path, http.StatusFound)
						return
					}
					next.ServeHTTP(w, r)
				})
			},
			op:   resolveOp,
			want: oci.ErrRegistry,
		},
		{
			name: "stalls",
			wrap: func(next http.Handler, _ *atomic.Int64) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.Contains(r.URL.Path, "/manifests/") {
						<-r.Context().Done() // never answers
						return
					}
					next.ServeHTTP(w, r)
				})
			},
			op: func(c *oci.Client, img registrytest.Image) error {
				ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				defer cancel()
				_, err := c.Resolve(ctx, img.TagRef(), oci.ResolveOptions{})
				if !errors.Is(err, context.DeadlineExceeded) {
					return fmt.Errorf("not a deadline: %w", err)
				}
				return err
			},
			want: oci.ErrRegistry,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent := new(atomic.Int64)
			img, _ := hostile(t, func(next http.Handler) http.Handler { return tc.wrap(next, sent) })
			read := &readCounter{base: http.DefaultTransport}
			err := tc.op(oci.NewClient(oci.Options{Transport: read}), img)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			var oe *oci.Error
			if !errors.As(err, &oe) || oe.Registry == "" {
				t.Fatalf("error %v is not an *oci.Error naming the registry", err)
			}
			if tc.status != 0 && oe.Status != tc.status {
				t.Errorf("status %d, want %d", oe.Status, tc.status)
			}
			if tc.maxBytes != 0 && read.n.Load() > tc.maxBytes {
				t.Errorf("the client read %d bytes (the registry sent %d), want at most %d", read.n.Load(), sent.Load(), tc.maxBytes)
			}
		})
	}
}

func resolveOp(c *oci.Client, img registrytest.Image) error {
	_, err := c.Resolve(context.Background(), img.TagRef(), oci.ResolveOptions{})
	return err
}

func discoverOp(c *oci.Client, img registrytest.Image) error {
	// Resolve against an honest answer first: the hostile part is the
	// referrers list.
	res, err := c.Resolve(context.Background(), img.Ref.String(), oci.ResolveOptions{})
	if err != nil {
		return err
	}
	_, err = c.Discover(context.Background(), res)
	return err
}

// readCounter counts the response bytes the client read.
type readCounter struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (c *readCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err == nil && resp.Body != nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// TestCallByteBudget: the answers of one call together stop at
// Options.MaxCallBytes (counted on the client's side), with ErrLimit,
// however many referrers each stay under their own limit; under the
// default budget the same image's referrers are all found.
func TestCallByteBudget(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	reg := registrytest.New(t, registrytest.Options{Referrers: true})
	pushed := reg.PushRandom(t)
	c := oci.NewClient(oci.Options{})
	img, err := c.Resolve(ctx, pushed.TagRef(), oci.ResolveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	predicate := []byte(`{"blob":"` + strings.Repeat("x", 200<<10) + `"}`)
	const attestations = 4
	for range attestations {
		if _, err := c.Attest(ctx, img, "https://example.com/big/v1", predicate, f.signer("alice@example.com"), f.signOpts()); err != nil {
			t.Fatal(err)
		}
	}
	d, err := c.Discover(ctx, img)
	if err != nil || len(d.Items) != attestations {
		t.Fatalf("default budget: %v, %d items", err, len(d.Items))
	}

	const budget = 512 << 10 // two of the four bundles
	read := &readCounter{base: http.DefaultTransport}
	_, err = oci.NewClient(oci.Options{Transport: read, MaxCallBytes: budget}).Discover(ctx, img)
	if !errors.Is(err, oci.ErrLimit) {
		t.Fatalf("over the budget: %v, want ErrLimit", err)
	}
	if !strings.Contains(err.Error(), "MaxCallBytes") {
		t.Errorf("the error does not name the budget: %v", err)
	}
	if n := read.n.Load(); n > budget+1 {
		t.Errorf("the call read %d bytes, budget %d", n, budget)
	}
}
