package attest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/chainproof/chainproof/internal/strictjson"
)

// MaxJSONDepth bounds the nesting of objects and arrays in any JSON this
// package parses or produces (the statement itself counts as depth 1).
const MaxJSONDepth = 128

// checkJSONObject reports whether data is exactly one JSON object, with no
// duplicate key in any object at any depth, nesting at most MaxJSONDepth,
// and nothing but whitespace after it. field names the input in errors.
func checkJSONObject(field string, data []byte) error {
	err := strictjson.CheckObject(data, MaxJSONDepth)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, strictjson.ErrDuplicateKey):
		return newError(field, ErrDuplicateKey, strings.TrimPrefix(err.Error(), strictjson.ErrDuplicateKey.Error()+": "))
	case errors.Is(err, strictjson.ErrNotObject):
		return newError(field, ErrMalformed, "not a json object")
	case errors.Is(err, strictjson.ErrTrailing):
		return newError(field, ErrMalformed, "trailing data after the json object")
	case errors.Is(err, strictjson.ErrTooDeep):
		return newError(field, ErrMalformed, fmt.Sprintf("nesting deeper than %d", MaxJSONDepth))
	}
	return newError(field, ErrMalformed, strings.TrimPrefix(err.Error(), strictjson.ErrSyntax.Error()+": "))
}

// canonicalJSON encodes m with protojson and re-encodes the result in the
// RFC 8785 JSON Canonicalization Scheme, so the bytes do not depend on
// protojson's deliberately randomized whitespace.
func canonicalJSON(field string, m proto.Message) ([]byte, error) {
	raw, err := protojson.Marshal(m)
	if err != nil {
		return nil, newError(field, ErrPredicate, err.Error())
	}
	out, err := jsoncanonicalizer.Transform(raw)
	if err != nil {
		return nil, newError(field, ErrMalformed, err.Error())
	}
	return out, nil
}

// structDepth returns the nesting depth of s (an object counts 1).
func structDepth(s *structpb.Struct) int {
	d := 0
	for _, v := range s.GetFields() {
		d = max(d, valueDepth(v))
	}
	return d + 1
}

func valueDepth(v *structpb.Value) int {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StructValue:
		return structDepth(k.StructValue)
	case *structpb.Value_ListValue:
		d := 0
		for _, e := range k.ListValue.GetValues() {
			d = max(d, valueDepth(e))
		}
		return d + 1
	}
	return 0
}

// PredicateFromJSON decodes an encoded JSON object (at most
// MaxStatementSize bytes, no duplicate keys, no trailing data) into the
// form Statement.Predicate holds. Numbers become float64, as the in-toto
// bindings store them: integers beyond 2^53 lose precision.
func PredicateFromJSON(data []byte) (*structpb.Struct, error) {
	return structFromJSON("predicate", data, MaxStatementSize)
}

func structFromJSON(field string, data []byte, limit int) (*structpb.Struct, error) {
	if len(data) > limit {
		return nil, newError(field, ErrTooLarge, fmt.Sprintf("%d bytes, limit %d", len(data), limit))
	}
	if err := checkJSONObject(field, data); err != nil {
		return nil, err
	}
	s := new(structpb.Struct)
	if err := (protojson.UnmarshalOptions{RecursionLimit: MaxJSONDepth + 8}).Unmarshal(data, s); err != nil {
		return nil, newError(field, ErrMalformed, err.Error())
	}
	return s, nil
}
