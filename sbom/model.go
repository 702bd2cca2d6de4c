package sbom

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"

	packageurl "github.com/package-url/packageurl-go"
)

// Ref returns the component's ID in its document: ID, else PURL, else
// Name@Version (or Name when there is no version).
func (c *Component) Ref() string {
	switch {
	case c.ID != "":
		return c.ID
	case c.PURL != "":
		return c.PURL
	case c.Version != "":
		return c.Name + "@" + c.Version
	}
	return c.Name
}

func (c *Component) typ() ComponentType {
	if c.Type == "" {
		return TypeLibrary
	}
	return c.Type
}

// hashLen gives digest sizes in bytes; 0 means variable (BLAKE3).
var hashLen = map[HashAlgorithm]int{
	MD5: 16, SHA1: 20, SHA256: 32, SHA384: 48, SHA512: 64,
	SHA3_256: 32, SHA3_384: 48, SHA3_512: 64,
	BLAKE2b256: 32, BLAKE2b384: 48, BLAKE2b512: 64, BLAKE3: 0,
}

var knownTypes = map[ComponentType]bool{
	TypeApplication: true, TypeLibrary: true, TypeFramework: true, TypeContainer: true,
	TypeOperatingSystem: true, TypeDevice: true, TypeFirmware: true, TypeFile: true,
	TypePlatform: true, TypeData: true,
}

// Validate checks the rules every document must meet before it is encoded
// (encoders call it): a creation time, non-empty component names, unique
// IDs, dependency edges naming known IDs, well-formed package URLs, hex
// digests of the right length, go.sum hashes of the form "h1:<base64 of
// 32 bytes>", license expressions without control characters, and the
// Max* limits. It returns an *Error.
func (d *Document) Validate() error {
	if d.Created.IsZero() {
		return invalid(CheckCreated, "Created", "", "creation time not set")
	}
	if len(d.Components) > MaxComponents {
		return &Error{Check: CheckSize, Path: "Components", Value: fmt.Sprint(len(d.Components)), Err: ErrTooLarge}
	}
	ids := make(map[string]bool, len(d.Components)+1)
	check := func(path string, c *Component) error {
		if strings.TrimSpace(c.Name) == "" {
			return invalid(CheckEmptyName, path+".Name", c.Name, "component without a name")
		}
		if c.Type != "" && !knownTypes[c.Type] {
			return invalid(CheckComponentType, path+".Type", string(c.Type), "unknown component type")
		}
		ref := c.Ref()
		if ids[ref] {
			return invalid(CheckDuplicateID, path+".ID", ref, "two components with the same id")
		}
		ids[ref] = true
		if c.PURL != "" {
			if err := checkPURL(c.PURL); err != nil {
				return &Error{Check: CheckPURL, Path: path + ".PURL", Value: c.PURL, Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
			}
		}
		for i, h := range c.Hashes {
			if err := checkHash(h); err != nil {
				return &Error{Check: CheckHash, Path: fmt.Sprintf("%s.Hashes[%d]", path, i), Value: h.Value, Err: err}
			}
		}
		for _, s := range []struct{ f, v string }{{"GoSum", c.GoSum}, {"GoModSum", c.GoModSum}} {
			if s.v != "" && !validH1(s.v) {
				return invalid(CheckGoSum, path+"."+s.f, s.v, "not an h1: go.sum hash")
			}
		}
		for i, l := range c.Licenses {
			if strings.TrimSpace(l) == "" || strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				return invalid(CheckLicense, fmt.Sprintf("%s.Licenses[%d]", path, i), l, "empty or malformed license expression")
			}
		}
		return nil
	}
	if err := check("Subject", &d.Subject); err != nil {
		return err
	}
	for i := range d.Components {
		if err := check(fmt.Sprintf("Components[%d]", i), &d.Components[i]); err != nil {
			return err
		}
	}
	edges := 0
	for i, dep := range d.Dependencies {
		if !ids[dep.Ref] {
			return invalid(CheckDanglingRef, fmt.Sprintf("Dependencies[%d].Ref", i), dep.Ref, "dependency of an unknown component")
		}
		edges += len(dep.DependsOn)
		if edges > MaxDependencyEdges {
			return &Error{Check: CheckSize, Path: "Dependencies", Err: ErrTooLarge}
		}
		for j, to := range dep.DependsOn {
			if !ids[to] {
				return invalid(CheckDanglingRef, fmt.Sprintf("Dependencies[%d].DependsOn[%d]", i, j), to, "dependency on an unknown component")
			}
		}
	}
	return nil
}

func checkHash(h Hash) error {
	n, ok := hashLen[h.Algorithm]
	if !ok {
		return fmt.Errorf("%w: unsupported hash algorithm %q", ErrInvalid, h.Algorithm)
	}
	if n == 0 && len(h.Value) >= 2 && len(h.Value)%2 == 0 {
		n = len(h.Value) / 2
	}
	if len(h.Value) != 2*n || strings.ToLower(h.Value) != h.Value {
		return fmt.Errorf("%w: %s digest must be %d lowercase hex digits", ErrInvalid, h.Algorithm, 2*n)
	}
	if _, err := hex.DecodeString(h.Value); err != nil {
		return fmt.Errorf("%w: %s digest is not hex", ErrInvalid, h.Algorithm)
	}
	return nil
}

// validH1 reports whether s is a go.sum "h1:" hash: base64 of a SHA-256.
func validH1(s string) bool {
	b64, ok := strings.CutPrefix(s, "h1:")
	if !ok {
		return false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(b64)
	return err == nil && len(b) == sha256.Size
}

// checkPURL parses a package URL and rejects what packageurl-go lets
// through but the purl spec does not: whitespace or control characters,
// an empty name.
func checkPURL(s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("package url contains whitespace or control characters")
	}
	p, err := packageurl.FromString(s)
	if err != nil {
		return err
	}
	if p.Type == "" || p.Name == "" {
		return fmt.Errorf("package url without type or name")
	}
	return nil
}

// GoPURL returns the package URL of a Go module version: pkg:golang/PATH@VERSION.
func GoPURL(modulePath, version string) string {
	ns, name := "", modulePath
	if i := strings.LastIndexByte(modulePath, '/'); i >= 0 {
		ns, name = modulePath[:i], modulePath[i+1:]
	}
	return packageurl.NewPackageURL(packageurl.TypeGolang, ns, name, version, nil, "").ToString()
}

// digest hashes the document content (everything but Serial and
// Namespace) unambiguously; serial numbers and namespaces derive from it.
func (d *Document) digest() [32]byte {
	h := sha256.New()
	w := func(ss ...string) {
		for _, s := range ss {
			writeString(h, s)
		}
	}
	w(d.Name, d.Created.UTC().Format("2006-01-02T15:04:05.999999999Z"))
	comp := func(c *Component) {
		w(c.Ref(), string(c.Type), c.Name, c.Version, c.PURL, c.GoSum, c.GoModSum, c.Description)
		if c.VCSRevision != "" || c.VCSModified { // absent from documents made before these fields
			w("vcs", c.VCSRevision, strconv.FormatBool(c.VCSModified))
		}
		writeLen(h, len(c.Hashes))
		for _, x := range c.Hashes {
			w(string(x.Algorithm), x.Value)
		}
		writeLen(h, len(c.Licenses))
		w(c.Licenses...)
	}
	comp(&d.Subject)
	writeLen(h, len(d.Components))
	for i := range d.Components {
		comp(&d.Components[i])
	}
	writeLen(h, len(d.Dependencies))
	for _, dep := range d.Dependencies {
		w(dep.Ref)
		writeLen(h, len(dep.DependsOn))
		w(dep.DependsOn...)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func writeLen(h hash.Hash, n int) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}

func writeString(h hash.Hash, s string) {
	writeLen(h, len(s))
	h.Write([]byte(s))
}

// uuidFrom makes an RFC 9562 version 8 UUID (lowercase) from a digest
// and a label, so the two formats get different identifiers.
func uuidFrom(sum [32]byte, label string) string {
	h := sha256.New()
	h.Write(sum[:])
	h.Write([]byte(label))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x80 // version 8
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 9562 variant
	x := hex.EncodeToString(u[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
