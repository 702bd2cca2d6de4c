package verify

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
)

// MaxRequirements bounds the number of requirements in a CombinedPolicy.
const MaxRequirements = 64

// Requirement is one named policy a set of bundles must satisfy, e.g.
// {"signed", Policy{Identities: ...}} or {"sbom", Policy{Identities: ...,
// Attestation: &AttestationPolicy{PredicateType: "cyclonedx"}}}.
type Requirement struct {
	Name   string `json:"name"`
	Policy Policy `json:"policy"`
}

// CombinedPolicy is a policy over several bundles of one artifact.
// Requirements are satisfied by distinct bundles (one bundle counts for at
// most one requirement) unless AllowSharedBundles is set. Threshold is the
// number of requirements that must be satisfied: 0 means all ("signed AND
// has an SBOM AND has provenance"); k means k-of-n.
type CombinedPolicy struct {
	Requirements       []Requirement `json:"requirements"`
	Threshold          int           `json:"threshold,omitempty"`
	AllowSharedBundles bool          `json:"allowSharedBundles,omitempty"`
}

// RequirementResult reports one requirement of a combined policy.
type RequirementResult struct {
	Name      string  `json:"name"`
	Satisfied bool    `json:"satisfied"`
	Bundle    int     `json:"bundle"` // index of the satisfying bundle, -1 if none
	Result    *Result `json:"result,omitempty"`
	// Errors holds, when unsatisfied, why each bundle failed it.
	Errors []*Error `json:"-"`
}

// CombinedResult is the result of VerifyAll.
type CombinedResult struct {
	Requirements []RequirementResult `json:"requirements"`
}

// VerifyAll verifies bundles of one artifact against a combined policy.
// Each bundle is verified against each requirement's policy; requirements
// are then assigned to distinct satisfying bundles (a maximum matching);
// bundles carrying the same signature count as one. A Path or Reader
// artifact is read once, hashed with every algorithm the bundles need.
func (v *Verifier) VerifyAll(ctx context.Context, bundles []*Bundle, artifact Artifact, cp CombinedPolicy) (*CombinedResult, error) {
	n := len(cp.Requirements)
	switch {
	case n == 0:
		return nil, failf(CheckPolicy, ErrPolicy, "combined policy has no requirements")
	case n > MaxRequirements:
		return nil, failf(CheckPolicy, ErrPolicy, "%d requirements exceed limit of %d", n, MaxRequirements)
	case cp.Threshold < 0 || cp.Threshold > n:
		return nil, failf(CheckPolicy, ErrPolicy, "threshold %d out of range 0..%d", cp.Threshold, n)
	case len(bundles) == 0:
		return nil, failf(CheckBundle, ErrBundle, "no bundles")
	}
	need := cp.Threshold
	if need == 0 {
		need = n
	}
	compiled := make([]*compiledPolicy, n)
	for i, r := range cp.Requirements {
		c, err := r.Policy.compile()
		if err != nil {
			e, _ := asError(err)
			e.Err = fmt.Errorf("requirement %q: %w", r.Name, e.Err)
			return nil, e
		}
		compiled[i] = c
	}
	// Read the artifact once, with every digest algorithm the bundles use.
	algs := []string{"sha256"}
	for _, b := range bundles {
		if b == nil || b.b == nil {
			return nil, failf(CheckBundle, ErrBundle, "nil bundle")
		}
		if md := b.b.GetMessageSignature().GetMessageDigest(); md != nil {
			if a, ok := hashAlgs[md.GetAlgorithm()]; ok {
				algs = append(algs, a)
			}
		}
	}
	artifact, err := artifact.hashOnce(ctx, algs)
	if err != nil {
		return nil, err
	}
	// Bundles carrying the same signature are one signing event: a
	// repeated line of a JSON-lines file must not count twice.
	event := make([]int, len(bundles))
	seenSig := map[string]int{}
	for j, b := range bundles {
		key := signatureKey(b)
		if first, ok := seenSig[key]; ok && key != "" {
			event[j] = first
		} else {
			seenSig[key] = j
			event[j] = j
		}
	}

	results := make([][]*Result, n)
	errs := make([][]*Error, n)
	for i := range compiled {
		results[i] = make([]*Result, len(bundles))
		errs[i] = make([]*Error, len(bundles))
		for j, b := range bundles {
			if err := ctx.Err(); err != nil {
				return nil, fail(CheckCombined, ErrVerification, err)
			}
			res, err := v.verify(ctx, b, artifact, compiled[i])
			if err != nil {
				e, ok := asError(err)
				if !ok {
					e = fail(CheckCombined, ErrVerification, err)
				}
				e.Bundle = j
				errs[i][j] = e
				continue
			}
			results[i][j] = res
		}
	}

	// Assign requirements to bundles.
	assign := make([]int, n)
	for i := range assign {
		assign[i] = -1
	}
	if cp.AllowSharedBundles {
		for i := range results {
			for j, r := range results[i] {
				if r != nil {
					assign[i] = j
					break
				}
			}
		}
	} else {
		// owner and seen are indexed by signing event, not by position.
		owner := make([]int, len(bundles))
		for j := range owner {
			owner[j] = -1
		}
		var try func(i int, seen []bool) bool
		try = func(i int, seen []bool) bool {
			for j, r := range results[i] {
				e := event[j]
				if r == nil || seen[e] {
					continue
				}
				seen[e] = true
				if owner[e] < 0 || try(owner[e], seen) {
					owner[e], assign[i] = i, j
					return true
				}
			}
			return false
		}
		for i := range results {
			try(i, make([]bool, len(bundles)))
		}
	}

	out := &CombinedResult{}
	satisfied := 0
	var unmet []string
	for i, r := range cp.Requirements {
		rr := RequirementResult{Name: r.Name, Bundle: assign[i]}
		if j := assign[i]; j >= 0 {
			rr.Satisfied, rr.Result = true, results[i][j]
			satisfied++
		} else {
			for _, e := range errs[i] {
				if e != nil {
					rr.Errors = append(rr.Errors, e)
				}
			}
			unmet = append(unmet, r.Name)
		}
		out.Requirements = append(out.Requirements, rr)
	}
	if satisfied < need {
		e := failf(CheckCombined, ErrPolicy, "%d of %d requirements satisfied, %d needed; unmet: %s", satisfied, n, need, strings.Join(unmet, ", "))
		e.Requirements = out.Requirements
		return out, e
	}
	return out, nil
}

// signatureKey identifies a bundle's signing event by its signature
// bytes (the message signature, or every DSSE signature).
func signatureKey(b *Bundle) string {
	h := sha256.New()
	if ms := b.b.GetMessageSignature(); ms != nil {
		h.Write([]byte("message\x00"))
		h.Write(ms.GetSignature())
	} else if env := b.b.GetDsseEnvelope(); env != nil {
		h.Write([]byte("dsse\x00"))
		for _, s := range env.GetSignatures() {
			h.Write(s.GetSig())
			h.Write([]byte{0})
		}
	} else {
		return ""
	}
	return string(h.Sum(nil))
}
