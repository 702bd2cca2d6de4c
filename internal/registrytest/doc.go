// Package registrytest gives image tests (oci/) registries and the real
// cosign:
//
//   - the two registries CI runs on loopback (.ci/test.d/15-registries-up.sh,
//     built by .ci/build.d/41-registry.sh): the CNCF distribution registry v3
//     (Distribution; no OCI 1.1 referrers API, so clients use the referrers
//     tag schema) and go-containerregistry's registry with the referrers API
//     (WithReferrers; internal/cmd/ociregistry), found through
//     CHAINPROOF_REGISTRY and CHAINPROOF_REFERRERS_REGISTRY;
//   - the real cosign v3.1.3 (Cosign; CHAINPROOF_COSIGN, built by
//     .ci/build.d/40-cosign.sh);
//   - an in-process registry (New) for fast unit and hostile-registry tests;
//   - PushRandom, a fresh repository holding a small random image;
//   - Transport, a RoundTripper counting requests and their time (benchmarks).
//
// When a variable is unset the test is skipped with one line, except under
// .ci/run (CHAINPROOF_CI set), where it fails: CI must never skip them.
//
// Example:
//
//	func TestSomething(t *testing.T) {
//		for _, reg := range registrytest.Both(t) {
//			t.Run(reg.Name, func(t *testing.T) {
//				img := reg.PushRandom(t) // img.String(): HOST:PORT/chainproof/...@sha256:...
//				// sign img, then discover and verify its signatures
//			})
//		}
//	}
//
// To run such tests by hand (the tools must have been built once, e.g. by
// bash .ci/run or the .ci/build.d scripts):
//
//	CI_CACHE=$PWD/.cache .ci/with-services go test -count=1 ./oci/
//
// # cosign against the local Sigstore
//
// The invocations below were run by hand against internal/cmd/localsigstore
// (sigstoretest.Local: its directory holds trusted_root.json and
// signing_config.json) and the two registries; oci/cosign_test.go runs them
// in CI. See CosignEnv for the environment they need.
//
// (filled in below)
//
// What it does NOT do: start the registries itself (the CI scripts do), TLS or
// authentication (both registries are plain HTTP on 127.0.0.1), or isolate
// tests beyond giving each its own repository.
package registrytest
