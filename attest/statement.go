package attest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	// StatementTypeV1 is the _type of the statements this package
	// writes.
	StatementTypeV1 = "https://in-toto.io/Statement/v1"
	// PayloadType is the DSSE payloadType of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"

	// MaxStatementSize bounds an encoded statement (and an encoded
	// predicate or SBOM document) in bytes: 96 MiB, the largest DSSE
	// payload a bundle of verify.MaxBundleSize (128 MiB) can carry in
	// base64, so that every statement package verify accepts, this
	// package reads, and the other way round.
	MaxStatementSize = 96 << 20
	// MaxSubjects bounds the number of subjects in a statement: the
	// limit sigstore-go's verifier applies, so that every statement
	// this package builds verifies there and in package verify.
	MaxSubjects = 1024
)

// resourceDescriptorFields are the JSON names of ResourceDescriptor fields
// in the in-toto spec. Other keys are ignored (as the spec says), and are
// removed before protojson sees them, so that protojson's extra aliases
// ("download_location", "media_type") are not honoured.
var resourceDescriptorFields = []string{"name", "uri", "digest", "content", "downloadLocation", "mediaType", "annotations"}

// statementFields are the JSON names of Statement fields; likewise, the
// aliases "type" and "predicate_type" are ignored, not honoured.
var statementFields = []string{"_type", "predicateType", "predicate"}

// NewStatement returns a statement of predicateType about subjects, after
// Validate. predicate may be nil (the spec allows omitting it when the
// predicate type says it all). The statement refers to subjects and
// predicate; it does not copy them.
func NewStatement(predicateType string, predicate *structpb.Struct, subjects ...*intoto.ResourceDescriptor) (*intoto.Statement, error) {
	st := &intoto.Statement{
		Type:          StatementTypeV1,
		Subject:       subjects,
		PredicateType: predicateType,
		Predicate:     predicate,
	}
	if err := Validate(st); err != nil {
		return nil, err
	}
	return st, nil
}

// Validate checks st as Parse does: _type is StatementTypeV1 (or, for a
// statement read by Parse, StatementTypeV01); there
// are 1..MaxSubjects subjects; every subject has a digest set whose values
// are non-empty and, for algorithms the spec lists, lowercase hex of the
// algorithm's length; predicateType is non-empty; the predicate nests at
// most MaxJSONDepth deep.
func Validate(st *intoto.Statement) error {
	if st == nil {
		return newError("", ErrMalformed, "nil statement")
	}
	if st.GetType() != StatementTypeV1 && st.GetType() != StatementTypeV01 {
		return newError("_type", ErrStatementType, quote(st.GetType()))
	}
	subs := st.GetSubject()
	if len(subs) == 0 {
		return newError("subject", ErrNoSubject, "")
	}
	if len(subs) > MaxSubjects {
		return newError("subject", ErrTooLarge, fmt.Sprintf("%d subjects, limit %d", len(subs), MaxSubjects))
	}
	for i, rd := range subs {
		if len(rd.GetDigest()) > MaxSubjectDigests {
			return newError(fmt.Sprintf("subject[%d].digest", i), ErrTooLarge, fmt.Sprintf("%d digests, limit %d", len(rd.GetDigest()), MaxSubjectDigests))
		}
		if err := validateDigestSet(fmt.Sprintf("subject[%d].digest", i), rd.GetDigest()); err != nil {
			return err
		}
	}
	if st.GetPredicateType() == "" {
		return newError("predicateType", ErrPredicateType, "empty")
	}
	if p := st.GetPredicate(); p != nil && structDepth(p) >= MaxJSONDepth {
		return newError("predicate", ErrPredicate, fmt.Sprintf("nesting deeper than %d", MaxJSONDepth))
	}
	return nil
}

// digestHexLengths gives the accepted hex lengths of the algorithms the
// in-toto DigestSet spec lists. Git object ids may be SHA-1 or SHA-256.
var digestHexLengths = func() map[string][]int {
	m := make(map[string][]int, len(intoto.HashAlgorithms))
	for name, alg := range intoto.HashAlgorithms {
		m[name] = []int{2 * alg.HexLength()}
	}
	for _, git := range []intoto.HashAlgorithm{intoto.AlgorithmGitBlob, intoto.AlgorithmGitCommit, intoto.AlgorithmGitTag, intoto.AlgorithmGitTree} {
		m[string(git)] = []int{40, 64}
	}
	return m
}()

func validateDigestSet(field string, ds map[string]string) error {
	if len(ds) == 0 {
		return newError(field, ErrDigestMissing, "")
	}
	algs := make([]string, 0, len(ds))
	for alg := range ds {
		algs = append(algs, alg)
	}
	slices.Sort(algs) // report the same error every time
	for _, alg := range algs {
		if err := validateDigest(field, alg, ds[alg]); err != nil {
			return err
		}
	}
	return nil
}

func validateDigest(field, alg, value string) error {
	if alg == "" {
		return newError(field, ErrDigestMalformed, "empty algorithm name")
	}
	field += "." + alg
	if value == "" {
		return newError(field, ErrDigestMalformed, "empty value")
	}
	lengths, known := digestHexLengths[alg]
	if !known {
		return nil // the spec allows other algorithms, with their own encodings
	}
	if !isLowerHex(value) {
		return newError(field, ErrDigestMalformed, "not lowercase hex: "+quote(value))
	}
	if !slices.Contains(lengths, len(value)) {
		return newError(field, ErrDigestMalformed, fmt.Sprintf("%d hex characters, want %s", len(value), joinInts(lengths)))
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, " or ")
}

// Parse decodes an in-toto statement (v1, or v0.1 as cosign writes it)
// into the in-toto protobuf bindings. It reads data with ParseStatement,
// so it accepts exactly what ParseStatement accepts, and then decodes the
// predicate too.
func Parse(data []byte) (*intoto.Statement, error) {
	if _, err := ParseStatement(data); err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, newError("", ErrMalformed, err.Error())
	}
	clean := make(map[string]any, 4)
	for _, k := range statementFields {
		if v, ok := top[k]; ok {
			clean[k] = v
		}
	}
	if raw, ok := top["subject"]; ok {
		var subs []json.RawMessage
		if err := json.Unmarshal(raw, &subs); err != nil {
			return nil, newError("subject", ErrMalformed, "not an array")
		}
		if len(subs) > MaxSubjects {
			return nil, newError("subject", ErrTooLarge, fmt.Sprintf("%d subjects, limit %d", len(subs), MaxSubjects))
		}
		out := make([]map[string]json.RawMessage, len(subs))
		for i, s := range subs {
			var rd map[string]json.RawMessage
			if err := json.Unmarshal(s, &rd); err != nil {
				return nil, newError(fmt.Sprintf("subject[%d]", i), ErrMalformed, "not an object")
			}
			out[i] = make(map[string]json.RawMessage, len(rd))
			for _, k := range resourceDescriptorFields {
				if v, ok := rd[k]; ok {
					out[i][k] = v
				}
			}
		}
		clean["subject"] = out
	}
	filtered, err := json.Marshal(clean)
	if err != nil {
		return nil, newError("", ErrMalformed, err.Error())
	}
	st := new(intoto.Statement)
	if err := (protojson.UnmarshalOptions{RecursionLimit: MaxJSONDepth + 8}).Unmarshal(filtered, st); err != nil {
		return nil, newError("", ErrMalformed, err.Error())
	}
	if err := Validate(st); err != nil {
		return nil, err
	}
	return st, nil
}

// Marshal validates st and encodes it deterministically: the same
// statement gives the same bytes every time, on every platform.
//
// The form is the proto3 JSON mapping of the in-toto bindings (JSON field
// names "_type", "subject", "predicateType", "predicate", "name", "digest",
// "downloadLocation", ...; empty fields omitted; bytes as standard base64)
// canonicalized with RFC 8785 (JSON Canonicalization Scheme): no
// whitespace, object keys sorted by UTF-16 code units, strings as UTF-8
// with only the escapes RFC 8785 requires, numbers in ECMAScript shortest
// form (1, not 1.0). This is plain JSON any in-toto consumer reads.
func Marshal(st *intoto.Statement) ([]byte, error) {
	if err := Validate(st); err != nil {
		return nil, err
	}
	out, err := canonicalJSON("", st)
	if err != nil {
		return nil, err
	}
	if len(out) > MaxStatementSize {
		return nil, newError("", ErrTooLarge, fmt.Sprintf("%d bytes, limit %d", len(out), MaxStatementSize))
	}
	return out, nil
}
