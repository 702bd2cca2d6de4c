package sbom

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// CheckJSON runs, on a CycloneDX 1.6 or SPDX 2.3 JSON document, the checks
// the official JSON schemas do not make (see the package documentation):
//
// CycloneDX: specVersion is "1.6"; the serial number is a lowercase
// urn:uuid; components (also metadata.component and nested ones) and
// services have non-blank names; bom-refs are unique; every dependency
// ref and dependsOn names a bom-ref; purls parse; external reference
// URLs parse and hold no whitespace.
//
// SPDX: spdxVersion is "SPDX-2.3"; documentNamespace is an absolute URI
// without '#' or whitespace; creationInfo.created is
// YYYY-MM-DDThh:mm:ssZ; SPDXIDs are unique; every package has a
// downloadLocation (NONE, NOASSERTION or a location without whitespace);
// checksum values are hex of the algorithm's length (so Go "h1:" hashes
// fail); purl references parse; relationships and documentDescribes
// name elements of the document (or of a declared external document);
// a package with filesAnalyzed true or absent has a
// packageVerificationCode.
//
// It returns nil or an *Error naming the first failed check. Schema
// validation is a separate step (the tests do it with the vendored
// schemas).
func CheckJSON(data []byte) error {
	if len(data) > MaxDocumentSize {
		return &Error{Check: CheckSize, Value: fmt.Sprint(len(data)), Err: ErrTooLarge}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return &Error{Check: CheckSyntax, Err: fmt.Errorf("%w: %v", ErrFormat, err)}
	}
	if _, err := dec.Token(); err == nil {
		return &Error{Check: CheckSyntax, Err: fmt.Errorf("%w: trailing data", ErrFormat)}
	}
	switch {
	case v["bomFormat"] != nil:
		return checkCycloneDX(v)
	case v["spdxVersion"] != nil:
		return checkSPDX(v)
	}
	return &Error{Check: CheckSyntax, Err: fmt.Errorf("%w: neither bomFormat nor spdxVersion present", ErrFormat)}
}

// DetectFormat reports which format a JSON document is in, from its
// bomFormat or spdxVersion member.
func DetectFormat(data []byte) (Format, error) {
	var head struct {
		BOMFormat   *string `json:"bomFormat"`
		SPDXVersion *string `json:"spdxVersion"`
	}
	if len(data) > MaxDocumentSize {
		return "", &Error{Check: CheckSize, Value: fmt.Sprint(len(data)), Err: ErrTooLarge}
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return "", &Error{Check: CheckSyntax, Err: fmt.Errorf("%w: %v", ErrFormat, err)}
	}
	switch {
	case head.BOMFormat != nil && head.SPDXVersion == nil:
		return CycloneDX, nil
	case head.SPDXVersion != nil && head.BOMFormat == nil:
		return SPDX, nil
	}
	return "", &Error{Check: CheckSyntax, Err: fmt.Errorf("%w: neither CycloneDX nor SPDX", ErrFormat)}
}

func str(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func arr(v any) []any {
	a, _ := v.([]any)
	return a
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func checkURL(path, s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return invalid(CheckURL, path, s, "url contains whitespace or control characters")
	}
	if _, err := url.Parse(s); err != nil {
		return &Error{Check: CheckURL, Path: path, Value: s, Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	return nil
}

func checkCycloneDX(v map[string]any) error {
	if sv, _ := str(v["specVersion"]); sv != "1.6" {
		return invalid(CheckSpecVersion, "/specVersion", sv, "want 1.6")
	}
	if s, ok := v["serialNumber"]; ok {
		if ss, _ := str(s); !serialRE.MatchString(ss) {
			return invalid(CheckSerial, "/serialNumber", ss, "not a lowercase urn:uuid")
		}
	}
	refs := map[string]bool{}
	var comps []struct {
		path string
		c    map[string]any
	}
	var walk func(path string, list []any, depth int) error
	walk = func(path string, list []any, depth int) error {
		if depth > maxNesting {
			return &Error{Check: CheckSize, Path: path, Value: "nesting", Err: ErrTooLarge}
		}
		for i, x := range list {
			c := obj(x)
			p := fmt.Sprintf("%s/%d", path, i)
			comps = append(comps, struct {
				path string
				c    map[string]any
			}{p, c})
			if len(comps) > MaxComponents {
				return &Error{Check: CheckSize, Path: path, Err: ErrTooLarge}
			}
			for _, sub := range []string{"components", "services"} {
				if err := walk(p+"/"+sub, arr(c[sub]), depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	md := obj(v["metadata"])
	if mc := obj(md["component"]); mc != nil {
		if err := walk("/metadata", []any{mc}, 0); err != nil {
			return err
		}
		comps[len(comps)-1].path = "/metadata/component"
	}
	for _, sub := range []string{"components", "services"} {
		if err := walk("/"+sub, arr(v[sub]), 0); err != nil {
			return err
		}
	}
	for _, x := range comps {
		name, _ := str(x.c["name"])
		if strings.TrimSpace(name) == "" {
			return invalid(CheckEmptyName, x.path+"/name", name, "component without a name")
		}
		if r, ok := str(x.c["bom-ref"]); ok {
			if r == "" {
				return invalid(CheckEmptyID, x.path+"/bom-ref", r, "empty bom-ref")
			}
			if refs[r] {
				return invalid(CheckDuplicateID, x.path+"/bom-ref", r, "duplicate bom-ref")
			}
			refs[r] = true
		}
		if p, ok := str(x.c["purl"]); ok {
			if err := checkPURL(p); err != nil {
				return &Error{Check: CheckPURL, Path: x.path + "/purl", Value: p, Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
			}
		}
		for i, e := range arr(x.c["externalReferences"]) {
			u, _ := str(obj(e)["url"])
			if err := checkURL(fmt.Sprintf("%s/externalReferences/%d/url", x.path, i), u); err != nil {
				return err
			}
		}
	}
	for i, e := range arr(v["externalReferences"]) {
		u, _ := str(obj(e)["url"])
		if err := checkURL(fmt.Sprintf("/externalReferences/%d/url", i), u); err != nil {
			return err
		}
	}
	for i, d := range arr(v["dependencies"]) {
		dm := obj(d)
		r, _ := str(dm["ref"])
		if !refs[r] {
			return invalid(CheckDanglingRef, fmt.Sprintf("/dependencies/%d/ref", i), r, "names no bom-ref")
		}
		for _, key := range []string{"dependsOn", "provides"} {
			for j, t := range arr(dm[key]) {
				ts, _ := str(t)
				if !refs[ts] {
					return invalid(CheckDanglingRef, fmt.Sprintf("/dependencies/%d/%s/%d", i, key, j), ts, "names no bom-ref")
				}
			}
		}
	}
	return nil
}

var (
	spdxCreatedRE  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
	spdxElementRE  = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.\-]+$`)
	spdxDocRefRE   = regexp.MustCompile(`^(DocumentRef-[A-Za-z0-9.\-]+):(SPDXRef-[A-Za-z0-9.\-]+)$`)
	spdxChecksumSz = map[string]int{
		"SHA1": 20, "SHA224": 28, "SHA256": 32, "SHA384": 48, "SHA512": 64,
		"MD2": 16, "MD4": 16, "MD5": 16, "SHA3-256": 32, "SHA3-384": 48, "SHA3-512": 64,
		"BLAKE2b-256": 32, "BLAKE2b-384": 48, "BLAKE2b-512": 64, "ADLER32": 4,
	}
)

func checkNamespace(ns string) error {
	if ns == "" {
		return fmt.Errorf("%w: missing document namespace", ErrInvalid)
	}
	if strings.ContainsFunc(ns, func(r rune) bool { return r <= ' ' || r == 0x7f }) || strings.Contains(ns, "#") {
		return fmt.Errorf("%w: namespace contains whitespace or '#'", ErrInvalid)
	}
	u, err := url.Parse(ns)
	if err != nil || !u.IsAbs() || u.Host == "" && u.Opaque == "" {
		return fmt.Errorf("%w: namespace is not an absolute uri", ErrInvalid)
	}
	return nil
}

func checkSPDXChecksum(path string, c map[string]any) error {
	alg, _ := str(c["algorithm"])
	val, _ := str(c["checksumValue"])
	n, known := spdxChecksumSz[alg]
	if alg == "BLAKE3" || alg == "MD6" {
		n, known = len(val)/2, true
	}
	if !known {
		return invalid(CheckHash, path+"/algorithm", alg, "unknown checksum algorithm")
	}
	if _, err := hex.DecodeString(val); err != nil || len(val) != 2*n || n == 0 {
		return invalid(CheckHash, path+"/checksumValue", val, "%s checksum must be %d hex digits", alg, 2*n)
	}
	return nil
}

func checkSPDX(v map[string]any) error {
	if sv, _ := str(v["spdxVersion"]); sv != "SPDX-2.3" {
		return invalid(CheckSpecVersion, "/spdxVersion", sv, "want SPDX-2.3")
	}
	ns, _ := str(v["documentNamespace"])
	if err := checkNamespace(ns); err != nil {
		return &Error{Check: CheckNamespace, Path: "/documentNamespace", Value: ns, Err: err}
	}
	created, _ := str(obj(v["creationInfo"])["created"])
	if !spdxCreatedRE.MatchString(created) {
		return invalid(CheckCreated, "/creationInfo/created", created, "want YYYY-MM-DDThh:mm:ssZ")
	}
	ids := map[string]bool{}
	docID, _ := str(v["SPDXID"])
	ids[docID] = true
	extDocs := map[string]bool{}
	for _, e := range arr(v["externalDocumentRefs"]) {
		id, _ := str(obj(e)["externalDocumentId"])
		extDocs[id] = true
	}
	addID := func(path string, m map[string]any) error {
		id, _ := str(m["SPDXID"])
		if !spdxElementRE.MatchString(id) {
			return invalid(CheckEmptyID, path+"/SPDXID", id, "malformed SPDXID")
		}
		if ids[id] {
			return invalid(CheckDuplicateID, path+"/SPDXID", id, "duplicate SPDXID")
		}
		ids[id] = true
		return nil
	}
	pkgs := arr(v["packages"])
	if len(pkgs) > MaxComponents {
		return &Error{Check: CheckSize, Path: "/packages", Err: ErrTooLarge}
	}
	for i, p := range pkgs {
		pm := obj(p)
		path := fmt.Sprintf("/packages/%d", i)
		if err := addID(path, pm); err != nil {
			return err
		}
		name, _ := str(pm["name"])
		if strings.TrimSpace(name) == "" {
			return invalid(CheckEmptyName, path+"/name", name, "package without a name")
		}
		dl, _ := str(pm["downloadLocation"])
		if dl == "" {
			return invalid(CheckDownloadLocation, path+"/downloadLocation", dl, "empty download location")
		}
		if dl != "NONE" && dl != noAssertion {
			if err := checkURL(path+"/downloadLocation", dl); err != nil {
				e := err.(*Error)
				e.Check = CheckDownloadLocation
				return e
			}
		}
		for j, c := range arr(pm["checksums"]) {
			if err := checkSPDXChecksum(fmt.Sprintf("%s/checksums/%d", path, j), obj(c)); err != nil {
				return err
			}
		}
		for j, r := range arr(pm["externalRefs"]) {
			rm := obj(r)
			if t, _ := str(rm["referenceType"]); t == "purl" {
				loc, _ := str(rm["referenceLocator"])
				if err := checkPURL(loc); err != nil {
					return &Error{Check: CheckPURL, Path: fmt.Sprintf("%s/externalRefs/%d/referenceLocator", path, j), Value: loc, Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
				}
			}
		}
		fa, present := pm["filesAnalyzed"].(bool)
		if (fa || !present) && pm["packageVerificationCode"] == nil {
			return invalid(CheckVerificationCode, path+"/packageVerificationCode", "", "filesAnalyzed is true (or absent) without a verification code")
		}
		if hp, ok := str(pm["homepage"]); ok && hp != "NONE" && hp != noAssertion {
			if err := checkURL(path+"/homepage", hp); err != nil {
				return err
			}
		}
	}
	for _, key := range []string{"files", "snippets"} {
		for i, f := range arr(v[key]) {
			fm := obj(f)
			path := fmt.Sprintf("/%s/%d", key, i)
			if err := addID(path, fm); err != nil {
				return err
			}
			for j, c := range arr(fm["checksums"]) {
				if err := checkSPDXChecksum(fmt.Sprintf("%s/checksums/%d", path, j), obj(c)); err != nil {
					return err
				}
			}
		}
	}
	known := func(id string, special bool) bool {
		if special && (id == "NONE" || id == noAssertion) {
			return true
		}
		if m := spdxDocRefRE.FindStringSubmatch(id); m != nil {
			return extDocs[m[1]]
		}
		return ids[id]
	}
	for i, d := range arr(v["documentDescribes"]) {
		ds, _ := str(d)
		if !known(ds, false) {
			return invalid(CheckDanglingRef, fmt.Sprintf("/documentDescribes/%d", i), ds, "names no element")
		}
	}
	for i, r := range arr(v["relationships"]) {
		rm := obj(r)
		a, _ := str(rm["spdxElementId"])
		b, _ := str(rm["relatedSpdxElement"])
		if !known(a, false) {
			return invalid(CheckDanglingRef, fmt.Sprintf("/relationships/%d/spdxElementId", i), a, "names no element")
		}
		if !known(b, true) {
			return invalid(CheckDanglingRef, fmt.Sprintf("/relationships/%d/relatedSpdxElement", i), b, "names no element")
		}
	}
	return nil
}
