package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
)

const (
	// BuildTypeGitHubWorkflowV1 is the buildType of GitHub's own build
	// provenance (actions/attest-build-provenance, @actions/attest).
	BuildTypeGitHubWorkflowV1 = "https://actions.github.io/buildtypes/workflow/v1"

	// MaxEventSize bounds the GitHub event file (GITHUB_EVENT_PATH).
	MaxEventSize = 16 << 20
)

// LookupFunc returns an environment variable's value and whether it is
// set. os.LookupEnv is one.
type LookupFunc func(key string) (string, bool)

// Environ returns a LookupFunc over a list of "KEY=value" strings, such as
// os.Environ() or a recorded environment. A later entry for the same key
// wins, as in os/exec.
func Environ(environ []string) LookupFunc {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(key string) (string, bool) {
		v, ok := m[key]
		return v, ok
	}
}

// GitHubOptions tunes GitHubProvenance. The zero value reads everything
// from the environment.
type GitHubOptions struct {
	// Event is the webhook event payload. When nil, the file named by
	// GITHUB_EVENT_PATH is read (at most MaxEventSize bytes).
	Event []byte
	// JobWorkflowRef is the job_workflow_ref claim of the run's OIDC
	// token ("OWNER/REPO/PATH@REF"), which names the workflow whose job
	// runs (a reusable workflow's, when one is called). GitHub's action
	// derives builder.id from it. When empty, GITHUB_WORKFLOW_REF is used,
	// which is the same for a job of a top-level workflow.
	JobWorkflowRef string
}

// githubVars are the variables GitHubProvenance reads, in the order a
// MissingEnvError lists them.
var githubVars = []string{
	"GITHUB_SERVER_URL",
	"GITHUB_REPOSITORY",
	"GITHUB_REPOSITORY_ID",
	"GITHUB_REPOSITORY_OWNER_ID",
	"GITHUB_WORKFLOW_REF",
	"GITHUB_REF",
	"GITHUB_SHA",
	"GITHUB_EVENT_NAME",
	"GITHUB_EVENT_PATH",
	"GITHUB_RUN_ID",
	"GITHUB_RUN_ATTEMPT",
	"RUNNER_ENVIRONMENT",
}

// githubEvent is the part of the event payload GitHubProvenance checks.
type githubEvent struct {
	Repository *struct {
		ID       json.Number `json:"id"`
		FullName string      `json:"full_name"`
		Owner    *struct {
			ID json.Number `json:"id"`
		} `json:"owner"`
	} `json:"repository"`
}

// GitHubProvenance builds the SLSA provenance v1 predicate that GitHub's
// actions/attest-build-provenance produces for the current workflow run,
// from the runner's environment (env) and event payload:
//
//	buildDefinition.buildType          BuildTypeGitHubWorkflowV1
//	  externalParameters.workflow      {ref, repository: SERVER_URL/REPOSITORY, path}
//	                                   (path and ref split from GITHUB_WORKFLOW_REF)
//	  internalParameters.github        {event_name, repository_id,
//	                                    repository_owner_id, runner_environment}
//	  resolvedDependencies             [{uri: git+SERVER_URL/REPOSITORY@GITHUB_REF,
//	                                     digest: {gitCommit: GITHUB_SHA}}]
//	runDetails.builder.id              SERVER_URL/JOB_WORKFLOW_REF
//	  metadata.invocationId            SERVER_URL/REPOSITORY/actions/runs/RUN_ID/attempts/RUN_ATTEMPT
//
// It reads GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_REPOSITORY_ID,
// GITHUB_REPOSITORY_OWNER_ID, GITHUB_WORKFLOW_REF, GITHUB_REF, GITHUB_SHA,
// GITHUB_EVENT_NAME, GITHUB_EVENT_PATH (unless opts.Event is set),
// GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT and RUNNER_ENVIRONMENT. If any is unset
// or empty it returns a *MissingEnvError naming all of them (the two
// repository ids may instead come from the event's repository object).
// The event must be a JSON object; when it has a repository object, its
// full_name, id and owner.id must agree with the environment. Values are
// checked for shape (numeric ids, a 40- or 64-hex commit, an https server
// URL, a workflow ref inside the repository, runner_environment
// github-hosted or self-hosted); failures are an *Error naming the
// variable and wrapping ErrGitHubEnv.
func GitHubProvenance(ctx context.Context, env LookupFunc, opts GitHubOptions) (*slsa.Provenance, error) {
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	v := make(map[string]string, len(githubVars))
	for _, k := range githubVars {
		if s, ok := env(k); ok {
			v[k] = s
		}
	}
	event := opts.Event
	if event == nil && v["GITHUB_EVENT_PATH"] != "" {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if event, err = readBounded(v["GITHUB_EVENT_PATH"], MaxEventSize); err != nil {
			return nil, err
		}
	}
	var ev githubEvent
	if event != nil {
		if err := checkJSONObject("GITHUB_EVENT_PATH", event); err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(event))
		dec.UseNumber()
		if err := dec.Decode(&ev); err != nil {
			return nil, newError("GITHUB_EVENT_PATH", wrap(ErrGitHubEnv, err), "event repository object")
		}
	}
	if r := ev.Repository; r != nil {
		// Older payload-only fallbacks for the two numeric ids.
		if v["GITHUB_REPOSITORY_ID"] == "" && r.ID != "" {
			v["GITHUB_REPOSITORY_ID"] = r.ID.String()
		}
		if v["GITHUB_REPOSITORY_OWNER_ID"] == "" && r.Owner != nil && r.Owner.ID != "" {
			v["GITHUB_REPOSITORY_OWNER_ID"] = r.Owner.ID.String()
		}
	}
	var missing []string
	for _, k := range githubVars {
		if v[k] == "" && !(k == "GITHUB_EVENT_PATH" && opts.Event != nil) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, &MissingEnvError{Names: missing}
	}

	bad := func(name, why string) error {
		return newError(name, ErrGitHubEnv, why+": "+quote(v[name]))
	}
	server := v["GITHUB_SERVER_URL"]
	if !strings.HasPrefix(server, "https://") || strings.HasSuffix(server, "/") || strings.ContainsAny(server[len("https://"):], "/?#@ ") || len(server) == len("https://") {
		return nil, bad("GITHUB_SERVER_URL", "want https://HOST")
	}
	repo := v["GITHUB_REPOSITORY"]
	if owner, name, ok := strings.Cut(repo, "/"); !ok || owner == "" || name == "" || strings.ContainsAny(name, "/@ ") {
		return nil, bad("GITHUB_REPOSITORY", "want OWNER/REPO")
	}
	for _, k := range []string{"GITHUB_REPOSITORY_ID", "GITHUB_REPOSITORY_OWNER_ID", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT"} {
		if !isDecimal(v[k]) {
			return nil, bad(k, "want a decimal number")
		}
	}
	if sha := v["GITHUB_SHA"]; !isLowerHex(sha) || (len(sha) != 40 && len(sha) != 64) {
		return nil, bad("GITHUB_SHA", "want a 40- or 64-character lowercase hex commit id")
	}
	if !strings.HasPrefix(v["GITHUB_REF"], "refs/") {
		return nil, bad("GITHUB_REF", "want refs/...")
	}
	runner := v["RUNNER_ENVIRONMENT"]
	if runner != "github-hosted" && runner != "self-hosted" {
		return nil, bad("RUNNER_ENVIRONMENT", "want github-hosted or self-hosted")
	}
	path, ref, err := splitWorkflowRef(repo, v["GITHUB_WORKFLOW_REF"])
	if err != nil {
		return nil, bad("GITHUB_WORKFLOW_REF", err.Error())
	}
	jobRef := v["GITHUB_WORKFLOW_REF"]
	if opts.JobWorkflowRef != "" {
		jobRef = opts.JobWorkflowRef
		if p, _, ok := strings.Cut(jobRef, "@"); !ok || strings.Count(p, "/") < 2 {
			return nil, newError("JobWorkflowRef", ErrGitHubEnv, "want OWNER/REPO/PATH@REF: "+quote(jobRef))
		}
	}
	if r := ev.Repository; r != nil {
		if r.FullName != "" && r.FullName != repo {
			return nil, newError("GITHUB_EVENT_PATH", ErrGitHubEnv, fmt.Sprintf("event repository.full_name %s differs from GITHUB_REPOSITORY %s", quote(r.FullName), quote(repo)))
		}
		if r.ID != "" && r.ID.String() != v["GITHUB_REPOSITORY_ID"] {
			return nil, newError("GITHUB_EVENT_PATH", ErrGitHubEnv, fmt.Sprintf("event repository.id %s differs from GITHUB_REPOSITORY_ID %s", r.ID, quote(v["GITHUB_REPOSITORY_ID"])))
		}
		if r.Owner != nil && r.Owner.ID != "" && r.Owner.ID.String() != v["GITHUB_REPOSITORY_OWNER_ID"] {
			return nil, newError("GITHUB_EVENT_PATH", ErrGitHubEnv, fmt.Sprintf("event repository.owner.id %s differs from GITHUB_REPOSITORY_OWNER_ID %s", r.Owner.ID, quote(v["GITHUB_REPOSITORY_OWNER_ID"])))
		}
	}

	repoURL := server + "/" + repo
	return NewProvenance(Build{
		BuildType: BuildTypeGitHubWorkflowV1,
		ExternalParameters: map[string]any{
			"workflow": map[string]any{
				"ref":        ref,
				"repository": repoURL,
				"path":       path,
			},
		},
		InternalParameters: map[string]any{
			"github": map[string]any{
				"event_name":          v["GITHUB_EVENT_NAME"],
				"repository_id":       v["GITHUB_REPOSITORY_ID"],
				"repository_owner_id": v["GITHUB_REPOSITORY_OWNER_ID"],
				"runner_environment":  runner,
			},
		},
		ResolvedDependencies: []*intoto.ResourceDescriptor{{
			Uri:    "git+" + repoURL + "@" + v["GITHUB_REF"],
			Digest: map[string]string{string(intoto.AlgorithmGitCommit): v["GITHUB_SHA"]},
		}},
		BuilderID:    server + "/" + jobRef,
		InvocationID: repoURL + "/actions/runs/" + v["GITHUB_RUN_ID"] + "/attempts/" + v["GITHUB_RUN_ATTEMPT"],
	})
}

// splitWorkflowRef splits "OWNER/REPO/PATH@REF" into PATH and REF as
// GitHub's action does: strip "OWNER/REPO/", then split at the first "@"
// (the ref keeps any later "@", as in changeset tags "pkg@1.0.0").
func splitWorkflowRef(repo, workflowRef string) (path, ref string, err error) {
	rest, ok := strings.CutPrefix(workflowRef, repo+"/")
	if !ok {
		return "", "", fmt.Errorf("want %s/PATH@REF", repo)
	}
	path, ref, ok = strings.Cut(rest, "@")
	if !ok || path == "" || ref == "" {
		return "", "", fmt.Errorf("want %s/PATH@REF", repo)
	}
	return path, ref, nil
}

func isDecimal(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// readBounded reads at most limit bytes of the file at path.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, newError("GITHUB_EVENT_PATH", wrap(ErrIO, err), "")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, newError("GITHUB_EVENT_PATH", wrap(ErrIO, err), "")
	}
	if int64(len(data)) > limit {
		return nil, newError("GITHUB_EVENT_PATH", ErrTooLarge, fmt.Sprintf("more than %d bytes", limit))
	}
	return data, nil
}
