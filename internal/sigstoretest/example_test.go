package sigstoretest_test

import (
	"testing"

	"github.com/chainproof/chainproof/internal/sigstoretest"
)

// A test that signs against the local Sigstore. It skips when
// CHAINPROOF_SIGSTORE_DIR is unset.
func ExampleLocal() {
	testKeyless := func(t *testing.T) {
		s := sigstoretest.Local(t)
		email := s.EmailToken(t, "dev@example.com")
		gh := s.GitHubToken(t, sigstoretest.GitHubClaims{Repository: "acme/app", Ref: "refs/tags/v1.0.0"})
		// Sign with s.FulcioURL, s.RekorURL (Rekor v2), s.TSAURL and a token;
		// verify against s.TrustedRootPath, expecting SAN "dev@example.com"
		// from s.OIDCIssuerURL, or GitHubClaims.SAN() from s.GitHubIssuerURL.
		_, _ = email, gh
	}
	_ = testKeyless
}
