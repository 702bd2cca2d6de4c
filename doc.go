// Package chainproof is the root of a Go SDK for software supply-chain
// signing and verification: Sigstore keyless and key-based signing, DSSE
// envelopes, in-toto attestations with SLSA provenance and SBOM
// predicates, and HMAC proof records over a canonical JSON form.
//
// The root package holds no code; the work is done by its subpackages:
//
//   - [github.com/chainproof/chainproof/dsse]: DSSE envelopes, PAE, signers,
//     verifiers and threshold verification.
//
// See README.md for a tour.
package chainproof
