package sbom

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/google/licensecheck"
	"golang.org/x/mod/module"
)

// Options are the optional knobs of the builders. The zero value runs
// `go` from PATH, uses the current time and detects licenses.
type Options struct {
	// Now gives the creation time; nil means time.Now. Set it (for
	// example from SourceDateEpoch) for reproducible output.
	Now func() time.Time
	// Go is the go command FromModule runs; empty means "go" from PATH.
	Go string
	// Env is appended to the environment of the go command (after
	// os.Environ() and GOWORK=off), e.g. "GOFLAGS=-mod=mod", "GOPROXY=off".
	Env []string
	// ModCache is the module cache FromBinary looks in for license files;
	// empty means FromBinary reports no licenses. FromModule uses the
	// module directories the go command reports instead.
	ModCache string
	// NoLicenses turns license detection off.
	NoLicenses bool

	// IncludeTests makes FromModule also list the modules that only the
	// tests of the module's packages need (`go list -deps -test`).
	IncludeTests bool
	// WholeModuleGraph makes FromModule list every module of the module
	// graph (`go list -m all`), with edges from `go mod graph`, instead of
	// the modules the module's packages need to build. The graph also
	// holds test-only and tool dependencies and modules no package
	// imports: use it to audit go.mod, not to describe what ships.
	WholeModuleGraph bool
	// Platforms are the GOOS/GOARCH pairs whose builds FromModule unites
	// ("linux/amd64"); nil means DefaultPlatforms. Ignored with
	// WholeModuleGraph.
	Platforms []string
}

// DefaultPlatforms are the platforms FromModule considers by default: a
// module's packages may import other modules only on some operating
// systems (a Windows-only console helper, say), and an SBOM of a module's
// source lists what any of its common builds needs.
var DefaultPlatforms = []string{"linux/amd64", "darwin/arm64", "windows/amd64"}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// SourceDateEpoch returns the time in the SOURCE_DATE_EPOCH environment
// variable (https://reproducible-builds.org/specs/source-date-epoch/),
// and false when it is unset. A malformed value is an error.
func SourceDateEpoch() (time.Time, bool, error) {
	s, ok := os.LookupEnv("SOURCE_DATE_EPOCH")
	if !ok || s == "" {
		return time.Time{}, false, nil
	}
	var sec int64
	if _, err := fmt.Sscan(s, &sec); err != nil || fmt.Sprint(sec) != s || sec < 0 {
		return time.Time{}, false, fmt.Errorf("sbom: malformed SOURCE_DATE_EPOCH %q", s)
	}
	return time.Unix(sec, 0).UTC(), true, nil
}

// FromComponents builds a document from a subject and its components
// and dependency edges (IDs as in Component.Ref), stamped with
// opts.Now. The slices are copied and empty IDs set to Ref(). It returns the Validate error, if any.
func FromComponents(subject Component, components []Component, deps []Dependency, opts Options) (*Document, error) {
	doc := &Document{
		Created:    opts.now().UTC(),
		Subject:    subject,
		Components: slices.Clone(components),
	}
	doc.Subject.ID = doc.Subject.Ref()
	for i := range doc.Components {
		doc.Components[i].ID = doc.Components[i].Ref()
	}
	for _, d := range deps {
		doc.Dependencies = append(doc.Dependencies, Dependency{Ref: d.Ref, DependsOn: slices.Clone(d.DependsOn)})
	}
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	return doc, nil
}

// goModule is one object of `go list -m -json` output.
type goModule struct {
	Path     string
	Version  string
	Main     bool
	Indirect bool
	Dir      string
	Sum      string
	GoModSum string
	Replace  *goModule
	Error    *struct{ Err string }
}

// FromModule builds the SBOM of the Go module in dir: the main module is
// the Subject and the components are the modules that the module's
// packages (`./...`) need to build, on any of opts.Platforms: the modules
// of the packages `go list -deps` reports, excluding the standard library
// and, unless opts.IncludeTests, what only tests import. Each component
// has its purl, its go.sum hashes (from dir's go.sum) with the h1 hash
// also given as a SHA-256 hash (see Component.Hashes), and licenses
// detected in module directories that are present. Dependency edges
// follow the package graph: module A depends on module B when a package
// of A imports a package of B. opts.WholeModuleGraph lists the whole
// module graph instead. The go command runs in dir with opts.Env; it
// needs the module graph in the module cache, or network access.
func FromModule(ctx context.Context, dir string, opts Options) (*Document, error) {
	if !opts.WholeModuleGraph {
		return fromPackageGraph(ctx, dir, opts)
	}
	created := opts.now().UTC()
	out, err := runGo(ctx, dir, opts, "list", "-m", "-json", "all")
	if err != nil {
		return nil, err
	}
	var mods []goModule
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m goModule
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%w: parsing go list output: %v", ErrGoCommand, err)
		}
		if m.Error != nil {
			return nil, fmt.Errorf("%w: module %s: %s", ErrGoCommand, m.Path, m.Error.Err)
		}
		if len(mods) >= MaxComponents {
			return nil, &Error{Check: CheckSize, Path: "go list", Err: ErrTooLarge}
		}
		mods = append(mods, m)
	}
	if len(mods) == 0 || !mods[0].Main {
		return nil, fmt.Errorf("%w: go list -m all did not report a main module", ErrGoCommand)
	}
	sums, err := readGoSum(filepath.Join(dir, "go.sum"))
	if err != nil {
		return nil, err
	}
	graph, err := runGo(ctx, dir, opts, "mod", "graph")
	if err != nil {
		return nil, err
	}

	main := mods[0]
	doc := &Document{Created: created}
	doc.Subject = Component{
		Type: TypeLibrary,
		Name: main.Path,
		PURL: GoPURL(main.Path, ""),
	}
	if !opts.NoLicenses {
		doc.Subject.Licenses = detectLicenses(main.Dir)
	}
	selected := map[string]string{main.Path: main.Path} // module path -> component ID
	for _, m := range mods[1:] {
		c := moduleComponent(&m, sums)
		if r := m.Replace; r != nil {
			c = moduleComponent(r, sums)
			c.Name = m.Path
			if r.Version == "" { // replaced by a directory
				c.Version = m.Version
				c.PURL = GoPURL(m.Path, m.Version)
				c.ID = c.PURL + "#replaced-by-directory"
				c.Description = "replaced by a local directory"
			}
			m.Dir = r.Dir
		}
		if !opts.NoLicenses {
			c.Licenses = detectLicenses(m.Dir)
		}
		selected[m.Path+"@"+m.Version] = c.Ref()
		selected[m.Path] = c.Ref()
		doc.Components = append(doc.Components, c)
	}
	doc.Subject.ID = doc.Subject.Ref()
	selected[main.Path] = doc.Subject.ID

	deps := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(graph))
	sc.Buffer(nil, 1<<20)
	edges := 0
	for sc.Scan() {
		from, to, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok {
			continue
		}
		fromID, ok := selected[from]
		if !ok {
			continue // an edge of a version MVS did not select
		}
		toPath, _, _ := strings.Cut(to, "@")
		toID, ok := selected[toPath]
		if !ok || toID == fromID {
			continue // "go@1.x" and "toolchain@..." nodes are not modules
		}
		if !slices.Contains(deps[fromID], toID) {
			deps[fromID] = append(deps[fromID], toID)
			if edges++; edges > MaxDependencyEdges {
				return nil, &Error{Check: CheckSize, Path: "go mod graph", Err: ErrTooLarge}
			}
		}
	}
	for i := range doc.Components {
		doc.Components[i].ID = doc.Components[i].Ref()
	}
	sortComponents(doc.Components)
	doc.Dependencies = dependencyList(doc, deps)
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	return doc, nil
}

// dependencyList lists an entry for the subject and every component,
// in document order, with sorted DependsOn.
func dependencyList(doc *Document, deps map[string][]string) []Dependency {
	out := make([]Dependency, 0, len(doc.Components)+1)
	add := func(ref string) {
		on := deps[ref]
		slices.Sort(on)
		out = append(out, Dependency{Ref: ref, DependsOn: on})
	}
	add(doc.Subject.Ref())
	for i := range doc.Components {
		add(doc.Components[i].Ref())
	}
	return out
}

func sortComponents(cs []Component) {
	slices.SortFunc(cs, func(a, b Component) int { return strings.Compare(a.Ref(), b.Ref()) })
}

func moduleComponent(m *goModule, sums map[string]string) Component {
	path, version := m.Path, m.Version
	c := Component{
		Type:     TypeLibrary,
		Name:     path,
		Version:  version,
		PURL:     GoPURL(path, version),
		GoSum:    sums[path+" "+version],
		GoModSum: sums[path+" "+version+"/go.mod"],
	}
	if m.Sum != "" && validH1(m.Sum) {
		c.GoSum = m.Sum
	}
	if m.GoModSum != "" && validH1(m.GoModSum) {
		c.GoModSum = m.GoModSum
	}
	if h, ok := H1Hash(c.GoSum); ok {
		c.Hashes = []Hash{h}
	}
	return c
}

// H1Hash returns a go.sum "h1:" hash as a SHA-256 Hash: the decoded h1
// value in hex, as cyclonedx-gomod writes it. An h1 hash is the SHA-256 of
// a listing of the module zip's files with their own SHA-256s (see
// golang.org/x/mod/sumdb/dirhash), so it pins the module's whole content,
// and Go's checksum database vouches for it; it is not the SHA-256 of the
// zip file. It reports false when h1 is not a well-formed h1 hash.
func H1Hash(h1 string) (Hash, bool) {
	if !validH1(h1) {
		return Hash{}, false
	}
	b, _ := base64.StdEncoding.DecodeString(h1[len("h1:"):])
	return Hash{Algorithm: SHA256, Value: hex.EncodeToString(b)}, true
}

// readGoSum reads go.sum lines "path version h1:..." into a map keyed by
// "path version" (version may end in /go.mod). A missing file is empty.
func readGoSum(name string) (map[string]string, error) {
	sums := map[string]string{}
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return sums, nil
	} else if err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxGoOutput+1))
	if err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	if len(data) > MaxGoOutput {
		return nil, &Error{Check: CheckSize, Path: name, Err: ErrTooLarge}
	}
	for i, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 || !strings.HasPrefix(f[2], "h1:") {
			continue // other hash versions are ignored, as the go command does
		}
		if !validH1(f[2]) {
			return nil, invalid(CheckGoSum, fmt.Sprintf("%s:%d", name, i+1), f[2], "malformed go.sum hash")
		}
		sums[f[0]+" "+f[1]] = f[2]
	}
	return sums, nil
}

type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, ErrTooLarge
	}
	return b.Buffer.Write(p)
}

func runGo(ctx context.Context, dir string, opts Options, args ...string) ([]byte, error) {
	goCmd := opts.Go
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOWORK=off"), opts.Env...)
	stdout := &limitedBuffer{max: MaxGoOutput}
	stderr := &limitedBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, ErrTooLarge) || stdout.Len() >= MaxGoOutput {
			return nil, &Error{Check: CheckSize, Path: "go " + strings.Join(args, " "), Err: ErrTooLarge}
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "..."
		}
		return nil, fmt.Errorf("%w: go %s: %v: %s", ErrGoCommand, strings.Join(args, " "), err, msg)
	}
	return stdout.Bytes(), nil
}

// licenseFiles are the names checked, case-insensitively, in a module root.
var licenseFiles = []string{"license", "license.md", "license.txt", "licence", "licence.md", "copying", "copying.md", "copying.txt", "unlicense"}

// detectLicenses classifies the license file in a module's root
// directory with github.com/google/licensecheck and returns the SPDX ids
// it finds (sorted) when they cover most of the file, else nil.
func detectLicenses(dir string) []string {
	if dir == "" {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		if e.IsDir() || !slices.Contains(licenseFiles, strings.ToLower(e.Name())) {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		text, err := io.ReadAll(io.LimitReader(f, MaxLicenseFileSize))
		f.Close()
		if err != nil {
			continue
		}
		cov := licensecheck.Scan(text)
		if cov.Percent < 75 {
			continue
		}
		var ids []string
		for _, m := range cov.Match {
			if !slices.Contains(ids, m.ID) && !strings.ContainsAny(m.ID, " ") {
				ids = append(ids, m.ID)
			}
		}
		slices.Sort(ids)
		if len(ids) > 0 {
			return ids
		}
	}
	return nil
}

// FromBinary builds the SBOM of a compiled Go program from the build
// information the linker embeds: the binary is the Subject (an
// application with the SHA-256 of the file), its main module, every
// linked module (with the go.sum hash recorded in the binary) and the
// Go standard library ("stdlib", purl pkg:golang/stdlib@goX.Y.Z) are
// components the subject depends on. The binary records no module
// graph, so there are no edges between modules. Licenses come from
// opts.ModCache when set.
func FromBinary(path string, opts Options) (*Document, error) {
	created := opts.now().UTC()
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	bi, err := buildinfo.Read(f)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoBuildInfo, filepath.Base(path), err)
	}
	doc, err := fromBuildInfo(bi, filepath.Base(path), hex.EncodeToString(h.Sum(nil)), created, opts)
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// FromBuildInfo is FromBinary for build information already read (for
// example the running program's, from runtime/debug.ReadBuildInfo); the
// subject then has no file hash. name names the program; empty means the
// main package path.
func FromBuildInfo(bi *debug.BuildInfo, name string, opts Options) (*Document, error) {
	if bi == nil {
		return nil, ErrNoBuildInfo
	}
	return fromBuildInfo(bi, name, "", opts.now().UTC(), opts)
}

func fromBuildInfo(bi *debug.BuildInfo, name, sha string, created time.Time, opts Options) (*Document, error) {
	if len(bi.Deps) > MaxComponents {
		return nil, &Error{Check: CheckSize, Path: "build info", Err: ErrTooLarge}
	}
	if name == "" {
		name = bi.Path
	}
	if name == "" {
		return nil, fmt.Errorf("%w: no main package path", ErrNoBuildInfo)
	}
	doc := &Document{Created: created}
	version := bi.Main.Version
	if version == "(devel)" {
		version = ""
	}
	doc.Subject = Component{
		ID:          "binary:" + name,
		Type:        TypeApplication,
		Name:        name,
		Version:     version,
		Description: "go binary: " + bi.Path,
	}
	if sha != "" {
		doc.Subject.Hashes = []Hash{{Algorithm: SHA256, Value: sha}}
	}
	add := func(m *debug.Module) {
		if m == nil || m.Path == "" {
			return
		}
		eff := m
		if m.Replace != nil {
			eff = m.Replace
		}
		v := eff.Version
		if v == "(devel)" {
			v = ""
		}
		c := Component{Type: TypeLibrary, Name: m.Path, Version: v, PURL: GoPURL(eff.Path, v)}
		if h, ok := H1Hash(eff.Sum); ok {
			c.GoSum = eff.Sum
			c.Hashes = []Hash{h}
		}
		if m.Replace != nil && m.Replace.Version == "" {
			c.Description = "replaced by a local directory"
		}
		if !opts.NoLicenses && opts.ModCache != "" && v != "" {
			if esc, err := module.EscapePath(eff.Path); err == nil {
				if ev, err := module.EscapeVersion(v); err == nil {
					c.Licenses = detectLicenses(filepath.Join(opts.ModCache, esc+"@"+ev))
				}
			}
		}
		for _, o := range doc.Components {
			if o.Ref() == c.Ref() {
				return
			}
		}
		doc.Components = append(doc.Components, c)
	}
	add(&bi.Main)
	if bi.Main.Path != "" {
		setVCS(doc, bi)
	}
	for _, d := range bi.Deps {
		add(d)
	}
	if bi.GoVersion != "" {
		doc.Components = append(doc.Components, Component{
			Type: TypeLibrary, Name: "stdlib", Version: bi.GoVersion,
			PURL: GoPURL("stdlib", bi.GoVersion), Description: "go standard library",
		})
	}
	sortComponents(doc.Components)
	var on []string
	for i := range doc.Components {
		doc.Components[i].ID = doc.Components[i].Ref()
	}
	for i := range doc.Components {
		on = append(on, doc.Components[i].Ref())
	}
	doc.Dependencies = []Dependency{{Ref: doc.Subject.Ref(), DependsOn: on}}
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	return doc, nil
}

// setVCS records the build's version control settings on the main
// module's component: the revision, the
// modified flag, and, for a "(devel)" build with a revision and time, the
// pseudo-version v0.0.0-TIME-REVISION that cyclonedx-gomod also derives.
func setVCS(doc *Document, bi *debug.BuildInfo) {
	i := slices.IndexFunc(doc.Components, func(c Component) bool { return c.Name == bi.Main.Path })
	if i < 0 {
		return
	}
	c := &doc.Components[i]
	var rev, when string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			c.VCSModified = s.Value == "true"
		}
	}
	if rev == "" || strings.ContainsFunc(rev, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return
	}
	c.VCSRevision = rev
	if c.Version == "" && bi.Main.Replace == nil {
		if t, err := time.Parse(time.RFC3339, when); err == nil && len(rev) >= 12 {
			c.Version = module.PseudoVersion("", "", t, rev[:12])
			c.PURL = GoPURL(c.Name, c.Version)
		}
	}
}

// Encode encodes doc in the given format (EncodeCycloneDX or EncodeSPDX).
func Encode(doc *Document, f Format) ([]byte, error) {
	switch f {
	case CycloneDX:
		return EncodeCycloneDX(doc)
	case SPDX:
		return EncodeSPDX(doc)
	}
	return nil, fmt.Errorf("%w: %q", ErrFormat, f)
}

// Decode detects the format of a JSON SBOM and decodes it with
// DecodeCycloneDX or DecodeSPDX.
func Decode(data []byte) (*Document, Format, error) {
	f, err := DetectFormat(data)
	if err != nil {
		return nil, "", err
	}
	var doc *Document
	if f == CycloneDX {
		doc, err = DecodeCycloneDX(data)
	} else {
		doc, err = DecodeSPDX(data)
	}
	return doc, f, err
}
