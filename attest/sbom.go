package attest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	intoto "github.com/in-toto/attestation/go/v1"

	"github.com/chainproof/chainproof/sbom"
)

const (
	// PredicateCycloneDX is the predicateType of a CycloneDX SBOM.
	PredicateCycloneDX = "https://cyclonedx.org/bom"
	// PredicateSPDX is the predicateType of an SPDX document.
	PredicateSPDX = "https://spdx.dev/Document"
)

// Versioned forms seen in the wild ("https://spdx.dev/Document/v2.3",
// "https://cyclonedx.org/bom/v1.6") are accepted too.
var (
	cycloneDXType = regexp.MustCompile(`^https://cyclonedx\.org/bom(/v[0-9]+(\.[0-9]+)*)?$`)
	spdxType      = regexp.MustCompile(`^https://spdx\.dev/Document(/v[0-9]+(\.[0-9]+)*)?$`)
)

// SBOMFormatOf returns the format of an SBOM predicate type, accepting
// PredicateCycloneDX, PredicateSPDX and their versioned forms
// (".../v2.3"; SPDX 3 included, which package sbom does not decode). ok
// is false for anything else.
func SBOMFormatOf(predicateType string) (f sbom.Format, ok bool) {
	switch {
	case cycloneDXType.MatchString(predicateType):
		return sbom.CycloneDX, true
	case spdxType.MatchString(predicateType):
		return sbom.SPDX, true
	}
	return "", false
}

// SBOM is an encoded SBOM document and its predicate type. attest does
// not care how the document was produced; it checks that it is a JSON
// object (at most MaxStatementSize bytes, no duplicate keys) of the
// format's shape: CycloneDX has "bomFormat": "CycloneDX"; SPDX has a
// string "spdxVersion" starting "SPDX-" or (SPDX 3) an "@context".
type SBOM struct {
	// PredicateType is PredicateCycloneDX, PredicateSPDX or a versioned
	// form of either.
	PredicateType string
	// Document is the SBOM as encoded JSON.
	Document []byte
}

// SBOMStatement returns a statement with the SBOM as predicate, about
// subjects.
func SBOMStatement(sbom SBOM, subjects ...*intoto.ResourceDescriptor) (*intoto.Statement, error) {
	f, ok := SBOMFormatOf(sbom.PredicateType)
	if !ok {
		return nil, newError("predicateType", ErrPredicateType, "not an sbom type: "+quote(sbom.PredicateType))
	}
	if err := checkSBOMShape(f, sbom.Document); err != nil {
		return nil, err
	}
	s, err := structFromJSON("predicate", sbom.Document, MaxStatementSize)
	if err != nil {
		return nil, err
	}
	return NewStatement(sbom.PredicateType, s, subjects...)
}

// ParseSBOM returns the SBOM predicate of st as encoded JSON (canonical,
// see Marshal) with its predicate type, after checking st (Validate), the
// predicate type (SBOMFormatOf) and the document's shape.
func ParseSBOM(st *intoto.Statement) (SBOM, error) {
	if err := Validate(st); err != nil {
		return SBOM{}, err
	}
	f, ok := SBOMFormatOf(st.GetPredicateType())
	if !ok {
		return SBOM{}, newError("predicateType", ErrPredicateType, "not an sbom type: "+quote(st.GetPredicateType()))
	}
	if st.GetPredicate() == nil {
		return SBOM{}, newError("predicate", ErrPredicate, "missing")
	}
	doc, err := canonicalJSON("predicate", st.GetPredicate())
	if err != nil {
		return SBOM{}, err
	}
	if err := checkSBOMShape(f, doc); err != nil {
		return SBOM{}, err
	}
	return SBOM{PredicateType: st.GetPredicateType(), Document: doc}, nil
}

func checkSBOMShape(f sbom.Format, doc []byte) error {
	if len(doc) > MaxStatementSize {
		return newError("predicate", ErrTooLarge, fmt.Sprintf("%d bytes, limit %d", len(doc), MaxStatementSize))
	}
	if err := checkJSONObject("predicate", doc); err != nil {
		return err
	}
	var head struct {
		BOMFormat   *string         `json:"bomFormat"`
		SPDXVersion *string         `json:"spdxVersion"`
		Context     json.RawMessage `json:"@context"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		return newError("predicate", wrap(ErrPredicate, err), "")
	}
	switch f {
	case sbom.CycloneDX:
		if head.BOMFormat == nil || *head.BOMFormat != "CycloneDX" {
			return newError("predicate.bomFormat", ErrPredicate, "want \"CycloneDX\"")
		}
	case sbom.SPDX:
		if (head.SPDXVersion == nil || !strings.HasPrefix(*head.SPDXVersion, "SPDX-")) && head.Context == nil {
			return newError("predicate.spdxVersion", ErrPredicate, "want \"SPDX-x.y\"")
		}
	}
	return nil
}
