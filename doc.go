// Package chainproof is the root of a Go SDK for software supply-chain
// signing and verification: Sigstore keyless and key-based signing, DSSE
// envelopes, in-toto attestations with SLSA provenance and SBOM
// predicates, and HMAC proof records over a canonical JSON form.
//
// The root package holds no code; its Examples are the README's tour. The
// work is done by the subpackages, which import only downwards:
//
//   - [github.com/chainproof/chainproof/sign]: Sigstore keyless signing
//     (OIDC token, Fulcio certificate, Rekor v1/v2 entry, RFC 3161
//     timestamps) and key-based signing into bundles;
//     [github.com/chainproof/chainproof/sign/signtest] is a deterministic
//     in-process Sigstore for tests.
//   - [github.com/chainproof/chainproof/verify]: one-call, offline
//     verification of bundle + artifact + policy, with typed errors.
//   - [github.com/chainproof/chainproof/attest]: in-toto Statement v1, SLSA
//     provenance v1 (generic and GitHub Actions), SBOM predicates.
//   - [github.com/chainproof/chainproof/sbom]: CycloneDX 1.6 and SPDX 2.3
//     documents for Go modules, binaries and component lists.
//   - [github.com/chainproof/chainproof/dsse]: DSSE envelopes, PAE, signers,
//     verifiers and threshold verification.
//   - [github.com/chainproof/chainproof/proof]: HMAC-SHA256 proof records
//     over a canonical JSON form, byte-compatible with other languages.
//
// What it does not do: it does not decide whom to trust. Trusted roots,
// keys and policies are the caller's; an empty policy is an error.
package chainproof
