package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// Property names this package writes into CycloneDX components.
const (
	// PropertyGoSum holds Component.GoSum (go.sum "h1:" hash of the module).
	PropertyGoSum = "chainproof:go.sum:h1"
	// PropertyGoModSum holds Component.GoModSum (go.sum hash of its go.mod).
	PropertyGoModSum = "chainproof:go.sum:go.mod:h1"
	// PropertyVCSRevision holds Component.VCSRevision.
	PropertyVCSRevision = "chainproof:go:vcs.revision"
	// PropertyVCSModified holds Component.VCSModified ("true" when set).
	PropertyVCSModified = "chainproof:go:vcs.modified"
)

// ToolName is the tool named in the documents this package writes.
const ToolName = "chainproof"

const maxNesting = 32

var serialRE = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// EncodeCycloneDX writes doc as CycloneDX 1.6 JSON (indented, with a
// trailing newline). The same document gives the same bytes: the serial
// number, when doc.Serial is empty, is a UUID derived from the content.
func EncodeCycloneDX(doc *Document) ([]byte, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	serial := doc.Serial
	if serial == "" {
		serial = "urn:uuid:" + uuidFrom(doc.digest(), "cyclonedx")
	} else if !serialRE.MatchString(serial) {
		return nil, invalid(CheckSerial, "Serial", serial, "serial number is not a lowercase urn:uuid")
	}
	bom := cdx.NewBOM()
	bom.SerialNumber = serial
	subject := cdxComponent(&doc.Subject)
	bom.Metadata = &cdx.Metadata{
		Timestamp: doc.Created.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: ToolName,
		}}},
		Component: &subject,
	}
	if len(doc.Components) > 0 {
		comps := make([]cdx.Component, len(doc.Components))
		for i := range doc.Components {
			comps[i] = cdxComponent(&doc.Components[i])
		}
		bom.Components = &comps
	}
	if len(doc.Dependencies) > 0 {
		deps := make([]cdx.Dependency, len(doc.Dependencies))
		for i, d := range doc.Dependencies {
			deps[i].Ref = d.Ref
			if len(d.DependsOn) > 0 {
				on := d.DependsOn
				deps[i].Dependencies = &on
			}
		}
		bom.Dependencies = &deps
	}
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, fmt.Errorf("sbom: encoding cyclonedx: %w", err)
	}
	return buf.Bytes(), nil
}

func cdxComponent(c *Component) cdx.Component {
	out := cdx.Component{
		BOMRef:      c.Ref(),
		Type:        cdx.ComponentType(c.typ()),
		Name:        c.Name,
		Version:     c.Version,
		PackageURL:  c.PURL,
		Description: c.Description,
	}
	if len(c.Hashes) > 0 {
		hs := make([]cdx.Hash, len(c.Hashes))
		for i, h := range c.Hashes {
			hs[i] = cdx.Hash{Algorithm: cdx.HashAlgorithm(h.Algorithm), Value: h.Value}
		}
		out.Hashes = &hs
	}
	if expr := licenseExpression(c.Licenses); expr != "" {
		out.Licenses = &cdx.Licenses{{Expression: expr}}
	}
	var props []cdx.Property
	if c.GoSum != "" {
		props = append(props, cdx.Property{Name: PropertyGoSum, Value: c.GoSum})
	}
	if c.GoModSum != "" {
		props = append(props, cdx.Property{Name: PropertyGoModSum, Value: c.GoModSum})
	}
	if c.VCSRevision != "" {
		props = append(props, cdx.Property{Name: PropertyVCSRevision, Value: c.VCSRevision})
	}
	if c.VCSModified {
		props = append(props, cdx.Property{Name: PropertyVCSModified, Value: "true"})
	}
	if len(props) > 0 {
		out.Properties = &props
	}
	return out
}

// licenseExpression joins expressions with AND (CycloneDX allows only
// one expression per component, and never mixed with license ids).
func licenseExpression(ls []string) string {
	switch len(ls) {
	case 0:
		return ""
	case 1:
		return ls[0]
	}
	parts := make([]string, len(ls))
	for i, l := range ls {
		if strings.ContainsAny(l, " ") && !(strings.HasPrefix(l, "(") && strings.HasSuffix(l, ")")) {
			l = "(" + l + ")"
		}
		parts[i] = l
	}
	return strings.Join(parts, " AND ")
}

// DecodeCycloneDX reads a CycloneDX JSON document (spec 1.2 to 1.7) into
// the model: metadata.component becomes the Subject, components (nested
// ones flattened) become Components, license ids and expressions become
// Licenses (a license given only by name becomes "LicenseRef-<name>"),
// and this package's go.sum properties come back as GoSum/GoModSum.
// It does not run Validate; call it to apply the model's rules.
func DecodeCycloneDX(data []byte) (*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, &Error{Check: CheckSize, Value: fmt.Sprint(len(data)), Err: ErrTooLarge}
	}
	var head struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, &Error{Check: CheckSyntax, Err: fmt.Errorf("%w: %v", ErrFormat, err)}
	}
	if head.BOMFormat != cdx.BOMFormat {
		return nil, &Error{Check: CheckSyntax, Path: "/bomFormat", Value: head.BOMFormat, Err: ErrFormat}
	}
	switch head.SpecVersion {
	case "1.2", "1.3", "1.4", "1.5", "1.6", "1.7":
	default:
		return nil, &Error{Check: CheckSpecVersion, Path: "/specVersion", Value: head.SpecVersion, Err: ErrFormat}
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, &Error{Check: CheckSyntax, Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	doc := &Document{Serial: bom.SerialNumber}
	if md := bom.Metadata; md != nil {
		if md.Timestamp != "" {
			t, err := time.Parse(time.RFC3339, md.Timestamp)
			if err != nil {
				return nil, invalid(CheckCreated, "/metadata/timestamp", md.Timestamp, "not an RFC 3339 time")
			}
			doc.Created = t
		}
		if md.Component != nil {
			doc.Subject = fromCDXComponent(md.Component)
		}
	}
	if bom.Components != nil {
		var walk func(cs []cdx.Component, depth int) error
		walk = func(cs []cdx.Component, depth int) error {
			if depth > maxNesting {
				return &Error{Check: CheckSize, Path: "/components", Value: "nesting", Err: ErrTooLarge}
			}
			for i := range cs {
				if len(doc.Components) >= MaxComponents {
					return &Error{Check: CheckSize, Path: "/components", Err: ErrTooLarge}
				}
				doc.Components = append(doc.Components, fromCDXComponent(&cs[i]))
				if cs[i].Components != nil {
					if err := walk(*cs[i].Components, depth+1); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if err := walk(*bom.Components, 0); err != nil {
			return nil, err
		}
	}
	if bom.Dependencies != nil {
		edges := 0
		for _, d := range *bom.Dependencies {
			dep := Dependency{Ref: d.Ref}
			if d.Dependencies != nil {
				dep.DependsOn = append([]string(nil), (*d.Dependencies)...)
				edges += len(dep.DependsOn)
			}
			if edges > MaxDependencyEdges {
				return nil, &Error{Check: CheckSize, Path: "/dependencies", Err: ErrTooLarge}
			}
			doc.Dependencies = append(doc.Dependencies, dep)
		}
	}
	return doc, nil
}

func fromCDXComponent(c *cdx.Component) Component {
	name := c.Name
	if c.Group != "" {
		name = c.Group + "/" + c.Name
	}
	out := Component{
		ID:          c.BOMRef,
		Type:        ComponentType(c.Type),
		Name:        name,
		Version:     c.Version,
		PURL:        c.PackageURL,
		Description: c.Description,
	}
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			out.Hashes = append(out.Hashes, Hash{Algorithm: HashAlgorithm(h.Algorithm), Value: strings.ToLower(h.Value)})
		}
	}
	if c.Licenses != nil {
		for _, l := range *c.Licenses {
			switch {
			case l.Expression != "":
				out.Licenses = append(out.Licenses, l.Expression)
			case l.License != nil && l.License.ID != "":
				out.Licenses = append(out.Licenses, l.License.ID)
			case l.License != nil && l.License.Name != "":
				out.Licenses = append(out.Licenses, LicenseRef(l.License.Name))
			}
		}
	}
	if c.Properties != nil {
		for _, p := range *c.Properties {
			switch p.Name {
			case PropertyGoSum:
				out.GoSum = p.Value
			case PropertyVCSRevision:
				out.VCSRevision = p.Value
			case PropertyVCSModified:
				out.VCSModified = p.Value == "true"
			case PropertyGoModSum:
				out.GoModSum = p.Value
			}
		}
	}
	return out
}

// LicenseRef turns a free-form license name into an SPDX
// "LicenseRef-" identifier (letters, digits, '.' and '-' only).
func LicenseRef(name string) string {
	return "LicenseRef-" + idSafe(name)
}

// idSafe maps s to [A-Za-z0-9.-]+.
func idSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) == 0 {
		return "unnamed"
	}
	return string(b)
}
