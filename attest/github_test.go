package attest_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/attest"
	"google.golang.org/protobuf/proto"
)

func TestGoldenProvenanceGitHub(t *testing.T) {
	ctx := context.Background()
	p, err := attest.GitHubProvenance(ctx, attest.Environ(recordedEnv(t, nil)), attest.GitHubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := attest.ProvenanceStatement(p, artifactSubjects(t)...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := attest.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "provenance-github.golden", b)
	checkRoundTrip(t, b)

	// The same predicate when the event is passed in rather than read.
	p2, err := attest.GitHubProvenance(ctx, attest.Environ(recordedEnv(t, map[string]string{"GITHUB_EVENT_PATH": "-"})),
		attest.GitHubOptions{Event: readFile(t, filepath.Join("testdata", "github", "event.json"))})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(p, p2) {
		t.Fatal("Event option gives a different predicate")
	}

	// Field by field, as GitHub's action lays them out.
	bd, rd := p.GetBuildDefinition(), p.GetRunDetails()
	wf := bd.GetExternalParameters().GetFields()["workflow"].GetStructValue().GetFields()
	gh := bd.GetInternalParameters().GetFields()["github"].GetStructValue().GetFields()
	checks := map[string][2]string{
		"buildType":           {bd.GetBuildType(), "https://actions.github.io/buildtypes/workflow/v1"},
		"workflow.ref":        {wf["ref"].GetStringValue(), "refs/tags/v0.3.1"},
		"workflow.repository": {wf["repository"].GetStringValue(), "https://github.com/chainproof/chainproof"},
		"workflow.path":       {wf["path"].GetStringValue(), ".github/workflows/release.yml"},
		"event_name":          {gh["event_name"].GetStringValue(), "push"},
		"repository_id":       {gh["repository_id"].GetStringValue(), "812345678"},
		"repository_owner_id": {gh["repository_owner_id"].GetStringValue(), "170112233"},
		"runner_environment":  {gh["runner_environment"].GetStringValue(), "github-hosted"},
		"dep uri":             {bd.GetResolvedDependencies()[0].GetUri(), "git+https://github.com/chainproof/chainproof@refs/tags/v0.3.1"},
		"dep gitCommit":       {bd.GetResolvedDependencies()[0].GetDigest()["gitCommit"], "5f3c1e9a7b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e"},
		"builder.id":          {rd.GetBuilder().GetId(), "https://github.com/chainproof/chainproof/.github/workflows/release.yml@refs/tags/v0.3.1"},
		"invocationId":        {rd.GetMetadata().GetInvocationId(), "https://github.com/chainproof/chainproof/actions/runs/14021987654/attempts/2"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if len(bd.GetResolvedDependencies()) != 1 || len(wf) != 3 || len(gh) != 4 || len(bd.GetExternalParameters().GetFields()) != 1 {
		t.Errorf("unexpected extra fields: %v", p)
	}
}

func TestGitHubVariants(t *testing.T) {
	ctx := context.Background()
	get := func(over map[string]string, opts attest.GitHubOptions) (string, string, string) {
		t.Helper()
		p, err := attest.GitHubProvenance(ctx, attest.Environ(recordedEnv(t, over)), opts)
		if err != nil {
			t.Fatal(err)
		}
		wf := p.GetBuildDefinition().GetExternalParameters().GetFields()["workflow"].GetStructValue().GetFields()
		gh := p.GetBuildDefinition().GetInternalParameters().GetFields()["github"].GetStructValue().GetFields()
		return p.GetRunDetails().GetBuilder().GetId(), wf["ref"].GetStringValue() + " " + wf["path"].GetStringValue(), gh["runner_environment"].GetStringValue()
	}
	if _, _, r := get(map[string]string{"RUNNER_ENVIRONMENT": "self-hosted"}, attest.GitHubOptions{}); r != "self-hosted" {
		t.Errorf("runner_environment = %q", r)
	}
	// A reusable workflow's job: builder.id follows job_workflow_ref.
	id, _, _ := get(nil, attest.GitHubOptions{JobWorkflowRef: "chainproof/builders/.github/workflows/go.yml@refs/tags/v2"})
	if id != "https://github.com/chainproof/builders/.github/workflows/go.yml@refs/tags/v2" {
		t.Errorf("builder.id = %q", id)
	}
	// Tags with '@' (changesets): path ends at the first '@'.
	_, refPath, _ := get(map[string]string{
		"GITHUB_WORKFLOW_REF": "chainproof/chainproof/.github/workflows/release.yml@refs/tags/pkg@1.0.0",
		"GITHUB_REF":          "refs/tags/pkg@1.0.0",
	}, attest.GitHubOptions{})
	if refPath != "refs/tags/pkg@1.0.0 .github/workflows/release.yml" {
		t.Errorf("ref path = %q", refPath)
	}
	// GitHub Enterprise Server.
	id, _, _ = get(map[string]string{"GITHUB_SERVER_URL": "https://ghe.example.com"}, attest.GitHubOptions{})
	if !strings.HasPrefix(id, "https://ghe.example.com/chainproof/") {
		t.Errorf("builder.id = %q", id)
	}
	// Repository ids may come from the event alone.
	if _, err := attest.GitHubProvenance(ctx, attest.Environ(recordedEnv(t, map[string]string{"GITHUB_REPOSITORY_ID": "-", "GITHUB_REPOSITORY_OWNER_ID": ""})), attest.GitHubOptions{}); err != nil {
		t.Errorf("ids from event: %v", err)
	}
}

func TestGitHubMissing(t *testing.T) {
	ctx := context.Background()
	all := []string{"GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_REPOSITORY_ID", "GITHUB_REPOSITORY_OWNER_ID",
		"GITHUB_WORKFLOW_REF", "GITHUB_REF", "GITHUB_SHA", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH",
		"GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "RUNNER_ENVIRONMENT"}
	tests := []struct {
		name string
		env  attest.LookupFunc
		opts attest.GitHubOptions
		want []string
	}{
		{"nothing", attest.Environ(nil), attest.GitHubOptions{}, all},
		{"nil lookup", nil, attest.GitHubOptions{}, all},
		{"nothing but an event", attest.Environ(nil), attest.GitHubOptions{Event: []byte(`{}`)}, slices.DeleteFunc(slices.Clone(all), func(s string) bool { return s == "GITHUB_EVENT_PATH" })},
		{"three missing, one empty", attest.Environ(recordedEnv(t, map[string]string{"GITHUB_SHA": "-", "RUNNER_ENVIRONMENT": "-", "GITHUB_RUN_ATTEMPT": "", "GITHUB_REF": "-"})), attest.GitHubOptions{},
			[]string{"GITHUB_REF", "GITHUB_SHA", "GITHUB_RUN_ATTEMPT", "RUNNER_ENVIRONMENT"}},
		{"ids without event", attest.Environ(recordedEnv(t, map[string]string{"GITHUB_REPOSITORY_ID": "-", "GITHUB_EVENT_PATH": "-"})), attest.GitHubOptions{Event: []byte(`{"repository":{"full_name":"chainproof/chainproof"}}`)},
			[]string{"GITHUB_REPOSITORY_ID"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := attest.GitHubProvenance(ctx, tc.env, tc.opts)
			var me *attest.MissingEnvError
			if !errors.As(err, &me) || !errors.Is(err, attest.ErrGitHubEnv) {
				t.Fatalf("got %v, want *MissingEnvError", err)
			}
			if !slices.Equal(me.Names, tc.want) {
				t.Fatalf("missing %v, want %v", me.Names, tc.want)
			}
			if !strings.Contains(err.Error(), strings.Join(tc.want, ", ")) {
				t.Fatalf("message %q does not name them all", err)
			}
		})
	}
}

func TestGitHubInvalid(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		over  map[string]string
		opts  attest.GitHubOptions
		err   error
		field string
	}{
		{"http server", map[string]string{"GITHUB_SERVER_URL": "http://github.com"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_SERVER_URL"},
		{"server with path", map[string]string{"GITHUB_SERVER_URL": "https://github.com/x"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_SERVER_URL"},
		{"server trailing slash", map[string]string{"GITHUB_SERVER_URL": "https://github.com/"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_SERVER_URL"},
		{"repository without owner", map[string]string{"GITHUB_REPOSITORY": "chainproof"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_REPOSITORY"},
		{"repository id not numeric", map[string]string{"GITHUB_REPOSITORY_ID": "12a"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_REPOSITORY_ID"},
		{"run id negative", map[string]string{"GITHUB_RUN_ID": "-1"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_RUN_ID"},
		{"short sha", map[string]string{"GITHUB_SHA": "5f3c1e9"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_SHA"},
		{"upper sha", map[string]string{"GITHUB_SHA": "5F3C1E9A7B2D4C6E8F0A1B3C5D7E9F1A2B4C6D8E"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_SHA"},
		{"ref not refs/", map[string]string{"GITHUB_REF": "main"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_REF"},
		{"runner environment", map[string]string{"RUNNER_ENVIRONMENT": "github_hosted"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "RUNNER_ENVIRONMENT"},
		{"workflow ref other repo", map[string]string{"GITHUB_WORKFLOW_REF": "evil/repo/.github/workflows/x.yml@refs/heads/main"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_WORKFLOW_REF"},
		{"workflow ref without ref", map[string]string{"GITHUB_WORKFLOW_REF": "chainproof/chainproof/.github/workflows/release.yml"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_WORKFLOW_REF"},
		{"job workflow ref shape", nil, attest.GitHubOptions{JobWorkflowRef: "release.yml@main"}, attest.ErrGitHubEnv, "JobWorkflowRef"},
		{"event repository id differs", map[string]string{"GITHUB_REPOSITORY_ID": "1"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_EVENT_PATH"},
		{"event owner id differs", map[string]string{"GITHUB_REPOSITORY_OWNER_ID": "1"}, attest.GitHubOptions{}, attest.ErrGitHubEnv, "GITHUB_EVENT_PATH"},
		{"event full_name differs", nil, attest.GitHubOptions{Event: []byte(`{"repository":{"full_name":"evil/repo"}}`)}, attest.ErrGitHubEnv, "GITHUB_EVENT_PATH"},
		{"event not object", nil, attest.GitHubOptions{Event: []byte(`[]`)}, attest.ErrMalformed, "GITHUB_EVENT_PATH"},
		{"event duplicate key", nil, attest.GitHubOptions{Event: []byte(`{"repository":{},"repository":{}}`)}, attest.ErrDuplicateKey, "GITHUB_EVENT_PATH"},
		{"event repository string", nil, attest.GitHubOptions{Event: []byte(`{"repository":"x"}`)}, attest.ErrGitHubEnv, "GITHUB_EVENT_PATH"},
		{"event file missing", map[string]string{"GITHUB_EVENT_PATH": filepath.Join(t.TempDir(), "none.json")}, attest.GitHubOptions{}, attest.ErrIO, "GITHUB_EVENT_PATH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := attest.GitHubProvenance(ctx, attest.Environ(recordedEnv(t, tc.over)), tc.opts)
			if p != nil {
				t.Fatal("got a predicate")
			}
			wantError(t, err, tc.err, tc.field)
		})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := attest.GitHubProvenance(cancelled, attest.Environ(recordedEnv(t, nil)), attest.GitHubOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestEnviron(t *testing.T) {
	env := attest.Environ([]string{"A=1", "B=", "A=2", "C=x=y", "junk"})
	for k, want := range map[string]string{"A": "2", "B": "", "C": "x=y"} {
		if v, ok := env(k); !ok || v != want {
			t.Errorf("%s = %q, %v", k, v, ok)
		}
	}
	if _, ok := env("junk"); ok {
		t.Error("junk is set")
	}
}

// TestGitHubMatchesBuildTypeExample cross-checks GitHubProvenance against
// the example in github.com/actions/buildtypes (workflow/v1/example.json):
// given that run's context, every value must match the example's. Two
// documented differences: the example predates the action's layout, so it
// spells buildType "https://github.com/actions/buildtypes/workflow/v1" and
// puts runner_environment in externalParameters, where
// @actions/attest (the code behind actions/attest-build-provenance) emits
// https://actions.github.io/buildtypes/workflow/v1 and
// internalParameters.github.runner_environment. The example's builder is a
// reusable workflow, hence JobWorkflowRef.
func TestGitHubMatchesBuildTypeExample(t *testing.T) {
	env := attest.Environ([]string{
		"GITHUB_SERVER_URL=https://github.com",
		"GITHUB_REPOSITORY=octocat/hello-world",
		"GITHUB_REPOSITORY_ID=1296269",
		"GITHUB_REPOSITORY_OWNER_ID=583231",
		"GITHUB_WORKFLOW_REF=octocat/hello-world/.github/workflow/release.yml@refs/heads/main",
		"GITHUB_REF=refs/heads/main",
		"GITHUB_SHA=c27d339ee6075c1f744c5d4b200f7901aad2c369",
		"GITHUB_EVENT_NAME=workflow_dispatch",
		"GITHUB_RUN_ID=1536140711",
		"GITHUB_RUN_ATTEMPT=1",
		"RUNNER_ENVIRONMENT=github-hosted",
	})
	p, err := attest.GitHubProvenance(context.Background(), env, attest.GitHubOptions{
		Event:          []byte(`{"ref":"refs/heads/main","repository":{"id":1296269,"full_name":"octocat/hello-world","owner":{"id":583231}}}`),
		JobWorkflowRef: "octocat/builders/.github/workflows/builder_go_slsa3.yml@refs/tags/v1.0.0",
	})
	if err != nil {
		t.Fatal(err)
	}
	bd, rd := p.GetBuildDefinition(), p.GetRunDetails()
	wf := bd.GetExternalParameters().GetFields()["workflow"].GetStructValue().GetFields()
	gh := bd.GetInternalParameters().GetFields()["github"].GetStructValue().GetFields()
	dep := bd.GetResolvedDependencies()[0]
	for name, c := range map[string][2]string{ // got, example.json
		"workflow.ref":        {wf["ref"].GetStringValue(), "refs/heads/main"},
		"workflow.repository": {wf["repository"].GetStringValue(), "https://github.com/octocat/hello-world"},
		"workflow.path":       {wf["path"].GetStringValue(), ".github/workflow/release.yml"},
		"event_name":          {gh["event_name"].GetStringValue(), "workflow_dispatch"},
		"repository_id":       {gh["repository_id"].GetStringValue(), "1296269"},
		"repository_owner_id": {gh["repository_owner_id"].GetStringValue(), "583231"},
		"dependency uri":      {dep.GetUri(), "git+https://github.com/octocat/hello-world@refs/heads/main"},
		"gitCommit":           {dep.GetDigest()["gitCommit"], "c27d339ee6075c1f744c5d4b200f7901aad2c369"},
		"builder.id":          {rd.GetBuilder().GetId(), "https://github.com/octocat/builders/.github/workflows/builder_go_slsa3.yml@refs/tags/v1.0.0"},
		"invocationId":        {rd.GetMetadata().GetInvocationId(), "https://github.com/octocat/hello-world/actions/runs/1536140711/attempts/1"},
	} {
		if c[0] != c[1] {
			t.Errorf("%s = %q, example says %q", name, c[0], c[1])
		}
	}
}
