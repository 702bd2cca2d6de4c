package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
)

// SPDX external reference types this package writes for go.sum hashes
// (category OTHER; an h1: hash is not an SPDX checksum).
const (
	SPDXRefTypeGoSum    = "go-sum-h1"
	SPDXRefTypeGoModSum = "go-sum-go-mod-h1"
	// SPDXRefTypeVCSRevision is the OTHER external reference type holding
	// Component.VCSRevision; SPDXRefTypeVCSModified holds "true" when
	// Component.VCSModified is set.
	SPDXRefTypeVCSRevision = "go-vcs-revision"
	SPDXRefTypeVCSModified = "go-vcs-modified"
)

// NamespacePrefix starts the document namespaces this package derives:
// NamespacePrefix + name + "-" + UUID (derived from the content).
const NamespacePrefix = "https://spdx.org/spdxdocs/chainproof/"

const noAssertion = "NOASSERTION"

var licenseRefRE = regexp.MustCompile(`LicenseRef-[A-Za-z0-9.\-]+`)

var spdxPurpose = map[ComponentType]string{
	TypeApplication: "APPLICATION", TypeLibrary: "LIBRARY", TypeFramework: "FRAMEWORK",
	TypeContainer: "CONTAINER", TypeOperatingSystem: "OPERATING_SYSTEM", TypeDevice: "DEVICE",
	TypeFirmware: "FIRMWARE", TypeFile: "FILE", TypePlatform: "OTHER", TypeData: "OTHER",
}

// spdxAlgorithm maps "SHA-256" to "SHA256"; other names are the same in both.
func spdxAlgorithm(a HashAlgorithm) common.ChecksumAlgorithm {
	if s, ok := strings.CutPrefix(string(a), "SHA-"); ok {
		return common.ChecksumAlgorithm("SHA" + s)
	}
	return common.ChecksumAlgorithm(a)
}

func modelAlgorithm(a common.ChecksumAlgorithm) HashAlgorithm {
	s := string(a)
	if strings.HasPrefix(s, "SHA") && !strings.HasPrefix(s, "SHA3") && len(s) > 3 {
		return HashAlgorithm("SHA-" + s[3:])
	}
	return HashAlgorithm(s)
}

// EncodeSPDX writes doc as SPDX 2.3 JSON (indented, trailing newline).
// Every component is a package (filesAnalyzed false, download location
// and concluded license NOASSERTION) with its purl as a PACKAGE-MANAGER
// reference; the document DESCRIBES the subject; dependency edges are
// DEPENDS_ON relationships. The same document gives the same bytes: the
// namespace, when doc.Namespace is empty, derives from the content.
func EncodeSPDX(doc *Document) ([]byte, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	name := doc.Name
	if name == "" {
		name = doc.Subject.Name
	}
	ns := doc.Namespace
	if ns == "" {
		ns = NamespacePrefix + idSafe(name) + "-" + uuidFrom(doc.digest(), "spdx")
	} else if err := checkNamespace(ns); err != nil {
		return nil, &Error{Check: CheckNamespace, Path: "Namespace", Value: ns, Err: err}
	}
	out := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: ns,
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: ToolName}},
			Created:  doc.Created.UTC().Format(time.RFC3339),
		},
	}
	ids := make(map[string]common.ElementID, len(doc.Components)+1)
	used := make(map[common.ElementID]bool, len(doc.Components)+1)
	refs := map[string]bool{}
	add := func(c *Component) {
		ref := c.Ref()
		id := spdxElementID(ref)
		if strings.HasPrefix(ref, "SPDXRef-") && spdxElementRE.MatchString(ref) {
			id = common.ElementID(strings.TrimPrefix(ref, "SPDXRef-"))
		}
		for i := 2; used[id]; i++ {
			id = common.ElementID(fmt.Sprintf("%s-%d", spdxElementID(ref), i))
		}
		used[id] = true
		ids[ref] = id
		out.Packages = append(out.Packages, spdxPackage(c, id))
		for _, l := range c.Licenses {
			for _, r := range licenseRefRE.FindAllString(l, -1) {
				refs[r] = true
			}
		}
	}
	out.Packages = make([]*spdx.Package, 0, len(doc.Components)+1)
	add(&doc.Subject)
	for i := range doc.Components {
		add(&doc.Components[i])
	}
	for _, r := range slices.Sorted(mapKeys(refs)) {
		out.OtherLicenses = append(out.OtherLicenses, &spdx.OtherLicense{
			LicenseIdentifier: r, ExtractedText: noAssertion, LicenseName: strings.TrimPrefix(r, "LicenseRef-"),
		})
	}
	out.Relationships = append(out.Relationships, &spdx.Relationship{
		RefA:         common.MakeDocElementID("", "DOCUMENT"),
		RefB:         common.MakeDocElementID("", string(ids[doc.Subject.Ref()])),
		Relationship: common.TypeRelationshipDescribe,
	})
	for _, d := range doc.Dependencies {
		for _, to := range d.DependsOn {
			out.Relationships = append(out.Relationships, &spdx.Relationship{
				RefA:         common.MakeDocElementID("", string(ids[d.Ref])),
				RefB:         common.MakeDocElementID("", string(ids[to])),
				Relationship: common.TypeRelationshipDependsOn,
			})
		}
	}
	var buf bytes.Buffer
	if err := spdxjson.Write(out, &buf, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return nil, fmt.Errorf("sbom: encoding spdx: %w", err)
	}
	return buf.Bytes(), nil
}

// spdxElementID derives a package's SPDXID (without "SPDXRef-") from its
// component ID.
func spdxElementID(ref string) common.ElementID {
	return common.ElementID("Package-" + idSafe(strings.TrimPrefix(ref, "pkg:")))
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func spdxPackage(c *Component, id common.ElementID) *spdx.Package {
	p := &spdx.Package{
		PackageName:               c.Name,
		PackageSPDXIdentifier:     id,
		PackageVersion:            c.Version,
		PackageDownloadLocation:   noAssertion,
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageLicenseConcluded:   noAssertion,
		PackageLicenseDeclared:    noAssertion,
		PackageCopyrightText:      noAssertion,
		PackageDescription:        c.Description,
		PrimaryPackagePurpose:     spdxPurpose[c.typ()],
	}
	if expr := licenseExpression(c.Licenses); expr != "" {
		p.PackageLicenseDeclared = expr
	}
	for _, h := range c.Hashes {
		p.PackageChecksums = append(p.PackageChecksums, common.Checksum{Algorithm: spdxAlgorithm(h.Algorithm), Value: h.Value})
	}
	if c.PURL != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: c.PURL,
		})
	}
	if c.GoSum != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: common.CategoryOther, RefType: SPDXRefTypeGoSum, Locator: c.GoSum,
		})
	}
	if c.GoModSum != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: common.CategoryOther, RefType: SPDXRefTypeGoModSum, Locator: c.GoModSum,
		})
	}
	if c.VCSRevision != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: common.CategoryOther, RefType: SPDXRefTypeVCSRevision, Locator: c.VCSRevision,
		})
	}
	if c.VCSModified {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: common.CategoryOther, RefType: SPDXRefTypeVCSModified, Locator: "true",
		})
	}
	return p
}

var spdxDependencyRels = map[string]bool{
	common.TypeRelationshipDependencyOf:         true,
	common.TypeRelationshipBuildDependencyOf:    true,
	common.TypeRelationshipDevDependencyOf:      true,
	common.TypeRelationshipOptionalDependencyOf: true,
	common.TypeRelationshipProvidedDependencyOf: true,
	common.TypeRelationshipTestDependencyOf:     true,
	common.TypeRelationshipRuntimeDependencyOf:  true,
}

// DecodeSPDX reads an SPDX 2.1, 2.2 or 2.3 JSON document into the model.
// The first package the document DESCRIBES becomes the Subject (other
// described packages become components); each package's purl becomes
// its PURL, and its ID is "SPDXRef-..." (the SPDXID) unless the SPDXID
// is the one EncodeSPDX derives from the purl, in which case it is the purl;
// DEPENDS_ON and *DEPENDENCY_OF relationships between packages become
// Dependencies; licenseDeclared (else licenseConcluded), when not
// NOASSERTION or NONE, becomes Licenses. Files and snippets are ignored.
// JSON null where the spec requires an object (creationInfo, an element
// of packages, files, relationships, annotations, ...) is an ErrInvalid
// *Error. It does not run Validate.
func DecodeSPDX(data []byte) (*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, &Error{Check: CheckSize, Value: fmt.Sprint(len(data)), Err: ErrTooLarge}
	}
	var head spdxShape
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, &Error{Check: CheckSyntax, Err: fmt.Errorf("%w: %v", ErrFormat, err)}
	}
	if head.SPDXVersion == nil {
		return nil, &Error{Check: CheckSpecVersion, Path: "/spdxVersion", Err: ErrFormat}
	}
	switch *head.SPDXVersion {
	case "SPDX-2.1", "SPDX-2.2", "SPDX-2.3":
	default:
		return nil, &Error{Check: CheckSpecVersion, Path: "/spdxVersion", Value: *head.SPDXVersion, Err: ErrFormat}
	}
	if err := head.checkNulls(); err != nil {
		return nil, err
	}
	in, err := decodeSPDXLibrary(data, *head.SPDXVersion == spdx.Version)
	if err != nil {
		return nil, err
	}
	for i, p := range in.Packages {
		if p != nil && slices.Contains(p.PackageExternalReferences, nil) {
			return nil, invalid(CheckSyntax, fmt.Sprintf("/packages/%d/externalRefs", i), "", "null array element")
		}
	}
	if len(in.Packages) > MaxComponents {
		return nil, &Error{Check: CheckSize, Path: "/packages", Err: ErrTooLarge}
	}
	if len(in.Relationships) > MaxDependencyEdges {
		return nil, &Error{Check: CheckSize, Path: "/relationships", Err: ErrTooLarge}
	}
	doc := &Document{Name: in.DocumentName, Namespace: in.DocumentNamespace}
	if in.CreationInfo != nil && in.CreationInfo.Created != "" {
		t, err := time.Parse(time.RFC3339, in.CreationInfo.Created)
		if err != nil {
			return nil, invalid(CheckCreated, "/creationInfo/created", in.CreationInfo.Created, "not an RFC 3339 time")
		}
		doc.Created = t
	}
	// Component IDs: the purl when unique, else the SPDXID.
	purlCount := map[string]int{}
	for _, p := range in.Packages {
		if p != nil {
			purlCount[packagePURL(p)]++
		}
	}
	byID := map[common.ElementID]string{}
	comps := map[common.ElementID]Component{}
	var order []common.ElementID
	for _, p := range in.Packages {
		if p == nil {
			continue
		}
		c := fromSPDXPackage(p)
		if c.PURL != "" && purlCount[c.PURL] == 1 && p.PackageSPDXIdentifier == spdxElementID(c.PURL) {
			c.ID = c.PURL
		} else {
			c.ID = common.RenderElementID(p.PackageSPDXIdentifier)
		}
		if _, dup := comps[p.PackageSPDXIdentifier]; dup {
			return nil, invalid(CheckDuplicateID, "/packages", string(p.PackageSPDXIdentifier), "two packages with the same SPDXID")
		}
		byID[p.PackageSPDXIdentifier] = c.ID
		comps[p.PackageSPDXIdentifier] = c
		order = append(order, p.PackageSPDXIdentifier)
	}
	subject := common.ElementID("")
	deps := map[string][]string{}
	var depOrder []string
	addEdge := func(from, to common.DocElementID) {
		if from.DocumentRefID != "" || to.DocumentRefID != "" {
			return
		}
		f, ok1 := byID[from.ElementRefID]
		t, ok2 := byID[to.ElementRefID]
		if !ok1 || !ok2 {
			return
		}
		if _, seen := deps[f]; !seen {
			depOrder = append(depOrder, f)
		}
		if !slices.Contains(deps[f], t) {
			deps[f] = append(deps[f], t)
		}
	}
	for _, r := range in.Relationships {
		if r == nil {
			continue
		}
		switch {
		case r.Relationship == common.TypeRelationshipDescribe && r.RefA.ElementRefID == in.SPDXIdentifier && r.RefA.DocumentRefID == "":
			if _, ok := comps[r.RefB.ElementRefID]; ok && subject == "" && r.RefB.DocumentRefID == "" {
				subject = r.RefB.ElementRefID
			}
		case r.Relationship == common.TypeRelationshipDescribeBy && r.RefB.ElementRefID == in.SPDXIdentifier && r.RefB.DocumentRefID == "":
			if _, ok := comps[r.RefA.ElementRefID]; ok && subject == "" && r.RefA.DocumentRefID == "" {
				subject = r.RefA.ElementRefID
			}
		case r.Relationship == common.TypeRelationshipDependsOn:
			addEdge(r.RefA, r.RefB)
		case spdxDependencyRels[r.Relationship]:
			addEdge(r.RefB, r.RefA)
		}
	}
	if subject != "" {
		doc.Subject = comps[subject]
	} else {
		doc.Subject = Component{Name: in.DocumentName, ID: common.RenderElementID(in.SPDXIdentifier)}
	}
	for _, id := range order {
		if id != subject {
			doc.Components = append(doc.Components, comps[id])
		}
	}
	for _, f := range depOrder {
		doc.Dependencies = append(doc.Dependencies, Dependency{Ref: f, DependsOn: deps[f]})
	}
	return doc, nil
}

// spdxShape is what DecodeSPDX reads of a document before handing it to
// tools-golang: the version, and whether any member or array element the
// spec requires to be an object (or an array of them) is JSON null.
// tools-golang dereferences some of these without a check (a null in
// "packages" panics in v2_3 and v2_2 (*Document).UnmarshalJSON), and null
// is never valid there in SPDX 2.x JSON, so they are refused up front.
type spdxShape struct {
	SPDXVersion       *string     `json:"spdxVersion"`
	CreationInfo      jsonValue   `json:"creationInfo"`
	Packages          []jsonValue `json:"packages"`
	Files             []jsonValue `json:"files"`
	Relationships     []jsonValue `json:"relationships"`
	Annotations       []jsonValue `json:"annotations"`
	OtherLicenses     []jsonValue `json:"hasExtractedLicensingInfos"`
	Snippets          []jsonValue `json:"snippets"`
	ExternalDocRefs   []jsonValue `json:"externalDocumentRefs"`
	DocumentDescribes []jsonValue `json:"documentDescribes"`
	Reviews           []jsonValue `json:"reviews"`
}

// jsonValue records whether a member was present and whether it was
// JSON null, without decoding (or copying) its value.
type jsonValue struct{ present, null bool }

func (v *jsonValue) UnmarshalJSON(b []byte) error {
	v.present = true
	v.null = string(b) == "null"
	return nil
}

// checkNulls reports the first null object, or null array element, in s.
func (s *spdxShape) checkNulls() error {
	if s.CreationInfo.null {
		return invalid(CheckSyntax, "/creationInfo", "", "null where an object is required")
	}
	for _, a := range []struct {
		path  string
		elems []jsonValue
	}{
		{"/packages", s.Packages},
		{"/files", s.Files},
		{"/relationships", s.Relationships},
		{"/annotations", s.Annotations},
		{"/hasExtractedLicensingInfos", s.OtherLicenses},
		{"/snippets", s.Snippets},
		{"/externalDocumentRefs", s.ExternalDocRefs},
		{"/documentDescribes", s.DocumentDescribes},
		{"/reviews", s.Reviews},
	} {
		for i, e := range a.elems {
			if e.null {
				return invalid(CheckSyntax, fmt.Sprintf("%s/%d", a.path, i), "", "null array element")
			}
		}
	}
	return nil
}

// decodeSPDXLibrary decodes data with tools-golang (directly when latest
// is set, the document being of the latest version, else through
// spdxjson.Read's conversion). A panic in the library, which hostile
// input must never cause, is returned as an ErrInvalid *Error.
func decodeSPDXLibrary(data []byte, latest bool) (in *spdx.Document, err error) {
	defer func() {
		if r := recover(); r != nil {
			in, err = nil, &Error{Check: CheckSyntax, Err: fmt.Errorf("%w: spdx decoder failed: %v", ErrInvalid, r)}
		}
	}()
	if latest {
		// The latest version needs no conversion: skip spdxjson.Read's
		// generic decode and reflective copy.
		in = new(spdx.Document)
		err = json.Unmarshal(data, in)
	} else {
		in, err = spdxjson.Read(bytes.NewReader(data))
	}
	if err != nil {
		return nil, &Error{Check: CheckSyntax, Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	return in, nil
}

func packagePURL(p *spdx.Package) string {
	for _, r := range p.PackageExternalReferences {
		if r != nil && r.RefType == common.TypePackageManagerPURL && strings.EqualFold(strings.ReplaceAll(r.Category, "_", "-"), common.CategoryPackageManager) {
			return r.Locator
		}
	}
	return ""
}

func fromSPDXPackage(p *spdx.Package) Component {
	c := Component{
		Name:        p.PackageName,
		Version:     p.PackageVersion,
		PURL:        packagePURL(p),
		Description: p.PackageDescription,
	}
	for t, purpose := range spdxPurpose {
		if purpose == p.PrimaryPackagePurpose && purpose != "OTHER" {
			c.Type = t
		}
	}
	for _, h := range p.PackageChecksums {
		c.Hashes = append(c.Hashes, Hash{Algorithm: modelAlgorithm(h.Algorithm), Value: strings.ToLower(h.Value)})
	}
	for _, r := range p.PackageExternalReferences {
		if r == nil || !strings.EqualFold(r.Category, common.CategoryOther) {
			continue
		}
		switch r.RefType {
		case SPDXRefTypeGoSum:
			c.GoSum = r.Locator
		case SPDXRefTypeGoModSum:
			c.GoModSum = r.Locator
		case SPDXRefTypeVCSRevision:
			c.VCSRevision = r.Locator
		case SPDXRefTypeVCSModified:
			c.VCSModified = r.Locator == "true"
		}
	}
	for _, l := range []string{p.PackageLicenseDeclared, p.PackageLicenseConcluded} {
		if l != "" && l != noAssertion && l != "NONE" {
			c.Licenses = []string{l}
			break
		}
	}
	return c
}
