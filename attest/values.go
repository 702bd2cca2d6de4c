package attest

import (
	"encoding/json"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"

	"github.com/chainproof/chainproof/sbom"
)

// SBOM reads the SBOM an SBOM statement carries (predicate type
// PredicateCycloneDX or PredicateSPDX, or a versioned form of either) into
// the sbom model, in one call: verify.Result.Statement.SBOM() gives the
// verified SBOM. The document must be of the format its predicate type
// names, and valid as package sbom decodes it.
func (s *Statement) SBOM() (*sbom.Document, sbom.Format, error) {
	want, ok := SBOMFormatOf(s.PredicateType)
	if !ok {
		return nil, "", newError("predicateType", ErrPredicateType, "not an SBOM: "+quote(s.PredicateType))
	}
	if len(s.Predicate) == 0 {
		return nil, "", newError("predicate", ErrPredicate, "missing")
	}
	doc, f, err := sbom.Decode(s.Predicate)
	if err != nil {
		return nil, "", newError("predicate", wrap(ErrPredicate, err), "")
	}
	if f != want {
		return nil, "", newError("predicate", ErrPredicate, "a "+string(f)+" document under predicate type "+quote(s.PredicateType))
	}
	return doc, f, nil
}

// ProvenanceView is SLSA provenance v1 as a consumer reads it: who built
// (BuilderID), how (BuildType, the external parameters), from what
// (ResolvedDependencies), which run (InvocationID) and, for GitHub
// Actions' workflow build type, which workflow (GitHub).
type ProvenanceView struct {
	BuildType            string
	BuilderID            string
	InvocationID         string
	StartedOn            time.Time
	FinishedOn           time.Time
	ExternalParameters   json.RawMessage
	ResolvedDependencies []Dependency
	// GitHub is set when BuildType is BuildTypeGitHubWorkflowV1.
	GitHub *GitHubWorkflow
}

// Dependency is a resolved dependency of a build (a SLSA resource
// descriptor).
type Dependency struct {
	URI    string
	Name   string
	Digest map[string]string
}

// GitHubWorkflow is the workflow of a GitHub Actions build
// (externalParameters.workflow of BuildTypeGitHubWorkflowV1) and the run's
// context from internalParameters.github.
type GitHubWorkflow struct {
	// Repository is the workflow's repository URL
	// (https://github.com/OWNER/NAME), Path its file
	// (.github/workflows/release.yml) and Ref the git ref it ran for.
	Repository, Path, Ref string
	// EventName, RepositoryID, RepositoryOwnerID and RunnerEnvironment
	// come from internalParameters.github, when present.
	EventName, RepositoryID, RepositoryOwnerID, RunnerEnvironment string
}

// Provenance reads the statement's SLSA provenance v1 predicate, validated
// as ParseProvenance validates it, into a ProvenanceView: in one call,
// verify.Result.Statement.Provenance() gives the verified provenance.
func (s *Statement) Provenance() (*ProvenanceView, error) {
	if s.PredicateType != PredicateSLSAProvenanceV1 {
		return nil, newError("predicateType", ErrPredicateType, quote(s.PredicateType))
	}
	if len(s.Predicate) == 0 {
		return nil, newError("predicate", ErrPredicate, "missing")
	}
	pred, err := structFromJSON("predicate", s.Predicate, MaxStatementSize)
	if err != nil {
		return nil, err
	}
	st := &intoto.Statement{Type: StatementTypeV1, PredicateType: s.PredicateType, Predicate: pred}
	for _, sub := range s.Subject {
		st.Subject = append(st.Subject, &intoto.ResourceDescriptor{Name: sub.Name, Digest: sub.Digest})
	}
	p, err := ParseProvenance(st)
	if err != nil {
		return nil, err
	}
	bd, rd := p.GetBuildDefinition(), p.GetRunDetails()
	v := &ProvenanceView{
		BuildType:    bd.GetBuildType(),
		BuilderID:    rd.GetBuilder().GetId(),
		InvocationID: rd.GetMetadata().GetInvocationId(),
	}
	if t := rd.GetMetadata().GetStartedOn(); t != nil {
		v.StartedOn = t.AsTime()
	}
	if t := rd.GetMetadata().GetFinishedOn(); t != nil {
		v.FinishedOn = t.AsTime()
	}
	if ep := bd.GetExternalParameters(); ep != nil {
		if v.ExternalParameters, err = ep.MarshalJSON(); err != nil {
			return nil, newError("predicate.buildDefinition.externalParameters", wrap(ErrPredicate, err), "")
		}
	}
	for _, d := range bd.GetResolvedDependencies() {
		v.ResolvedDependencies = append(v.ResolvedDependencies, Dependency{URI: d.GetUri(), Name: d.GetName(), Digest: d.GetDigest()})
	}
	if v.BuildType == BuildTypeGitHubWorkflowV1 {
		ext := bd.GetExternalParameters().GetFields()
		wf := ext["workflow"].GetStructValue().GetFields()
		gh := &GitHubWorkflow{
			Repository: wf["repository"].GetStringValue(),
			Path:       wf["path"].GetStringValue(),
			Ref:        wf["ref"].GetStringValue(),
		}
		if gh.Repository == "" || gh.Path == "" || gh.Ref == "" {
			return nil, newError("predicate.buildDefinition.externalParameters.workflow", ErrPredicate, "repository, path and ref are required for "+BuildTypeGitHubWorkflowV1)
		}
		in := bd.GetInternalParameters().GetFields()["github"].GetStructValue().GetFields()
		gh.EventName = in["event_name"].GetStringValue()
		gh.RepositoryID = in["repository_id"].GetStringValue()
		gh.RepositoryOwnerID = in["repository_owner_id"].GetStringValue()
		gh.RunnerEnvironment = in["runner_environment"].GetStringValue()
		v.GitHub = gh
	}
	return v, nil
}
