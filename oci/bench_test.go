package oci_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chainproof/chainproof/internal/registrytest"
	"github.com/chainproof/chainproof/internal/sigstoretest"
	"github.com/chainproof/chainproof/oci"
	"github.com/chainproof/chainproof/verify"
)

// BenchmarkVerifyImage: an image with a cosign v3 signature and two
// attestations (CycloneDX, SLSA provenance v1) on each real registry,
// answered per iteration by one oci.VerifyAll (the admission question:
// signed AND an SBOM AND provenance; the registry time, counted by
// registrytest.Transport, reported apart from the local work) and by the
// three cosign processes a user would run (verify, verify-attestation x2).
// cosign/chainproof above 1 means chainproof is faster end to end.
func BenchmarkVerifyImage(b *testing.B) {
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
	pol := func(pt string) verify.Policy {
		return verify.Policy{
			Identities:  []verify.Identity{{Issuer: verify.Exact(s.OIDCIssuerURL), SAN: verify.Exact(email)}},
			Attestation: &verify.AttestationPolicy{PredicateType: pt},
		}
	}
	cp := verify.CombinedPolicy{Requirements: []verify.Requirement{
		{Name: "signed", Policy: pol(oci.CosignSignPredicateType)},
		{Name: "sbom", Policy: pol("cyclonedx")},
		{Name: "provenance", Policy: pol("slsaprovenance1")},
	}}
	for _, reg := range registrytest.Both(b) {
		b.Run(reg.Name, func(b *testing.B) {
			ctx := context.Background()
			img := reg.PushRandom(b)
			cs.Sign(b, registrytest.V3, s.EmailToken(b, email), img.String())
			cs.Attest(b, registrytest.V3, "cyclonedx", registrytest.PredicateFile(b, registrytest.CycloneDXPredicate), s.EmailToken(b, email), img.String())
			cs.Attest(b, registrytest.V3, "slsaprovenance1", registrytest.PredicateFile(b, registrytest.SLSAPredicate), s.EmailToken(b, email), img.String())
			rt := &registrytest.Transport{Base: http.DefaultTransport}
			c := oci.NewClient(oci.Options{Transport: rt})
			chainproof := func() {
				res, err := c.Resolve(ctx, img.Ref.String(), oci.ResolveOptions{})
				if err != nil {
					b.Fatal(err)
				}
				r, err := c.VerifyAll(ctx, v, res, cp)
				if err != nil {
					b.Fatal(err)
				}
				for _, req := range r.Requirements {
					if !req.Satisfied {
						b.Fatalf("%s not satisfied", req.Name)
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
			per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) / 1e6 }
			b.ReportMetric(per(cpT), "chainproof-ms/op")
			b.ReportMetric(per(regT), "registry-ms/op")
			b.ReportMetric(per(cpT-regT), "local-ms/op")
			b.ReportMetric(float64(trips)/float64(n), "round-trips/op")
			b.ReportMetric(per(cosT), "cosign-ms/op")
			b.ReportMetric(float64(cosT)/float64(cpT), "cosign/chainproof")
		})
	}
}
