package attest

import (
	"encoding/json"
	"fmt"
)

// StatementTypeV01 is the _type of in-toto Statement v0.1, which cosign's
// attest command still writes. ParseStatement and Parse read it; this
// package writes only StatementTypeV1.
const StatementTypeV01 = "https://in-toto.io/Statement/v0.1"

// MaxSubjectDigests bounds the digests of one subject.
const MaxSubjectDigests = 32

// Statement is an in-toto statement as ParseStatement reads it: the
// fields every consumer checks, decoded, and the predicate left as the
// JSON text that was signed. It is the form package verify returns a
// verified statement in; Parse gives the protobuf form.
type Statement struct {
	// Type is StatementTypeV1 or StatementTypeV01.
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	// Predicate is the predicate's JSON text (nil when absent). It
	// aliases the parsed input: do not modify it.
	Predicate json.RawMessage `json:"predicate,omitempty"`
}

// Subject is a statement's subject: a name and a digest set (algorithm ->
// lowercase hex).
type Subject struct {
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest"`
}

// aliasedJSON is a JSON value that keeps the decoder's slice of the input
// rather than copying it (encoding/json passes Unmarshalers a subslice of
// the input).
type aliasedJSON []byte

func (a *aliasedJSON) UnmarshalJSON(b []byte) error {
	*a = b
	return nil
}

// ParseStatement is the one strict reader of in-toto statements in this
// module (Parse, package verify and package sign use it). data must be a
// single JSON object of at most MaxStatementSize bytes with no duplicate
// key at any depth, nesting at most MaxJSONDepth, and nothing after it.
// Keys match exactly ("SUBJECT" is not subject); unknown keys are
// ignored, as the spec requires. Then: _type is StatementTypeV1 or
// StatementTypeV01; there are 1..MaxSubjects subjects, each with
// 1..MaxSubjectDigests digests valid as Validate requires; predicateType
// is non-empty. The predicate is not decoded, nor copied: a 50 MB
// predicate costs one scan of its bytes.
func ParseStatement(data []byte) (*Statement, error) {
	if len(data) > MaxStatementSize {
		return nil, newError("", ErrTooLarge, fmt.Sprintf("%d bytes, limit %d", len(data), MaxStatementSize))
	}
	if err := checkJSONObject("", data); err != nil {
		return nil, err
	}
	var top map[string]aliasedJSON
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, newError("", ErrMalformed, err.Error())
	}
	st := new(Statement)
	if v, ok := top["_type"]; ok {
		if err := json.Unmarshal(v, &st.Type); err != nil {
			return nil, newError("_type", ErrMalformed, "not a string")
		}
	}
	if st.Type != StatementTypeV1 && st.Type != StatementTypeV01 {
		return nil, newError("_type", ErrStatementType, quote(st.Type))
	}
	if v, ok := top["predicateType"]; ok {
		if err := json.Unmarshal(v, &st.PredicateType); err != nil {
			return nil, newError("predicateType", ErrMalformed, "not a string")
		}
	}
	if v, ok := top["subject"]; ok {
		var subjects []map[string]aliasedJSON
		if err := json.Unmarshal(v, &subjects); err != nil {
			return nil, newError("subject", ErrMalformed, "not an array of objects")
		}
		if len(subjects) > MaxSubjects {
			return nil, newError("subject", ErrTooLarge, fmt.Sprintf("%d subjects, limit %d", len(subjects), MaxSubjects))
		}
		st.Subject = make([]Subject, len(subjects))
		for i, fields := range subjects {
			field := fmt.Sprintf("subject[%d]", i)
			if n, ok := fields["name"]; ok {
				if err := json.Unmarshal(n, &st.Subject[i].Name); err != nil {
					return nil, newError(field+".name", ErrMalformed, "not a string")
				}
			}
			if d, ok := fields["digest"]; ok {
				if err := json.Unmarshal(d, &st.Subject[i].Digest); err != nil {
					return nil, newError(field+".digest", ErrMalformed, "not an object of strings")
				}
			}
			if len(st.Subject[i].Digest) > MaxSubjectDigests {
				return nil, newError(field+".digest", ErrTooLarge, fmt.Sprintf("%d digests, limit %d", len(st.Subject[i].Digest), MaxSubjectDigests))
			}
			if err := validateDigestSet(field+".digest", st.Subject[i].Digest); err != nil {
				return nil, err
			}
		}
	}
	if len(st.Subject) == 0 {
		return nil, newError("subject", ErrNoSubject, "")
	}
	if st.PredicateType == "" {
		return nil, newError("predicateType", ErrPredicateType, "empty")
	}
	if p, ok := top["predicate"]; ok && string(p) != "null" {
		st.Predicate = json.RawMessage(p[:len(p):len(p)])
	}
	return st, nil
}
