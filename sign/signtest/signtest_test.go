package signtest_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/chainproof/chainproof/sign/signtest"
	cpverify "github.com/chainproof/chainproof/verify"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

var update = flag.Bool("update", false, "rewrite golden files")

var ghWorkflow = signtest.GitHubWorkflow{Repository: "chainproof/example", WorkflowPath: ".github/workflows/release.yml", Ref: "refs/tags/v1.0.0", SHA: "0123456789abcdef0123456789abcdef01234567"}

func verifyBundle(t *testing.T, s *signtest.Sigstore, data []byte, artifact []byte, id signtest.Identity, ext certificate.Extensions) (*verify.VerificationResult, error) {
	t.Helper()
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		t.Fatalf("bundle does not parse: %v", err)
	}
	v, err := verify.NewVerifier(s.SigstoreTrustedRoot(), verify.WithSignedTimestamps(1), verify.WithTransparencyLog(1), verify.WithSignedCertificateTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	san, err := verify.NewSANMatcher(id.Subject, "")
	if err != nil {
		t.Fatal(err)
	}
	iss, err := verify.NewIssuerMatcher(id.Issuer, "")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := verify.NewCertificateIdentity(san, iss, ext)
	if err != nil {
		t.Fatal(err)
	}
	art := verify.WithoutArtifactUnsafe()
	if artifact != nil {
		art = verify.WithArtifact(bytes.NewReader(artifact))
	}
	return v.Verify(&b, verify.NewPolicy(art, verify.WithCertificateIdentity(ci)))
}

func TestMintedBundlesVerify(t *testing.T) {
	s, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	email := signtest.Email("alice@example.com")
	gh := signtest.GitHub(ghWorkflow)
	artifact := []byte("hello, world\n")
	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a.txt","digest":{"sha256":"` +
		"853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020" + `"}}],"predicateType":"https://example.com/p","predicate":{}}`)
	ghExt := certificate.Extensions{
		SourceRepositoryURI: "https://github.com/chainproof/example",
		SourceRepositoryRef: "refs/tags/v1.0.0",
		RunnerEnvironment:   "github-hosted",
		BuildTrigger:        "push",
	}
	for _, tc := range []struct {
		name string
		id   signtest.Identity
		ext  certificate.Extensions
		dsse bool
	}{
		{"email-blob", email, certificate.Extensions{}, false},
		{"email-dsse", email, certificate.Extensions{}, true},
		{"github-blob", gh, ghExt, false},
		{"github-dsse", gh, ghExt, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var data []byte
			if tc.dsse {
				data, err = s.SignDSSE(tc.id, "application/vnd.in-toto+json", stmt, signtest.MintOptions{})
			} else {
				data, err = s.SignBlob(tc.id, artifact, signtest.MintOptions{})
			}
			if err != nil {
				t.Fatal(err)
			}
			var art []byte
			if !tc.dsse {
				art = artifact
			}
			res, err := verifyBundle(t, s, data, art, tc.id, tc.ext)
			if err != nil {
				t.Fatalf("minted bundle does not verify: %v", err)
			}
			if got := res.Signature.Certificate.SubjectAlternativeName; got != tc.id.Subject {
				t.Errorf("SAN = %q, want %q", got, tc.id.Subject)
			}
			if tc.id.GitHub != nil && res.Signature.Certificate.BuildSignerURI != tc.id.Subject {
				t.Errorf("BuildSignerURI = %q", res.Signature.Certificate.BuildSignerURI)
			}
			// Wrong identity and tampered artifact are refused.
			if _, err := verifyBundle(t, s, data, art, signtest.Email("mallory@example.com"), certificate.Extensions{}); err == nil {
				t.Error("wrong identity accepted")
			}
			if !tc.dsse {
				if _, err := verifyBundle(t, s, data, []byte("tampered"), tc.id, tc.ext); err == nil {
					t.Error("tampered artifact accepted")
				}
			}
		})
	}
}

func TestDeterministicGolden(t *testing.T) {
	mint := func() map[string][]byte {
		s, err := signtest.New(signtest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		tr, err := s.TrustedRootJSON()
		if err != nil {
			t.Fatal(err)
		}
		out["trusted_root.json"] = tr
		blob, err := s.SignBlob(signtest.Email("alice@example.com"), []byte("hello, world\n"), signtest.MintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out["email-blob.sigstore.json"] = append(blob, '\n')
		dsse, err := s.SignDSSE(signtest.GitHub(ghWorkflow), "application/vnd.in-toto+json",
			[]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"https://example.com/p","predicate":{}}`),
			signtest.MintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out["github-dsse.sigstore.json"] = append(dsse, '\n')
		v1 := signtest.MintOptions{RekorV1: true, NoTimestamp: true}
		blobV1, err := s.SignBlob(signtest.Email("alice@example.com"), []byte("hello, world\n"), v1)
		if err != nil {
			t.Fatal(err)
		}
		out["email-blob-rekor-v1.sigstore.json"] = append(blobV1, '\n')
		dsseV1, err := s.SignDSSE(signtest.GitHub(ghWorkflow), "application/vnd.in-toto+json",
			[]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"https://example.com/p","predicate":{}}`),
			v1)
		if err != nil {
			t.Fatal(err)
		}
		out["github-dsse-rekor-v1.sigstore.json"] = append(dsseV1, '\n')
		sc, err := s.SigningConfigJSON("http://127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		out["signing_config.json"] = sc
		return out
	}
	a, b := mint(), mint()
	for name, got := range a {
		if !bytes.Equal(got, b[name]) {
			t.Errorf("%s differs between two identical instances", name)
		}
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file (run go test -update and review)", name)
		}
	}
}

// TestLogProofs checks the log's inclusion proofs against
// transparency-dev/merkle's verifier for many tree sizes.
func TestLogProofs(t *testing.T) {
	s, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		data, err := s.SignBlob(signtest.Email("a@example.com"), []byte{byte(i)}, signtest.MintOptions{NoTimestamp: true})
		if err != nil {
			t.Fatal(err)
		}
		var b bundle.Bundle
		if err := b.UnmarshalJSON(data); err != nil {
			t.Fatal(err)
		}
		e := b.GetVerificationMaterial().GetTlogEntries()[0]
		p := e.GetInclusionProof()
		leaf := rfc6962.DefaultHasher.HashLeaf(e.GetCanonicalizedBody())
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(p.GetLogIndex()), uint64(p.GetTreeSize()), leaf, p.GetHashes(), p.GetRootHash()); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if p.GetLogIndex() != int64(i) || p.GetTreeSize() != int64(i+1) {
			t.Fatalf("entry %d: index %d size %d", i, p.GetLogIndex(), p.GetTreeSize())
		}
	}
}

// verifyV1 checks a Rekor v1 bundle with sigstore-go: one log entry, its
// integrated time as the only observer timestamp (no TSA), SCTs.
func verifyV1(t *testing.T, s *signtest.Sigstore, data, artifact []byte, id signtest.Identity) (*verify.VerificationResult, error) {
	t.Helper()
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		t.Fatalf("bundle does not parse: %v", err)
	}
	v, err := verify.NewVerifier(s.SigstoreTrustedRoot(), verify.WithTransparencyLog(1), verify.WithIntegratedTimestamps(1), verify.WithSignedCertificateTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	ci, err := verify.NewShortCertificateIdentity(id.Issuer, "", id.Subject, "")
	if err != nil {
		t.Fatal(err)
	}
	art := verify.WithoutArtifactUnsafe()
	if artifact != nil {
		art = verify.WithArtifact(bytes.NewReader(artifact))
	}
	return v.Verify(&b, verify.NewPolicy(art, verify.WithCertificateIdentity(ci)))
}

func TestMintedRekorV1BundlesVerify(t *testing.T) {
	s, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	artifact := []byte("hello, world\n")
	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a.txt","digest":{"sha256":"853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020"}}],"predicateType":"https://example.com/p","predicate":{}}`)
	for _, tc := range []struct {
		name string
		id   signtest.Identity
		dsse bool
		kind string
	}{
		{"email-blob", signtest.Email("alice@example.com"), false, "hashedrekord"},
		{"github-dsse", signtest.GitHub(ghWorkflow), true, "dsse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := signtest.MintOptions{RekorV1: true, NoTimestamp: true}
			var data, art []byte
			if tc.dsse {
				data, err = s.SignDSSE(tc.id, "application/vnd.in-toto+json", stmt, o)
			} else {
				art = artifact
				data, err = s.SignBlob(tc.id, artifact, o)
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := verifyV1(t, s, data, art, tc.id)
			if err != nil {
				t.Fatalf("minted v1 bundle does not verify: %v", err)
			}
			if len(res.VerifiedTimestamps) != 1 || res.VerifiedTimestamps[0].Type != "Tlog" || !res.VerifiedTimestamps[0].Timestamp.Equal(s.Now()) {
				t.Errorf("timestamps = %+v, want the log's integrated time", res.VerifiedTimestamps)
			}
			var b bundle.Bundle
			if err := b.UnmarshalJSON(data); err != nil {
				t.Fatal(err)
			}
			e := b.GetVerificationMaterial().GetTlogEntries()[0]
			if e.GetKindVersion().GetKind() != tc.kind || e.GetKindVersion().GetVersion() != "0.0.1" || e.GetIntegratedTime() != s.Now().Unix() ||
				len(e.GetInclusionPromise().GetSignedEntryTimestamp()) == 0 || !bytes.Equal(e.GetLogId().GetKeyId(), s.LogV1ID()) {
				t.Errorf("log entry = %v", e)
			}
			// chainproof's own verifier, from the trusted_root.json bytes.
			tr, err := s.TrustedRootJSON()
			if err != nil {
				t.Fatal(err)
			}
			cptr, err := cpverify.ParseTrustedRoot(tr, "signtest")
			if err != nil {
				t.Fatal(err)
			}
			cpArt := cpverify.Artifact{Digest: "sha256:853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020"}
			if art != nil {
				cpArt = cpverify.Artifact{Reader: bytes.NewReader(art)}
			}
			pol := cpverify.Policy{Identities: []cpverify.Identity{{Issuer: cpverify.Exact(tc.id.Issuer), SAN: cpverify.Exact(tc.id.Subject)}}}
			cpres, err := cpverify.Verify(context.Background(), data, cpArt, pol, cpverify.Options{TrustedRoot: cptr})
			if err != nil {
				t.Fatalf("chainproof verify: %v", err)
			}
			if len(cpres.Timestamps) != 1 || cpres.Timestamps[0].Kind != "tlog" || !cpres.Timestamps[0].Time.Equal(s.Now()) {
				t.Errorf("chainproof verify timestamps = %+v", cpres.Timestamps)
			}
			if _, err := verifyV1(t, s, data, art, signtest.Email("mallory@example.com")); err == nil {
				t.Error("wrong identity accepted")
			}
			if !tc.dsse {
				if _, err := verifyV1(t, s, data, []byte("tampered"), tc.id); err == nil {
					t.Error("tampered artifact accepted")
				}
			}
		})
	}
}
