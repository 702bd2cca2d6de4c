// Package oci finds, verifies, signs and attests the Sigstore signatures
// and attestations of container images in OCI registries and image
// layouts, in the formats cosign v3 and v2 write.
//
// A Client resolves a reference once (REGISTRY/REPO:TAG, @sha256:..., or
// oci://DIR for an OCI image layout, offline) and checks everything after
// against that digest. Discover lists what is attached to the image:
//
//   - cosign v3 bundles (Sigstore bundle v0.3, artifact type
//     BundleMediaType) stored as OCI 1.1 referrers, found through the
//     referrers API or, for registries without it, the referrers tag
//     schema (tag sha256-<hex> holding an index);
//   - cosign v2 legacy tags sha256-<hex>.sig (simple-signing payloads with
//     the signature, certificate, chain, Rekor SET and RFC 3161 timestamp
//     in annotations) and sha256-<hex>.att (DSSE envelopes), converted to
//     bundles so that every verify policy applies unchanged.
//
// cosign v3 `sign` stores a DSSE bundle whose in-toto statement has
// predicate type CosignSignPredicateType, an empty predicate and the image
// digest as subject: that is an image signature, and VerifySignatures
// treats it as one (never as an attestation); `cosign attest` stores
// in-toto Statement v0.1 attestations. ParseCosignBlobBundle reads the
// legacy blob --bundle JSON of cosign 2.x with the same converter.
//
// Verification goes through package verify (one owner of what counts as
// verified): VerifySignatures, VerifyAttestations and VerifyAll (the
// admission question: a signature AND an SBOM AND provenance, or k of n)
// return what verified, or an *Error wrapping ErrNoSignatures (nothing
// found; Error.Searched lists where it looked), ErrNotVerified (found,
// none verified; Error.Failures gives each reason, and errors.Is reaches
// them, e.g. verify.ErrIdentity) or ErrRegistry (Error.Registry and
// Error.Status say which registry answered what). Sign and Attest sign
// through package sign and store referrer bundles in cosign v3's layout,
// which cosign verify and verify-attestation accept; SignLegacy and
// AttestLegacy write cosign v2's .sig/.att tags for older verifiers.
//
// # Example
//
//	c := oci.NewClient(oci.Options{Keychain: authn.DefaultKeychain})
//	img, err := c.Resolve(ctx, "ghcr.io/acme/app:v1.2.3", oci.ResolveOptions{})
//	v, _ := verify.New(verify.Options{}) // the embedded public-good root
//	sigs, err := c.VerifySignatures(ctx, v, img, verify.Policy{Identities: []verify.Identity{
//		verify.GitHubWorkflowIdentity("acme/app", ".github/workflows/release.yml", "refs/tags/v*"),
//	}}, oci.VerifyOptions{})
//
// # Registry client
//
// Registry I/O uses github.com/google/go-containerregistry, the client
// cosign and crane are built on: it is already in the module graph through
// the Sigstore libraries, implements the distribution spec's auth flows,
// the referrers API and the tag-schema fallback, and verifies the digest
// of every blob and digest-addressed manifest it reads. This package
// bounds what it reads: every answer is cut off at MaxManifestSize
// (manifests, indexes, referrer lists) or MaxBlobSize (blobs), at most
// MaxReferrers referrers and MaxLegacyLayers legacy layers are examined,
// the answers of one call together stop at Options.MaxCallBytes
// (DefaultMaxCallBytes, 256 MiB), and each call is bounded by
// Options.Timeout and its context. Plain HTTP
// is used only for loopback registries unless Options.InsecureAllowHTTP.
// Credentials come from Options.Keychain (anonymous by default).
//
// # Interop (CI, TestInteropCosign)
//
// With the real cosign v3.1.3, the local Sigstore (Fulcio, Rekor v2, TSA)
// and both real registries (the CNCF distribution registry, which has no
// referrers API, and go-containerregistry's registry, which has it):
//
//	cosign sign / attest --type cyclonedx (v3 referrers)  -> oci verifies; wrong identity refused
//	cosign sign / attest (v2 legacy .sig/.att, TSA only)  -> oci verifies (timestamp-only profile)
//	signatures tampered (TamperSignatures)                -> refused by oci and by cosign
//	oci.Sign / oci.Attest (v3 referrers)                  -> cosign verify / verify-attestation accept
//	oci.SignLegacy / AttestLegacy (v2 .sig/.att)          -> cosign verify / verify-attestation accept
//	wrong identity                                        -> refused by cosign
//	tag moved to an unsigned manifest                     -> refused by cosign and by oci
//
// # Performance
//
// BenchmarkVerifyImage (2 cores, loopback registries, same run): an image
// with a cosign v3 signature and two attestations answered by one
// VerifyAll took 37 ms on distribution (25 ms of it 25 registry round
// trips, 12 ms local: parsing and cryptography) and 26 ms on
// go-containerregistry's registry (13 ms registry, 12 ms local); the three
// cosign processes a user runs for the same question (verify,
// verify-attestation x2) took 632 ms and 418 ms: 17x and 16x slower.
//
// What it does NOT do: sign into image layouts, or count legacy .sig
// signatures (which sign a payload, not the
// digest) in VerifyAll; check them with VerifySignatures.
package oci
