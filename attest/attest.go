package attest

import (
	"context"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/proto"
)

// Attestations are the statements Attest produces, with the same subjects.
type Attestations struct {
	Provenance *intoto.Statement // predicate type PredicateSLSAProvenanceV1
	SBOM       *intoto.Statement // predicate type: the SBOM argument's PredicateType
}

// Attest returns the provenance statement and the SBOM statement for the
// same subjects. Each statement gets its own copy of the subjects.
func Attest(subjects []*intoto.ResourceDescriptor, prov *slsa.Provenance, sbom SBOM) (*Attestations, error) {
	p, err := ProvenanceStatement(prov, cloneSubjects(subjects)...)
	if err != nil {
		return nil, err
	}
	s, err := SBOMStatement(sbom, cloneSubjects(subjects)...)
	if err != nil {
		return nil, err
	}
	return &Attestations{Provenance: p, SBOM: s}, nil
}

// AttestFiles hashes each file (SubjectFromFile) and calls Attest.
func AttestFiles(ctx context.Context, paths []string, opts HashOptions, prov *slsa.Provenance, sbom SBOM) (*Attestations, error) {
	subjects := make([]*intoto.ResourceDescriptor, 0, len(paths))
	for _, p := range paths {
		s, err := SubjectFromFile(ctx, p, opts)
		if err != nil {
			return nil, err
		}
		subjects = append(subjects, s)
	}
	return Attest(subjects, prov, sbom)
}

func cloneSubjects(in []*intoto.ResourceDescriptor) []*intoto.ResourceDescriptor {
	out := make([]*intoto.ResourceDescriptor, len(in))
	for i, s := range in {
		out[i] = proto.Clone(s).(*intoto.ResourceDescriptor)
	}
	return out
}
