// Package attest builds, serializes and parses in-toto Statement v1
// attestations, with SLSA provenance v1 and SBOM (CycloneDX, SPDX)
// predicates, using the in-toto attestation Go bindings
// (github.com/in-toto/attestation/go).
//
// Specs:
//   - in-toto Statement v1: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
//     (ResourceDescriptor, DigestSet: same directory)
//   - SLSA provenance v1: https://slsa.dev/spec/v1.0/provenance
//   - GitHub Actions workflow build type: https://actions.github.io/buildtypes/workflow/v1
//     (as emitted by actions/attest-build-provenance)
//   - CycloneDX predicate: https://cyclonedx.org/bom; SPDX predicate:
//     https://spdx.dev/Document (versioned forms such as .../v2.3 on read)
//   - RFC 8785, the JSON Canonicalization Scheme, for Marshal's bytes
//
// # Building
//
// Subjects come from files (SubjectFromFile), readers (SubjectFromReader),
// "sha256:<hex>" strings (SubjectFromDigest) or digest sets (NewSubject).
// Predicates come from NewProvenance (any builder), GitHubProvenance (the
// predicate GitHub's own action produces, from the runner's environment and
// event), an encoded SBOM (SBOMStatement), or any JSON object
// (PredicateFromJSON with NewStatement). Attest and AttestFiles produce the
// provenance and SBOM statements for the same artifacts in one call.
//
//	prov, err := attest.GitHubProvenance(ctx, os.LookupEnv, attest.GitHubOptions{})
//	if err != nil { ... } // *attest.MissingEnvError names every missing variable
//	bom := attest.SBOM{PredicateType: attest.PredicateCycloneDX, Document: cdxJSON}
//	a, err := attest.AttestFiles(ctx, []string{"dist/app"}, attest.HashOptions{}, prov, bom)
//	if err != nil { ... }
//	payload, err := attest.Marshal(a.Provenance) // sign as DSSE with attest.PayloadType
//
//	st, err := attest.Parse(payload) // after the signature is verified
//	p, err := attest.ParseProvenance(st)
//	builder := p.GetRunDetails().GetBuilder().GetId()
//
// # Serialization
//
// Marshal is deterministic: the statement's proto3 JSON mapping
// canonicalized with RFC 8785 (sorted keys, no whitespace, shortest
// numbers). protojson's own output is deliberately unstable and is never
// used as bytes. Predicates are JSON objects held as structpb.Struct, so
// their numbers are float64: integers beyond 2^53 lose precision, as in
// every consumer of the in-toto bindings.
//
// # Parsing
//
// ParseStatement is the module's one strict statement reader (package
// verify reads verified payloads with it, package sign checks statements
// with it before signing; Parse decodes the predicate too). It accepts at
// most MaxStatementSize bytes holding exactly one JSON object with no
// duplicate key at any depth, nesting at most MaxJSONDepth, and then
// validates: _type is StatementTypeV1 or StatementTypeV01 (cosign's attest
// still writes v0.1; this package writes v1 only), 1 to MaxSubjects
// subjects (sigstore-go's limit), each with 1 to MaxSubjectDigests
// digests, whose values are
// non-empty and, for the algorithms the DigestSet spec lists, lowercase hex
// of that algorithm's length (git object ids: SHA-1 or SHA-256 length), and
// a non-empty predicateType. Keys match exactly; unknown keys are ignored
// as the spec requires (so protojson's aliases such as "predicate_type" are
// ignored, not honoured). ParseProvenance and ParseSBOM then check the
// predicate type and the predicate. ParseDigest is the module's one parser
// of "algorithm:hex" digests.
//
// Errors wrap one of the ErrX sentinels; most are an *Error naming the
// field (a JSON path or an environment variable) and the evidence.
//
// # What this package does NOT check
//
//   - Signatures or envelopes: a statement is unauthenticated data. Sign and
//     verify it with package dsse (PayloadType), sign or verify.
//   - That a subject's digest matches any artifact, or that a predicate's
//     claims are true (builder identity, source repository): that is
//     verification policy, in package verify.
//   - SBOM contents beyond their format marker ("bomFormat" / "spdxVersion");
//     schema validation and decoding belong to package sbom.
//   - That a GitHub event type is one the workflow/v1 build type allows
//     (create, release, push, workflow_dispatch): GitHub's action does not
//     refuse others either; policy may.
//   - Unknown digest algorithms beyond being non-empty.
package attest
