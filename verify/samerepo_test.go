package verify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// TestSameRepository: GitHubProvenancePolicy accepts provenance signed by
// the repository's workflow about a build of that repository, and refuses
// provenance of another repository's build signed there; without the
// option the cross-check is off.
func TestSameRepository(t *testing.T) {
	st, v := signtestVerifier(t, "")
	artifact := []byte("release.tar.gz")
	sum := sha256.Sum256(artifact)
	id := signtest.GitHub(signtest.GitHubWorkflow{Repository: "acme/app", Ref: "refs/tags/v1.0.0"})
	prov := func(repo string) *verify.Bundle {
		s := fmt.Sprintf(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"r","digest":{"sha256":%q}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://actions.github.io/buildtypes/workflow/v1","externalParameters":{"workflow":{"ref":"refs/tags/v1.0.0","repository":%q,"path":".github/workflows/release.yml"}}},"runDetails":{"builder":{"id":"https://github.com/actions/runner/github-hosted"}}}}`, hex.EncodeToString(sum[:]), repo)
		b, err := st.SignDSSE(id, "application/vnd.in-toto+json", []byte(s), signtest.MintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return parse(t, b)
	}
	pol := verify.GitHubProvenancePolicy("acme/app", ".github/workflows/release.yml", "refs/tags/v*")
	art := verify.Artifact{Digest: "sha256:" + hex.EncodeToString(sum[:])}
	if _, err := v.Verify(context.Background(), prov("https://github.com/Acme/App"), art, pol); err != nil {
		t.Errorf("same repository: %v", err)
	}
	_, err := v.Verify(context.Background(), prov("https://github.com/evil/fork"), art, pol)
	if !errors.Is(err, verify.ErrPredicate) || !strings.Contains(err.Error(), "another repository") {
		t.Errorf("another repository's build: %v", err)
	}
	pol.Attestation.SameRepository = false
	if _, err := v.Verify(context.Background(), prov("https://github.com/evil/fork"), art, pol); err != nil {
		t.Errorf("cross-check off: %v", err)
	}
}
