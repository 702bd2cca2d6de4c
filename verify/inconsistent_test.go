package verify_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// mutate decodes a bundle, lets f change it and encodes it again.
func mutate(t testing.TB, bj []byte, f func(pb *protobundle.Bundle)) []byte {
	t.Helper()
	pb := new(protobundle.Bundle)
	if err := protojson.Unmarshal(bj, pb); err != nil {
		t.Fatal(err)
	}
	f(pb)
	out, err := protojson.Marshal(pb)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func entry0(pb *protobundle.Bundle) *protorekor.TransparencyLogEntry {
	return pb.GetVerificationMaterial().GetTlogEntries()[0]
}

// parseAndVerify returns the first error of ParseBundle and Verify.
func parseAndVerify(v *verify.Verifier, bj []byte, art verify.Artifact, pol verify.Policy) (*verify.Result, error) {
	b, err := verify.ParseBundle(bj)
	if err != nil {
		return nil, err
	}
	return v.Verify(context.Background(), b, art, pol)
}

var alice = verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact("alice@example.com")}}}

// TestInconsistentBundles: the four internally inconsistent bundles of
// issue 10, for Rekor v1 and v2 entries of the in-process Sigstore: a
// genuine body of another entry swapped in, a flipped inclusion proof root
// hash, a changed tree size and a disagreeing log index. Each is refused
// by the transparency log check.
func TestInconsistentBundles(t *testing.T) {
	st, v := signtestVerifier(t, "inconsistent bundles")
	id := signtest.Email("alice@example.com")
	art, other := []byte("artifact"), []byte("another artifact")
	for _, rekor := range []struct {
		name string
		opts signtest.MintOptions
	}{{"rekor v2", signtest.MintOptions{}}, {"rekor v1", signtest.MintOptions{RekorV1: true}}} {
		good, err := st.SignBlob(id, art, rekor.opts)
		if err != nil {
			t.Fatal(err)
		}
		otherBundle, err := st.SignBlob(id, other, rekor.opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parseAndVerify(v, good, verify.Artifact{Digest: digestOf(art)}, alice); err != nil {
			t.Fatalf("%s: unmodified bundle: %v", rekor.name, err)
		}
		otherEntry := func() *protorekor.TransparencyLogEntry {
			pb := new(protobundle.Bundle)
			if err := protojson.Unmarshal(otherBundle, pb); err != nil {
				t.Fatal(err)
			}
			return entry0(pb)
		}()
		for _, tc := range inconsistentMutations(rekor.opts.RekorV1, otherEntry) {
			t.Run(rekor.name+"/"+tc.name, func(t *testing.T) {
				bj := mutate(t, good, tc.f)
				_, err := parseAndVerify(v, bj, verify.Artifact{Digest: digestOf(art)}, alice)
				wantCheck(t, err, verify.CheckTransparencyLog, verify.ErrTransparencyLog)
				if tc.name == "swapped body" && !rekor.opts.RekorV1 {
					// sigstore-go v1.3 alone rebuilds the Rekor v2 leaf from
					// the bundle and never reads the body.
					t.Logf("sigstore-go alone: %v", sigstoreGoVerify(t, st, bj, art))
				}
			})
		}
	}
}

// mutation is one way of making a bundle inconsistent with itself.
type mutation struct {
	name string
	f    func(pb *protobundle.Bundle)
}

// inconsistentMutations are the four inconsistent bundles of issue 10 (and
// variants): other is a genuine entry of another signature in the same log.
func inconsistentMutations(rekorV1 bool, other *protorekor.TransparencyLogEntry) []mutation {
	return []mutation{
		{"swapped body", func(pb *protobundle.Bundle) {
			entry0(pb).CanonicalizedBody = other.GetCanonicalizedBody()
		}},
		{"swapped entry", func(pb *protobundle.Bundle) {
			pb.VerificationMaterial.TlogEntries[0] = proto.Clone(other).(*protorekor.TransparencyLogEntry)
		}},
		{"flipped root hash", func(pb *protobundle.Bundle) { entry0(pb).InclusionProof.RootHash[0] ^= 1 }},
		{"changed tree size", func(pb *protobundle.Bundle) { entry0(pb).InclusionProof.TreeSize++ }},
		{"disagreeing log index", func(pb *protobundle.Bundle) {
			if rekorV1 {
				// A Rekor v1 index counts across shards, so a proof's
				// index may be lower, never higher.
				entry0(pb).InclusionProof.LogIndex = entry0(pb).LogIndex + 1
			} else {
				entry0(pb).LogIndex++
			}
		}},
		{"disagreeing log index, no promise", func(pb *protobundle.Bundle) {
			entry0(pb).InclusionPromise = nil
			entry0(pb).LogIndex++
		}},
	}
}

// sigstoreGoVerify verifies bj with sigstore-go alone, for the record.
func sigstoreGoVerify(t testing.TB, st *signtest.Sigstore, bj, art []byte) error {
	var b sgbundle.Bundle
	if err := b.UnmarshalJSON(bj); err != nil {
		return err
	}
	sv, err := sgverify.NewVerifier(st.SigstoreTrustedRoot(), sgverify.WithTransparencyLog(1), sgverify.WithSignedTimestamps(1), sgverify.WithSignedCertificateTimestamps(1))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(art)
	_, err = sv.Verify(&b, sgverify.NewPolicy(sgverify.WithArtifactDigest("sha256", sum[:]), sgverify.WithoutIdentitiesUnsafe()))
	return err
}

// TestEveryLogEntryVerifies: an extra entry from a log the trusted root
// does not know, or with a bad promise, is refused rather than skipped; a
// forged integrated time cannot make a Result unserializable.
func TestEveryLogEntryVerifies(t *testing.T) {
	st, v := signtestVerifier(t, "every entry")
	id := signtest.Email("alice@example.com")
	art := []byte("artifact")
	v1, err := st.SignBlob(id, art, signtest.MintOptions{RekorV1: true})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := st.SignBlob(id, art, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := parseAndVerify(v, v2, verify.Artifact{Digest: digestOf(art)}, alice)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.LogEntries) != 1 || !res.LogEntries[0].IntegratedTime.IsZero() {
		t.Errorf("log entries %+v: a Rekor v2 entry has no signed integrated time", res.LogEntries)
	}
	if _, err := json.Marshal(res); err != nil {
		t.Errorf("result does not serialize: %v", err)
	}
	res, err = parseAndVerify(v, v1, verify.Artifact{Digest: digestOf(art)}, alice)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.LogEntries) != 1 || res.LogEntries[0].IntegratedTime.IsZero() {
		t.Errorf("log entries %+v: a Rekor v1 entry's promise signs its integrated time", res.LogEntries)
	}

	for _, tc := range []struct {
		name  string
		bj    []byte
		f     func(pb *protobundle.Bundle)
		check verify.Check
		want  error
	}{
		{"entry from an unknown log", v2, func(pb *protobundle.Bundle) {
			e := proto.Clone(entry0(pb)).(*protorekor.TransparencyLogEntry)
			e.LogId.KeyId = bytes.Repeat([]byte{7}, 32)
			pb.VerificationMaterial.TlogEntries = append(pb.VerificationMaterial.TlogEntries, e)
		}, verify.CheckTransparencyLog, verify.ErrTransparencyLog},
		{"second entry with a bad promise", v1, func(pb *protobundle.Bundle) {
			e := proto.Clone(entry0(pb)).(*protorekor.TransparencyLogEntry)
			e.InclusionPromise.SignedEntryTimestamp[10] ^= 1
			e.LogIndex++
			pb.VerificationMaterial.TlogEntries = append(pb.VerificationMaterial.TlogEntries, e)
		}, verify.CheckTransparencyLog, verify.ErrTransparencyLog},
		{"only entry with a bad promise", v1, func(pb *protobundle.Bundle) {
			entry0(pb).InclusionPromise.SignedEntryTimestamp[10] ^= 1
		}, verify.CheckTransparencyLog, verify.ErrTransparencyLog},
		{"second timestamp that does not verify", v2, func(pb *protobundle.Bundle) {
			tsd := pb.GetVerificationMaterial().GetTimestampVerificationData()
			bad := proto.Clone(tsd.Rfc3161Timestamps[0]).(*protocommon.RFC3161SignedTimestamp)
			bad.SignedTimestamp[len(bad.SignedTimestamp)-5] ^= 1
			tsd.Rfc3161Timestamps = append(tsd.Rfc3161Timestamps, bad)
		}, verify.CheckTimestamp, verify.ErrTimestamp},
		{"year 10000 integrated time", v2, func(pb *protobundle.Bundle) {
			entry0(pb).IntegratedTime = 253402300800
		}, verify.CheckTransparencyLog, verify.ErrTransparencyLog},
		{"negative integrated time", v2, func(pb *protobundle.Bundle) {
			entry0(pb).IntegratedTime = -1
		}, verify.CheckTransparencyLog, verify.ErrTransparencyLog},
		{"hashedrekord entry under an envelope", v1, func(pb *protobundle.Bundle) {
			sig := pb.GetMessageSignature().GetSignature()
			pb.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
				Payload: []byte("{}"), PayloadType: attest.PayloadType, Signatures: []*protodsse.Signature{{Sig: sig}},
			}}
		}, verify.CheckTransparencyLog, verify.ErrTransparencyLog},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseAndVerify(v, mutate(t, tc.bj, tc.f), verify.Artifact{Digest: digestOf(art)}, alice)
			wantCheck(t, err, tc.check, tc.want)
		})
	}
}

// TestMediaTypes: both spellings of v0.1-v0.3 get the same checks, the
// v0.3-only "certificate" is refused under v0.1 and v0.2, and any other
// media type (including text that names other checks) is a bundle error.
func TestMediaTypes(t *testing.T) {
	v := publicGood(t)
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/conformance/" + name + "/bundle.sigstore.json")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	v01, v02, v03 := read("happy-path-v0.1"), read("happy-path-v0.2"), read("happy-path-v0.3")
	const base = "application/vnd.dev.sigstore.bundle"
	for _, tc := range []struct {
		name, mediaType string
		bj              []byte
		ok              bool
	}{
		{"v0.1 new spelling", base + ".v0.1+json", v01, true},
		{"v0.2 new spelling", base + ".v0.2+json", v02, true},
		{"v0.3 old spelling", base + "+json;version=0.3", v03, true},
		{"v0.3 new spelling", base + ".v0.3+json", v03, true},
		{"v0.3 certificate as v0.2", base + "+json;version=0.2", v03, false},
		{"v0.3 certificate as .v0.2", base + ".v0.2+json", v03, false},
		{"v0.3 certificate as .v0.1", base + ".v0.1+json", v03, false},
		{"v0.4", base + ".v0.4+json", v03, false},
		{"v0.3.1", base + ".v0.3.1+json", v03, false},
		{"v0.3.0", base + ".v0.3.0+json", v03, false},
		{"version=0.4", base + "+json;version=0.4", v03, false},
		{"trailing text", base + ".v0.3+json;x", v03, false},
		{"text naming other checks", base + ".v0.3+json tlog checkpoint inclusion proof entry body", v03, false},
		{"empty", "", v03, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bj := mutate(t, tc.bj, func(pb *protobundle.Bundle) { pb.MediaType = tc.mediaType })
			_, err := parseAndVerify(v, bj, defaultArt, verify.Policy{Identities: []verify.Identity{beacon()}})
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCheck(t, err, verify.CheckBundle, verify.ErrBundle)
		})
	}
}

// TestSHA512Subjects: an attestation whose subject carries only a sha512
// digest verifies against a file, a reader or a sha512 digest; given a
// sha256 digest it is refused by the artifact check.
func TestSHA512Subjects(t *testing.T) {
	st, v := signtestVerifier(t, "sha512 subjects")
	art := []byte("the artifact")
	sum := sha512.Sum512(art)
	payload := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha512":"` + hex.EncodeToString(sum[:]) +
		`"}}],"predicateType":"https://example.com/p","predicate":{}}`
	bj, err := st.SignDSSE(signtest.Email("alice@example.com"), attest.PayloadType, []byte(payload), signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/a"
	if err := os.WriteFile(path, art, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, a := range []verify.Artifact{{Reader: bytes.NewReader(art)}, {Path: path}, {Digest: "sha512:" + hex.EncodeToString(sum[:])}} {
		res, err := parseAndVerify(v, bj, a, alice)
		if err != nil {
			t.Fatalf("%+v: %v", a, err)
		}
		if res.Artifact != "sha512:"+hex.EncodeToString(sum[:]) {
			t.Errorf("result artifact %s", res.Artifact)
		}
	}
	_, err = parseAndVerify(v, bj, verify.Artifact{Digest: digestOf(art)}, alice)
	wantCheck(t, err, verify.CheckArtifact, verify.ErrArtifact)
	_, err = parseAndVerify(v, bj, verify.Artifact{Reader: strings.NewReader("other")}, alice)
	wantCheck(t, err, verify.CheckArtifact, verify.ErrArtifact)
	if errors.Is(err, verify.ErrPredicate) {
		t.Error("artifact mismatch reported as a predicate error")
	}
}
