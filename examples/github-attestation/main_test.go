package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// What the certificates of the checked-in bundles carry (see
// testdata/SOURCE.md).
const (
	repo     = "sigstore-conformance/extremely-dangerous-public-oidc-beacon"
	workflow = ".github/workflows/extremely-dangerous-oidc-beacon.yml"
	ref      = "refs/heads/main"
	san      = "https://github.com/" + repo + "/" + workflow + "@" + ref

	artifactPath = "testdata/a.txt"
	jsonlPath    = "testdata/a.txt.attestations.jsonl"
)

func runExample(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, args, &out)
	t.Logf("github-attestation %s\n%s", strings.Join(args, " "), out.String())
	return out.String(), err
}

// lines verifies the checked-in file (or another) line by line, as run
// does, for assertions on each outcome.
func lines(t *testing.T, path, artifact string, policy verify.Policy) []outcome {
	t.Helper()
	v, err := verify.New(verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := verifyLines(context.Background(), v, path, verify.Artifact{Path: artifact}, policy)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func provenancePolicy(id verify.Identity) verify.Policy {
	return verify.Policy{
		Identities:  []verify.Identity{id},
		Attestation: &verify.AttestationPolicy{PredicateType: verify.PredicateSLSAProvenanceV1},
	}
}

func TestHappyPath(t *testing.T) {
	report, err := runExample(t, "-repo", repo, "-workflow", workflow, "-ref", ref, artifactPath, jsonlPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  artifact   testdata/a.txt  sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf\n",
		"  trust      embedded public-good snapshot ",
		"  ok  line 1  https://slsa.dev/provenance/v1\n",
		"        signer  " + san + "\n",
		"        run     https://github.com/" + repo + "/actions/runs/12359147651/attempts/1 (workflow_dispatch)\n",
		"        source  refs/heads/main@82a3bfe6dd50fe9c71d6315eae66da15307856cf\n",
		"        log     dsse 0.0.1 entry #155690850\n",
		"        time    2024-12-16T18:42:56Z (tlog)\n",
		"  no  line 2  check \"predicate\" failed: verify: predicate: ",
		"1 of 2 bundles satisfy the policy\n",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}

	out := lines(t, jsonlPath, artifactPath, provenancePolicy(verify.GitHubWorkflowIdentity(repo, workflow, ref)))
	if len(out) != 2 {
		t.Fatalf("%d outcomes, want 2", len(out))
	}
	r := out[0].Result
	if out[0].Err != nil || r == nil {
		t.Fatalf("line 1: %v", out[0].Err)
	}
	if r.Certificate.SAN != san || r.Certificate.Extensions.SourceRepositoryURI != "https://github.com/"+repo ||
		r.Certificate.Extensions.RunnerEnvironment != "github-hosted" {
		t.Errorf("certificate %+v", r.Certificate)
	}
	if st := r.Statement; st == nil || len(st.Subject) != 1 || st.Subject[0].Name != "a.txt" ||
		st.Subject[0].Digest["sha256"] != "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf" {
		t.Errorf("statement %+v", r.Statement)
	}
	// Line 2 is a real plain signature by the same workflow: not an
	// attestation.
	assertCheck(t, "line 2", out[1].Err, verify.ErrPredicate, verify.CheckPredicate)
}

// TestPatterns: the default patterns, a ref glob and a repository in
// another case all accept the attestation.
func TestPatterns(t *testing.T) {
	for _, args := range [][]string{
		{"-repo", repo, "-ref", ref},
		{"-repo", repo, "-ref", "refs/heads/*"},
		{"-repo", strings.ToUpper(repo), "-ref", ref, "-workflow", ".github/workflows/extremely-*.yml"},
		{"-repo", repo, "-ref", ref, "-predicate-type", "https://slsa.dev/provenance/v1"},
	} {
		report, err := runExample(t, append(args, artifactPath, jsonlPath)...)
		if err != nil {
			t.Errorf("%v: %v", args, err)
		} else if !strings.Contains(report, "  ok  line 1  ") {
			t.Errorf("%v: line 1 not verified", args)
		}
	}
	// With no predicate type, the plain signature satisfies the policy too.
	report, err := runExample(t, "-repo", repo, "-ref", ref, "-predicate-type", "", artifactPath, jsonlPath)
	if err != nil || !strings.Contains(report, "  ok  line 2  signature\n") || !strings.Contains(report, "2 of 2 bundles") {
		t.Errorf("-predicate-type \"\": %v", err)
	}
}

func assertCheck(t *testing.T, what string, err error, sentinel error, check verify.Check) *verify.Error {
	t.Helper()
	var ve *verify.Error
	if !errors.As(err, &ve) {
		t.Errorf("%s: got %v, want a *verify.Error", what, err)
		return nil
	}
	if !errors.Is(err, sentinel) || ve.Check != check {
		t.Errorf("%s: got check %q (%v), want %q (%v)", what, ve.Check, err, check, sentinel)
	}
	return ve
}

// TestRefused: the wrong repository, workflow or ref, the wrong predicate
// type and a tampered artifact are refused, by the right check.
func TestRefused(t *testing.T) {
	tampered := filepath.Join(t.TempDir(), "a.txt")
	data, err := os.ReadFile(artifactPath)
	if err != nil {
		t.Fatal(err)
	}
	data[0] ^= 0x20
	if err := os.WriteFile(tampered, data, 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name     string
		args     []string // flags
		artifact string
		policy   verify.Policy // the same policy, for the per-line check
		sentinel error
		check    verify.Check
		field    string // identity mismatches: the first field that differs
	}{
		{"wrong repository", []string{"-repo", "sigstore-conformance/another-repo", "-ref", ref}, artifactPath,
			provenancePolicy(verify.GitHubWorkflowIdentity("sigstore-conformance/another-repo", ".github/workflows/*", ref)),
			verify.ErrIdentity, verify.CheckIdentity, "san"},
		{"wrong owner", []string{"-repo", "sigstore/extremely-dangerous-public-oidc-beacon", "-ref", ref}, artifactPath,
			provenancePolicy(verify.GitHubWorkflowIdentity("sigstore/extremely-dangerous-public-oidc-beacon", ".github/workflows/*", ref)),
			verify.ErrIdentity, verify.CheckIdentity, "san"},
		{"wrong ref pattern", []string{"-repo", repo, "-ref", "refs/tags/v*"}, artifactPath,
			provenancePolicy(verify.GitHubWorkflowIdentity(repo, ".github/workflows/*", "refs/tags/v*")),
			verify.ErrIdentity, verify.CheckIdentity, "san"},
		{"wrong workflow", []string{"-repo", repo, "-ref", ref, "-workflow", ".github/workflows/release.yml"}, artifactPath,
			provenancePolicy(verify.GitHubWorkflowIdentity(repo, ".github/workflows/release.yml", ref)),
			verify.ErrIdentity, verify.CheckIdentity, "san"},
		{"wrong predicate type", []string{"-repo", repo, "-ref", ref, "-predicate-type", "cyclonedx"}, artifactPath,
			verify.Policy{Identities: []verify.Identity{verify.GitHubWorkflowIdentity(repo, ".github/workflows/*", ref)},
				Attestation: &verify.AttestationPolicy{PredicateType: "cyclonedx"}},
			verify.ErrPredicate, verify.CheckPredicate, ""},
		{"tampered artifact", []string{"-repo", repo, "-workflow", workflow, "-ref", ref}, tampered,
			provenancePolicy(verify.GitHubWorkflowIdentity(repo, workflow, ref)),
			verify.ErrArtifact, verify.CheckArtifact, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			report, err := runExample(t, append(tc.args, tc.artifact, jsonlPath)...)
			if !errors.Is(err, errNoneSatisfies) {
				t.Fatalf("got %v, want %v", err, errNoneSatisfies)
			}
			// The returned error wraps each line's *verify.Error.
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("error does not wrap %v: %v", tc.sentinel, err)
			}
			if want := "  no  line 1  check \"" + string(tc.check) + "\" failed: "; !strings.Contains(report, want) {
				t.Errorf("report lacks %q", want)
			}
			if !strings.Contains(report, "0 of 2 bundles satisfy the policy\n") {
				t.Error("report lacks the count")
			}

			out := lines(t, jsonlPath, tc.artifact, tc.policy)
			ve := assertCheck(t, "line 1", out[0].Err, tc.sentinel, tc.check)
			if tc.field != "" && ve != nil {
				if len(ve.Mismatches) != 1 || ve.Mismatches[0].Field != tc.field || ve.Mismatches[0].Got != san {
					t.Errorf("mismatches %v, want field %q, got %q", ve.Mismatches, tc.field, san)
				}
				if ve.Certificate == nil || ve.Certificate.SAN != san {
					t.Errorf("evidence certificate %+v", ve.Certificate)
				}
			}
		})
	}
}

// TestPerLine: a file with bad lines and one good bundle (in the GitHub
// API's {"bundle": ...} shape) is handled line by line.
func TestPerLine(t *testing.T) {
	data, err := os.ReadFile(jsonlPath)
	if err != nil {
		t.Fatal(err)
	}
	good, _, _ := bytes.Cut(data, []byte("\n"))
	var file bytes.Buffer
	file.WriteString("{not json\n")                       // line 1
	file.Write(good[:len(good)/2])                        // line 2: truncated
	file.WriteString("\n\n")                              // line 3: blank, skipped
	file.WriteString(`{"bundle":` + string(good) + "}\n") // line 4
	path := filepath.Join(t.TempDir(), "mixed.jsonl")
	if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	report, err := runExample(t, "-repo", repo, "-ref", ref, artifactPath, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^  bundles +.*mixed\.jsonl \(3\)$`),
		regexp.MustCompile(`(?m)^  no  line 1  check "bundle" failed: verify: `),
		regexp.MustCompile(`(?m)^  no  line 2  check "bundle" failed: verify: `),
		regexp.MustCompile(`(?m)^  ok  line 4  https://slsa\.dev/provenance/v1$`),
		regexp.MustCompile(`(?m)^1 of 3 bundles satisfy the policy$`),
	} {
		if !want.MatchString(report) {
			t.Errorf("report lacks %v", want)
		}
	}

	out := lines(t, path, artifactPath, provenancePolicy(verify.GitHubWorkflowIdentity(repo, ".github/workflows/*", ref)))
	if len(out) != 3 {
		t.Fatalf("%d outcomes, want 3", len(out))
	}
	assertCheck(t, "line 1", out[0].Err, verify.ErrBundle, verify.CheckBundle)
	assertCheck(t, "line 2", out[1].Err, verify.ErrBundle, verify.CheckBundle)
	if out[2].Line != 4 || out[2].Err != nil {
		t.Errorf("line %d: %v", out[2].Line, out[2].Err)
	}
}

// TestTrustFlags: the public-good bundles are refused under another
// trusted root (here signtest's), in either profile.
func TestTrustFlags(t *testing.T) {
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	trJSON, err := st.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	tr := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(tr, trJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flag     string
		profile  string
		sentinel error
	}{
		// The public-good log is not in signtest's root.
		{"-trusted-root", "transparency-log", verify.ErrTransparencyLog},
		// GitHub's profile wants an RFC 3161 timestamp; these bundles
		// have none.
		{"-github-trusted-root", "timestamp-only", verify.ErrTimestamp},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			report, err := runExample(t, "-repo", repo, "-ref", ref, tc.flag, tr, artifactPath, jsonlPath)
			if !errors.Is(err, errNoneSatisfies) || !errors.Is(err, tc.sentinel) {
				t.Errorf("got %v, want %v and %v", err, errNoneSatisfies, tc.sentinel)
			}
			if want := "  trust      " + tr + " (" + tc.profile + " profile)"; !strings.Contains(report, want) {
				t.Errorf("report lacks %q", want)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	if err := os.WriteFile(empty, []byte("\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want error
	}{
		{"no arguments", nil, errUsage},
		{"no repo", []string{artifactPath, jsonlPath}, errUsage},
		{"repo without owner", []string{"-repo", "beacon", artifactPath, jsonlPath}, errUsage},
		{"repo with a path", []string{"-repo", "a/b/c", artifactPath, jsonlPath}, errUsage},
		{"repo with a glob", []string{"-repo", "a/*", artifactPath, jsonlPath}, errUsage},
		{"one argument", []string{"-repo", repo, "-ref", ref, jsonlPath}, errUsage},
		{"three arguments", []string{"-repo", repo, "-ref", ref, artifactPath, jsonlPath, jsonlPath}, errUsage},
		{"unknown flag", []string{"-repo", repo, "-ref", ref, "-owner", "x", artifactPath, jsonlPath}, errUsage},
		{"empty ref", []string{"-repo", repo, "-ref", "", artifactPath, jsonlPath}, errUsage},
		{"no ref", []string{"-repo", repo, artifactPath, jsonlPath}, errUsage},
		{"branch name as ref", []string{"-repo", repo, "-ref", "main", artifactPath, jsonlPath}, verify.ErrWorkflowIdentity},
		{"any ref as *", []string{"-repo", repo, "-ref", "*", artifactPath, jsonlPath}, verify.ErrWorkflowIdentity},
		{"bare workflow file name", []string{"-repo", repo, "-ref", ref, "-workflow", "release.yml", artifactPath, jsonlPath}, verify.ErrWorkflowIdentity},
		{"repository URL", []string{"-repo", "https://github.com/" + repo, "-ref", ref, artifactPath, jsonlPath}, errUsage},
		{"both trusted roots", []string{"-repo", repo, "-ref", ref, "-trusted-root", "a", "-github-trusted-root", "b", artifactPath, jsonlPath}, errUsage},
		{"unknown predicate type", []string{"-repo", repo, "-ref", ref, "-predicate-type", "provenance", artifactPath, jsonlPath}, verify.ErrPolicy},
		{"missing artifact", []string{"-repo", repo, "-ref", ref, "testdata/missing.txt", jsonlPath}, fs.ErrNotExist},
		{"missing bundles", []string{"-repo", repo, "-ref", ref, artifactPath, "testdata/missing.jsonl"}, fs.ErrNotExist},
		{"missing trusted root", []string{"-repo", repo, "-ref", ref, "-trusted-root", "testdata/missing.json", artifactPath, jsonlPath}, fs.ErrNotExist},
		{"missing github trusted root", []string{"-repo", repo, "-ref", ref, "-github-trusted-root", "testdata/missing.json", artifactPath, jsonlPath}, fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), tc.args, &out); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-repo", repo, "-ref", ref, artifactPath, empty}, &out); !errors.Is(err, errNoBundles) {
		t.Errorf("empty file: got %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"-h"}, &out); err != nil || !strings.Contains(out.String(), "-github-trusted-root") {
		t.Errorf("-h: %v\n%s", err, out.String())
	}
}
