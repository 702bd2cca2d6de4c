package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	_ "embed"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chainproof/chainproof/internal/strictjson"
)

// Policy documents: the policy a person writes, in JSON or YAML.
const (
	// PolicyAPIVersion is the apiVersion of the policy documents this
	// package reads and writes.
	PolicyAPIVersion = "chainproof.dev/v1"
	// PolicyDocumentKind is their kind.
	PolicyDocumentKind = "Policy"
	// MaxPolicyDocumentSize bounds a policy document.
	MaxPolicyDocumentSize = 1 << 20
)

// PolicySchema is the JSON Schema (draft 2020-12) of policy documents.
//
//go:embed policy.schema.json
var PolicySchema []byte

// ErrPolicyDocument: a policy document is malformed; Error.Path names the
// offending field. A kind of ErrPolicy.
var ErrPolicyDocument = newSentinel("invalid policy document", ErrPolicy)

// PolicyDocument is a policy as a document: requirements, each with the
// identities or keys that may sign and, for attestations, what must be
// attested, combined as all or k of n. It maps one to one onto a
// CombinedPolicy (CombinedPolicy, PolicyDocumentFrom). Example (YAML):
//
//	apiVersion: chainproof.dev/v1
//	kind: Policy
//	requirements:
//	  - name: signed
//	    kind: signature
//	    identities:
//	      - github: {repository: acme/app, workflow: .github/workflows/release.yml, ref: refs/tags/v*}
//	  - name: sbom
//	    kind: attestation
//	    identities:
//	      - github: {repository: acme/app, workflow: .github/workflows/*, ref: refs/tags/v*}
//	    attestation: {predicateType: cyclonedx}
type PolicyDocument struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// TrustedRoot names the trust: "public-good" (or empty: the embedded
	// public-good root) or "github" (GitHub's root: the caller loads it);
	// anything else is the path of a trusted_root.json, for the caller to
	// load (this package reads no files named by a document).
	TrustedRoot        string                `json:"trustedRoot,omitempty"`
	Requirements       []RequirementDocument `json:"requirements"`
	Threshold          int                   `json:"threshold,omitempty"`
	AllowSharedBundles bool                  `json:"allowSharedBundles,omitempty"`
}

// RequirementDocument is one requirement of a PolicyDocument.
type RequirementDocument struct {
	Name       string             `json:"name"`
	Kind       RequirementKind    `json:"kind,omitempty"`
	Identities []IdentityDocument `json:"identities,omitempty"`
	// PublicKeys are PEM "PUBLIC KEY" blocks.
	PublicKeys  []string           `json:"publicKeys,omitempty"`
	Attestation *AttestationPolicy `json:"attestation,omitempty"`
}

// IdentityDocument is one signer identity: the issuer and subject (the
// certificate's SAN), each exact or as an anchored regular expression, and
// certificate extensions; or the GitHub workflow helper.
type IdentityDocument struct {
	Issuer        string           `json:"issuer,omitempty"`
	IssuerRegExp  string           `json:"issuerRegExp,omitempty"`
	Subject       string           `json:"subject,omitempty"`
	SubjectRegExp string           `json:"subjectRegExp,omitempty"`
	Extensions    map[string]Match `json:"extensions,omitempty"`
	GitHub        *GitHubDocument  `json:"github,omitempty"`
}

// GitHubDocument is GitHubWorkflowIdentity's arguments.
type GitHubDocument struct {
	Repository string `json:"repository"`
	Workflow   string `json:"workflow"`
	Ref        string `json:"ref"`
}

func docError(path, format string, args ...any) *Error {
	e := failf(CheckPolicy, ErrPolicyDocument, "%s: "+format, append([]any{path}, args...)...)
	e.Path = path
	return e
}

// ParsePolicyDocument reads a policy document in JSON or YAML (JSON when
// it starts with '{'), strictly: unknown fields, duplicate keys, wrong
// types, a missing or other apiVersion or kind, and values that do not make
// a policy are refused with an *Error wrapping ErrPolicyDocument whose Path
// names the field.
func ParsePolicyDocument(data []byte) (*PolicyDocument, error) {
	var d PolicyDocument
	if err := decodeDocument(data, &d); err != nil {
		return nil, err
	}
	if _, err := d.CombinedPolicy(); err != nil {
		return nil, err
	}
	return &d, nil
}

// decodeDocument decodes a JSON or YAML document (JSON when it starts
// with '{') into v strictly: at most MaxPolicyDocumentSize bytes, no
// duplicate keys, no unknown fields, no wrong types, no trailing data;
// failures name the field (ErrPolicyDocument).
func decodeDocument(data []byte, v any) error {
	if len(data) > MaxPolicyDocumentSize {
		return docError("$", "%d bytes exceed the limit of %d", len(data), MaxPolicyDocumentSize)
	}
	js := bytes.TrimSpace(data)
	if len(js) == 0 || js[0] != '{' {
		var err error
		if js, err = yamlToJSON(data); err != nil {
			return err
		}
	}
	if err := strictjson.CheckObject(js, 64); err != nil {
		return docError("$", "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return docError(te.Field, "%s where %s was expected", te.Value, te.Type)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return docError(strings.Trim(f, `"`), "unknown field")
		}
		return docError("$", "%v", err)
	}
	if dec.More() {
		return docError("$", "trailing data after the document")
	}
	return nil
}

// yamlToJSON converts a YAML document to JSON; yaml.v3 refuses duplicate
// keys itself, and yamlValue checks again with strictjson.Keys.
func yamlToJSON(data []byte) ([]byte, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, docError("$", "%v", err)
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) != 1 || n.Content[0].Kind != yaml.MappingNode {
		return nil, docError("$", "not a YAML mapping")
	}
	v, err := yamlValue(n.Content[0], "$", 0)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// yamlValue converts a node to the value JSON would give, keeping strings
// strings (YAML's implicit types apply only to unquoted scalars).
func yamlValue(n *yaml.Node, path string, depth int) (any, error) {
	if depth > 64 {
		return nil, docError(path, "nested too deeply")
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		var keys strictjson.Keys
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
				return nil, docError(path, "key %q is not a string", k.Value)
			}
			child := k.Value
			if path != "$" {
				child = path + "." + k.Value
			}
			if err := keys.Add(k.Value); err != nil {
				return nil, docError(child, "duplicate key")
			}
			v, err := yamlValue(n.Content[i+1], child, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			v, err := yamlValue(c, fmt.Sprintf("%s[%d]", path, i), depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, docError(path, "%v", err)
		}
		return v, nil
	case yaml.AliasNode:
		return nil, docError(path, "YAML aliases are not allowed")
	}
	return nil, docError(path, "unsupported YAML node")
}

// CombinedPolicy returns the policy the document describes, or an *Error
// wrapping ErrPolicyDocument naming the field that does not make one.
func (d *PolicyDocument) CombinedPolicy() (CombinedPolicy, error) {
	if d.APIVersion != PolicyAPIVersion {
		return CombinedPolicy{}, docError("apiVersion", "%q, want %q", d.APIVersion, PolicyAPIVersion)
	}
	if d.Kind != PolicyDocumentKind {
		return CombinedPolicy{}, docError("kind", "%q, want %q", d.Kind, PolicyDocumentKind)
	}
	if len(d.Requirements) == 0 {
		return CombinedPolicy{}, docError("requirements", "no requirements")
	}
	if len(d.Requirements) > MaxRequirements {
		return CombinedPolicy{}, docError("requirements", "%d requirements exceed %d", len(d.Requirements), MaxRequirements)
	}
	if d.Threshold < 0 || d.Threshold > len(d.Requirements) {
		return CombinedPolicy{}, docError("threshold", "%d out of range 0..%d", d.Threshold, len(d.Requirements))
	}
	cp := CombinedPolicy{Threshold: d.Threshold, AllowSharedBundles: d.AllowSharedBundles}
	seen := map[string]bool{}
	for i, r := range d.Requirements {
		path := fmt.Sprintf("requirements[%d]", i)
		if r.Name == "" || seen[r.Name] {
			return CombinedPolicy{}, docError(path+".name", "empty or repeated name %q", r.Name)
		}
		seen[r.Name] = true
		if r.Kind != "" && r.Kind != KindSignature && r.Kind != KindAttestation {
			return CombinedPolicy{}, docError(path+".kind", "%q is not %q or %q", r.Kind, KindSignature, KindAttestation)
		}
		if r.Kind == KindSignature && r.Attestation != nil {
			return CombinedPolicy{}, docError(path+".attestation", "a signature requirement has no attestation")
		}
		p := Policy{Attestation: r.Attestation}
		for k, id := range r.Identities {
			ip := fmt.Sprintf("%s.identities[%d]", path, k)
			pid, err := id.identity(ip)
			if err != nil {
				return CombinedPolicy{}, err
			}
			p.Identities = append(p.Identities, pid)
		}
		for k, s := range r.PublicKeys {
			key, err := parsePEMPublicKey(s)
			if err != nil {
				return CombinedPolicy{}, docError(fmt.Sprintf("%s.publicKeys[%d]", path, k), "%v", err)
			}
			p.PublicKeys = append(p.PublicKeys, key)
		}
		if _, err := p.compile(); err != nil {
			return CombinedPolicy{}, docError(path, "%v", strings.TrimPrefix(err.Error(), "verify: "))
		}
		cp.Requirements = append(cp.Requirements, Requirement{Name: r.Name, Kind: r.Kind, Policy: p})
	}
	return cp, nil
}

func (id IdentityDocument) identity(path string) (Identity, error) {
	if id.GitHub != nil {
		if id.Issuer != "" || id.IssuerRegExp != "" || id.Subject != "" || id.SubjectRegExp != "" || id.Extensions != nil {
			return Identity{}, docError(path+".github", "github excludes issuer, subject and extensions")
		}
		g := GitHubWorkflowIdentity(id.GitHub.Repository, id.GitHub.Workflow, id.GitHub.Ref)
		if g.invalid != nil {
			return Identity{}, docError(path+".github", "%v", g.invalid)
		}
		return g, nil
	}
	out := Identity{Extensions: id.Extensions}
	switch {
	case id.Issuer != "" && id.IssuerRegExp == "":
		out.Issuer = Exact(id.Issuer)
	case id.IssuerRegExp != "" && id.Issuer == "":
		out.Issuer = Regexp(id.IssuerRegExp)
	default:
		return Identity{}, docError(path+".issuer", "give exactly one of issuer and issuerRegExp")
	}
	switch {
	case id.Subject != "" && id.SubjectRegExp == "":
		out.SAN = Exact(id.Subject)
	case id.SubjectRegExp != "" && id.Subject == "":
		out.SAN = Regexp(id.SubjectRegExp)
	default:
		return Identity{}, docError(path+".subject", "give exactly one of subject and subjectRegExp")
	}
	return out, nil
}

func parsePEMPublicKey(s string) (crypto.PublicKey, error) {
	b, rest := pem.Decode([]byte(s))
	if b == nil || b.Type != "PUBLIC KEY" || len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("not one PEM PUBLIC KEY block")
	}
	return x509.ParsePKIXPublicKey(b.Bytes)
}

// Marshal encodes the document as indented JSON (which is also YAML).
func (d *PolicyDocument) Marshal() ([]byte, error) {
	return json.MarshalIndent(d, "", "  ")
}

// PolicyDocumentFrom returns the document of cp: identities as issuer and
// subject (exact or regexp) with their extensions (or the GitHub helper's
// arguments for identities it made), keys as PEM.
func PolicyDocumentFrom(cp CombinedPolicy) (*PolicyDocument, error) {
	d := &PolicyDocument{APIVersion: PolicyAPIVersion, Kind: PolicyDocumentKind, Threshold: cp.Threshold, AllowSharedBundles: cp.AllowSharedBundles}
	for i, r := range cp.Requirements {
		rd := RequirementDocument{Name: r.Name, Kind: r.Kind, Attestation: r.Policy.Attestation}
		for _, id := range r.Policy.Identities {
			if id.github != nil {
				rd.Identities = append(rd.Identities, IdentityDocument{GitHub: id.github})
				continue
			}
			if id.Issuer.IgnoreCase || id.SAN.IgnoreCase {
				return nil, docError(fmt.Sprintf("requirements[%d].identities", i), "ignoreCase on issuer or subject has no document form")
			}
			rd.Identities = append(rd.Identities, IdentityDocument{
				Issuer: id.Issuer.Exact, IssuerRegExp: id.Issuer.Regexp,
				Subject: id.SAN.Exact, SubjectRegExp: id.SAN.Regexp,
				Extensions: id.Extensions,
			})
		}
		for k, key := range r.Policy.PublicKeys {
			der, err := x509.MarshalPKIXPublicKey(key)
			if err != nil {
				return nil, docError(fmt.Sprintf("requirements[%d].publicKeys[%d]", i, k), "%v", err)
			}
			rd.PublicKeys = append(rd.PublicKeys, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
		}
		d.Requirements = append(d.Requirements, rd)
	}
	if _, err := d.CombinedPolicy(); err != nil {
		return nil, err
	}
	return d, nil
}
