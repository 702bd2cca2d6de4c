package registrytest_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/chainproof/chainproof/internal/registrytest"
)

func TestInProcessPushAndPull(t *testing.T) {
	for _, referrers := range []bool{false, true} {
		var hits atomic.Int64
		reg := registrytest.New(t, registrytest.Options{
			Referrers: referrers,
			Wrap: func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					h.ServeHTTP(w, r)
				})
			},
		})
		img := reg.PushRandom(t)
		if hits.Load() == 0 {
			t.Fatal("Wrap saw no request")
		}
		tr := &registrytest.Transport{}
		ref, err := name.ParseReference(img.TagRef())
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(ref, remote.WithTransport(tr))
		if err != nil {
			t.Fatal(err)
		}
		if desc.Digest != img.Digest {
			t.Errorf("tag resolves to %s, pushed %s", desc.Digest, img.Digest)
		}
		if tr.Requests() == 0 || tr.Elapsed() <= 0 {
			t.Errorf("Transport counted %d requests, %v", tr.Requests(), tr.Elapsed())
		}
		// The referrers API answers only when enabled.
		resp, err := http.Get("http://" + reg.Host + "/v2/" + img.Ref.RepositoryStr() + "/referrers/" + img.Digest.String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.StatusCode == http.StatusOK; got != referrers {
			t.Errorf("referrers=%v: GET referrers: %s", referrers, resp.Status)
		}
	}
}

func TestReposAreDistinct(t *testing.T) {
	reg := registrytest.New(t, registrytest.Options{})
	a, b := reg.Repo(t), reg.Repo(t)
	if a == b {
		t.Fatalf("Repo returned %s twice", a)
	}
	if _, err := name.NewRepository(a); err != nil {
		t.Fatalf("Repo %q: %v", a, err)
	}
}

// TestCIRegistries runs against the registries .ci/test.d/15-registries-up.sh
// starts (skipped elsewhere, failed in CI when they are missing).
func TestCIRegistries(t *testing.T) {
	for _, reg := range registrytest.Both(t) {
		t.Run(reg.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := reg.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			img := reg.PushRandom(t)
			got, err := remote.Image(img.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if d, _ := got.Digest(); d != img.Digest {
				t.Fatalf("pulled %s, pushed %s", d, img.Digest)
			}
			resp, err := http.Get("http://" + reg.Host + "/v2/" + img.Ref.RepositoryStr() + "/referrers/" + img.Digest.String())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.StatusCode == http.StatusOK; got != reg.Referrers {
				t.Errorf("Referrers=%v but GET referrers: %s", reg.Referrers, resp.Status)
			}
		})
	}
	if p := registrytest.CosignPath(t); p == "" {
		t.Fatal("no cosign")
	}
}
