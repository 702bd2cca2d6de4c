package attest

import (
	"fmt"
	"time"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// PredicateSLSAProvenanceV1 is the predicateType of SLSA provenance v1.
const PredicateSLSAProvenanceV1 = "https://slsa.dev/provenance/v1"

// Build describes one build for NewProvenance: the fields of SLSA
// provenance v1 (https://slsa.dev/spec/v1.0/provenance) in plain Go.
type Build struct {
	// BuildType is the URI of the build type's schema. Required.
	BuildType string
	// ExternalParameters are the inputs under external control. Required,
	// non-empty. Values are what structpb.NewValue accepts (strings,
	// numbers, bools, nil, []any, map[string]any, ...).
	ExternalParameters map[string]any
	// InternalParameters are inputs set by the build platform. Optional.
	InternalParameters map[string]any
	// ResolvedDependencies are the artifacts fetched during the build.
	ResolvedDependencies []*intoto.ResourceDescriptor

	// BuilderID identifies the build platform (runDetails.builder.id).
	// Required.
	BuilderID string
	// BuilderVersion maps component names to versions. Optional.
	BuilderVersion map[string]string
	// BuilderDependencies are the builder's own dependencies. Optional.
	BuilderDependencies []*intoto.ResourceDescriptor

	// InvocationID identifies this run of the build. Optional.
	InvocationID string
	// StartedOn and FinishedOn are omitted when zero.
	StartedOn, FinishedOn time.Time
	// Byproducts are other artifacts the build produced. Optional.
	Byproducts []*intoto.ResourceDescriptor
}

// NewProvenance converts b into the in-toto bindings' SLSA provenance v1
// predicate, and validates it (the bindings' SLSA checks plus this
// package's digest rules, and StartedOn not after FinishedOn).
func NewProvenance(b Build) (*slsa.Provenance, error) {
	ext, err := structpb.NewStruct(b.ExternalParameters)
	if err != nil {
		return nil, newError("buildDefinition.externalParameters", wrap(ErrPredicate, err), "")
	}
	var internal *structpb.Struct
	if len(b.InternalParameters) > 0 {
		if internal, err = structpb.NewStruct(b.InternalParameters); err != nil {
			return nil, newError("buildDefinition.internalParameters", wrap(ErrPredicate, err), "")
		}
	}
	p := &slsa.Provenance{
		BuildDefinition: &slsa.BuildDefinition{
			BuildType:            b.BuildType,
			ExternalParameters:   ext,
			InternalParameters:   internal,
			ResolvedDependencies: b.ResolvedDependencies,
		},
		RunDetails: &slsa.RunDetails{
			Builder: &slsa.Builder{
				Id:                  b.BuilderID,
				Version:             b.BuilderVersion,
				BuilderDependencies: b.BuilderDependencies,
			},
			Byproducts: b.Byproducts,
		},
	}
	if b.InvocationID != "" || !b.StartedOn.IsZero() || !b.FinishedOn.IsZero() {
		md := &slsa.BuildMetadata{InvocationId: b.InvocationID}
		if !b.StartedOn.IsZero() {
			md.StartedOn = timestamppb.New(b.StartedOn)
		}
		if !b.FinishedOn.IsZero() {
			md.FinishedOn = timestamppb.New(b.FinishedOn)
		}
		p.RunDetails.Metadata = md
	}
	if err := ValidateProvenance(p); err != nil {
		return nil, err
	}
	return p, nil
}

// ValidateProvenance checks p with the in-toto bindings' SLSA v1 rules
// (build type, non-empty external parameters, builder id, valid resource
// descriptors and timestamps), this package's digest rules for every
// resource descriptor that has a digest, and that startedOn is not after
// finishedOn.
func ValidateProvenance(p *slsa.Provenance) error {
	if p == nil {
		return newError("predicate", ErrPredicate, "nil provenance")
	}
	if err := p.Validate(); err != nil {
		return newError("predicate", wrap(ErrPredicate, err), "")
	}
	check := func(field string, rds []*intoto.ResourceDescriptor) error {
		for i, rd := range rds {
			if len(rd.GetDigest()) == 0 {
				continue // a name or uri suffices for dependencies
			}
			if err := validateDigestSet(fmt.Sprintf("predicate.%s[%d].digest", field, i), rd.GetDigest()); err != nil {
				return err
			}
		}
		return nil
	}
	if err := check("buildDefinition.resolvedDependencies", p.GetBuildDefinition().GetResolvedDependencies()); err != nil {
		return err
	}
	if err := check("runDetails.builder.builderDependencies", p.GetRunDetails().GetBuilder().GetBuilderDependencies()); err != nil {
		return err
	}
	if err := check("runDetails.byproducts", p.GetRunDetails().GetByproducts()); err != nil {
		return err
	}
	md := p.GetRunDetails().GetMetadata()
	if s, f := md.GetStartedOn(), md.GetFinishedOn(); s != nil && f != nil && s.AsTime().After(f.AsTime()) {
		return newError("predicate.runDetails.metadata.finishedOn", ErrPredicate, "before startedOn")
	}
	return nil
}

// ProvenanceStatement returns a statement of predicate type
// PredicateSLSAProvenanceV1 with predicate p about subjects.
func ProvenanceStatement(p *slsa.Provenance, subjects ...*intoto.ResourceDescriptor) (*intoto.Statement, error) {
	if err := ValidateProvenance(p); err != nil {
		return nil, err
	}
	s, err := toStruct(p)
	if err != nil {
		return nil, err
	}
	return NewStatement(PredicateSLSAProvenanceV1, s, subjects...)
}

// toStruct converts a predicate message to the statement's Struct form.
func toStruct(p *slsa.Provenance) (*structpb.Struct, error) {
	raw, err := protojson.Marshal(p)
	if err != nil {
		return nil, newError("predicate", wrap(ErrPredicate, err), "")
	}
	s := new(structpb.Struct)
	if err := protojson.Unmarshal(raw, s); err != nil {
		return nil, newError("predicate", wrap(ErrPredicate, err), "")
	}
	return s, nil
}

// ParseProvenance returns the SLSA provenance v1 predicate of st, which
// must have predicate type PredicateSLSAProvenanceV1 and pass
// ValidateProvenance. Unknown predicate fields are ignored, including
// protojson's snake_case aliases ("run_details"), which other consumers
// do not read either.
func ParseProvenance(st *intoto.Statement) (*slsa.Provenance, error) {
	if err := Validate(st); err != nil {
		return nil, err
	}
	if st.GetPredicateType() != PredicateSLSAProvenanceV1 {
		return nil, newError("predicateType", ErrPredicateType, quote(st.GetPredicateType()))
	}
	if st.GetPredicate() == nil {
		return nil, newError("predicate", ErrPredicate, "missing")
	}
	raw, err := protojson.Marshal(provenanceFields.filter(st.GetPredicate()))
	if err != nil {
		return nil, newError("predicate", wrap(ErrPredicate, err), "")
	}
	p := new(slsa.Provenance)
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true, RecursionLimit: MaxJSONDepth + 8}).Unmarshal(raw, p); err != nil {
		return nil, newError("predicate", wrap(ErrPredicate, err), "")
	}
	if err := ValidateProvenance(p); err != nil {
		return nil, err
	}
	return p, nil
}

// schema lists the JSON names of a message's fields; nested gives the
// schema of message-typed fields (applied to each element of a list).
// Fields with free-form values (parameters, annotations) have no entry in
// nested and are kept whole.
type schema struct {
	fields []string
	nested map[string]*schema
}

var resourceDescriptorSchema = &schema{fields: resourceDescriptorFields}

var provenanceFields = &schema{
	fields: []string{"buildDefinition", "runDetails"},
	nested: map[string]*schema{
		"buildDefinition": {
			fields: []string{"buildType", "externalParameters", "internalParameters", "resolvedDependencies"},
			nested: map[string]*schema{"resolvedDependencies": resourceDescriptorSchema},
		},
		"runDetails": {
			fields: []string{"builder", "metadata", "byproducts"},
			nested: map[string]*schema{
				"builder": {
					fields: []string{"id", "version", "builderDependencies"},
					nested: map[string]*schema{"builderDependencies": resourceDescriptorSchema},
				},
				"metadata":   {fields: []string{"invocationId", "startedOn", "finishedOn"}},
				"byproducts": resourceDescriptorSchema,
			},
		},
	},
}

// filter returns a copy of s holding only the schema's fields, matched
// exactly. Values of the wrong JSON type are kept for protojson to reject.
func (sc *schema) filter(s *structpb.Struct) *structpb.Struct {
	out := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(sc.fields))}
	for _, name := range sc.fields {
		v, ok := s.GetFields()[name]
		if !ok {
			continue
		}
		if sub := sc.nested[name]; sub != nil {
			switch k := v.GetKind().(type) {
			case *structpb.Value_StructValue:
				v = structpb.NewStructValue(sub.filter(k.StructValue))
			case *structpb.Value_ListValue:
				l := &structpb.ListValue{Values: make([]*structpb.Value, len(k.ListValue.GetValues()))}
				for i, e := range k.ListValue.GetValues() {
					if es, ok := e.GetKind().(*structpb.Value_StructValue); ok {
						e = structpb.NewStructValue(sub.filter(es.StructValue))
					}
					l.Values[i] = e
				}
				v = structpb.NewListValue(l)
			}
		}
		out.Fields[name] = v
	}
	return out
}
