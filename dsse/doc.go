// Package dsse implements DSSE, the Dead Simple Signing Envelope
// (https://github.com/secure-systems-lab/dsse, envelope.md and
// protocol.md, v1.0): the envelope and its JSON form, the
// pre-authentication encoding (PAE), signing with one or more keys and
// verification with a threshold of distinct keys. It is the one PAE
// encoder of the module: [PAE] builds it in memory, and [PAEHeader] and
// [PAEReader] stream it, so a verifier can hash the header and then a
// large payload without a copy of either.
//
// Signers and verifiers come from [crypto.Signer] and [crypto.PublicKey]
// (ECDSA P-256/P-384/P-521, Ed25519, RSA-PSS, with RSA PKCS #1 v1.5 also
// accepted on verify) or from a shared key ([NewHMAC], HMAC-SHA256). Any
// other algorithm plugs in through the [Signer] and [Verifier] interfaces.
// Ed25519 public keys of small order or with a non-canonical encoding are
// refused ([ErrWeakKey]): crypto/ed25519 would let such a key verify
// forged signatures.
//
// A typical round trip:
//
//	signer, _ := dsse.NewSigner(privateKey, "release-key")
//	env, err := dsse.Sign(ctx, "application/vnd.in-toto+json", statement, signer)
//	data, err := json.Marshal(env)
//	...
//	env, err = dsse.Parse(data)
//	verifier, _ := dsse.NewVerifier(publicKey, "release-key")
//	v, err := dsse.Verify(ctx, env, dsse.VerifyOptions{}, verifier)
//	// v.Payload is now authenticated; use it, not env.Payload.
//
// [Parse] decodes exactly what the spec allows: payload, payloadType and
// signatures must be present, sig is required and keyid optional,
// unrecognized fields are ignored, and base64 may be standard or URL-safe.
// Duplicate JSON keys and trailing data are refused, since two readers
// could otherwise see different payloads under one signature. Hostile
// input is bounded as it is read: at most [MaxEnvelopeSize] bytes,
// [MaxSignatures] signatures and [MaxFields] members per object, each
// count checked before the next element is kept, so refusing an
// oversized envelope costs memory bounded by these limits.
//
// Verification fails with a [*VerifyError] that lists every rejected
// signature and why; the package never prints or logs.
//
// What this package does not check: what the payload means (an in-toto
// statement's subjects or predicate are the business of the attest and
// verify packages), whether a key is trusted (the caller chooses the
// verifiers), certificates, transparency logs or timestamps. Key ids are
// unauthenticated hints used only to pick which verifiers to try.
package dsse
