package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tuf"
	sgutil "github.com/sigstore/sigstore-go/pkg/util"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/fetcher"

	"github.com/chainproof/chainproof/verify/internal/trustroot"
)

// MaxTrustedRootSize bounds a trusted_root.json read by this package.
const MaxTrustedRootSize = 4 << 20

// Profile says what evidence a deployment provides and therefore what a
// bundle must carry to verify against a trusted root.
type Profile int

const (
	// ProfileTransparencyLog (the zero value, the Sigstore public-good
	// shape): every bundle needs a verified transparency log entry; a
	// certificate needs a verified SCT; at least one observer timestamp
	// (a log integrated time or an RFC 3161 timestamp) is required, and
	// every RFC 3161 timestamp present must verify.
	ProfileTransparencyLog Profile = iota
	// ProfileTimestampOnly (GitHub's instance for private repositories):
	// no transparency log and no SCTs; every bundle needs at least one
	// verified RFC 3161 timestamp from a trusted TSA.
	ProfileTimestampOnly
)

func (p Profile) String() string {
	switch p {
	case ProfileTransparencyLog:
		return "transparency-log"
	case ProfileTimestampOnly:
		return "timestamp-only"
	}
	return fmt.Sprintf("Profile(%d)", int(p))
}

// TrustedRoot is a parsed trusted_root.json plus the profile bundles are
// verified under. It is immutable and safe for concurrent use.
type TrustedRoot struct {
	material root.TrustedMaterial
	// fast is material with fastCAs, built on first use (materialFor).
	fastOnce sync.Once
	fast     root.TrustedMaterial
	profile  Profile
	source   string
}

// Source describes where the root came from (for Result.TrustedRoot).
func (t *TrustedRoot) Source() string { return t.source }

// Profile returns the profile bundles are verified under.
func (t *TrustedRoot) Profile() Profile { return t.profile }

// Material returns the sigstore-go trusted material, for callers that drop
// down to sigstore-go directly.
func (t *TrustedRoot) Material() root.TrustedMaterial { return t.material }

// ParseTrustedRoot parses a trusted_root.json document
// (application/vnd.dev.sigstore.trustedroot+json) under
// ProfileTransparencyLog. source is recorded in results.
func ParseTrustedRoot(data []byte, source string) (*TrustedRoot, error) {
	return parseTrustedRoot(data, source, ProfileTransparencyLog)
}

// ParseGitHubTrustedRoot parses GitHub's trusted_root.json (as served by
// GitHub's TUF repository, or `gh attestation trusted-root`) under
// ProfileTimestampOnly: GitHub attestations for private repositories carry
// RFC 3161 timestamps and no transparency log entry. This package ships no
// copy of GitHub's root; the caller supplies it.
func ParseGitHubTrustedRoot(data []byte, source string) (*TrustedRoot, error) {
	return parseTrustedRoot(data, source, ProfileTimestampOnly)
}

func parseTrustedRoot(data []byte, source string, p Profile) (*TrustedRoot, error) {
	if len(data) > MaxTrustedRootSize {
		return nil, failf(CheckTrustedRoot, ErrTrustedRoot, "%s: %d bytes exceeds limit of %d", source, len(data), MaxTrustedRootSize)
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fail(CheckTrustedRoot, ErrTrustedRoot, fmt.Errorf("%s: %w", source, err))
	}
	t := &TrustedRoot{material: tr, profile: p, source: source}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *TrustedRoot) check() error {
	m := t.material
	switch t.profile {
	case ProfileTransparencyLog:
		if len(m.RekorLogs()) == 0 {
			return failf(CheckTrustedRoot, ErrTrustedRoot, "%s: no transparency logs (profile %s)", t.source, t.profile)
		}
	case ProfileTimestampOnly:
		if len(m.TimestampingAuthorities()) == 0 {
			return failf(CheckTrustedRoot, ErrTrustedRoot, "%s: no timestamping authorities (profile %s)", t.source, t.profile)
		}
	default:
		return failf(CheckTrustedRoot, ErrTrustedRoot, "unknown profile %d", int(t.profile))
	}
	return nil
}

// LoadTrustedRoot reads and parses a trusted_root.json file under
// ProfileTransparencyLog.
func LoadTrustedRoot(path string) (*TrustedRoot, error) {
	data, err := readLimited(path, MaxTrustedRootSize)
	if err != nil {
		return nil, fail(CheckTrustedRoot, ErrTrustedRoot, err)
	}
	return ParseTrustedRoot(data, path)
}

var (
	publicGoodOnce sync.Once
	publicGood     *TrustedRoot
	publicGoodErr  error
)

// PublicGoodSnapshotDate is the date of the embedded public-good root.
const PublicGoodSnapshotDate = trustroot.PublicGoodDate

// PublicGood returns the embedded, dated snapshot of the Sigstore
// public-good trusted root (see PublicGoodSnapshotDate). It never touches
// the network. The value is parsed once and shared.
func PublicGood() (*TrustedRoot, error) {
	publicGoodOnce.Do(func() {
		publicGood, publicGoodErr = ParseTrustedRoot(trustroot.PublicGood,
			"embedded public-good snapshot of "+trustroot.PublicGoodDate)
	})
	return publicGood, publicGoodErr
}

// TUFOptions configures RefreshPublicGood.
type TUFOptions struct {
	// CachePath is where TUF metadata is cached; empty means sigstore-go's
	// default ($HOME/.sigstore/root).
	CachePath string
	// RepositoryURL overrides the TUF mirror (default
	// https://tuf-repo-cdn.sigstore.dev).
	RepositoryURL string
	// Root is the initial TUF root.json; nil uses the one embedded in
	// sigstore-go (for the default mirror).
	Root []byte
}

// tufRequestTimeout bounds each HTTP request of a refresh whatever the
// caller's context says, so a context without a deadline cannot hang a
// refresh on a repository that stops answering.
const tufRequestTimeout = time.Minute

// RefreshPublicGood fetches the current public-good trusted root through
// sigstore-go's TUF client (or, with TUFOptions, the trusted_root.json
// target of another TUF repository). This is the only function in the
// package that uses the network.
//
// Every call updates the TUF metadata from the repository (root, then
// timestamp, snapshot and targets, as the TUF client workflow requires)
// and downloads trusted_root.json unless the cache under CachePath already
// holds the signed version. It does not fall back to the cache: when the
// repository cannot be reached, or serves metadata or a target that fails
// a TUF check, the call fails, and the caller keeps the root it has (a
// previous result, or PublicGood()).
//
// ctx bounds the whole call; each request is also bounded by one minute.
// Errors are *Error values for CheckTrustedRoot wrapping ErrTrustedRoot;
// their chain also holds the cause: ctx's error, the network error, or
// go-tuf's metadata error type for the failed TUF check
// (ErrUnsignedMetadata, ErrExpiredMetadata, ErrLengthOrHashMismatch,
// ErrBadVersionNumber, ErrDownloadHTTP, ...), which errors.Is matches.
func RefreshPublicGood(ctx context.Context, opts TUFOptions) (*TrustedRoot, error) {
	o := tuf.DefaultOptions().WithContext(ctx)
	if opts.CachePath != "" {
		o = o.WithCachePath(opts.CachePath)
	}
	if opts.RepositoryURL != "" {
		o = o.WithRepositoryBaseURL(opts.RepositoryURL)
	}
	if opts.Root != nil {
		o = o.WithRoot(opts.Root)
	}
	if err := ctx.Err(); err != nil {
		return nil, tufError(ctx, o.RepositoryBaseURL, err)
	}
	// sigstore-go v1.3.0 does not use Options.Context, and go-tuf's
	// default fetcher sends requests without a context or timeout, so
	// bring our own fetcher.
	o = o.WithFetcher(tufFetcher{ctx: ctx, client: &http.Client{Timeout: tufRequestTimeout}})
	c, err := tuf.New(o)
	if err != nil {
		return nil, tufError(ctx, o.RepositoryBaseURL, err)
	}
	data, err := c.GetTarget("trusted_root.json")
	if err != nil {
		return nil, tufError(ctx, o.RepositoryBaseURL, err)
	}
	return ParseTrustedRoot(data, "tuf "+o.RepositoryBaseURL)
}

// tufError wraps a failed refresh of repo, adding ctx's error to the chain
// if ctx ended and err does not already say so.
func tufError(ctx context.Context, repo string, err error) *Error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%w)", err, cerr)
	}
	return fail(CheckTrustedRoot, ErrTrustedRoot, fmt.Errorf("tuf %s: %w", repo, err))
}

// tufFetcher is go-tuf's fetcher.Fetcher with requests bound to ctx. It
// returns go-tuf's error types where go-tuf's updater looks for them (a
// 404 for the next root version ends the root update).
type tufFetcher struct {
	ctx    context.Context
	client *http.Client
}

var _ fetcher.Fetcher = tufFetcher{}

var tufUserAgent = sgutil.ConstructUserAgent()

// DownloadFile fetches url, reading at most maxLength bytes. The timeout
// argument is deprecated in go-tuf and unused.
func (f tufFetcher) DownloadFile(url string, maxLength int64, _ time.Duration) ([]byte, error) {
	req, err := http.NewRequestWithContext(f.ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", tufUserAgent)
	res, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: res.StatusCode, URL: url}
	}
	tooLong := func(n int64) error {
		return &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("download failed for %s, length %d is larger than expected %d", url, n, maxLength)}
	}
	if res.ContentLength > maxLength {
		return nil, tooLong(res.ContentLength)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, maxLength+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxLength {
		return nil, tooLong(int64(len(data)))
	}
	return data, nil
}

// readLimited reads at most limit bytes of path, failing if it is larger.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() < limit {
		// Read a regular file into one buffer of its size, rather than
		// growing (and discarding) buffers up to it.
		buf := make([]byte, fi.Size()+1)
		n, err := io.ReadFull(f, buf)
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return buf[:n:n], nil
		case err != nil:
			return nil, err
		}
		// The file grew while being read.
		rest, err := readAllLimited(f, limit-int64(n), path)
		if errors.Is(err, errTooLarge) {
			return nil, fmt.Errorf("%s: %w: exceeds %d bytes", path, errTooLarge, limit)
		} else if err != nil {
			return nil, err
		}
		return append(buf, rest...), nil
	}
	return readAllLimited(f, limit, path)
}

var errTooLarge = errors.New("too large")

func readAllLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: exceeds %d bytes", what, errTooLarge, limit)
	}
	return data, nil
}
