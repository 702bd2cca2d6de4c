package oidctest

import (
	"strings"
)

// EmailClaims returns the claims of an email identity as Fulcio's "email"
// issuer type reads them: sub, email and email_verified=true.
func EmailClaims(email string) map[string]any {
	return map[string]any{"sub": email, "email": email, "email_verified": true}
}

// GitHubURL is the server URL Fulcio's github-workflow templates put in
// front of repository and workflow names.
const GitHubURL = "https://github.com"

// GitHubClaims describes a GitHub Actions workflow run, the identity a
// GitHub Actions OIDC token carries. Empty fields take the defaults listed;
// WithDefaults shows the filled-in values.
type GitHubClaims struct {
	Repository           string // "chainproof/example" (owner/name)
	RepositoryID         string // "100001"
	RepositoryOwnerID    string // "200002"
	RepositoryVisibility string // "public"
	WorkflowPath         string // ".github/workflows/release.yml"
	Workflow             string // "release" (the workflow's name)
	Ref                  string // "refs/heads/main"
	SHA                  string // 40 hex digits of a fixed commit
	EventName            string // "push"
	RunnerEnvironment    string // "github-hosted"
	RunID                string // "300003"
	RunAttempt           string // "1"
	RunNumber            string // "7"
	Actor                string // the repository owner
	ActorID              string // RepositoryOwnerID
	Environment          string // "" (no deployment environment claim)
	// JobWorkflowRef is the reusable workflow that ran the job, as
	// "owner/repo/path@ref"; default: this repository's WorkflowPath@Ref.
	JobWorkflowRef string
	// JobWorkflowSHA defaults to SHA.
	JobWorkflowSHA string
}

// DefaultSHA is the commit the default GitHubClaims name.
const DefaultSHA = "0123456789abcdef0123456789abcdef01234567"

// WithDefaults returns c with every empty field set to its default.
func (c GitHubClaims) WithDefaults() GitHubClaims {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.Repository, "chainproof/example")
	def(&c.RepositoryID, "100001")
	def(&c.RepositoryOwnerID, "200002")
	def(&c.RepositoryVisibility, "public")
	def(&c.WorkflowPath, ".github/workflows/release.yml")
	def(&c.Workflow, "release")
	def(&c.Ref, "refs/heads/main")
	def(&c.SHA, DefaultSHA)
	def(&c.EventName, "push")
	def(&c.RunnerEnvironment, "github-hosted")
	def(&c.RunID, "300003")
	def(&c.RunAttempt, "1")
	def(&c.RunNumber, "7")
	def(&c.Actor, c.Owner())
	def(&c.ActorID, c.RepositoryOwnerID)
	def(&c.JobWorkflowRef, c.WorkflowRef())
	def(&c.JobWorkflowSHA, c.SHA)
	return c
}

// Owner is the owner part of Repository.
func (c GitHubClaims) Owner() string {
	owner, _, _ := strings.Cut(c.Repository, "/")
	return owner
}

// WorkflowRef is "owner/repo/WorkflowPath@Ref", the workflow_ref claim.
func (c GitHubClaims) WorkflowRef() string {
	return c.Repository + "/" + c.WorkflowPath + "@" + c.Ref
}

// SAN is the certificate's URI subject alternative name Fulcio derives
// from these claims: https://github.com/ + job_workflow_ref.
func (c GitHubClaims) SAN() string {
	return GitHubURL + "/" + c.WithDefaults().JobWorkflowRef
}

// Subject is the "sub" claim GitHub sends: repo:owner/name:ref:REF (or
// :environment:ENV when a deployment environment is set).
func (c GitHubClaims) Subject() string {
	c = c.WithDefaults()
	if c.Environment != "" {
		return "repo:" + c.Repository + ":environment:" + c.Environment
	}
	return "repo:" + c.Repository + ":ref:" + c.Ref
}

// Claims returns the token claims GitHub Actions sends (all strings, as
// GitHub sends them), with defaults applied.
func (c GitHubClaims) Claims() map[string]any {
	c = c.WithDefaults()
	refType := "branch"
	if strings.HasPrefix(c.Ref, "refs/tags/") {
		refType = "tag"
	}
	m := map[string]any{
		"sub":                   c.Subject(),
		"repository":            c.Repository,
		"repository_id":         c.RepositoryID,
		"repository_owner":      c.Owner(),
		"repository_owner_id":   c.RepositoryOwnerID,
		"repository_visibility": c.RepositoryVisibility,
		"ref":                   c.Ref,
		"ref_type":              refType,
		"sha":                   c.SHA,
		"workflow":              c.Workflow,
		"workflow_ref":          c.WorkflowRef(),
		"workflow_sha":          c.SHA,
		"job_workflow_ref":      c.JobWorkflowRef,
		"job_workflow_sha":      c.JobWorkflowSHA,
		"event_name":            c.EventName,
		"run_id":                c.RunID,
		"run_number":            c.RunNumber,
		"run_attempt":           c.RunAttempt,
		"runner_environment":    c.RunnerEnvironment,
		"actor":                 c.Actor,
		"actor_id":              c.ActorID,
	}
	if c.Environment != "" {
		m["environment"] = c.Environment
	}
	return m
}
