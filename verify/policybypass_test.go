package verify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// signtestVerifier returns an in-process Sigstore and a Verifier trusting
// it.
func signtestVerifier(t testing.TB, seed string) (*signtest.Sigstore, *verify.Verifier) {
	t.Helper()
	st, err := signtest.New(signtest.Options{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	trJSON, err := st.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := verify.ParseTrustedRoot(trJSON, "signtest")
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(verify.Options{TrustedRoot: tr})
	if err != nil {
		t.Fatal(err)
	}
	return st, v
}

// wantCheck asserts err is a *verify.Error of check wrapping every
// sentinel in want.
func wantCheck(t testing.TB, err error, check verify.Check, want ...error) *verify.Error {
	t.Helper()
	var ve *verify.Error
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want a *verify.Error of check %q", err, check)
	}
	if ve.Check != check {
		t.Errorf("check %q, want %q (%v)", ve.Check, check, err)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Errorf("error does not wrap %v: %v", w, err)
		}
	}
	return ve
}

// TestGitHubWorkflowIdentityBypass: no '*' of GitHubWorkflowIdentity
// crosses an '@' or a '/', the ref pattern also binds the certificate's
// source repository ref, and repository names fold ASCII case only.
func TestGitHubWorkflowIdentityBypass(t *testing.T) {
	st, v := signtestVerifier(t, "policy bypass")
	art := []byte("release artifact")
	gh := func(w signtest.GitHubWorkflow) signtest.Identity { return signtest.GitHub(w) }
	tag := verify.GitHubWorkflowIdentity("acme/app", ".github/workflows/*", "refs/tags/v*")
	for _, tc := range []struct {
		name  string
		id    signtest.Identity
		pol   verify.Identity
		field string // "": verifies
	}{
		{"tag", gh(signtest.GitHubWorkflow{Repository: "acme/app", Ref: "refs/tags/v1.2.0"}), tag, ""},
		{"owner and name in another case", gh(signtest.GitHubWorkflow{Repository: "Acme/App", Ref: "refs/tags/v1"}), tag, ""},
		{"exact workflow and ref", gh(signtest.GitHubWorkflow{Repository: "acme/app"}),
			verify.GitHubWorkflowIdentity("acme/app", ".github/workflows/release.yml", "refs/heads/main"), ""},
		// The branch "x@refs/tags/v1" is a valid git ref name: the workflow
		// glob must not swallow "release.yml@refs/heads/x".
		{"branch named like a tag after an @", gh(signtest.GitHubWorkflow{Repository: "acme/app", Ref: "refs/heads/x@refs/tags/v1"}), tag, "san"},
		{"workflow glob leaves its directory", gh(signtest.GitHubWorkflow{Repository: "acme/app", WorkflowPath: ".github/workflows/sub/x.yml", Ref: "refs/tags/v1"}), tag, "san"},
		{"ref glob leaves its segment", gh(signtest.GitHubWorkflow{Repository: "acme/app", Ref: "refs/tags/v1/evil"}), tag, "san"},
		{"repository glob leaves its segment", gh(signtest.GitHubWorkflow{Repository: "acme/app", Ref: "refs/tags/v1"}),
			verify.GitHubWorkflowIdentity("acme/*pp", ".github/workflows/*", "refs/tags/v*"), ""},
		// A SAN naming a tag while the source ref extension names a branch
		// (a reusable workflow called at a tag from a branch): the ref
		// pattern must hold for both.
		{"source repository ref disagrees", signtest.Identity{Issuer: signtest.GitHubIssuer,
			Subject: "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1",
			GitHub:  &signtest.GitHubWorkflow{Repository: "acme/app", Ref: "refs/heads/evil", WorkflowPath: ".github/workflows/release.yml", RunnerEnvironment: "github-hosted"}},
			tag, "sourceRepositoryRef"},
		{"other repository", gh(signtest.GitHubWorkflow{Repository: "acme/app2", Ref: "refs/tags/v1"}), tag, "san"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bj, err := st.SignBlob(tc.id, art, signtest.MintOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := verify.ParseBundle(bj)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(context.Background(), b, verify.Artifact{Digest: digestOf(art)}, verify.Policy{Identities: []verify.Identity{tc.pol}})
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			ve := wantCheck(t, err, verify.CheckIdentity, verify.ErrIdentity)
			if len(ve.Mismatches) != 1 || ve.Mismatches[0].Field != tc.field {
				t.Errorf("mismatches %v, want field %q", ve.Mismatches, tc.field)
			}
		})
	}

	// IgnoreCase folds ASCII only: U+212A KELVIN SIGN is not 'k'.
	kelvin := gh(signtest.GitHubWorkflow{Repository: "acme/lin\u212a"})
	bj, err := st.SignBlob(kelvin, art, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := verify.ParseBundle(bj)
	if err != nil {
		t.Fatal(err)
	}
	pol := verify.Identity{Issuer: verify.Exact(signtest.GitHubIssuer), SAN: verify.Regexp(`.*`),
		Extensions: map[string]verify.Match{"sourceRepositoryURI": {Exact: "https://github.com/acme/link", IgnoreCase: true}}}
	_, err = v.Verify(context.Background(), b, verify.Artifact{Digest: digestOf(art)}, verify.Policy{Identities: []verify.Identity{pol}})
	wantCheck(t, err, verify.CheckIdentity, verify.ErrIdentity)
	pol.Extensions["sourceRepositoryURI"] = verify.Match{Exact: "https://github.com/ACME/LIN\u212a", IgnoreCase: true}
	if _, err := v.Verify(context.Background(), b, verify.Artifact{Digest: digestOf(art)}, verify.Policy{Identities: []verify.Identity{pol}}); err != nil {
		t.Errorf("ASCII folding with the same non-ASCII rune: %v", err)
	}
}

// TestGitHubWorkflowIdentityInputs: arguments that are not a repository,
// a workflow path and a ref are refused as a policy error when verifying,
// even after a JSON round trip of the identity.
func TestGitHubWorkflowIdentityInputs(t *testing.T) {
	v := publicGood(t)
	b := mustBundle(t, happyV03)
	for _, tc := range []struct{ name, repo, workflow, ref string }{
		{"URL as repository", "https://github.com/acme/app", ".github/workflows/release.yml", "refs/heads/main"},
		{"host in repository", "github.com/acme/app", ".github/workflows/release.yml", "refs/heads/main"},
		{"owner only", "acme", ".github/workflows/release.yml", "refs/heads/main"},
		{"three segments", "acme/app/x", ".github/workflows/release.yml", "refs/heads/main"},
		{"empty name", "acme/", ".github/workflows/release.yml", "refs/heads/main"},
		{"bare file name as workflow", "acme/app", "release.yml", "refs/heads/main"},
		{"workflow in a subdirectory", "acme/app", ".github/workflows/a/release.yml", "refs/heads/main"},
		{"workflow with @", "acme/app", ".github/workflows/r@v1.yml", "refs/heads/main"},
		{"leading slash", "acme/app", "/.github/workflows/release.yml", "refs/heads/main"},
		{"branch name as ref", "acme/app", ".github/workflows/release.yml", "main"},
		{"empty ref", "acme/app", ".github/workflows/release.yml", ""},
		{"refs/ alone", "acme/app", ".github/workflows/release.yml", "refs/"},
		{"any ref as *", "acme/app", ".github/workflows/release.yml", "*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := verify.GitHubWorkflowIdentity(tc.repo, tc.workflow, tc.ref)
			_, err := v.Verify(context.Background(), b, defaultArt, verify.Policy{Identities: []verify.Identity{id}})
			wantCheck(t, err, verify.CheckPolicy, verify.ErrPolicy, verify.ErrWorkflowIdentity)

			js, err := json.Marshal(id)
			if err != nil {
				t.Fatal(err)
			}
			var back verify.Identity
			if err := json.Unmarshal(js, &back); err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(context.Background(), b, defaultArt, verify.Policy{Identities: []verify.Identity{back}})
			wantCheck(t, err, verify.CheckPolicy, verify.ErrPolicy)
		})
	}
}

// TestSLSASourceOnePlace: the SLSA repository and ref come from one place
// of the predicate, never one from workflow and one from
// resolvedDependencies.
func TestSLSASourceOnePlace(t *testing.T) {
	st, v := signtestVerifier(t, "slsa source")
	art := []byte("the artifact")
	const head = `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"`
	good := digestOf(art)[len("sha256:"):]
	policy := &verify.SLSAPolicy{SourceRepository: verify.Exact("https://github.com/acme/app"), Ref: verify.Exact("refs/tags/v1")}
	for _, tc := range []struct {
		name, predicate string
		want            error
	}{
		{"workflow", `{"buildDefinition":{"externalParameters":{"workflow":{"repository":"https://github.com/acme/app","ref":"refs/tags/v1"}}}}`, nil},
		{"resolved dependency", `{"buildDefinition":{"resolvedDependencies":[{"uri":"git+https://github.com/acme/app@refs/tags/v1"}]}}`, nil},
		{"ssh dependency with user", `{"buildDefinition":{"resolvedDependencies":[{"uri":"git+ssh://git@github.com/acme/app@refs/tags/v1"}]}}`, verify.ErrPredicate},
		{"repository from workflow, ref from another repository's dependency", `{"buildDefinition":{"externalParameters":{"workflow":{"repository":"https://github.com/acme/app"}},"resolvedDependencies":[{"uri":"git+https://github.com/evil/fork@refs/tags/v1"}]}}`, verify.ErrPredicate},
		{"ref from workflow, repository from dependency", `{"buildDefinition":{"externalParameters":{"workflow":{"ref":"refs/tags/v1"}},"resolvedDependencies":[{"uri":"git+https://github.com/acme/app@refs/heads/evil"}]}}`, verify.ErrPredicate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload := head + good + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":` + tc.predicate + `}`
			bj, err := st.SignDSSE(signtest.Email("alice@example.com"), attest.PayloadType, []byte(payload), signtest.MintOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := verify.ParseBundle(bj)
			if err != nil {
				t.Fatal(err)
			}
			pol := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact("alice@example.com")}},
				Attestation: &verify.AttestationPolicy{PredicateType: verify.PredicateSLSAProvenanceV1, SLSA: policy}}
			_, err = v.Verify(context.Background(), b, verify.Artifact{Digest: digestOf(art)}, pol)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCheck(t, err, verify.CheckPredicate, tc.want)
		})
	}
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
