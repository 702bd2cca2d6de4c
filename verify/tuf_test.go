package verify_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// This file tests RefreshPublicGood, the package's only network call,
// against real TUF repositories built here with go-tuf's metadata API and
// served on 127.0.0.1. The repositories' only target is a trusted_root.json
// from signtest, so a refreshed root verifies signtest's bundles.

// trustedRootTarget is the TUF target name RefreshPublicGood fetches.
const trustedRootTarget = "trusted_root.json"

// tufKeys holds one Ed25519 key per top-level role, derived from a seed.
type tufKeys map[string]ed25519.PrivateKey

func newTUFKeys(seed string) tufKeys {
	k := tufKeys{}
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		s := sha256.Sum256([]byte("chainproof tuf test " + seed + " " + role))
		k[role] = ed25519.NewKeyFromSeed(s[:])
	}
	return k
}

// signTUF signs md with keys and returns its JSON.
func signTUF[T metadata.Roles](t testing.TB, md *metadata.Metadata[T], keys ...ed25519.PrivateKey) []byte {
	t.Helper()
	for _, k := range keys {
		s, err := signature.LoadED25519Signer(k)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := md.Sign(s); err != nil {
			t.Fatal(err)
		}
	}
	data, err := md.ToBytes(true)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// rootMetadata is version's root.json naming k's keys, unsigned.
func (k tufKeys) rootMetadata(t testing.TB, version int64, expires time.Time) *metadata.Metadata[metadata.RootType] {
	t.Helper()
	r := metadata.Root(expires)
	r.Signed.Version = version
	for role, priv := range k {
		key, err := metadata.KeyFromPublicKey(priv.Public())
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Signed.AddKey(key, role); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// tufExpiry gives each role's expiry; roles not in it expire in a day.
type tufExpiry map[string]time.Time

func (e tufExpiry) of(role string) time.Time {
	if t, ok := e[role]; ok {
		return t
	}
	// go-tuf checks expiry against the real clock (sigstore-go offers no
	// way to set its reference time), so valid metadata expires relative
	// to now.
	return time.Now().UTC().Add(24 * time.Hour).Truncate(time.Second)
}

// tufFiles builds a consistent-snapshot repository with target as
// trusted_root.json, keyed by URL path: 1.root.json, timestamp.json,
// 1.snapshot.json, 1.targets.json and targets/<sha256>.trusted_root.json.
func tufFiles(t testing.TB, k tufKeys, target []byte, exp tufExpiry) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	files["1.root.json"] = signTUF(t, k.rootMetadata(t, 1, exp.of(metadata.ROOT)), k[metadata.ROOT])

	tf, err := metadata.TargetFile().FromBytes(trustedRootTarget, target, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	targets := metadata.Targets(exp.of(metadata.TARGETS))
	targets.Signed.Targets[trustedRootTarget] = tf
	files["1.targets.json"] = signTUF(t, targets, k[metadata.TARGETS])
	files["1.snapshot.json"] = signTUF(t, metadata.Snapshot(exp.of(metadata.SNAPSHOT)), k[metadata.SNAPSHOT])
	files["timestamp.json"] = signTUF(t, metadata.Timestamp(exp.of(metadata.TIMESTAMP)), k[metadata.TIMESTAMP])
	files[tufTargetPath(target)] = target
	return files
}

// tufTargetPath is where a consistent-snapshot repository serves target.
func tufTargetPath(target []byte) string {
	h := sha256.Sum256(target)
	return "targets/" + hex.EncodeToString(h[:]) + "." + trustedRootTarget
}

// hangLimit bounds how long a hanging handler waits for the client to give
// up, so a client that ignores its context fails the test instead of
// hanging it.
const hangLimit = 30 * time.Second

// tufServer serves a file map over HTTP on 127.0.0.1 (404 for the rest,
// as a TUF repository answers for the next root version) and counts
// requests per path.
type tufServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	hits  map[string]int
	// hang, if set, makes matching requests wait until the client gives
	// up (or hangLimit passes, then 503).
	hang func(path string) bool
	// chunked sends bodies without a Content-Length.
	chunked bool
}

func serveTUF(t testing.TB, files map[string][]byte) *tufServer {
	s := &tufServer{files: files, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serveHTTP)) // 127.0.0.1
	t.Cleanup(s.Close)
	return s
}

func (s *tufServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/")
	s.mu.Lock()
	s.hits[p]++
	data, ok := s.files[p]
	hang := s.hang != nil && s.hang(p)
	chunked := s.chunked
	s.mu.Unlock()
	if hang {
		select {
		case <-r.Context().Done():
		case <-time.After(hangLimit):
			http.Error(w, "hung", http.StatusServiceUnavailable)
		}
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	if chunked {
		w.(http.Flusher).Flush() // headers go out without a Content-Length
	}
	w.Write(data)
}

func (s *tufServer) hitCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *tufServer) totalHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.hits {
		n += c
	}
	return n
}

// signtestRoot returns a signtest instance and its trusted_root.json.
func signtestRoot(t testing.TB) (*signtest.Sigstore, []byte) {
	t.Helper()
	st, err := signtest.New(signtest.Options{Seed: "verify tuf test"})
	if err != nil {
		t.Fatal(err)
	}
	trJSON, err := st.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	return st, trJSON
}

// wantTrustedRootError checks that err is a trusted-root *verify.Error.
func wantTrustedRootError(t testing.TB, tr *verify.TrustedRoot, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("RefreshPublicGood succeeded (source %q), want an error", tr.Source())
	}
	if tr != nil {
		t.Errorf("RefreshPublicGood returned a root with error %v", err)
	}
	t.Logf("error: %v", err)
	var ve *verify.Error
	if !errors.As(err, &ve) || ve.Check != verify.CheckTrustedRoot || !errors.Is(err, verify.ErrTrustedRoot) {
		t.Errorf("err = %v, want a *verify.Error for check %q wrapping ErrTrustedRoot", err, verify.CheckTrustedRoot)
	}
	if !strings.HasPrefix(err.Error(), "verify: trusted-root: ") {
		t.Errorf("err = %q, want the prefix %q", err, "verify: trusted-root: ")
	}
}

// TestRefreshPublicGood fetches a trusted root through TUF, verifies a
// bundle with it, refreshes again from a warm cache, and shows what
// happens when the repository is gone.
func TestRefreshPublicGood(t *testing.T) {
	ctx := context.Background()
	st, trJSON := signtestRoot(t)
	keys := newTUFKeys("good")
	files := tufFiles(t, keys, trJSON, nil)
	srv := serveTUF(t, files)
	opts := verify.TUFOptions{CachePath: t.TempDir(), RepositoryURL: srv.URL, Root: files["1.root.json"]}

	tr, err := verify.RefreshPublicGood(ctx, opts)
	if err != nil {
		t.Fatalf("RefreshPublicGood: %v", err)
	}
	if want := "tuf " + srv.URL; tr.Source() != want {
		t.Errorf("Source() = %q, want %q", tr.Source(), want)
	}
	if tr.Profile() != verify.ProfileTransparencyLog {
		t.Errorf("Profile() = %v, want %v", tr.Profile(), verify.ProfileTransparencyLog)
	}
	targetPath := tufTargetPath(trJSON)
	if n := srv.hitCount(targetPath); n != 1 {
		t.Errorf("target fetched %d times, want 1", n)
	}

	// The refreshed root is signtest's: its bundles verify, and a bundle
	// for another artifact still does not.
	artifact := []byte("refreshed through TUF\n")
	b, err := st.SignBlob(signtest.Email("alice@example.com"), artifact, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	policy := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact("alice@example.com")}}}
	if _, err := verify.Verify(ctx, b, verify.Artifact{Reader: bytes.NewReader(artifact)}, policy, verify.Options{TrustedRoot: tr}); err != nil {
		t.Fatalf("signtest bundle against the refreshed root: %v", err)
	}
	if _, err := verify.Verify(ctx, b, verify.Artifact{Reader: strings.NewReader("other")}, policy, verify.Options{TrustedRoot: tr}); !errors.Is(err, verify.ErrArtifact) {
		t.Errorf("other artifact: err = %v, want ErrArtifact", err)
	}
	// The embedded public-good root does not trust signtest.
	if _, err := verify.Verify(ctx, b, verify.Artifact{Reader: bytes.NewReader(artifact)}, policy, verify.Options{}); err == nil {
		t.Error("signtest bundle verified against the embedded public-good root")
	}

	// A second refresh updates the metadata (every call does) but takes
	// the unchanged target from the cache.
	rootHits := srv.hitCount("2.root.json")
	tr2, err := verify.RefreshPublicGood(ctx, opts)
	if err != nil {
		t.Fatalf("second RefreshPublicGood: %v", err)
	}
	if _, err := verify.Verify(ctx, b, verify.Artifact{Reader: bytes.NewReader(artifact)}, policy, verify.Options{TrustedRoot: tr2}); err != nil {
		t.Fatalf("signtest bundle against the second refreshed root: %v", err)
	}
	if n := srv.hitCount("2.root.json"); n != rootHits+1 {
		t.Errorf("second refresh asked for 2.root.json %d times, want once", n-rootHits)
	}
	if n := srv.hitCount(targetPath); n != 1 {
		t.Errorf("target fetched %d times in all, want 1 (the second from the cache)", n)
	}

	// With the repository gone, a refresh fails: sigstore-go's client
	// (with the cache validity RefreshPublicGood uses, none) always
	// updates from the repository and does not fall back to the cache.
	// The error says which repository could not be reached; the caller
	// keeps the root it has (tr2 still verifies).
	srv.Close()
	tr3, err := verify.RefreshPublicGood(ctx, opts)
	wantTrustedRootError(t, tr3, err)
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Errorf("err = %v, want a *net.OpError (connection refused) in the chain", err)
	}
	if !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("err = %q does not name the repository %s", err, srv.URL)
	}
	if _, err := verify.Verify(ctx, b, verify.Artifact{Reader: bytes.NewReader(artifact)}, policy, verify.Options{TrustedRoot: tr2}); err != nil {
		t.Errorf("the root from the last good refresh: %v", err)
	}
}

// TestRefreshPublicGoodRefused serves repositories that a TUF client must
// refuse, each from a fresh cache, and checks the error says why: a
// *verify.Error for the trusted-root check wrapping ErrTrustedRoot, with
// go-tuf's error type for the failed TUF check in its chain.
func TestRefreshPublicGoodRefused(t *testing.T) {
	_, trJSON := signtestRoot(t)
	keys := newTUFKeys("good")
	good := tufFiles(t, keys, trJSON, nil)
	anchor := good["1.root.json"]
	past := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)

	clone := func(m map[string][]byte) map[string][]byte {
		c := make(map[string][]byte, len(m))
		for k, v := range m {
			c[k] = bytes.Clone(v)
		}
		return c
	}
	expired := func(role string) func(t *testing.T) map[string][]byte {
		return func(t *testing.T) map[string][]byte {
			return tufFiles(t, keys, trJSON, tufExpiry{role: past})
		}
	}
	// withTarget re-signs the repository around a different
	// trusted_root.json.
	withTarget := func(target []byte) func(t *testing.T) map[string][]byte {
		return func(t *testing.T) map[string][]byte { return tufFiles(t, keys, target, nil) }
	}

	for _, tc := range []struct {
		name  string
		files func(t *testing.T) map[string][]byte
		want  error // go-tuf's error (matched with errors.Is), or nil
		// ownAnchor: the client starts from the served 1.root.json
		// instead of the good repository's.
		ownAnchor bool
		chunked   bool // serve without Content-Length
	}{
		{"tampered target", func(t *testing.T) map[string][]byte {
			f := clone(good)
			p := tufTargetPath(trJSON)
			f[p][len(f[p])/2] ^= 1 // same length, different hash
			return f
		}, &metadata.ErrLengthOrHashMismatch{}, false, false},
		{"target longer than signed", func(t *testing.T) map[string][]byte {
			f := clone(good)
			p := tufTargetPath(trJSON)
			f[p] = append(f[p], '\n')
			return f
		}, &metadata.ErrDownloadLengthMismatch{}, false, false},
		{"target longer than signed, no Content-Length", func(t *testing.T) map[string][]byte {
			f := clone(good)
			p := tufTargetPath(trJSON)
			f[p] = append(f[p], '\n')
			return f
		}, &metadata.ErrDownloadLengthMismatch{}, false, true},
		{"expired timestamp", expired(metadata.TIMESTAMP), &metadata.ErrExpiredMetadata{}, false, false},
		{"expired snapshot", expired(metadata.SNAPSHOT), &metadata.ErrExpiredMetadata{}, false, false},
		{"expired targets", expired(metadata.TARGETS), &metadata.ErrExpiredMetadata{}, false, false},
		{"expired root", expired(metadata.ROOT), &metadata.ErrExpiredMetadata{}, true, false},
		{"repository signed by an untrusted root", func(t *testing.T) map[string][]byte {
			// Another repository, complete and valid under its own root;
			// the client's anchor is the good one.
			return tufFiles(t, newTUFKeys("mallory"), trJSON, nil)
		}, &metadata.ErrUnsignedMetadata{}, false, false},
		{"root rotation not signed by the trusted root", func(t *testing.T) map[string][]byte {
			mallory := newTUFKeys("mallory")
			f := tufFiles(t, mallory, trJSON, nil)
			r := mallory.rootMetadata(t, 2, tufExpiry(nil).of(metadata.ROOT))
			f["2.root.json"] = signTUF(t, r, mallory[metadata.ROOT])
			f["1.root.json"] = anchor
			return f
		}, &metadata.ErrUnsignedMetadata{}, false, false},
		{"timestamp signed by the snapshot key", func(t *testing.T) map[string][]byte {
			f := clone(good)
			f["timestamp.json"] = signTUF(t, metadata.Timestamp(tufExpiry(nil).of(metadata.TIMESTAMP)), keys[metadata.SNAPSHOT])
			return f
		}, &metadata.ErrUnsignedMetadata{}, false, false},
		{"no trusted_root.json target", func(t *testing.T) map[string][]byte {
			f := clone(good)
			f["1.targets.json"] = signTUF(t, metadata.Targets(tufExpiry(nil).of(metadata.TARGETS)), keys[metadata.TARGETS])
			return f
		}, nil, false, false},
		{"signed target that is not a trusted root", withTarget([]byte(`{"mediaType":"not a trusted root"}`)), nil, false, false},
		{"signed trusted root without transparency logs", withTarget([]byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`)), nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := tc.files(t)
			root := anchor
			if tc.ownAnchor {
				root = files["1.root.json"]
			}
			srv := serveTUF(t, files)
			srv.chunked = tc.chunked
			tr, err := verify.RefreshPublicGood(context.Background(), verify.TUFOptions{
				CachePath: t.TempDir(), RepositoryURL: srv.URL, Root: root,
			})
			wantTrustedRootError(t, tr, err)
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %T in the chain", err, tc.want)
			}
		})
	}
}

// timestampVersion is a timestamp.json of the given version, signed by
// k's timestamp key.
func timestampVersion(t testing.TB, k tufKeys, version int64, expires time.Time) []byte {
	ts := metadata.Timestamp(expires)
	ts.Signed.Version = version
	return signTUF(t, ts, k[metadata.TIMESTAMP])
}

// TestRefreshPublicGoodRefusedAfterGood: a repository that turns bad after
// a good refresh is refused, though the cache holds good metadata and the
// good target.
func TestRefreshPublicGoodRefusedAfterGood(t *testing.T) {
	_, trJSON := signtestRoot(t)
	keys := newTUFKeys("good")
	past := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	for _, tc := range []struct {
		name      string
		timestamp func(t *testing.T) []byte // served after the good refresh
		want      error
	}{
		{"timestamp signed by another key", func(t *testing.T) []byte {
			return timestampVersion(t, newTUFKeys("mallory"), 3, tufExpiry(nil).of(metadata.TIMESTAMP))
		}, &metadata.ErrUnsignedMetadata{}},
		{"timestamp rolled back", func(t *testing.T) []byte {
			return timestampVersion(t, keys, 1, tufExpiry(nil).of(metadata.TIMESTAMP))
		}, &metadata.ErrBadVersionNumber{}},
		{"newer timestamp, expired", func(t *testing.T) []byte {
			return timestampVersion(t, keys, 3, past)
		}, &metadata.ErrExpiredMetadata{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := tufFiles(t, keys, trJSON, nil)
			files["timestamp.json"] = timestampVersion(t, keys, 2, tufExpiry(nil).of(metadata.TIMESTAMP))
			srv := serveTUF(t, files)
			opts := verify.TUFOptions{CachePath: t.TempDir(), RepositoryURL: srv.URL, Root: files["1.root.json"]}
			if _, err := verify.RefreshPublicGood(context.Background(), opts); err != nil {
				t.Fatalf("RefreshPublicGood: %v", err)
			}
			srv.mu.Lock()
			srv.files["timestamp.json"] = tc.timestamp(t)
			srv.mu.Unlock()
			tr, err := verify.RefreshPublicGood(context.Background(), opts)
			wantTrustedRootError(t, tr, err)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %T in the chain", err, tc.want)
			}
		})
	}
}

// TestRefreshPublicGoodRootRotation: a root rotation signed by both the
// trusted root's key and the new one is followed, and the rest of the
// repository verifies under the new keys (the positive control for the
// refused rotation above).
func TestRefreshPublicGoodRootRotation(t *testing.T) {
	st, trJSON := signtestRoot(t)
	old, next := newTUFKeys("good"), newTUFKeys("next")
	files := tufFiles(t, next, trJSON, nil)
	anchor := signTUF(t, old.rootMetadata(t, 1, tufExpiry(nil).of(metadata.ROOT)), old[metadata.ROOT])
	files["1.root.json"] = anchor
	files["2.root.json"] = signTUF(t, next.rootMetadata(t, 2, tufExpiry(nil).of(metadata.ROOT)), old[metadata.ROOT], next[metadata.ROOT])
	srv := serveTUF(t, files)

	tr, err := verify.RefreshPublicGood(context.Background(), verify.TUFOptions{CachePath: t.TempDir(), RepositoryURL: srv.URL, Root: anchor})
	if err != nil {
		t.Fatalf("RefreshPublicGood: %v", err)
	}
	artifact := []byte("after a root rotation\n")
	b, err := st.SignBlob(signtest.Email("alice@example.com"), artifact, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	policy := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact("alice@example.com")}}}
	if _, err := verify.Verify(context.Background(), b, verify.Artifact{Reader: bytes.NewReader(artifact)}, policy, verify.Options{TrustedRoot: tr}); err != nil {
		t.Fatalf("signtest bundle against the refreshed root: %v", err)
	}
	if n := srv.hitCount("3.root.json"); n != 1 {
		t.Errorf("3.root.json asked for %d times, want 1 (the end of the rotation)", n)
	}
}

// TestRefreshPublicGoodContext: RefreshPublicGood gives up when its
// context does, wherever the repository stops answering.
func TestRefreshPublicGoodContext(t *testing.T) {
	_, trJSON := signtestRoot(t)
	files := tufFiles(t, newTUFKeys("good"), trJSON, nil)
	anchor := files["1.root.json"]
	targetPath := tufTargetPath(trJSON)

	for _, tc := range []struct {
		name string
		hang func(path string) bool
	}{
		{"every request hangs", func(string) bool { return true }},
		{"timestamp hangs", func(p string) bool { return p == "timestamp.json" }},
		{"target hangs", func(p string) bool { return p == targetPath }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serveTUF(t, files)
			srv.hang = tc.hang
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			tr, err := verify.RefreshPublicGood(ctx, verify.TUFOptions{CachePath: t.TempDir(), RepositoryURL: srv.URL, Root: anchor})
			wantTrustedRootError(t, tr, err)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want context.DeadlineExceeded in the chain", err)
			}
		})
	}

	t.Run("canceled before the call", func(t *testing.T) {
		srv := serveTUF(t, files)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		cache := t.TempDir()
		tr, err := verify.RefreshPublicGood(ctx, verify.TUFOptions{CachePath: cache, RepositoryURL: srv.URL, Root: anchor})
		wantTrustedRootError(t, tr, err)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled in the chain", err)
		}
		if n := srv.totalHits(); n != 0 {
			t.Errorf("%d requests after the context was canceled, want 0", n)
		}
	})
}
