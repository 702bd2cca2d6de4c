package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tuf"

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
			"embedded public-good snapshot "+trustroot.PublicGoodDate)
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

// RefreshPublicGood fetches the current public-good trusted root through
// sigstore-go's TUF client. This is the only function in the package that
// uses the network.
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
	c, err := tuf.New(o)
	if err != nil {
		return nil, fail(CheckTrustedRoot, ErrTrustedRoot, fmt.Errorf("tuf: %w", err))
	}
	data, err := c.GetTarget("trusted_root.json")
	if err != nil {
		return nil, fail(CheckTrustedRoot, ErrTrustedRoot, fmt.Errorf("tuf: %w", err))
	}
	src := "tuf " + o.RepositoryBaseURL
	return ParseTrustedRoot(data, src)
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
