// Package verify verifies Sigstore bundles in one call: bundle + artifact +
// policy in, an explanatory *Result or a typed *Error out.
//
// It builds on sigstore-go (v1.3) for the cryptography (certificate chains,
// SCTs, transparency log proofs, SETs and checkpoints, RFC 3161 timestamps,
// signatures) and adds what an embedding program needs around it: policies
// whose zero value is strict, errors that name the failed check with
// evidence, an embedded dated snapshot of the public-good trusted root,
// JSON-lines files of bundles, attestation (in-toto / SLSA) checks and
// combined policies over several bundles of one artifact.
//
// Specifications: the Sigstore bundle format
// (https://github.com/sigstore/protobuf-specs, bundle v0.1-v0.3), the
// Sigstore client verification spec
// (https://github.com/sigstore/architecture-docs/blob/main/client-spec.md),
// in-toto Statement v1 and SLSA provenance v1 (https://slsa.dev/provenance/v1).
//
// # Example
//
//	bundleJSON, _ := os.ReadFile("artifact.sigstore.json")
//	res, err := verify.Verify(ctx, bundleJSON, verify.Artifact{Path: "artifact"},
//		verify.Policy{Identities: []verify.Identity{
//			verify.GitHubWorkflowIdentity("owner/repo", ".github/workflows/release.yml", "refs/tags/v*"),
//		}}, verify.Options{})
//	var ve *verify.Error
//	if errors.As(err, &ve) { fmt.Println(ve.Check, ve.Mismatches) }
//
// # Trust
//
// Options.TrustedRoot nil means the embedded public-good snapshot
// (PublicGood, dated PublicGoodSnapshotDate). LoadTrustedRoot and
// ParseTrustedRoot read a trusted_root.json; ParseGitHubTrustedRoot reads
// GitHub's root under the timestamp-only profile (GitHub's root is not
// bundled: the caller supplies it). RefreshPublicGood fetches the current
// root through TUF and is the only network access in this package; its
// context bounds it, and when it fails (unreachable repository, or
// metadata or a target refused by a TUF check) it does not fall back to
// its cache: keep the root you have.
//
// # What is checked
//
// Under the default profile every bundle needs a verified transparency log
// entry (inclusion proof with a signed checkpoint, or a signed entry
// timestamp for v0.1), a certificate needs a verified SCT, every RFC 3161
// timestamp present must verify, and at least one observer timestamp is
// required; the certificate must chain to a trusted Fulcio CA at every
// verified time. The artifact digest must match the message digest (message
// signatures) or a statement subject (attestations; a file or reader is
// hashed with SHA-256 and SHA-512, so subjects may carry either).
//
// A bundle must also be consistent with itself, which sigstore-go v1.3
// leaves unchecked: every log entry present must verify (an entry from a
// log the trusted root does not know, or with a bad promise, is refused,
// not skipped); a Rekor v1 body must hold this bundle's signature, key or
// certificate and digest (or envelope payload hash, signature count and
// payload type), and a Rekor v2 body must be the very leaf its inclusion
// proof proves; the inclusion proof's root hash and tree size must be the
// checkpoint's and its index the entry's (for Rekor v1 with a promise, at
// most the entry's, which counts across shards). A log entry's integrated
// time is reported only when a verified promise signs it. The media type
// must name v0.1, v0.2 or v0.3 in either spelling
// ("...bundle+json;version=0.3" or "...bundle.v0.3+json"), and only v0.3
// may use the single "certificate" form. Which check refuses a bundle
// never depends on text its author wrote.
//
// # Bounds
//
// Hostile input is bounded before it is decoded or verified: a bundle's
// JSON is scanned once and refused at the first array or object over
// MaxBundleArray members (the envelope's signatures among them), string
// over MaxBundleString bytes (the DSSE payload aside), nesting over 32
// levels or checkpoint over MaxCheckpointSize bytes; a checkpoint
// may hold at most MaxCheckpointSignatures signature lines, no signer
// twice, and for Rekor v1 (whose every line is verified) only lines naming
// the log. The context is checked between stages, and between reads of an
// artifact Reader; Artifact.Path must be a regular file (a FIFO or a
// device may never end).
//
// # Policies
//
// GitHubWorkflowIdentity's patterns match '*' within one path segment
// only (never across '/' or '@'), bind the ref to both the SAN and the
// source repository ref extension, fold repository names in ASCII only,
// and refuse arguments that are not a repository, a workflow path under
// .github/workflows/ and a full ref (ErrWorkflowIdentity, found by
// Policy.Validate or Verify). SLSA policies read the source repository and
// ref from one place of the predicate. AttestationPolicy.SameRepository
// (on in GitHubProvenancePolicy) requires the certificate's source
// repository to be the one the provenance says was built.
//
// # Combined policies and policy documents
//
// VerifyAll answers "signed AND an SBOM AND provenance" (or k of n) over
// several bundles of one artifact: each requirement is met by a distinct
// signing event (a signer and a signed content: copies and ECDSA twins
// count once), a Requirement of KindSignature only by a signature (a
// message signature or a cosign image signature, PredicateCosignSign),
// never by an attestation; each takes the most specific bundle first; an
// unmet requirement lists the bundles it could have used (Candidates).
// Identical bundles are verified once and each bundle's cryptography once
// across requirements. VerifyAny takes any satisfying bundle of a set.
//
// ParsePolicyDocument reads such a policy as a document a person writes,
// in YAML or JSON (apiVersion chainproof.dev/v1, kind Policy; the JSON
// Schema is PolicySchema), strictly: unknown fields, duplicate keys, wrong
// types and values that make no policy are refused with ErrPolicyDocument
// and the field's Path. PolicyDocument.CombinedPolicy and
// PolicyDocumentFrom map documents and policies one to one.
// ParseClusterImagePolicy applies a Sigstore policy-controller
// ClusterImagePolicy (v1beta1, v1alpha1): its image globs, and its
// authorities (keyless identities, PEM keys, attestation predicate types)
// as a combined policy; what it cannot apply (CUE or Rego policies, source
// overrides, ctlog and TSA settings, KMS keys, ...) is refused with the
// field's Path, never ignored.
//
// # Errors
//
// Every failure is an *Error whose message reads "verify: CHECK: DETAIL":
// the package prefix once, the check that failed, then what differs,
// briefly, and only then the evidence. Match the cause with errors.Is on
// the sentinels (ErrIdentity, ErrArtifact, ErrArtifactRead, ...) and read
// Error.Mismatches for the identities tried; never match message text.
// These are the messages of the common mistakes (TestCommonMistakeMessages
// produces each of them):
//
//   - Verifying a release against a policy for another tag:
//     verify: identity: another ref: signed at refs/tags/v1.0.0; the policy
//     wants refs/tags/v2.*; the certificate names "https://github.com/...".
//   - A bundle made by a fork of the repository:
//     verify: identity: another repository (a fork?): signed by a workflow
//     of mallory/hello; the policy wants acme/hello; ...
//     (likewise "another workflow", "another issuer", "a self-hosted
//     runner").
//   - The wrong file, or a modified one:
//     verify: artifact: another artifact: its sha256 is 863b..., the bundle
//     signed 7601... (a different or modified file?). A file that cannot
//     be read is ErrArtifactRead, not a mismatch.
//   - A bundle from a private or staging instance, verified without its
//     trusted root: verify: transparency-log: entry 0: no log in the
//     trusted root (embedded public-good snapshot of DATE) has this entry's
//     log ID 7beb...: was the bundle made with another Sigstore instance?
//     Pass its trusted root in Options.TrustedRoot.
//   - A regexp written for cosign, which does not anchor it:
//     verify: identity: another signer: got "alice@example.com", want
//     ~alice@example (the regexp matches part of it, but must match all of
//     it: regexps here are anchored, unlike cosign's; write
//     ".*alice@example.*" to match anywhere).
//   - cosign's legacy blob bundle (sign-blob --bundle):
//     verify: bundle: a cosign legacy bundle (...), not a Sigstore bundle:
//     oci.ParseCosignBlobBundle converts it. A bare DSSE envelope is named
//     the same way.
//   - A key-signed bundle made without a log (sign.Options.NoLog):
//     verify: transparency-log: the bundle has no log entry, and the
//     trusted root (...) requires one (... verifies only under
//     Options.AllowUnloggedKeys).
//
// # What is NOT checked
//
// Revocation (Sigstore has none), freshness of the embedded root (refresh it
// with RefreshPublicGood), the content of predicates beyond the predicate
// type and the SLSA fields a policy names, and pure Ed25519 message
// signatures (Ed25519 keys must sign message digests as Ed25519ph).
// A bundle's own certificate chain is never a trust anchor: bundles that
// include a self-signed root are rejected.
//
// # Performance
//
// Reuse one Verifier: its trusted root's material, with each Fulcio
// intermediate verified by its root once, serves every call. For many
// bundles at once (an admission controller checking a deployment's
// images), VerifyBatch verifies them on all cores, compiling each policy
// once and verifying a repeated bundle once.
//
// Measured on a shared 2-core machine (other work running beside it), on
// the public-good happy-path v0.3 bundle (message signature, Rekor v1
// entry with promise and inclusion proof, embedded SCT); each ratio is
// from one run of the package's benchmarks, both sides timed alternately
// in one loop where it says so:
//
//	BenchmarkBytesToVerified                   per bundle   allocated
//	  chainproof (ParseBundle + Verify)        1.08-1.26 ms     76 KB
//	  sigstore-go (parse + Verifier.Verify)    3.3-4.1 ms      545 KB
//	  floor B (the intermediate verified once) 0.92-1.07 ms     41 KB
//	  chainproof vs floor B, alternately       1.20x-1.25x (4 runs)
//	  floor parts: leaf by intermediate 0.59 ms, SCT 0.08 ms (sigstore-go's
//	  check 0.59 ms: BenchmarkSCT, 5.4x), SET 0.20 ms, checkpoint and
//	  inclusion proof 0.13 ms, artifact signature 0.07 ms; the chain
//	  verified whole (floor A's way) 1.70 ms
//
// Floor B is the work no verifier can skip once each trusted intermediate
// has been verified by its root: the leaf's signature by the
// intermediate, the embedded SCT over the rebuilt precertificate, the SET,
// the checkpoint signature and inclusion proof, the artifact signature, in
// raw crypto. Before issue 14 chainproof took 2.5-2.8 ms (at parity with
// sigstore-go). What took it to floor B, in order:
//
//   - the chain cache (chaincache.go): each trusted intermediate's
//     signature by its root checked once per trusted root, every other
//     x509 rule per call (TestFastCADifferential): -0.8 ms;
//   - each log entry parsed once (sigstore-go's NewBundle parsed it again,
//     signature check included): -0.35 ms;
//   - one pipeline of verify's own for message signatures and DSSE
//     (pipeline.go) instead of sgverify.Verifier.Verify, which verified
//     each SET twice through a JSON canonicalizer; TestDifferentialPipeline
//     holds it to Verifier.Verify's answers on every conformance bundle,
//     signtest's and the local Sigstore's bundles, and 18,000 byte flips
//     and truncations: 2.2x -> 2.0x floor B;
//   - keyless hashedrekord entries read from Rekor's canonical JSON
//     without rekor's go-openapi models (leanHashedRekord,
//     TestLeanHashedRekord): 1.72x;
//   - the SCT checked by verifySCTs (sct.go) instead of
//     certificate-transparency-go's parser (TestSCTDifferential, 2,767
//     cases): 1.33x;
//   - inclusion proofs and SETs without hex and base64 round trips, pooled
//     copy buffers: 1.2-1.25x, 445 -> 76 KB allocated per bundle.
//
// What is left above floor B is protojson decoding the bundle, parsing
// the leaf certificate and summarizing its Fulcio extensions.
//
//	BenchmarkVerifyBatch (1,000 bundles, 1 and 2 workers alternately)
//	  6 runs: 1,065-1,215 ms and 524-650 ms      1.87x-2.25x (median 1.95x)
//	BenchmarkThousand/speedup (1,000 bundles of 4 kinds, ParseBundle +
//	Verify on 2 goroutines against one loop, alternately)
//	  5 runs: 1,410-1,686 ms and 733-949 ms      1.76x-2.13x (median 1.87x)
//
// Before issue 14 both were 1.7x, with sequential runs doing the garbage
// collector's marking on the idle core that a 2-worker run must share;
// allocating 6x fewer bytes per bundle took most of that away (GOGC=400
// now changes nothing: 1.83x-1.85x). No lock is contended; the spread is
// the shared machine's.
//
//	BenchmarkLargePredicateHeap (a 50 MB predicate)
//	  peak heap 66.8 MB                    1.34x the payload (limit 3x)
//
//	BenchmarkImportCost (a program's start)
//	  importing verify                     28.1-38.5 ms
//	  importing nothing                     5.6-7.8 ms   +22.5-30.7 ms
//	  package initialization, summed       16.2-24.0 ms
//	  costliest: asaskevich/govalidator 3.3-5.9 ms, go-openapi/strfmt
//	  1.9, encoding/gob 1.0, genproto annotations 0.7, go-digest 0.6,
//	  verify itself 0.6-1.1
//
// Importing verify costing 5 ms or less (the third goal of issue 14) is
// not met, and is out of reach of any verify built on the Sigstore Go
// libraries. govalidator, go-openapi and gob come with rekor's generated
// entry models, which sigstore-go's bundle, tlog and verify packages
// import; genproto and grpc with protobuf-specs and rekor-tiles. A
// program importing only what a verify without those three packages would
// keep (protobuf-specs' bundle types and protojson, sigstore-go's root and
// fulcio/certificate, sigstore's signature, rekor's util, merkle, attest
// and dsse) still spends 11.5 ms in package initialization and starts 16
// ms later than an empty one: genproto's annotations and descriptorpb
// (protobuf-specs), gob, go-digest, and CycloneDX's and SPDX's packages
// (attest's typed SBOM values through package sbom). 5 ms needs a verify
// on the standard library alone: its own bundle and trusted-root JSON
// readers, RFC 3161, Rekor v2 and note checks, with sigstore-go kept as
// the differential tests' reference.
package verify
