package registrytest_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/internal/sigstoretest"
	"github.com/chainproof/chainproof/verify"
)

// BenchmarkVerifyCosignV3 is the baseline oci/cosign_bench_test.go builds
// on: an image with a cosign v3 signature and two attestations (CycloneDX,
// SLSA provenance v1) on each CI registry, verified per iteration by
// go-containerregistry discovery + chainproof's verify (in process; the
// registry time, counted by registrytest.Transport, is reported apart from
// the rest) and by three cosign processes (verify, verify-attestation x2).
func BenchmarkVerifyCosignV3(b *testing.B) {
	s := sigstoretest.Local(b)
	cs := registrytest.NewCosign(b, s)
	tr, err := verify.LoadTrustedRoot(s.TrustedRootPath)
	if err != nil {
		b.Fatal(err)
	}
	v, err := verify.New(verify.Options{TrustedRoot: tr})
	if err != nil {
		b.Fatal(err)
	}
	const email = "bench@example.com"
	id := registrytest.Identity{SAN: email, Issuer: s.OIDCIssuerURL}
	vid := verify.Identity{Issuer: verify.Exact(s.OIDCIssuerURL), SAN: verify.Exact(email)}
	types := []string{registrytest.CosignSignType, registrytest.CycloneDXType, registrytest.SLSAType}
	for _, reg := range registrytest.Both(b) {
		b.Run(reg.Name, func(b *testing.B) {
			ctx := context.Background()
			img := reg.PushRandom(b)
			cs.Sign(b, registrytest.V3, s.EmailToken(b, email), img.String())
			cs.Attest(b, registrytest.V3, "cyclonedx", registrytest.PredicateFile(b, registrytest.CycloneDXPredicate), s.EmailToken(b, email), img.String())
			cs.Attest(b, registrytest.V3, "slsaprovenance1", registrytest.PredicateFile(b, registrytest.SLSAPredicate), s.EmailToken(b, email), img.String())
			rt := &registrytest.Transport{Base: http.DefaultTransport}
			chainproof := func() {
				idx, err := remote.Referrers(img.Ref, remote.WithTransport(rt), remote.WithContext(ctx))
				if err != nil {
					b.Fatal(err)
				}
				im, err := idx.IndexManifest()
				if err != nil {
					b.Fatal(err)
				}
				found := map[string]bool{}
				for _, d := range im.Manifests {
					ri, err := remote.Image(img.Ref.Context().Digest(d.Digest.String()), remote.WithTransport(rt), remote.WithContext(ctx))
					if err != nil {
						b.Fatal(err)
					}
					m, err := ri.Manifest()
					if err != nil {
						b.Fatal(err)
					}
					ls, err := ri.Layers()
					if err != nil || len(ls) != 1 {
						b.Fatal(err)
					}
					rc, err := ls[0].Compressed()
					if err != nil {
						b.Fatal(err)
					}
					bj, err := io.ReadAll(io.LimitReader(rc, verify.MaxBundleSize))
					rc.Close()
					if err != nil {
						b.Fatal(err)
					}
					pt := m.Annotations["dev.sigstore.bundle.predicateType"]
					bu, err := verify.ParseBundle(bj)
					if err != nil {
						b.Fatal(err)
					}
					pol := verify.Policy{Identities: []verify.Identity{vid}, Attestation: &verify.AttestationPolicy{PredicateType: pt}}
					if _, err := v.Verify(ctx, bu, verify.Artifact{Digest: img.Digest.String()}, pol); err != nil {
						b.Fatal(err)
					}
					found[pt] = true
				}
				for _, pt := range types {
					if !found[pt] {
						b.Fatalf("no verified %s", pt)
					}
				}
			}
			cosign := func() {
				if err := cs.Verify(ctx, registrytest.V3, id, img.String()); err != nil {
					b.Fatal(err)
				}
				for _, typ := range []string{"cyclonedx", "slsaprovenance1"} {
					if err := cs.VerifyAttestation(ctx, registrytest.V3, typ, id, img.String()); err != nil {
						b.Fatal(err)
					}
				}
			}
			chainproof() // warm up both outside the timing
			cosign()
			var n, trips int64
			var cpT, regT, cosT time.Duration
			for b.Loop() {
				n++
				rt.Reset()
				t0 := time.Now()
				chainproof()
				cpT += time.Since(t0)
				regT += rt.Elapsed()
				trips += rt.Requests()
				t1 := time.Now()
				cosign()
				cosT += time.Since(t1)
			}
			per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
			b.ReportMetric(per(cpT), "chainproof-ns/op")
			b.ReportMetric(per(regT), "registry-ns/op")
			b.ReportMetric(per(cpT-regT), "local-ns/op")
			b.ReportMetric(float64(trips)/float64(n), "round-trips/op")
			b.ReportMetric(per(cosT), "cosign-ns/op")
			b.ReportMetric(float64(cosT)/float64(cpT), "cosign/chainproof")
		})
	}
}
