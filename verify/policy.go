package verify

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
)

// GitHubActionsIssuer is the OIDC issuer of GitHub Actions workflow tokens.
const GitHubActionsIssuer = "https://token.actions.githubusercontent.com"

// Match matches one string. Exactly one of Exact and Regexp must be set.
// Regexp is RE2 syntax and must match the whole value (it is anchored).
// IgnoreCase makes Exact case-insensitive under ASCII folding only (for
// repository URIs, whose owner and name GitHub treats case-insensitively);
// non-ASCII characters must match exactly.
type Match struct {
	Exact      string `json:"exact,omitempty"`
	Regexp     string `json:"regexp,omitempty"`
	IgnoreCase bool   `json:"ignoreCase,omitempty"`
}

// Exact returns a Match for exactly s.
func Exact(s string) Match { return Match{Exact: s} }

// Regexp returns a Match for the anchored RE2 expression expr.
func Regexp(expr string) Match { return Match{Regexp: expr} }

func (m Match) isZero() bool { return m == Match{} }

func (m Match) String() string {
	switch {
	case m.Regexp != "":
		return "~" + m.Regexp
	case m.IgnoreCase:
		return fmt.Sprintf("%q (case-insensitive)", m.Exact)
	default:
		return fmt.Sprintf("%q", m.Exact)
	}
}

// compiledMatch is a validated Match.
type compiledMatch struct {
	m  Match
	re *regexp.Regexp
}

func (m Match) compile(field string) (compiledMatch, error) {
	switch {
	case m.Exact != "" && m.Regexp != "":
		return compiledMatch{}, fmt.Errorf("%s: both exact and regexp set", field)
	case m.Exact == "" && m.Regexp == "":
		return compiledMatch{}, fmt.Errorf("%s: empty match", field)
	case m.Regexp != "":
		if m.IgnoreCase {
			return compiledMatch{}, fmt.Errorf("%s: ignoreCase applies to exact matches only (use (?i) in the regexp)", field)
		}
		// Compile the expression on its own first: only a well-formed
		// expression can be wrapped safely. Pasted unchecked, "a)|(?:.*"
		// would turn ^(?:...)$ into an unanchored alternation.
		if _, err := regexp.Compile(m.Regexp); err != nil {
			return compiledMatch{}, fmt.Errorf("%s: %w", field, err)
		}
		re, err := regexp.Compile(`^(?:` + m.Regexp + `)$`)
		if err != nil {
			return compiledMatch{}, fmt.Errorf("%s: %w", field, err)
		}
		return compiledMatch{m: m, re: re}, nil
	}
	return compiledMatch{m: m}, nil
}

func (c compiledMatch) match(s string) bool {
	switch {
	case c.re != nil:
		return c.re.MatchString(s)
	case c.m.IgnoreCase:
		return asciiEqualFold(c.m.Exact, s)
	default:
		return c.m.Exact == s
	}
}

// asciiEqualFold reports whether a and b are equal under ASCII case
// folding. strings.EqualFold also folds non-ASCII runes onto ASCII letters
// (U+212A KELVIN SIGN onto 'k', U+017F LONG S onto 's'), which no
// repository URI comparison should accept.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Identity is one acceptable signer identity of a Fulcio certificate. All
// set fields must match. Issuer and SAN are required.
type Identity struct {
	// Issuer matches the OIDC issuer recorded in the certificate.
	Issuer Match `json:"issuer"`
	// SAN matches the subject alternative name (email, URI, ...).
	SAN Match `json:"san"`
	// Extensions matches Fulcio certificate extensions by their JSON name
	// in sigstore-go's certificate.Extensions: sourceRepositoryURI,
	// sourceRepositoryRef, sourceRepositoryDigest, runnerEnvironment,
	// buildSignerURI, buildSignerDigest, buildConfigURI, buildTrigger,
	// sourceRepositoryOwnerURI, runInvocationURI, ... Unknown names are a
	// policy error.
	Extensions map[string]Match `json:"extensions,omitempty"`

	// invalid is why GitHubWorkflowIdentity could not build this identity.
	invalid error
	// github keeps GitHubWorkflowIdentity's arguments (policy documents
	// write them back).
	github *GitHubDocument
}

func (id Identity) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "issuer=%s san=%s", id.Issuer, id.SAN)
	for _, k := range sortedKeys(id.Extensions) {
		fmt.Fprintf(&b, " %s=%s", k, id.Extensions[k])
	}
	return b.String()
}

// extensionFields maps the JSON names of certificate.Extensions to field
// indexes.
var extensionFields = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeOf(certificate.Extensions{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && t.Field(i).Type.Kind() == reflect.String {
			m[name] = i
		}
	}
	return m
}()

func extensionValue(ext certificate.Extensions, name string) string {
	return reflect.ValueOf(ext).Field(extensionFields[name]).String()
}

type compiledIdentity struct {
	id     Identity
	issuer compiledMatch
	san    compiledMatch
	exts   []string
	ext    map[string]compiledMatch
}

func (id Identity) compile(i int) (*compiledIdentity, error) {
	c := &compiledIdentity{id: id, ext: map[string]compiledMatch{}}
	if id.invalid != nil {
		return nil, fmt.Errorf("identities[%d]: %w", i, id.invalid)
	}
	var err error
	if c.issuer, err = id.Issuer.compile(fmt.Sprintf("identities[%d].issuer", i)); err != nil {
		return nil, err
	}
	if c.san, err = id.SAN.compile(fmt.Sprintf("identities[%d].san", i)); err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(id.Extensions) {
		if _, ok := extensionFields[k]; !ok || k == "issuer" {
			return nil, fmt.Errorf("identities[%d].extensions: unknown extension %q", i, k)
		}
		m, err := id.Extensions[k].compile(fmt.Sprintf("identities[%d].extensions.%s", i, k))
		if err != nil {
			return nil, err
		}
		c.ext[k] = m
		c.exts = append(c.exts, k)
	}
	return c, nil
}

// mismatch returns nil when the certificate matches.
func (c *compiledIdentity) mismatch(i int, cert *Certificate) *IdentityMismatch {
	mm := func(field string, want compiledMatch, got string) *IdentityMismatch {
		m := &IdentityMismatch{Index: i, Identity: c.id.String(), Field: field, Want: want.m.String(), Got: got}
		m.Reason = reasons[field]
		if m.Reason == "" {
			m.Reason = "another " + field
		}
		m.Hint = want.hint(got)
		if c.id.github != nil {
			c.explainGitHub(m, cert)
		}
		return m
	}
	if !c.issuer.match(cert.Issuer) {
		return mm("issuer", c.issuer, cert.Issuer)
	}
	if !c.san.match(cert.SAN) {
		return mm("san", c.san, cert.SAN)
	}
	for _, k := range c.exts {
		got := extensionValue(cert.Extensions, k)
		if !c.ext[k].match(got) {
			return mm(k, c.ext[k], got)
		}
	}
	return nil
}

// reasons name, for a person, what a mismatch of a field means.
var reasons = map[string]string{
	"issuer":              "another issuer",
	"san":                 "another signer",
	"sourceRepositoryURI": "another repository (a fork?)",
	"sourceRepositoryRef": "another ref",
	"runnerEnvironment":   "another runner environment",
	"buildSignerURI":      "another workflow",
	"buildConfigURI":      "another workflow",
}

// hint says how a regexp that does not match got was probably meant:
// anchored here, it would have matched part of got, as cosign's
// unanchored --certificate-identity-regexp does.
func (c compiledMatch) hint(got string) string {
	if c.re == nil {
		if c.m.Exact != "" && strings.EqualFold(c.m.Exact, got) && !c.m.IgnoreCase {
			return "it differs only in case"
		}
		return ""
	}
	if re, err := regexp.Compile(c.m.Regexp); err == nil && re.MatchString(got) {
		return fmt.Sprintf("the regexp matches part of it, but must match all of it: regexps here are anchored, unlike cosign's; write %q to match anywhere", ".*"+c.m.Regexp+".*")
	}
	return ""
}

// explainGitHub names the part of a GitHub workflow identity that differs:
// the repository, the workflow file, the ref or the runner, with the
// certificate's value and the policy's pattern.
func (c *compiledIdentity) explainGitHub(m *IdentityMismatch, cert *Certificate) {
	gh := c.id.github
	m.Hint = "" // the regexps are generated, not the caller's
	switch m.Field {
	case "issuer":
		m.Detail = fmt.Sprintf("the certificate is from %q, not GitHub Actions", m.Got)
		return
	case "runnerEnvironment":
		if m.Got == "self-hosted" {
			m.Reason = "a self-hosted runner"
		}
		m.Detail = fmt.Sprintf("the workflow ran on a %q runner; the policy wants GitHub-hosted runners (delete Extensions[\"runnerEnvironment\"] to allow others)", m.Got)
		return
	case "sourceRepositoryRef":
		m.Detail = fmt.Sprintf("the workflow ran for %s; the policy wants %s", m.Got, gh.Ref)
		return
	case "sourceRepositoryURI":
		m.Detail = fmt.Sprintf("the workflow ran in %s; the policy wants %s", strings.TrimPrefix(m.Got, "https://github.com/"), gh.Repository)
		return
	case "san":
	default:
		return
	}
	// https://github.com/OWNER/NAME/PATH@REF
	rest, ok := strings.CutPrefix(cert.SAN, "https://github.com/")
	at := strings.LastIndexByte(rest, '@')
	parts := strings.SplitN(rest[:max(at, 0)], "/", 3)
	if !ok || at < 0 || len(parts) != 3 {
		m.Reason = "not a GitHub workflow"
		m.Detail = fmt.Sprintf("the certificate names %q, not https://github.com/OWNER/NAME/WORKFLOW@REF", cert.SAN)
		return
	}
	repo, path, ref := parts[0]+"/"+parts[1], parts[2], rest[at+1:]
	full := func(pattern string, caseless bool) *regexp.Regexp {
		return regexp.MustCompile(`^(?:` + segmentGlob(pattern, caseless) + `)$`)
	}
	switch {
	case !full(gh.Repository, true).MatchString(repo):
		m.Reason = "another repository (a fork?)"
		m.Detail = fmt.Sprintf("signed by a workflow of %s; the policy wants %s", repo, gh.Repository)
	case !full(gh.Workflow, false).MatchString(path):
		m.Reason = "another workflow"
		m.Detail = fmt.Sprintf("signed by %s; the policy wants %s", path, gh.Workflow)
	case !full(gh.Ref, false).MatchString(ref):
		m.Reason = "another ref"
		m.Detail = fmt.Sprintf("signed at %s; the policy wants %s", ref, gh.Ref)
	}
}

// GitHubWorkflowIdentity returns the identity of a GitHub Actions workflow.
// Its arguments are patterns in which '*' matches any characters within one
// path segment: never a '/' or an '@' (other characters are literal):
//
//   - repository is "OWNER/NAME" (not a URL), matched ASCII
//     case-insensitively, as GitHub treats owner and repository names;
//   - workflowPath is the workflow file's path in the repository, under
//     ".github/workflows/" (e.g. ".github/workflows/release.yml" or
//     ".github/workflows/*");
//   - ref is a full git ref, starting "refs/" (e.g. "refs/tags/v*" or
//     "refs/heads/main"; a bare "main" is not a ref).
//
// The SAN must be https://github.com/OWNER/NAME/WORKFLOW@REF, the issuer
// GitHub Actions', the source repository URI https://github.com/OWNER/NAME,
// the source repository ref extension must match ref as well, and the
// workflow must have run on a GitHub-hosted runner (runnerEnvironment
// "github-hosted"); delete Extensions["runnerEnvironment"] to allow
// self-hosted runners.
//
// Arguments that are not of these forms give an Identity that every
// Verify refuses with a CheckPolicy *Error wrapping ErrPolicy (and
// ErrWorkflowIdentity): never a policy that silently matches nothing, or
// more than was meant.
func GitHubWorkflowIdentity(repository, workflowPath, ref string) Identity {
	if err := checkWorkflowArgs(repository, workflowPath, ref); err != nil {
		// The SAN is left empty, so that even a JSON round trip of this
		// identity (which drops the error) is refused by the policy check.
		return Identity{Issuer: Exact(GitHubActionsIssuer), invalid: err}
	}
	repoRE := segmentGlob(repository, true)
	refRE := segmentGlob(ref, false)
	return Identity{
		github: &GitHubDocument{Repository: repository, Workflow: workflowPath, Ref: ref},
		Issuer: Exact(GitHubActionsIssuer),
		SAN:    Regexp(`https://github\.com/` + repoRE + `/` + segmentGlob(workflowPath, false) + `@` + refRE),
		Extensions: map[string]Match{
			"sourceRepositoryURI": Regexp(`https://github\.com/` + repoRE),
			"sourceRepositoryRef": Regexp(refRE),
			"runnerEnvironment":   Exact("github-hosted"),
		},
	}
}

// ErrWorkflowIdentity: GitHubWorkflowIdentity was given a repository,
// workflow path or ref not of the documented form (a kind of ErrPolicy).
var ErrWorkflowIdentity = newSentinel("invalid GitHub workflow identity", ErrPolicy)

// workflowIdentityError says which argument of GitHubWorkflowIdentity is
// malformed.
type workflowIdentityError struct {
	arg, value, want string
}

func (e *workflowIdentityError) Error() string {
	return fmt.Sprintf("%s: %s %.200q: want %s", ErrWorkflowIdentity, e.arg, e.value, e.want)
}

func (e *workflowIdentityError) Unwrap() error { return ErrWorkflowIdentity }

// GitHub's owner names are ASCII letters, digits and '-'; repository names
// add '.' and '_'. A pattern may use '*' within a segment.
var (
	ghOwnerPattern = regexp.MustCompile(`^[A-Za-z0-9*-]{1,39}$`)
	ghNamePattern  = regexp.MustCompile(`^[A-Za-z0-9._*-]{1,100}$`)
)

const workflowsDir = ".github/workflows/"

func checkWorkflowArgs(repository, workflowPath, ref string) error {
	owner, name, ok := strings.Cut(repository, "/")
	switch {
	case strings.Contains(repository, "://") || strings.HasPrefix(strings.ToLower(repository), "github.com/"):
		return &workflowIdentityError{"repository", repository, `"OWNER/NAME", not a URL`}
	case !ok || !ghOwnerPattern.MatchString(owner) || !ghNamePattern.MatchString(name) || name == "." || name == "..":
		return &workflowIdentityError{"repository", repository, `"OWNER/NAME" (letters, digits, '-', '.', '_' and '*')`}
	}
	file, ok := strings.CutPrefix(workflowPath, workflowsDir)
	if !ok || file == "" || strings.ContainsAny(file, "/@") || !utf8.ValidString(file) || hasControl(file) {
		return &workflowIdentityError{"workflow path", workflowPath, `a file directly under "` + workflowsDir + `", e.g. "` + workflowsDir + `release.yml"`}
	}
	rest, ok := strings.CutPrefix(ref, "refs/")
	if !ok || rest == "" || strings.HasSuffix(ref, "/") || strings.Contains(ref, "//") || !utf8.ValidString(ref) || hasControl(ref) {
		return &workflowIdentityError{"ref", ref, `a full git ref pattern, e.g. "refs/heads/main" or "refs/tags/v*"`}
	}
	return nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

// segmentGlob quotes pattern as an RE2 expression in which '*' matches any
// run of characters other than '/' and '@'. caseless folds ASCII letters
// only (RE2's (?i) also folds non-ASCII runes such as the Kelvin sign into
// 'k').
func segmentGlob(pattern string, caseless bool) string {
	var b strings.Builder
	for _, r := range pattern {
		switch {
		case r == '*':
			b.WriteString(`[^/@]*`)
		case caseless && r < utf8.RuneSelf && unicode.IsLetter(r):
			b.WriteString("[" + string(unicode.ToLower(r)) + string(unicode.ToUpper(r)) + "]")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// Predicate type URIs and the short names ParsePredicateType accepts.
var predicateShortNames = map[string]string{
	"slsaprovenance":   "https://slsa.dev/provenance/v0.2",
	"slsaprovenance02": "https://slsa.dev/provenance/v0.2",
	"slsaprovenance1":  "https://slsa.dev/provenance/v1",
	"cyclonedx":        "https://cyclonedx.org/bom",
	"spdxjson":         "https://spdx.dev/Document",
	"spdx":             "https://spdx.dev/Document",
	"vuln":             "https://cosign.sigstore.dev/attestation/vuln/v1",
	"openvex":          "https://openvex.dev/ns",
	"link":             "https://in-toto.io/attestation/link/v0.3",
	"release":          "https://in-toto.io/attestation/release/v0.1",
	"custom":           "https://cosign.sigstore.dev/attestation/v1",
}

// PredicateSLSAProvenanceV1 is the SLSA provenance v1 predicate type.
const PredicateSLSAProvenanceV1 = "https://slsa.dev/provenance/v1"

// ParsePredicateType resolves a predicate type given as a full URI or a
// short name (slsaprovenance1, slsaprovenance (v0.2), cyclonedx, spdxjson,
// spdx, vuln, openvex, link, release, custom).
func ParsePredicateType(s string) (string, error) {
	if u, ok := predicateShortNames[strings.ToLower(s)]; ok {
		return u, nil
	}
	if strings.Contains(s, "://") {
		return s, nil
	}
	return "", fmt.Errorf("verify: %w: unknown predicate type %q", ErrPolicy, s)
}

// SLSAPolicy constrains a SLSA provenance v1 predicate. Set fields must
// match: BuilderID is runDetails.builder.id; BuildType is
// buildDefinition.buildType; SourceRepository and Ref are read together
// from buildDefinition.externalParameters.workflow.{repository,ref}
// (GitHub's buildType) when the predicate has that object, otherwise from
// resolvedDependencies[0].uri ("git+URL@REF"); never one from each.
type SLSAPolicy struct {
	BuilderID        Match `json:"builderId,omitzero"`
	BuildType        Match `json:"buildType,omitzero"`
	SourceRepository Match `json:"sourceRepository,omitzero"`
	Ref              Match `json:"ref,omitzero"`
}

// AttestationPolicy constrains the in-toto statement of a DSSE bundle. The
// statement's subjects must include the artifact's digest (always checked).
type AttestationPolicy struct {
	// PredicateType is required: a full URI or a short name (see
	// ParsePredicateType).
	PredicateType string `json:"predicateType"`
	// SLSA, if non-nil, requires a SLSA provenance v1 predicate matching it.
	SLSA *SLSAPolicy `json:"slsa,omitempty"`
	// SameRepository requires the signing certificate's source repository
	// (its sourceRepositoryURI extension) to be the repository the SLSA
	// provenance v1 predicate says was built (workflow.repository, or the
	// first resolved dependency), compared ASCII case-insensitively: an
	// attestation signed in one repository about a build of another is
	// refused. GitHubProvenancePolicy sets it.
	SameRepository bool `json:"sameRepository,omitempty"`
}

// GitHubProvenancePolicy is the policy for SLSA provenance made by a
// GitHub Actions workflow (what GitHub's attest-build-provenance action
// writes): signed by GitHubWorkflowIdentity(repository, workflowPath, ref),
// about a build of that same repository (SameRepository).
func GitHubProvenancePolicy(repository, workflowPath, ref string) Policy {
	return Policy{
		Identities:  []Identity{GitHubWorkflowIdentity(repository, workflowPath, ref)},
		Attestation: &AttestationPolicy{PredicateType: PredicateSLSAProvenanceV1, SameRepository: true},
	}
}

// checkSameRepository compares the certificate's source repository with
// the provenance's.
func checkSameRepository(cert *Certificate, predicate json.RawMessage) error {
	if cert == nil {
		return errors.New("sameRepository: a key-signed bundle has no certificate source repository")
	}
	var p any
	if err := json.Unmarshal(predicate, &p); err != nil {
		return fmt.Errorf("sameRepository: predicate: %w", err)
	}
	built, _ := slsaSource(p)
	signed := cert.Extensions.SourceRepositoryURI
	switch {
	case signed == "":
		return errors.New("sameRepository: the certificate names no source repository")
	case built == "":
		return errors.New("sameRepository: the provenance names no source repository")
	case !asciiEqualFold(strings.TrimSuffix(signed, ".git"), strings.TrimSuffix(built, ".git")):
		return fmt.Errorf("sameRepository: signed in %q, provenance of a build of %q (another repository)", signed, built)
	}
	return nil
}

// Policy says who must have signed and, for attestations, what must have
// been attested. Identities and PublicKeys are OR-ed: a bundle signed with a
// certificate must match one Identity, a bundle signed with a key must
// verify with one of PublicKeys. A policy with neither is an error.
type Policy struct {
	Identities []Identity `json:"identities,omitempty"`
	// PublicKeys are trusted signing keys (managed keys, KMS keys) for
	// bundles whose verification material is a public key.
	PublicKeys []crypto.PublicKey `json:"-"`
	// Attestation, if non-nil, requires a DSSE in-toto attestation
	// satisfying it. If nil, both message signatures and attestations are
	// accepted (an attestation's subject must still match the artifact).
	Attestation *AttestationPolicy `json:"attestation,omitempty"`
}

// Validate reports whether p is a policy Verify can apply: the *Error
// (CheckPolicy, wrapping ErrPolicy) that Verify would return for it, or
// nil. Use it to refuse a bad policy before any bundle is read.
func (p Policy) Validate() error {
	if _, err := p.compile(); err != nil {
		return err
	}
	return nil
}

type compiledPolicy struct {
	p             Policy
	ids           []*compiledIdentity
	predicateType string
	slsa          map[string]compiledMatch
}

func (p Policy) compile() (*compiledPolicy, error) {
	bad := func(err error) (*compiledPolicy, error) { return nil, fail(CheckPolicy, ErrPolicy, err) }
	if len(p.Identities) == 0 && len(p.PublicKeys) == 0 {
		return bad(fmt.Errorf("empty policy: no identities and no public keys"))
	}
	c := &compiledPolicy{p: p}
	for i, id := range p.Identities {
		ci, err := id.compile(i)
		if err != nil {
			return bad(err)
		}
		c.ids = append(c.ids, ci)
	}
	for i, k := range p.PublicKeys {
		if k == nil {
			return bad(fmt.Errorf("publicKeys[%d]: nil key", i))
		}
		if _, ok := k.(interface{ Equal(crypto.PublicKey) bool }); !ok {
			return bad(fmt.Errorf("publicKeys[%d]: unsupported key type %T", i, k))
		}
	}
	if a := p.Attestation; a != nil {
		if a.PredicateType == "" {
			return bad(fmt.Errorf("attestation: predicate type required"))
		}
		pt, err := ParsePredicateType(a.PredicateType)
		if err != nil {
			return bad(err)
		}
		c.predicateType = pt
		if a.SLSA != nil {
			if pt != PredicateSLSAProvenanceV1 {
				return bad(fmt.Errorf("attestation: SLSA checks need predicate type %s, not %s", PredicateSLSAProvenanceV1, pt))
			}
			c.slsa = map[string]compiledMatch{}
			for name, m := range map[string]Match{"builderId": a.SLSA.BuilderID, "buildType": a.SLSA.BuildType, "sourceRepository": a.SLSA.SourceRepository, "ref": a.SLSA.Ref} {
				if m.isZero() {
					continue
				}
				cm, err := m.compile("attestation.slsa." + name)
				if err != nil {
					return bad(err)
				}
				c.slsa[name] = cm
			}
			if len(c.slsa) == 0 {
				return bad(fmt.Errorf("attestation.slsa: no fields set"))
			}
		}
	}
	return c, nil
}

// jsonPath follows exact object keys through a decoded JSON value; it
// returns nil where a key is missing or a value is not an object.
// (Decoding into a struct would match keys case-insensitively, so
// "BuildType" could stand in for "buildType".)
func jsonPath(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func jsonString(v any) string {
	s, _ := v.(string)
	return s
}

// slsaSource returns the source repository and ref of a SLSA v1 predicate,
// both from one place: buildDefinition.externalParameters.workflow when
// the predicate has it (GitHub's buildType), otherwise the first
// resolvedDependencies entry's "git+URL@REF" uri. A field the chosen place
// lacks is empty: it is never filled from the other place, which may name
// another repository.
func slsaSource(p any) (repo, ref string) {
	if workflow, ok := jsonPath(p, "buildDefinition", "externalParameters", "workflow").(map[string]any); ok {
		return jsonString(workflow["repository"]), jsonString(workflow["ref"])
	}
	deps, _ := jsonPath(p, "buildDefinition", "resolvedDependencies").([]any)
	if len(deps) == 0 {
		return "", ""
	}
	u := strings.TrimPrefix(jsonString(jsonPath(deps[0], "uri")), "git+")
	// The ref follows the first '@' after the authority (a URL's user
	// information, as in ssh://git@host/..., also holds an '@').
	pathStart := 0
	if _, after, ok := strings.Cut(u, "://"); ok {
		pathStart = len(u) - len(after)
		if i := strings.IndexByte(after, '/'); i >= 0 {
			pathStart += i
		} else {
			return "", ""
		}
	}
	i := strings.IndexByte(u[pathStart:], '@')
	if i < 0 {
		return "", ""
	}
	return u[:pathStart+i], u[pathStart+i+1:]
}

func (c *compiledPolicy) checkSLSA(predicate json.RawMessage) error {
	var p any
	if err := json.Unmarshal(predicate, &p); err != nil {
		return fmt.Errorf("slsa provenance v1 predicate: %w", err)
	}
	if _, ok := p.(map[string]any); !ok {
		return errors.New("slsa provenance v1 predicate: not a JSON object")
	}
	repo, ref := slsaSource(p)
	got := map[string]string{
		"builderId":        jsonString(jsonPath(p, "runDetails", "builder", "id")),
		"buildType":        jsonString(jsonPath(p, "buildDefinition", "buildType")),
		"sourceRepository": repo,
		"ref":              ref,
	}
	for _, name := range sortedKeys(c.slsa) {
		if !c.slsa[name].match(got[name]) {
			return fmt.Errorf("slsa %s: want %s, got %q", name, c.slsa[name].m, got[name])
		}
	}
	return nil
}
