package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Limits on what a registry may send. Each answer is cut off, and the
// request fails with ErrLimit, as soon as it passes its limit.
const (
	// MaxManifestSize bounds a manifest, an index or a referrers list.
	MaxManifestSize = 4 << 20
	// MaxBlobSize bounds a blob read (a bundle, a legacy signature layer).
	MaxBlobSize = 64 << 20
	// MaxReferrers bounds the referrers of one image that are examined.
	MaxReferrers = 256
	// MaxLegacyLayers bounds the layers of a legacy .sig or .att manifest.
	MaxLegacyLayers = 64
	// MaxRedirects bounds the redirects of one request (registries
	// redirect blob downloads to storage once or twice).
	MaxRedirects = 5
	// DefaultMaxCallBytes bounds the bytes one call reads from a registry
	// in all, when Options.MaxCallBytes is zero: without it, MaxReferrers
	// referrers of MaxBlobSize each would have one Discover read (and
	// hold) 16 GiB.
	DefaultMaxCallBytes = 256 << 20
	// DefaultTimeout bounds one call (Resolve, Discover, a Verify or Sign
	// call) when Options.Timeout is zero; ctx may bound it more.
	DefaultTimeout = 2 * time.Minute
)

// Options configure a Client. The zero value reads public registries
// anonymously over HTTPS (plain HTTP only for loopback registries).
type Options struct {
	// Keychain supplies registry credentials; nil means anonymous.
	// authn.DefaultKeychain reads the Docker config (~/.docker/config.json
	// and its credential helpers).
	Keychain authn.Keychain
	// Transport carries the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// InsecureAllowHTTP lets plain HTTP reach registries that are not on
	// loopback (127.0.0.0/8, ::1, localhost always may).
	InsecureAllowHTTP bool
	// Timeout bounds each call of the Client; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxCallBytes bounds the bytes each call reads from registries, all
	// answers together; zero means DefaultMaxCallBytes. A call that
	// reaches it fails with ErrLimit.
	MaxCallBytes int64
}

// Client reads and writes signatures and attestations of images in OCI
// registries and image layouts. It is safe for concurrent use.
type Client struct {
	opts Options
}

// NewClient returns a Client for opts.
func NewClient(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxCallBytes <= 0 {
		opts.MaxCallBytes = DefaultMaxCallBytes
	}
	return &Client{opts: opts}
}

func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opts.Timeout)
}

// remoteOptions are the go-containerregistry options of one call; its
// answers share one budget of Options.MaxCallBytes.
func (c *Client) remoteOptions(ctx context.Context) []remote.Option {
	base := c.opts.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	kc := c.opts.Keychain
	if kc == nil {
		kc = authn.NewMultiKeychain() // anonymous
	}
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(newBoundedTransport(base, c.opts.MaxCallBytes)),
		remote.WithAuthFromKeychain(kc),
		remote.WithUserAgent("chainproof-oci"),
	}
}

func (c *Client) nameOptions() []name.Option {
	if c.opts.InsecureAllowHTTP {
		return []name.Option{name.StrictValidation, name.Insecure}
	}
	return []name.Option{name.StrictValidation}
}

// errLimit marks a response body cut off by boundedTransport.
var errLimit = errors.New("answer over limit")

// errBudget marks a call that read Options.MaxCallBytes.
var errBudget = fmt.Errorf("%w: the call read Options.MaxCallBytes from the registry", errLimit)

// errRedirects marks a request redirected too often.
var errRedirects = errors.New("redirect loop")

// boundedTransport cuts off answers over the limits: manifests and
// referrers lists at MaxManifestSize, blobs at MaxBlobSize, and every
// answer once the call's answers together reach its budget.
type boundedTransport struct {
	base   http.RoundTripper
	budget *atomic.Int64 // bytes the call may still read
}

func newBoundedTransport(base http.RoundTripper, budget int64) *boundedTransport {
	t := &boundedTransport{base: base, budget: new(atomic.Int64)}
	t.budget.Store(budget)
	return t
}

func (t *boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A redirected request carries the response that redirected it.
	hops := 0
	for r := req.Response; r != nil && r.Request != nil; r = r.Request.Response {
		if hops++; hops > MaxRedirects {
			return nil, fmt.Errorf("%s %s: %w: more than %d redirects", req.Method, req.URL.Redacted(), errRedirects, MaxRedirects)
		}
	}
	if t.budget.Load() <= 0 {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, errBudget)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	limit := int64(MaxManifestSize)
	if strings.Contains(req.URL.Path, "/blobs/") {
		limit = MaxBlobSize
	}
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, fmt.Errorf("%s %s: %d bytes: %w (limit %d)", req.Method, req.URL.Path, resp.ContentLength, errLimit, limit)
	}
	if resp.ContentLength > t.budget.Load() {
		resp.Body.Close()
		return nil, fmt.Errorf("%s %s: %d bytes: %w", req.Method, req.URL.Path, resp.ContentLength, errBudget)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: limit, budget: t.budget}
	return resp, nil
}

type limitedBody struct {
	rc     io.ReadCloser
	left   int64         // this answer's limit
	budget *atomic.Int64 // the call's
}

func (b *limitedBody) Read(p []byte) (int, error) {
	left, over := b.left, errLimit
	if rest := b.budget.Load(); rest < left {
		left, over = rest, errBudget
	}
	if left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, over
		}
		return 0, io.EOF
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	b.budget.Add(-int64(n))
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// registryError turns a go-containerregistry or transport failure into an
// *Error naming the registry and its status.
func registryError(op, image, registry string, err error) error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	e := &Error{Op: op, Image: image, Registry: registry, Err: wrap(ErrRegistry, err)}
	if errors.Is(err, errLimit) {
		e.Err = wrap(ErrLimit, err)
	}
	if terr, ok := errors.AsType[*transport.Error](err); ok {
		e.Status = terr.StatusCode
	}
	return e
}

// Image is an image resolved to its manifest digest: everything read
// about it afterwards is checked against Digest.
type Image struct {
	// Ref is the reference as given.
	Ref string
	// Repository is where the image and its signatures live.
	Repository name.Repository
	// Digest is the image's manifest (or index) digest.
	Digest v1.Hash
	// Descriptor is the manifest's descriptor (media type, size).
	Descriptor v1.Descriptor

	layout layout.Path // for oci:// references
}

// DigestRef returns REPOSITORY@sha256:..., the reference of the resolved
// image.
func (i Image) DigestRef() name.Digest { return i.Repository.Digest(i.Digest.String()) }

// String returns the digest reference, or oci://DIR@sha256:... for an
// image layout.
func (i Image) String() string {
	if i.layout != "" {
		return "oci://" + string(i.layout) + "@" + i.Digest.String()
	}
	return i.DigestRef().String()
}

// ResolveOptions select what Resolve returns for a multi-platform index.
type ResolveOptions struct {
	// Platform, when set ("linux/amd64", "linux/arm64/v8"), resolves an
	// index to that platform's manifest; empty keeps the index digest,
	// which is what cosign signs by default.
	Platform string
}

// Resolve resolves ref to a digest once: REGISTRY/REPO:TAG (a tag is
// looked up once), REGISTRY/REPO@sha256:..., or oci://DIR[@sha256:...|:TAG]
// for an OCI image layout directory (offline). A digest reference is
// checked: the registry must serve a manifest with that digest.
func (c *Client) Resolve(ctx context.Context, ref string, ro ResolveOptions) (Image, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	if dir, ok := strings.CutPrefix(ref, "oci://"); ok {
		if ro.Platform != "" {
			return Image{}, &Error{Op: "resolve", Image: ref, Err: fmt.Errorf("%w: platform selection in an image layout: name the manifest by digest", ErrReference)}
		}
		return resolveLayout(ref, dir)
	}
	r, err := name.ParseReference(ref, c.nameOptions()...)
	if err != nil {
		return Image{}, &Error{Op: "resolve", Image: ref, Err: wrap(ErrReference, err)}
	}
	opts := c.remoteOptions(ctx)
	desc, err := remote.Get(r, opts...)
	if err != nil {
		return Image{}, registryError("resolve", ref, r.Context().RegistryStr(), err)
	}
	img := Image{Ref: ref, Repository: r.Context(), Digest: desc.Digest, Descriptor: desc.Descriptor}
	if ro.Platform != "" && desc.MediaType.IsIndex() {
		p, err := v1.ParsePlatform(ro.Platform)
		if err != nil {
			return Image{}, &Error{Op: "resolve", Image: ref, Err: wrap(ErrReference, err)}
		}
		idx, err := desc.ImageIndex()
		if err != nil {
			return Image{}, registryError("resolve", ref, r.Context().RegistryStr(), err)
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return Image{}, registryError("resolve", ref, r.Context().RegistryStr(), err)
		}
		found := false
		for _, d := range m.Manifests {
			if d.Platform != nil && d.Platform.Satisfies(*p) {
				img.Digest, img.Descriptor, found = d.Digest, d, true
				break
			}
		}
		if !found {
			return Image{}, &Error{Op: "resolve", Image: ref, Err: fmt.Errorf("%w: no manifest for platform %s in index %s", ErrReference, ro.Platform, desc.Digest)}
		}
	}
	return img, nil
}

// resolveLayout resolves oci://DIR, oci://DIR@sha256:... or oci://DIR:TAG
// (the org.opencontainers.image.ref.name annotation) in a layout's index.
func resolveLayout(ref, dir string) (Image, error) {
	var want, tag string
	if i := strings.LastIndex(dir, "@"); i >= 0 {
		dir, want = dir[:i], dir[i+1:]
	} else if i := strings.LastIndex(dir, ":"); i >= 0 && !strings.Contains(dir[i:], "/") {
		dir, tag = dir[:i], dir[i+1:]
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return Image{}, &Error{Op: "resolve", Image: ref, Registry: "oci-layout:" + dir, Err: wrap(ErrRegistry, err)}
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return Image{}, &Error{Op: "resolve", Image: ref, Registry: "oci-layout:" + dir, Err: wrap(ErrRegistry, err)}
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return Image{}, &Error{Op: "resolve", Image: ref, Registry: "oci-layout:" + dir, Err: wrap(ErrContent, err)}
	}
	var cands []v1.Descriptor
	for _, d := range m.Manifests {
		switch {
		case want != "" && d.Digest.String() == want,
			tag != "" && d.Annotations["org.opencontainers.image.ref.name"] == tag,
			want == "" && tag == "":
			cands = append(cands, d)
		}
	}
	if len(cands) != 1 {
		return Image{}, &Error{Op: "resolve", Image: ref, Registry: "oci-layout:" + dir,
			Err: fmt.Errorf("%w: %d manifests in the layout match (name one with @sha256:... or :TAG)", ErrReference, len(cands))}
	}
	repo, _ := name.NewRepository("oci-layout/" + strings.Trim(strings.ToLower(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '/' || r == '-' || r == '.' || r == '_' {
			return r
		}
		return '-'
	}, dir)), "/.-_"))
	return Image{Ref: ref, Repository: repo, Digest: cands[0].Digest, Descriptor: cands[0], layout: p}, nil
}
