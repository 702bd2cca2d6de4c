// Package registrytest gives image tests (oci/) registries and the real
// cosign:
//
//   - the two registries CI runs on loopback (.ci/test.d/15-registries-up.sh,
//     built by .ci/build.d/41-registry.sh): the CNCF distribution registry v3
//     (Distribution; no OCI 1.1 referrers API, so clients use the referrers
//     tag schema) and go-containerregistry's registry with the referrers API
//     (WithReferrers; internal/cmd/ociregistry), found through
//     CHAINPROOF_REGISTRY and CHAINPROOF_REFERRERS_REGISTRY;
//   - the real cosign v3.1.3 (NewCosign, CosignPath; CHAINPROOF_COSIGN, built by
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
// # cosign v3.1.3 against the local Sigstore
//
// Measured by hand against internal/cmd/localsigstore and both registries,
// and run in CI by TestCosignSelfInterop and oci/cosign_test.go (Cosign
// builds these command lines). S is the stack's directory
// (sigstoretest.Stack: trusted_root.json, signing_config.json, stack.json),
// TOK an identity token minted by its email issuer (Stack.EmailToken: a JWT
// with aud "sigstore", email and email_verified), IMAGE REPO@sha256:...
// on either registry. Both registries are plain HTTP on 127.0.0.1, hence
// --allow-http-registry (--allow-insecure-registry is harmless beside it).
// cosign runs with HOME, TUF_ROOT and DOCKER_CONFIG in a temp dir and
// COSIGN_YES=true; no COSIGN_EXPERIMENTAL is needed, and nothing leaves
// loopback as long as --trusted-root is given to every verify.
//
// Cosign v3 bundles (Sigstore bundle v0.3, DSSE, Rekor v2 entry, RFC 3161
// timestamp) as OCI 1.1 referrers:
//
//	cosign sign --yes --signing-config S/signing_config.json \
//	  --trusted-root S/trusted_root.json --identity-token TOK \
//	  --allow-http-registry --allow-insecure-registry IMAGE
//	cosign attest --type cyclonedx|slsaprovenance1|spdxjson --predicate FILE \
//	  (same flags) IMAGE
//	cosign verify --trusted-root S/trusted_root.json \
//	  --certificate-identity EMAIL --certificate-oidc-issuer ISSUER \
//	  --allow-http-registry --allow-insecure-registry IMAGE
//	cosign verify-attestation --type cyclonedx (same flags) IMAGE
//
// What cosign v3 writes: one manifest per signature or attestation, with
// subject = the image, artifactType and layer media type
// application/vnd.dev.sigstore.bundle.v0.3+json, config the OCI empty
// descriptor, annotations dev.sigstore.bundle.content=dsse-envelope and
// dev.sigstore.bundle.predicateType (https://sigstore.dev/cosign/sign/v1
// for `sign`: an in-toto Statement v1 with an empty predicate and the image
// digest as its only subject; the predicate type for `attest`, whose
// statement is in-toto v0.1). On ociregistry cosign finds them through
// GET /v2/REPO/referrers/DIGEST; on distribution (no referrers API) it
// pushes and reads the referrers tag schema: tag sha256-<hex> holding an
// OCI index. Note: go-containerregistry's registry (v0.21.7) lists each
// referrer with artifactType = the config's media type
// (application/vnd.oci.empty.v1+json), not the manifest's artifactType, so
// a client that filters the referrers list by artifactType finds nothing
// there: read the manifests (cosign does).
//
// What cosign v3 verify accepts from another signer (measured with bundles
// made by chainproof's sign and pushed in that layout): an image signature
// must be a DSSE bundle whose in-toto Statement v1 has predicate type
// https://sigstore.dev/cosign/sign/v1 and the image digest as a subject
// (with or without a subject name); a message-signature bundle over the
// manifest digest is refused ("bundle does not contain a DSSE envelope").
// Every bundle chainproof's verify checks is accepted the other way round
// (TestVerifyCosignV3Bundles).
//
// Cosign v2 legacy .sig/.att tags (Rekor v2 cannot log these: no tlog,
// only a timestamp authority, and no signing config):
//
//	cosign sign --yes --new-bundle-format=false --use-signing-config=false \
//	  --tlog-upload=false --fulcio-url FULCIO --timestamp-server-url TSA \
//	  --trusted-root S/trusted_root.json --identity-token TOK \
//	  --allow-http-registry --allow-insecure-registry IMAGE
//	cosign attest --type ... --predicate FILE (same flags) IMAGE
//	cosign verify (v3 flags) --insecure-ignore-tlog --use-signed-timestamps IMAGE
//	cosign verify-attestation --type ... (v3 flags) --insecure-ignore-tlog IMAGE
//
// FULCIO is Stack.FulcioURL, TSA Stack.TSAURL (.../api/v1/timestamp). This
// writes tag sha256-<hex>.sig (layer application/vnd.dev.cosign.simplesigning.v1+json,
// annotations dev.cosignproject.cosign/signature, dev.sigstore.cosign/certificate,
// dev.sigstore.cosign/chain (empty), dev.sigstore.cosign/rfc3161timestamp
// ({"SignedRFC3161Timestamp": base64 DER}); no .../bundle) and
// sha256-<hex>.att (layer application/vnd.dsse.envelope.v1+json, empty
// signature annotation, predicateType annotation). Without
// --insecure-ignore-tlog, verify looks the signature up on the public
// rekor.sigstore.dev (and fails offline after retries). Both legacy
// timestamps are over the raw signature bytes (the DSSE signature for .att),
// but cosign v3.1.3's verify-attestation checks an attestation's token
// against the whole envelope, so with --use-signed-timestamps it refuses its
// own legacy attestations ("expected at least one verified timestamp");
// without it the certificate is checked at the current time (Fulcio's are
// valid for 10 minutes), which is why the flag is left off there.
//
// What it does NOT do: start the registries itself (the CI scripts do), TLS or
// authentication (both registries are plain HTTP on 127.0.0.1), or isolate
// tests beyond giving each its own repository.
package registrytest
