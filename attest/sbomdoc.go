package attest

import (
	"github.com/chainproof/chainproof/sbom"
)

// SBOMFromDocument encodes doc with package sbom in format f
// (sbom.CycloneDX or sbom.SPDX) and returns it ready for SBOMStatement,
// with predicate type PredicateCycloneDX or PredicateSPDX. To read an
// attested SBOM back into the model, pass ParseSBOM's Document to
// sbom.Decode.
func SBOMFromDocument(doc *sbom.Document, f sbom.Format) (SBOM, error) {
	var pt string
	switch f {
	case sbom.CycloneDX:
		pt = PredicateCycloneDX
	case sbom.SPDX:
		pt = PredicateSPDX
	default:
		return SBOM{}, newError("format", ErrPredicateType, "not an sbom format: "+quote(string(f)))
	}
	b, err := sbom.Encode(doc, f)
	if err != nil {
		return SBOM{}, newError("predicate", wrap(ErrPredicate, err), "")
	}
	return SBOM{PredicateType: pt, Document: b}, nil
}
