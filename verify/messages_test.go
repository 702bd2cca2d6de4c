package verify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// commonMistakes are the errors a person meets first, and what their
// message must say first (the table in doc.go quotes them).
func commonMistakes(t *testing.T) map[string]error {
	t.Helper()
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	artifact := []byte("hello release\n")
	release := signtest.GitHub(signtest.GitHubWorkflow{Repository: "acme/hello", Ref: "refs/tags/v1.0.0"})
	fork := signtest.GitHub(signtest.GitHubWorkflow{Repository: "mallory/hello", Ref: "refs/tags/v1.0.0"})
	mint := func(id signtest.Identity) []byte {
		b, err := st.SignBlob(id, artifact, signtest.MintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	opts := verify.Options{TrustedRoot: st.TrustedRoot()}
	art := func(s []byte) verify.Artifact { return verify.Artifact{Reader: strings.NewReader(string(s))} }
	policy := verify.Policy{Identities: []verify.Identity{verify.GitHubWorkflowIdentity("acme/hello", ".github/workflows/release.yml", "refs/tags/v1.*")}}
	out := map[string]error{}
	_, out["wrong tag"] = verify.Verify(ctx, mint(release), art(artifact),
		verify.Policy{Identities: []verify.Identity{verify.GitHubWorkflowIdentity("acme/hello", ".github/workflows/release.yml", "refs/tags/v2.*")}}, opts)
	_, out["fork"] = verify.Verify(ctx, mint(fork), art(artifact), policy, opts)
	_, out["wrong file"] = verify.Verify(ctx, mint(release), art([]byte("hello release, edited\n")), policy, opts)
	_, out["forgotten trusted root"] = verify.Verify(ctx, mint(release), art(artifact), policy, verify.Options{})
	_, out["cosign-style regexp"] = verify.Verify(ctx, mint(signtest.Email("alice@example.com")), art(artifact),
		verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Regexp("alice@example")}}}, opts)
	_, out["legacy bundle"] = verify.ParseBundle([]byte(`{"base64Signature":"MEUCIQ==","cert":"LS0t","rekorBundle":{"SignedEntryTimestamp":"MEQ=","Payload":{"body":"e30=","integratedTime":1,"logIndex":1,"logID":"00"}}}`))
	_, out["bare DSSE envelope"] = verify.ParseBundle([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"MEUCIQ=="}]}`))
	return out
}

func TestCommonMistakeMessages(t *testing.T) {
	want := map[string]string{
		"wrong tag":              "verify: identity: another ref: signed at refs/tags/v1.0.0; the policy wants refs/tags/v2.*",
		"fork":                   "verify: identity: another repository (a fork?): signed by a workflow of mallory/hello; the policy wants acme/hello",
		"wrong file":             "verify: artifact: another artifact: its sha256 is 863b1eef",
		"forgotten trusted root": "verify: transparency-log: entry 0: no log in the trusted root (embedded public-good snapshot of " + verify.PublicGoodSnapshotDate + ") has this entry's log ID",
		"cosign-style regexp":    `verify: identity: another signer: got "alice@example.com", want ~alice@example (the regexp matches part of it, but must match all of it: regexps here are anchored, unlike cosign's; write ".*alice@example.*" to match anywhere)`,
		"legacy bundle":          "verify: bundle: a cosign legacy bundle",
		"bare DSSE envelope":     "verify: bundle: a bare DSSE envelope, not a Sigstore bundle",
	}
	for name, err := range commonMistakes(t) {
		t.Logf("%-24s %v", name, err)
		if err == nil || !strings.HasPrefix(err.Error(), want[name]) {
			t.Errorf("%s: message %q, want it to start %q", name, err, want[name])
		}
		if strings.Count(err.Error(), "verify: ") != 1 {
			t.Errorf("%s: %q repeats the package prefix", name, err)
		}
	}
}

// wantShape: a verify error reads "verify: CHECK: detail", with the package
// prefix once and the check's name not repeated right after it.
func wantShape(t testing.TB, what string, err error) {
	t.Helper()
	var ve *verify.Error
	if !errors.As(err, &ve) {
		return
	}
	msg := err.Error()
	prefix := "verify: " + string(ve.Check) + ": "
	switch {
	case !strings.HasPrefix(msg, prefix):
		t.Errorf("%s: %q does not start %q", what, msg, prefix)
	case strings.Count(msg, "verify: ") != 1:
		t.Errorf("%s: %q repeats the package prefix", what, msg)
	case strings.HasPrefix(msg[len(prefix):], string(ve.Check)+": "):
		t.Errorf("%s: %q repeats the check", what, msg)
	}
}
