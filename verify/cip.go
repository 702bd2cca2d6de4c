package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ClusterImagePolicy is what this package applies of a Sigstore
// policy-controller ClusterImagePolicy (policy.sigstore.dev v1beta1 or
// v1alpha1): the images it covers and its authorities as a combined
// policy. Every authority must be satisfied (AND); a bundle may satisfy
// several. An authority without attestations needs a signature by one of
// its identities or keys; with attestations it needs one verified
// attestation of each listed predicate type instead.
type ClusterImagePolicy struct {
	// Name is metadata.name.
	Name string
	// Images are spec.images[].glob: "*" matches within one path segment,
	// "**" across segments.
	Images []string
	// Policy is the authorities as requirements named "AUTHORITY" or
	// "AUTHORITY/ATTESTATION".
	Policy CombinedPolicy

	images []*regexp.Regexp
}

// The documented fields this package reads; the others it refuses.
type cipDoc struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace,omitempty"`
		Labels      map[string]string `json:"labels,omitempty"`
		Annotations map[string]string `json:"annotations,omitempty"`
	} `json:"metadata"`
	Spec struct {
		Images []struct {
			Glob string `json:"glob"`
		} `json:"images"`
		Authorities []cipAuthority  `json:"authorities"`
		Policy      json.RawMessage `json:"policy,omitempty"`
		Mode        string          `json:"mode,omitempty"`
		Match       json.RawMessage `json:"match,omitempty"`
	} `json:"spec"`
	Status json.RawMessage `json:"status,omitempty"`
}

type cipAuthority struct {
	Name string `json:"name"`
	Key  *struct {
		Data          string          `json:"data,omitempty"`
		KMS           string          `json:"kms,omitempty"`
		SecretRef     json.RawMessage `json:"secretRef,omitempty"`
		HashAlgorithm string          `json:"hashAlgorithm,omitempty"`
	} `json:"key,omitempty"`
	Keyless *struct {
		URL        string `json:"url,omitempty"`
		Identities []struct {
			Issuer        string `json:"issuer,omitempty"`
			Subject       string `json:"subject,omitempty"`
			IssuerRegExp  string `json:"issuerRegExp,omitempty"`
			SubjectRegExp string `json:"subjectRegExp,omitempty"`
		} `json:"identities"`
		CACert            json.RawMessage `json:"ca-cert,omitempty"`
		TrustRootRef      string          `json:"trustRootRef,omitempty"`
		InsecureIgnoreSCT *bool           `json:"insecureIgnoreSCT,omitempty"`
	} `json:"keyless,omitempty"`
	Static           json.RawMessage  `json:"static,omitempty"`
	Source           json.RawMessage  `json:"source,omitempty"`
	CTLog            json.RawMessage  `json:"ctlog,omitempty"`
	Attestations     []cipAttestation `json:"attestations,omitempty"`
	RFC3161Timestamp json.RawMessage  `json:"rfc3161timestamp,omitempty"`
	SignatureFormat  string           `json:"signatureFormat,omitempty"`
}

type cipAttestation struct {
	Name          string          `json:"name"`
	PredicateType string          `json:"predicateType"`
	Policy        json.RawMessage `json:"policy,omitempty"`
}

// ParseClusterImagePolicy reads a policy-controller ClusterImagePolicy
// (YAML or JSON; v1beta1 or v1alpha1) strictly. What this package cannot
// apply is refused, never ignored, with ErrPolicyDocument and the field's
// Path: CUE or Rego policies (spec.policy, attestations[].policy), source
// overrides, ctlog and rfc3161timestamp settings, KMS or secret keys,
// static authorities, custom Fulcio URLs, CA certificates or trust roots,
// insecureIgnoreSCT, match selectors and warn mode. Keyless identities,
// PEM keys (key.data) and attestation predicate types are applied.
func ParseClusterImagePolicy(data []byte) (*ClusterImagePolicy, error) {
	var d cipDoc
	if err := decodeDocument(data, &d); err != nil {
		return nil, err
	}
	switch d.APIVersion {
	case "policy.sigstore.dev/v1beta1", "policy.sigstore.dev/v1alpha1":
	default:
		return nil, docError("apiVersion", "%q is not policy.sigstore.dev/v1beta1 or v1alpha1", d.APIVersion)
	}
	if d.Kind != "ClusterImagePolicy" {
		return nil, docError("kind", "%q, want ClusterImagePolicy", d.Kind)
	}
	unsupported := func(path string, present bool, what string) error {
		if present {
			return docError(path, "%s cannot be applied by this verifier", what)
		}
		return nil
	}
	s := d.Spec
	for _, u := range []error{
		unsupported("spec.policy", len(s.Policy) > 0, "a CUE or Rego policy"),
		unsupported("spec.match", len(s.Match) > 0, "a resource match selector"),
		unsupported("spec.mode", s.Mode != "" && s.Mode != "enforce", "mode "+s.Mode),
	} {
		if u != nil {
			return nil, u
		}
	}
	out := &ClusterImagePolicy{Name: d.Metadata.Name}
	if len(s.Images) == 0 {
		return nil, docError("spec.images", "no images")
	}
	for i, im := range s.Images {
		re, err := globRegexp(im.Glob)
		if err != nil {
			return nil, docError(fmt.Sprintf("spec.images[%d].glob", i), "%v", err)
		}
		out.Images = append(out.Images, im.Glob)
		out.images = append(out.images, re)
	}
	if len(s.Authorities) == 0 {
		return nil, docError("spec.authorities", "no authorities")
	}
	cp := CombinedPolicy{AllowSharedBundles: true}
	for i, a := range s.Authorities {
		path := fmt.Sprintf("spec.authorities[%d]", i)
		for _, u := range []error{
			unsupported(path+".static", len(a.Static) > 0, "a static authority"),
			unsupported(path+".source", len(a.Source) > 0, "a signature source override"),
			unsupported(path+".ctlog", len(a.CTLog) > 0, "a transparency log setting (the trusted root names the logs)"),
			unsupported(path+".rfc3161timestamp", len(a.RFC3161Timestamp) > 0, "a timestamp authority setting (the trusted root names them)"),
			unsupported(path+".signatureFormat", a.SignatureFormat != "", "signatureFormat"),
		} {
			if u != nil {
				return nil, u
			}
		}
		name := a.Name
		if name == "" {
			name = fmt.Sprintf("authority-%d", i)
		}
		var p Policy
		switch {
		case a.Key != nil && a.Keyless != nil:
			return nil, docError(path, "an authority is key or keyless, not both")
		case a.Key != nil:
			for _, u := range []error{
				unsupported(path+".key.kms", a.Key.KMS != "", "a KMS key reference"),
				unsupported(path+".key.secretRef", len(a.Key.SecretRef) > 0, "a Kubernetes secret reference"),
				unsupported(path+".key.hashAlgorithm", a.Key.HashAlgorithm != "" && a.Key.HashAlgorithm != "sha256", "hash algorithm "+a.Key.HashAlgorithm),
			} {
				if u != nil {
					return nil, u
				}
			}
			k, err := parsePEMPublicKey(a.Key.Data)
			if err != nil {
				return nil, docError(path+".key.data", "%v", err)
			}
			p.PublicKeys = append(p.PublicKeys, k)
		case a.Keyless != nil:
			kl := a.Keyless
			for _, u := range []error{
				unsupported(path+".keyless.url", kl.URL != "" && strings.TrimSuffix(kl.URL, "/") != "https://fulcio.sigstore.dev", "a Fulcio URL other than the public instance (use a trusted root instead)"),
				unsupported(path+".keyless.ca-cert", len(kl.CACert) > 0, "a CA certificate (use a trusted root instead)"),
				unsupported(path+".keyless.trustRootRef", kl.TrustRootRef != "", "a TrustRoot reference (use a trusted root instead)"),
				unsupported(path+".keyless.insecureIgnoreSCT", kl.InsecureIgnoreSCT != nil && *kl.InsecureIgnoreSCT, "insecureIgnoreSCT"),
			} {
				if u != nil {
					return nil, u
				}
			}
			if len(kl.Identities) == 0 {
				return nil, docError(path+".keyless.identities", "no identities")
			}
			for k, id := range kl.Identities {
				pid, err := IdentityDocument{Issuer: id.Issuer, IssuerRegExp: id.IssuerRegExp, Subject: id.Subject, SubjectRegExp: id.SubjectRegExp}.identity(fmt.Sprintf("%s.keyless.identities[%d]", path, k))
				if err != nil {
					return nil, err
				}
				p.Identities = append(p.Identities, pid)
			}
		default:
			return nil, docError(path, "neither key nor keyless")
		}
		if len(a.Attestations) == 0 {
			cp.Requirements = append(cp.Requirements, Requirement{Name: name, Kind: KindSignature, Policy: p})
			continue
		}
		for k, at := range a.Attestations {
			ap := fmt.Sprintf("%s.attestations[%d]", path, k)
			if len(at.Policy) > 0 {
				return nil, docError(ap+".policy", "a CUE or Rego policy cannot be applied by this verifier")
			}
			pt, err := ParsePredicateType(at.PredicateType)
			if err != nil {
				return nil, docError(ap+".predicateType", "%v", err)
			}
			q := p
			q.Attestation = &AttestationPolicy{PredicateType: pt}
			cp.Requirements = append(cp.Requirements, Requirement{Name: name + "/" + at.Name, Kind: KindAttestation, Policy: q})
		}
	}
	if len(cp.Requirements) > MaxRequirements {
		return nil, docError("spec.authorities", "%d requirements exceed %d", len(cp.Requirements), MaxRequirements)
	}
	for i, r := range cp.Requirements {
		if _, err := r.Policy.compile(); err != nil {
			return nil, docError(fmt.Sprintf("spec.authorities (requirement %d, %s)", i, r.Name), "%v", strings.TrimPrefix(err.Error(), "verify: "))
		}
	}
	out.Policy = cp
	return out, nil
}

// Matches reports whether image (a reference such as
// ghcr.io/acme/app:v1 or ...@sha256:...) is covered by spec.images. Its tag
// or digest is ignored unless a glob names one.
func (c *ClusterImagePolicy) Matches(image string) bool {
	for _, re := range c.images {
		if re.MatchString(image) || re.MatchString(repositoryOf(image)) {
			return true
		}
	}
	return false
}

// repositoryOf drops a reference's digest and tag.
func repositoryOf(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// globRegexp compiles an image glob: "**" matches anything, "*" anything
// but '/', "?" one character but '/'.
func globRegexp(glob string) (*regexp.Regexp, error) {
	if glob == "" {
		return nil, errors.New("empty glob")
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(glob); i++ {
		switch {
		case strings.HasPrefix(glob[i:], "**"):
			b.WriteString(".*")
			i++
		case glob[i] == '*':
			b.WriteString("[^/]*")
		case glob[i] == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
