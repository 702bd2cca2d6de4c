package verify

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"
)

// MaxRequirements bounds the number of requirements in a CombinedPolicy.
const MaxRequirements = 64

// Requirement is one named policy a set of bundles must satisfy, e.g.
// {"signed", Policy{Identities: ...}} or {"sbom", Policy{Identities: ...,
// Attestation: &AttestationPolicy{PredicateType: "cyclonedx"}}}.
type Requirement struct {
	Name   string `json:"name"`
	Policy Policy `json:"policy"`
	// Kind, when set, says what kind of bundle may meet the requirement:
	// KindSignature (a message signature, or a cosign v3 image signature:
	// a DSSE statement of PredicateCosignSign), never an attestation; or
	// KindAttestation (an in-toto statement of another predicate type).
	// Empty accepts either.
	Kind RequirementKind `json:"kind,omitempty"`
}

// RequirementKind is the kind of bundle a Requirement accepts.
type RequirementKind string

const (
	// KindSignature: a signature of the artifact, not an attestation.
	KindSignature RequirementKind = "signature"
	// KindAttestation: an in-toto attestation about the artifact.
	KindAttestation RequirementKind = "attestation"
)

// PredicateCosignSign is the predicate type of the in-toto statement
// cosign v3 `sign` signs for an image: an image signature (empty
// predicate, the image digest as subject), not an attestation.
const PredicateCosignSign = "https://sigstore.dev/cosign/sign/v1"

// kindOf says whether a verified result is a signature or an attestation.
func kindOf(res *Result) RequirementKind {
	if res.Statement == nil || res.Statement.PredicateType == PredicateCosignSign {
		return KindSignature
	}
	return KindAttestation
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
	// Candidates lists the bundles that verified against the requirement;
	// when it is unsatisfied although Candidates is not empty, each of them
	// was needed by another requirement (bundles are not shared).
	Candidates []int `json:"candidates,omitempty"`
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
		if r.Kind != "" && r.Kind != KindSignature && r.Kind != KindAttestation {
			return nil, failf(CheckPolicy, ErrPolicy, "requirement %q: kind %q is not %q or %q", r.Name, r.Kind, KindSignature, KindAttestation)
		}
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
	// Identical bundles are verified once: each takes the result of the
	// first of its kind.
	same := make([]int, len(bundles))
	seenBundle := map[[32]byte]int{}
	for j, b := range bundles {
		key, ok := bundleKey(b)
		if first, dup := seenBundle[key]; ok && dup {
			same[j] = first
		} else {
			seenBundle[key] = j
			same[j] = j
		}
	}
	// A signing event is a signer (leaf certificate or key) signing one
	// content (message digest or DSSE payload): bundles of the same event
	// count as one, whatever their signature bytes (an ECDSA signature
	// (r, s) and its twin (r, n-s) are one event; so is a repeated line
	// of a JSON-lines file).
	event := make([]int, len(bundles))
	seenEvent := map[string]int{}
	for j, b := range bundles {
		key := eventKey(b)
		if first, ok := seenEvent[key]; ok && key != "" {
			event[j] = first
		} else {
			seenEvent[key] = j
			event[j] = j
		}
	}

	// The cryptography of a bundle does not depend on the requirement: a
	// private copy of v remembers it across requirements.
	vm := *v
	vm.memo = &cryptoMemo{m: map[cryptoKey]cryptoOutcome{}}
	results := make([][]*Result, n)
	errs := make([][]*Error, n)
	for i := range compiled {
		results[i] = make([]*Result, len(bundles))
		errs[i] = make([]*Error, len(bundles))
		for j, b := range bundles {
			if err := ctx.Err(); err != nil {
				return nil, fail(CheckCombined, ErrVerification, err)
			}
			if f := same[j]; f != j {
				results[i][j] = results[i][f]
				if e := errs[i][f]; e != nil {
					dup := *e
					dup.Bundle = j
					errs[i][j] = &dup
				}
				continue
			}
			res, err := vm.verify(ctx, b, artifact, compiled[i])
			if err == nil && cp.Requirements[i].Kind != "" && kindOf(res) != cp.Requirements[i].Kind {
				what := "a message signature"
				if res.Statement != nil {
					what = "an attestation of " + res.Statement.PredicateType
					if kindOf(res) == KindSignature {
						what = "an image signature (" + PredicateCosignSign + ")"
					}
				}
				res, err = nil, failf(CheckPredicate, ErrPredicate, "requirement %q wants a %s; bundle %d is %s", cp.Requirements[i].Name, cp.Requirements[i].Kind, j, what)
			}
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
	// A requirement takes first the bundles that fewest requirements
	// accept (the most specific): a signature meets "signed" before a
	// provenance attestation that also verifies as signed.
	uses := make([]int, len(bundles))
	for i := range results {
		for j, r := range results[i] {
			if r != nil {
				uses[j]++
			}
		}
	}
	order := make([]int, len(bundles))
	for j := range order {
		order[j] = j
	}
	sort.SliceStable(order, func(a, b int) bool { return uses[order[a]] < uses[order[b]] })
	if cp.AllowSharedBundles {
		for i := range results {
			for _, j := range order {
				if results[i][j] != nil {
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
			for _, j := range order {
				r := results[i][j]
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
		for j, res := range results[i] {
			if res != nil {
				rr.Candidates = append(rr.Candidates, j)
			}
		}
		if j := assign[i]; j >= 0 {
			rr.Satisfied, rr.Result = true, results[i][j]
			satisfied++
		} else {
			for _, e := range errs[i] {
				if e != nil {
					rr.Errors = append(rr.Errors, e)
				}
			}
			if len(rr.Candidates) > 0 {
				unmet = append(unmet, fmt.Sprintf("%s (met by bundles %v, each needed by another requirement)", r.Name, rr.Candidates))
			} else {
				unmet = append(unmet, r.Name)
			}
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

// bundleKey identifies a bundle by its content (deterministic protobuf
// encoding); false when it cannot be encoded.
func bundleKey(b *Bundle) ([32]byte, bool) {
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(b.b.Bundle)
	if err != nil {
		return [32]byte{}, false
	}
	return sha256.Sum256(raw), true
}

// eventKey identifies a bundle's signing event: who signed (the leaf
// certificate, or the public key hint) and what (the message digest, or
// the DSSE payload type and payload); "" when the bundle has neither.
func eventKey(b *Bundle) string {
	h := sha256.New()
	field := func(p []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	vm := b.b.GetVerificationMaterial()
	switch {
	case vm.GetCertificate() != nil:
		field([]byte("cert"))
		field(vm.GetCertificate().GetRawBytes())
	case len(vm.GetX509CertificateChain().GetCertificates()) > 0:
		field([]byte("cert"))
		field(vm.GetX509CertificateChain().GetCertificates()[0].GetRawBytes())
	case vm.GetPublicKey() != nil:
		field([]byte("key"))
		field([]byte(vm.GetPublicKey().GetHint()))
	default:
		return ""
	}
	if ms := b.b.GetMessageSignature(); ms != nil {
		if md := ms.GetMessageDigest(); md != nil {
			field([]byte("digest " + md.GetAlgorithm().String()))
			field(md.GetDigest())
		} else {
			field([]byte("signature"))
			field(ms.GetSignature())
		}
	} else if env := b.b.GetDsseEnvelope(); env != nil {
		field([]byte("dsse"))
		field([]byte(env.GetPayloadType()))
		sum := sha256.Sum256(env.GetPayload())
		field(sum[:])
	} else {
		return ""
	}
	return string(h.Sum(nil))
}

// VerifyAny verifies bundles of one artifact (the lines of a JSON-lines
// file, the attestations attached to an image) against one policy and
// returns the result of a bundle that satisfies it, with its index: what
// `gh attestation verify` asks of a bundle file. When none does, the
// *Error's Requirements[0].Errors say why each bundle failed.
func (v *Verifier) VerifyAny(ctx context.Context, bundles []*Bundle, artifact Artifact, p Policy) (*Result, int, error) {
	cr, err := v.VerifyAll(ctx, bundles, artifact, CombinedPolicy{Requirements: []Requirement{{Name: "policy", Policy: p}}})
	if err != nil {
		return nil, -1, err
	}
	r := cr.Requirements[0]
	return r.Result, r.Bundle, nil
}
