package sbom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
)

// listedPackage is one object of `go list -deps -json=...` output.
type listedPackage struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Module     *goModule
	Error      *struct{ Err string }
}

// fromPackageGraph is FromModule for the modules the module's packages
// need: it runs `go list -deps` once per platform and unites the results.
func fromPackageGraph(ctx context.Context, dir string, opts Options) (*Document, error) {
	created := opts.now().UTC()
	platforms := opts.Platforms
	if platforms == nil {
		platforms = DefaultPlatforms
	}
	if len(platforms) == 0 {
		return nil, fmt.Errorf("%w: no platforms", ErrGoCommand)
	}
	sums, err := readGoSum(filepath.Join(dir, "go.sum"))
	if err != nil {
		return nil, err
	}

	var main *goModule
	mods := map[string]*goModule{} // module path -> module (as go list reports it)
	deps := map[string][]string{}  // module path -> module paths its packages import
	edges := 0
	for _, pl := range platforms {
		goos, goarch, ok := strings.Cut(pl, "/")
		if !ok || goos == "" || goarch == "" || strings.ContainsAny(pl, " =") {
			return nil, fmt.Errorf("%w: platform %q is not GOOS/GOARCH", ErrGoCommand, pl)
		}
		o := opts
		o.Env = append(slices.Clone(opts.Env), "GOOS="+goos, "GOARCH="+goarch)
		args := []string{"list", "-deps", "-json=ImportPath,Standard,Imports,Module,Error"}
		if opts.IncludeTests {
			args = append(args, "-test")
		}
		out, err := runGo(ctx, dir, o, append(args, "./...")...)
		if err != nil {
			return nil, err
		}
		pkgs, err := decodePackages(out)
		if err != nil {
			return nil, err
		}
		owner := make(map[string]string, len(pkgs)) // import path -> module path
		for _, p := range pkgs {
			if p.Error != nil {
				return nil, fmt.Errorf("%w: package %s: %s", ErrGoCommand, p.ImportPath, p.Error.Err)
			}
			if p.Standard || p.Module == nil {
				continue // the standard library, or a test main package
			}
			m := p.Module
			owner[p.ImportPath] = m.Path
			if m.Main {
				if main != nil && main.Path != m.Path {
					return nil, fmt.Errorf("%w: two main modules, %s and %s", ErrGoCommand, main.Path, m.Path)
				}
				main = m
				continue
			}
			if prev, ok := mods[m.Path]; ok && prev.Version != m.Version {
				return nil, fmt.Errorf("%w: module %s at %s and %s", ErrGoCommand, m.Path, prev.Version, m.Version)
			}
			if _, ok := mods[m.Path]; !ok {
				if len(mods) >= MaxComponents {
					return nil, &Error{Check: CheckSize, Path: "go list", Err: ErrTooLarge}
				}
				mods[m.Path] = m
			}
		}
		for _, p := range pkgs {
			from, ok := owner[p.ImportPath]
			if !ok {
				continue
			}
			for _, imp := range p.Imports {
				to, ok := owner[imp]
				if !ok || to == from || slices.Contains(deps[from], to) {
					continue
				}
				deps[from] = append(deps[from], to)
				if edges++; edges > MaxDependencyEdges {
					return nil, &Error{Check: CheckSize, Path: "go list", Err: ErrTooLarge}
				}
			}
		}
	}
	if main == nil {
		return nil, fmt.Errorf("%w: go list -deps ./... reported no package of a main module", ErrGoCommand)
	}

	doc := &Document{Created: created}
	doc.Subject = Component{Type: TypeLibrary, Name: main.Path, PURL: GoPURL(main.Path, "")}
	if !opts.NoLicenses {
		doc.Subject.Licenses = detectLicenses(main.Dir)
	}
	doc.Subject.ID = doc.Subject.Ref()
	ids := map[string]string{main.Path: doc.Subject.ID} // module path -> component ID
	for _, path := range sortedKeys(mods) {
		m := mods[path]
		c := moduleComponent(m, sums)
		moduleDir := m.Dir
		if r := m.Replace; r != nil {
			c = moduleComponent(r, sums)
			c.Name = m.Path
			if r.Version == "" { // replaced by a directory
				c.Version = m.Version
				c.PURL = GoPURL(m.Path, m.Version)
				c.ID = c.PURL + "#replaced-by-directory"
				c.Description = "replaced by a local directory"
			}
			moduleDir = r.Dir
		}
		if !opts.NoLicenses {
			c.Licenses = detectLicenses(moduleDir)
		}
		c.ID = c.Ref()
		ids[path] = c.ID
		doc.Components = append(doc.Components, c)
	}
	byID := map[string][]string{}
	for from, tos := range deps {
		for _, to := range tos {
			byID[ids[from]] = append(byID[ids[from]], ids[to])
		}
	}
	sortComponents(doc.Components)
	doc.Dependencies = dependencyList(doc, byID)
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	return doc, nil
}

// decodePackages decodes the concatenated JSON objects go list prints.
func decodePackages(out []byte) ([]listedPackage, error) {
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			return pkgs, nil
		} else if err != nil {
			return nil, fmt.Errorf("%w: parsing go list output: %v", ErrGoCommand, err)
		}
		pkgs = append(pkgs, p)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
