package sbom_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/chainproof/chainproof/internal/sbomtest"
	"github.com/chainproof/chainproof/sbom"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// offline makes the go command use only the module cache.
var offline = []string{"GOPROXY=off", "GOFLAGS=-mod=readonly", "GONOSUMDB=*", "GOSUMDB=off"}

func opts() sbom.Options {
	return sbom.Options{Now: func() time.Time { return fixedNow }, Env: offline}
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sbom -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (-want +got):\n%s", name,
			cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")))
	}
}

// encodeBoth encodes doc in both formats, validates each against the
// official schema and CheckJSON, checks the bytes are stable and that
// decoding and re-encoding gives the same bytes.
func encodeBoth(t *testing.T, doc *sbom.Document) (cdxJSON, spdxJSON []byte) {
	t.Helper()
	out := map[sbom.Format][]byte{}
	for _, f := range []sbom.Format{sbom.CycloneDX, sbom.SPDX} {
		b, err := sbom.Encode(doc, f)
		if err != nil {
			t.Fatalf("Encode(%s): %v", f, err)
		}
		sbomtest.Check(t, b)
		again, err := sbom.Encode(doc, f)
		if err != nil || !bytes.Equal(b, again) {
			t.Fatalf("Encode(%s) is not byte-stable (err %v)", f, err)
		}
		back, gotF, err := sbom.Decode(b)
		if err != nil || gotF != f {
			t.Fatalf("Decode(%s) = %v, %v", f, gotF, err)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("decoded %s document: Validate: %v", f, err)
		}
		re, err := sbom.Encode(back, f)
		if err != nil {
			t.Fatalf("re-Encode(%s): %v", f, err)
		}
		if !bytes.Equal(b, re) {
			t.Errorf("%s: encode(decode(x)) != x:\n%s", f, cmp.Diff(string(b), string(re)))
		}
		// The decoded model equals the original up to what the
		// format fixes itself.
		ignore := cmpopts.IgnoreFields(sbom.Document{}, "Serial", "Namespace", "Name")
		want := normalized(doc)
		if f == sbom.SPDX {
			// SPDX ids: the purl, else the SPDXID.
			ignore = cmpopts.IgnoreFields(sbom.Document{}, "Serial", "Namespace", "Name", "Subject.ID", "Components", "Dependencies")
		}
		if d := cmp.Diff(want, back, ignore, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: decoded model differs (-want +got):\n%s", f, d)
		}
		if f == sbom.SPDX {
			checkSameContent(t, want, back)
		}
		out[f] = b
	}
	return out[sbom.CycloneDX], out[sbom.SPDX]
}

// normalized is doc as the encoders write it: empty types are
// libraries, several licenses are one AND expression.
func normalized(doc *sbom.Document) *sbom.Document {
	d := *doc
	fix := func(c sbom.Component) sbom.Component {
		if c.Type == "" {
			c.Type = sbom.TypeLibrary
		}
		if len(c.Licenses) > 1 {
			parts := make([]string, len(c.Licenses))
			for i, l := range c.Licenses {
				if strings.Contains(l, " ") {
					l = "(" + l + ")"
				}
				parts[i] = l
			}
			c.Licenses = []string{strings.Join(parts, " AND ")}
		}
		return c
	}
	d.Subject = fix(d.Subject)
	d.Components = nil
	for _, c := range doc.Components {
		d.Components = append(d.Components, fix(c))
	}
	return &d
}

// checkSameContent compares components by name, version, purl, hashes,
// licenses and go.sum values, and edges by name@version.
func checkSameContent(t *testing.T, want, got *sbom.Document) {
	t.Helper()
	type key struct{ Name, Version, PURL string }
	norm := func(d *sbom.Document) (map[key]sbom.Component, map[string]bool) {
		cs := map[key]sbom.Component{}
		byID := map[string]key{}
		for _, c := range append([]sbom.Component{d.Subject}, d.Components...) {
			k := key{c.Name, c.Version, c.PURL}
			byID[c.Ref()] = k
			c.ID = ""
			cs[k] = c
		}
		edges := map[string]bool{}
		for _, dep := range d.Dependencies {
			for _, to := range dep.DependsOn {
				edges[byID[dep.Ref].Name+"@"+byID[dep.Ref].Version+" -> "+byID[to].Name+"@"+byID[to].Version] = true
			}
		}
		return cs, edges
	}
	wc, we := norm(want)
	gc, ge := norm(got)
	if d := cmp.Diff(wc, gc, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("components differ (-want +got):\n%s", d)
	}
	if d := cmp.Diff(we, ge, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("dependency edges differ (-want +got):\n%s", d)
	}
}

func TestFixtureModule(t *testing.T) {
	doc, err := sbom.FromModule(context.Background(), "testdata/fixturemod", opts())
	if err != nil {
		t.Fatal(err)
	}
	cdxJSON, spdxJSON := encodeBoth(t, doc)
	golden(t, "fixturemod.cdx.json.golden", cdxJSON)
	golden(t, "fixturemod.spdx.json.golden", spdxJSON)

	// Cross-check with the go command's own view and go.sum.
	sum, err := os.ReadFile("testdata/fixturemod/go.sum")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Components {
		if c.GoSum == "" || !bytes.Contains(sum, []byte(c.Name+" "+c.Version+" "+c.GoSum+"\n")) {
			t.Errorf("%s@%s: go.sum hash %q not in go.sum", c.Name, c.Version, c.GoSum)
		}
		if c.GoModSum == "" || !bytes.Contains(sum, []byte(c.Name+" "+c.Version+"/go.mod "+c.GoModSum+"\n")) {
			t.Errorf("%s@%s: go.mod hash %q not in go.sum", c.Name, c.Version, c.GoModSum)
		}
	}
	out, err := goCmd(t, "testdata/fixturemod", "list", "-m", "all")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range doc.Components {
		names = append(names, c.Name+" "+c.Version)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if d := cmp.Diff(lines[1:], names); d != "" || lines[0] != doc.Subject.Name {
		t.Errorf("components differ from go list -m all (-go +sbom):\n%s", d)
	}
	// Two builds give identical bytes.
	doc2, err := sbom.FromModule(context.Background(), "testdata/fixturemod", opts())
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := sbom.EncodeCycloneDX(doc2); !bytes.Equal(b, cdxJSON) {
		t.Error("two builds of the same module encode differently")
	}
}

func goCmd(t testing.TB, dir string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOWORK=off"), offline...)
	cmd.Stderr = os.Stderr
	return cmd.Output()
}

// TestOwnModule builds the SBOM of this repository's module and checks it
// against the go command's own view: the components are exactly the
// modules whose packages `go list -deps ./...` reports on the default
// platforms (never the whole module graph), every one carries its go.sum
// hash as SHA-256, and both encodings pass the schemas. There is no byte
// golden of it: every new import in any package changes it; the fixture
// module's goldens cover byte stability.
func TestOwnModule(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	o := opts()
	o.NoLicenses = true
	doc, err := sbom.FromModule(context.Background(), "..", o)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Subject.Name != "github.com/chainproof/chainproof" {
		t.Fatalf("subject = %q", doc.Subject.Name)
	}
	encodeBoth(t, doc)
	want := map[string]bool{}
	for _, pl := range sbom.DefaultPlatforms {
		goos, goarch, _ := strings.Cut(pl, "/")
		cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}", "./...")
		cmd.Dir = ".."
		cmd.Env = append(append(os.Environ(), "GOWORK=off", "GOOS="+goos, "GOARCH="+goarch), offline...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if l != "" {
				want[l] = true
			}
		}
	}
	got := map[string]bool{}
	for _, c := range doc.Components {
		got[c.Name+" "+c.Version] = true
		if len(c.Hashes) != 1 || c.Hashes[0].Algorithm != sbom.SHA256 {
			t.Errorf("%s@%s: hashes %v, want the go.sum h1 as SHA-256", c.Name, c.Version, c.Hashes)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("components differ from go list -deps ./... (-go +sbom):\n%s", d)
	}
	all, err := goCmd(t, "..", "list", "-m", "all")
	if err != nil {
		t.Fatal(err)
	}
	graphSize := len(strings.Split(strings.TrimSpace(string(all)), "\n")) - 1
	if graphSize <= len(doc.Components) {
		t.Errorf("%d components, but the module graph has only %d modules: is this the module graph?", len(doc.Components), graphSize)
	}
	sum, err := os.ReadFile("../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Components {
		if !bytes.Contains(sum, []byte(c.Name+" "+c.Version+" "+c.GoSum+"\n")) ||
			!bytes.Contains(sum, []byte(c.Name+" "+c.Version+"/go.mod "+c.GoModSum+"\n")) {
			t.Errorf("%s@%s: hashes not from go.sum", c.Name, c.Version)
		}
	}

	// The whole module graph stays available, named for what it is.
	o.WholeModuleGraph = true
	graph, err := sbom.FromModule(context.Background(), "..", o)
	if err != nil {
		t.Fatal(err)
	}
	if graphSize != len(graph.Components) {
		t.Errorf("WholeModuleGraph: %d components, go list -m all lists %d modules", len(graph.Components), graphSize)
	}
	encodeBoth(t, graph)
}

func TestComponentsGolden(t *testing.T) {
	doc := componentsDoc(t)
	cdxJSON, spdxJSON := encodeBoth(t, doc)
	golden(t, "components.cdx.json.golden", cdxJSON)
	golden(t, "components.spdx.json.golden", spdxJSON)
}

func componentsDoc(t testing.TB) *sbom.Document {
	t.Helper()
	subject := sbom.Component{
		Type: sbom.TypeApplication, Name: "release.tar.gz", Version: "1.2.3",
		Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.Repeat("ab", 32)}},
	}
	comps := []sbom.Component{
		{
			Name: "golang.org/x/mod", Version: "v0.42.0", PURL: sbom.GoPURL("golang.org/x/mod", "v0.42.0"),
			Licenses: []string{"BSD-3-Clause"},
			GoSum:    "h1:" + strings.Repeat("A", 43) + "=",
		},
		{
			Type: sbom.TypeFile, Name: "config.yaml",
			Hashes: []sbom.Hash{
				{Algorithm: sbom.SHA1, Value: strings.Repeat("01", 20)},
				{Algorithm: sbom.SHA512, Value: strings.Repeat("cd", 64)},
			},
			Licenses:    []string{"Apache-2.0 OR MIT", "LicenseRef-Proprietary-Notice"},
			Description: "shipped <config> & defaults",
		},
		{ID: "npm-left-pad", Name: "left-pad", Version: "1.3.0", PURL: "pkg:npm/left-pad@1.3.0", Licenses: []string{"WTFPL"}},
	}
	deps := []sbom.Dependency{
		{Ref: "release.tar.gz@1.2.3", DependsOn: []string{"pkg:golang/golang.org/x/mod@v0.42.0", "config.yaml", "npm-left-pad"}},
		{Ref: "npm-left-pad"},
	}
	doc, err := sbom.FromComponents(subject, comps, deps, sbom.Options{Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestBinary builds the fixture module's program and describes it.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	bin := filepath.Join(t.TempDir(), "fixture")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if _, err := goCmd(t, "testdata/fixturemod", "build", "-trimpath", "-buildvcs=false", "-o", bin, "."); err != nil {
		t.Fatal(err)
	}
	modcache, err := goCmd(t, ".", "env", "GOMODCACHE")
	if err != nil {
		t.Fatal(err)
	}
	o := opts()
	o.ModCache = strings.TrimSpace(string(modcache))
	doc, err := sbom.FromBinary(bin, o)
	if err != nil {
		t.Fatal(err)
	}
	encodeBoth(t, doc)
	data, _ := os.ReadFile(bin)
	sum := sha256.Sum256(data)
	if d := cmp.Diff([]sbom.Hash{{Algorithm: sbom.SHA256, Value: hex.EncodeToString(sum[:])}}, doc.Subject.Hashes); d != "" {
		t.Errorf("subject hash: %s", d)
	}
	got := map[string]sbom.Component{}
	for _, c := range doc.Components {
		got[c.Name] = c
	}
	want := map[string]string{
		"example.com/fixturemod": "", "github.com/google/go-cmp": "v0.7.0",
		"github.com/package-url/packageurl-go": "v0.1.7", "github.com/go-logr/stdr": "v1.2.2",
		"github.com/go-logr/logr": "v1.4.4", "stdlib": runtime.Version(),
	}
	for name, v := range want {
		if c, ok := got[name]; !ok || c.Version != v {
			t.Errorf("component %s: got %+v, want version %q", name, c, v)
		}
	}
	if c := got["github.com/google/go-cmp"]; c.GoSum != "h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8=" || len(c.Licenses) != 1 || c.Licenses[0] != "BSD-3-Clause" {
		t.Errorf("go-cmp: %+v", c)
	}
	if len(doc.Dependencies) != 1 || len(doc.Dependencies[0].DependsOn) != len(want) {
		t.Errorf("dependencies: %+v", doc.Dependencies)
	}

	if _, err := sbom.FromBinary("testdata/fixturemod/go.mod", o); !errors.Is(err, sbom.ErrNoBuildInfo) {
		t.Errorf("FromBinary(non-binary) = %v, want ErrNoBuildInfo", err)
	}
}

func TestFromModuleErrors(t *testing.T) {
	_, err := sbom.FromModule(context.Background(), t.TempDir(), opts())
	if !errors.Is(err, sbom.ErrGoCommand) {
		t.Errorf("no go.mod: %v, want ErrGoCommand", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sbom.FromModule(ctx, "testdata/fixturemod", opts()); !errors.Is(err, sbom.ErrGoCommand) {
		t.Errorf("cancelled context: %v, want ErrGoCommand", err)
	}
}

func TestValidate(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name  string
		edit  func(d *sbom.Document)
		check sbom.Check
	}{
		{"no created", func(d *sbom.Document) { d.Created = time.Time{} }, sbom.CheckCreated},
		{"empty name", func(d *sbom.Document) { d.Components[0].Name = " " }, sbom.CheckEmptyName},
		{"empty subject name", func(d *sbom.Document) { d.Subject.Name = "" }, sbom.CheckEmptyName},
		{"duplicate id", func(d *sbom.Document) { d.Components[1].ID = d.Components[0].Ref() }, sbom.CheckDuplicateID},
		{"duplicate component", func(d *sbom.Document) { d.Components = append(d.Components, d.Components[0]) }, sbom.CheckDuplicateID},
		{"dangling ref", func(d *sbom.Document) { d.Dependencies[0].Ref = "nope" }, sbom.CheckDanglingRef},
		{"dangling dependsOn", func(d *sbom.Document) { d.Dependencies[0].DependsOn[0] = "nope" }, sbom.CheckDanglingRef},
		{"purl with space", func(d *sbom.Document) { d.Components[0].PURL = "pkg:golang/a b@v1" }, sbom.CheckPURL},
		{"not a purl", func(d *sbom.Document) { d.Components[0].PURL = "golang.org/x/mod" }, sbom.CheckPURL},
		{"purl without name", func(d *sbom.Document) { d.Components[0].PURL = "pkg:golang/" }, sbom.CheckPURL},
		{"h1 as hash", func(d *sbom.Document) {
			d.Subject.Hashes[0].Value = "h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8="
		}, sbom.CheckHash},
		{"uppercase hash", func(d *sbom.Document) { d.Subject.Hashes[0].Value = strings.ToUpper(h) }, sbom.CheckHash},
		{"short hash", func(d *sbom.Document) { d.Subject.Hashes[0].Value = h[:62] }, sbom.CheckHash},
		{"unknown algorithm", func(d *sbom.Document) { d.Subject.Hashes[0].Algorithm = "SHA256" }, sbom.CheckHash},
		{"hex go.sum", func(d *sbom.Document) { d.Components[0].GoSum = h }, sbom.CheckGoSum},
		{"short h1", func(d *sbom.Document) { d.Components[0].GoSum = "h1:AAAA" }, sbom.CheckGoSum},
		{"empty license", func(d *sbom.Document) { d.Components[0].Licenses = []string{""} }, sbom.CheckLicense},
		{"license with newline", func(d *sbom.Document) { d.Components[0].Licenses = []string{"MIT\nBSD"} }, sbom.CheckLicense},
		{"unknown type", func(d *sbom.Document) { d.Components[0].Type = "gadget" }, sbom.CheckComponentType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := componentsDoc(t)
			tc.edit(d)
			err := d.Validate()
			var e *sbom.Error
			if !errors.As(err, &e) || e.Check != tc.check || !errors.Is(err, sbom.ErrInvalid) {
				t.Fatalf("Validate() = %v, want check %s", err, tc.check)
			}
			for _, f := range []sbom.Format{sbom.CycloneDX, sbom.SPDX} {
				if _, err := sbom.Encode(d, f); !errors.As(err, &e) || e.Check != tc.check {
					t.Errorf("Encode(%s) = %v, want check %s", f, err, tc.check)
				}
			}
		})
	}
	d := componentsDoc(t)
	d.Serial = "urn:uuid:3E671687-395B-41F5-A30F-A58921A69B79"
	var e *sbom.Error
	if _, err := sbom.EncodeCycloneDX(d); !errors.As(err, &e) || e.Check != sbom.CheckSerial {
		t.Errorf("uppercase serial: %v", err)
	}
	d = componentsDoc(t)
	d.Namespace = "https://example.com/doc#1"
	if _, err := sbom.EncodeSPDX(d); !errors.As(err, &e) || e.Check != sbom.CheckNamespace {
		t.Errorf("namespace with #: %v", err)
	}
	if _, err := sbom.Encode(d, "xml"); !errors.Is(err, sbom.ErrFormat) {
		t.Errorf("Encode(xml) = %v", err)
	}
}

func TestSourceDateEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	got, ok, err := sbom.SourceDateEpoch()
	if err != nil || !ok || !got.Equal(time.Unix(1700000000, 0)) || got.Location() != time.UTC {
		t.Errorf("SourceDateEpoch() = %v, %v, %v", got, ok, err)
	}
	for _, bad := range []string{"-1", "1e9", " 17", "17x", "99999999999999999999"} {
		t.Setenv("SOURCE_DATE_EPOCH", bad)
		if _, _, err := sbom.SourceDateEpoch(); err == nil {
			t.Errorf("SOURCE_DATE_EPOCH=%q accepted", bad)
		}
	}
	t.Setenv("SOURCE_DATE_EPOCH", "")
	if _, ok, err := sbom.SourceDateEpoch(); ok || err != nil {
		t.Errorf("empty: %v %v", ok, err)
	}
}

// mutate decodes JSON, applies edit, and re-encodes.
func mutate(t *testing.T, data []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

// TestCheckJSON shows, for each check GOTCHAS.md lists, that the official
// schema accepts the broken document and CheckJSON rejects it.
func TestCheckJSON(t *testing.T) {
	doc := componentsDoc(t)
	cdxJSON, spdxJSON := encodeBoth(t, doc)
	for _, tc := range []struct {
		name  string
		base  []byte
		edit  func(m map[string]any)
		check sbom.Check
	}{
		{"cdx empty name", cdxJSON, func(m map[string]any) { at(m, "components", 0).(map[string]any)["name"] = "" }, sbom.CheckEmptyName},
		{"cdx empty subject name", cdxJSON, func(m map[string]any) { at(m, "metadata", "component").(map[string]any)["name"] = " " }, sbom.CheckEmptyName},
		{"cdx duplicate bom-ref", cdxJSON, func(m map[string]any) {
			at(m, "components", 1).(map[string]any)["bom-ref"] = at(m, "components", 0, "bom-ref")
		}, sbom.CheckDuplicateID},
		{"cdx dangling dependsOn", cdxJSON, func(m map[string]any) { at(m, "dependencies", 0, "dependsOn").([]any)[0] = "missing" }, sbom.CheckDanglingRef},
		{"cdx dangling ref", cdxJSON, func(m map[string]any) { at(m, "dependencies", 0).(map[string]any)["ref"] = "missing" }, sbom.CheckDanglingRef},
		{"cdx malformed purl", cdxJSON, func(m map[string]any) { at(m, "components", 0).(map[string]any)["purl"] = "pkg:golang/x y@1" }, sbom.CheckPURL},
		{"cdx purl without scheme", cdxJSON, func(m map[string]any) { at(m, "components", 0).(map[string]any)["purl"] = "golang/x@1" }, sbom.CheckPURL},
		{"cdx url with spaces", cdxJSON, func(m map[string]any) {
			at(m, "components", 0).(map[string]any)["externalReferences"] = []any{map[string]any{"type": "website", "url": "https://example.com/a b"}}
		}, sbom.CheckURL},
		{"cdx spec 1.5", cdxJSON, func(m map[string]any) { m["specVersion"] = "1.5" }, sbom.CheckSpecVersion},
		{"spdx no namespace", spdxJSON, func(m map[string]any) { delete(m, "documentNamespace") }, sbom.CheckNamespace},
		{"spdx relative namespace", spdxJSON, func(m map[string]any) { m["documentNamespace"] = "spdxdocs/x" }, sbom.CheckNamespace},
		{"spdx nonsense created", spdxJSON, func(m map[string]any) { at(m, "creationInfo").(map[string]any)["created"] = "yesterday" }, sbom.CheckCreated},
		{"spdx wrong version", spdxJSON, func(m map[string]any) { m["spdxVersion"] = "SPDX-2.2" }, sbom.CheckSpecVersion},
		{"spdx empty downloadLocation", spdxJSON, func(m map[string]any) { at(m, "packages", 0).(map[string]any)["downloadLocation"] = "" }, sbom.CheckDownloadLocation},
		{"spdx downloadLocation with spaces", spdxJSON, func(m map[string]any) {
			at(m, "packages", 0).(map[string]any)["downloadLocation"] = "https://example.com/a b"
		}, sbom.CheckDownloadLocation},
		{"spdx h1 checksum", spdxJSON, func(m map[string]any) {
			at(m, "packages", 0, "checksums", 0).(map[string]any)["checksumValue"] = "h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8="
		}, sbom.CheckHash},
		{"spdx dangling relationship", spdxJSON, func(m map[string]any) {
			at(m, "relationships", 1).(map[string]any)["relatedSpdxElement"] = "SPDXRef-missing"
		}, sbom.CheckDanglingRef},
		{"spdx filesAnalyzed without code", spdxJSON, func(m map[string]any) { at(m, "packages", 0).(map[string]any)["filesAnalyzed"] = true }, sbom.CheckVerificationCode},
		{"spdx filesAnalyzed absent", spdxJSON, func(m map[string]any) { delete(at(m, "packages", 0).(map[string]any), "filesAnalyzed") }, sbom.CheckVerificationCode},
		{"spdx duplicate SPDXID", spdxJSON, func(m map[string]any) {
			at(m, "packages", 1).(map[string]any)["SPDXID"] = at(m, "packages", 0, "SPDXID")
		}, sbom.CheckDuplicateID},
		{"spdx empty name", spdxJSON, func(m map[string]any) { at(m, "packages", 1).(map[string]any)["name"] = "" }, sbom.CheckEmptyName},
		{"spdx malformed purl", spdxJSON, func(m map[string]any) {
			at(m, "packages", 1, "externalRefs", 0).(map[string]any)["referenceLocator"] = "pkg:golang/x y"
		}, sbom.CheckPURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := mutate(t, tc.base, tc.edit)
			if err := sbomtest.SchemaValidate(bad); err != nil {
				// Not a gap in the schema after all: keep the test honest.
				t.Logf("note: the schema also rejects this: %v", err)
			}
			err := sbom.CheckJSON(bad)
			var e *sbom.Error
			if !errors.As(err, &e) || e.Check != tc.check || !errors.Is(err, sbom.ErrInvalid) {
				t.Fatalf("CheckJSON = %v, want check %s", err, tc.check)
			}
		})
	}
	// The library defaults GOTCHAS.md lists are rejected by the schema
	// (this is what the schema validation in ValidateSBOM catches).
	for _, tc := range []struct {
		name string
		base []byte
		edit func(m map[string]any)
	}{
		{"cdx null hashes", cdxJSON, func(m map[string]any) { at(m, "components", 1).(map[string]any)["hashes"] = nil }},
		{"cdx license and expression mixed", cdxJSON, func(m map[string]any) {
			at(m, "components", 0).(map[string]any)["licenses"] = []any{
				map[string]any{"license": map[string]any{"id": "MIT"}}, map[string]any{"expression": "MIT OR Apache-2.0"}}
		}},
		{"cdx non-spdx license id", cdxJSON, func(m map[string]any) {
			at(m, "components", 0).(map[string]any)["licenses"] = []any{map[string]any{"license": map[string]any{"id": "Not-A-License"}}}
		}},
		{"cdx h1 as hash content", cdxJSON, func(m map[string]any) {
			at(m, "metadata", "component", "hashes", 0).(map[string]any)["content"] = "h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8="
		}},
		{"cdx uppercase serial", cdxJSON, func(m map[string]any) { m["serialNumber"] = strings.ToUpper(m["serialNumber"].(string)) }},
		{"cdx timestamp without zone", cdxJSON, func(m map[string]any) { at(m, "metadata").(map[string]any)["timestamp"] = "2026-01-02T03:04:05" }},
		{"spdx $schema", spdxJSON, func(m map[string]any) { m["$schema"] = "https://example.com" }},
		{"spdx null creators", spdxJSON, func(m map[string]any) { at(m, "creationInfo").(map[string]any)["creators"] = nil }},
		{"spdx files inside package", spdxJSON, func(m map[string]any) { at(m, "packages", 0).(map[string]any)["files"] = []any{} }},
		{"spdx OPERATING-SYSTEM", spdxJSON, func(m map[string]any) {
			at(m, "packages", 0).(map[string]any)["primaryPackagePurpose"] = "OPERATING-SYSTEM"
		}},
	} {
		t.Run("schema/"+tc.name, func(t *testing.T) {
			if err := sbomtest.SchemaValidate(mutate(t, tc.base, tc.edit)); err == nil {
				t.Fatal("schema accepted it")
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want error
	}{
		{"not json", "{", sbom.ErrFormat},
		{"array", "[]", sbom.ErrFormat},
		{"neither", `{"a":1}`, sbom.ErrFormat},
		{"both", `{"bomFormat":"CycloneDX","spdxVersion":"SPDX-2.3"}`, sbom.ErrFormat},
		{"cdx wrong format", `{"bomFormat":"cyclonedx","specVersion":"1.6"}`, sbom.ErrFormat},
		{"cdx old", `{"bomFormat":"CycloneDX","specVersion":"1.1"}`, sbom.ErrFormat},
		{"spdx 3", `{"spdxVersion":"SPDX-3.0"}`, sbom.ErrFormat},
		{"cdx bad timestamp", `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"timestamp":"now"}}`, sbom.ErrInvalid},
		{"spdx bad created", `{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","creationInfo":{"created":"now","creators":["Tool: x"]}}`, sbom.ErrInvalid},
		// Null where SPDX requires an object: tools-golang v0.5.7 panicked
		// on a null package (SPDX-2.2 and 2.3); all are refused up front.
		{"spdx null package", `{"spdxVersion":"SPDX-2.3","packages":[null]}`, sbom.ErrInvalid},
		{"spdx 2.2 null package", `{"spdxVersion":"SPDX-2.2","packages":[null]}`, sbom.ErrInvalid},
		{"spdx 2.1 null package", `{"spdxVersion":"SPDX-2.1","packages":[null]}`, sbom.ErrInvalid},
		{"spdx null package after one", `{"spdxVersion":"SPDX-2.3","packages":[{"SPDXID":"SPDXRef-a","name":"a"},null]}`, sbom.ErrInvalid},
		{"spdx null file", `{"spdxVersion":"SPDX-2.3","files":[null]}`, sbom.ErrInvalid},
		{"spdx 2.2 null file", `{"spdxVersion":"SPDX-2.2","files":[null]}`, sbom.ErrInvalid},
		{"spdx null relationship", `{"spdxVersion":"SPDX-2.3","relationships":[null]}`, sbom.ErrInvalid},
		{"spdx 2.2 null relationship", `{"spdxVersion":"SPDX-2.2","relationships":[null]}`, sbom.ErrInvalid},
		{"spdx null creationInfo", `{"spdxVersion":"SPDX-2.3","creationInfo":null}`, sbom.ErrInvalid},
		{"spdx null annotation", `{"spdxVersion":"SPDX-2.3","annotations":[null]}`, sbom.ErrInvalid},
		{"spdx null extracted license", `{"spdxVersion":"SPDX-2.3","hasExtractedLicensingInfos":[null]}`, sbom.ErrInvalid},
		{"spdx null snippet", `{"spdxVersion":"SPDX-2.3","snippets":[null]}`, sbom.ErrInvalid},
		{"spdx null external document ref", `{"spdxVersion":"SPDX-2.3","externalDocumentRefs":[null]}`, sbom.ErrInvalid},
		{"spdx null documentDescribes", `{"spdxVersion":"SPDX-2.3","documentDescribes":[null]}`, sbom.ErrInvalid},
		{"spdx null package externalRef", `{"spdxVersion":"SPDX-2.3","packages":[{"SPDXID":"SPDXRef-a","name":"a","externalRefs":[null]}]}`, sbom.ErrInvalid},
		{"spdx 2.2 null package externalRef", `{"spdxVersion":"SPDX-2.2","packages":[{"SPDXID":"SPDXRef-a","name":"a","externalRefs":[null]}]}`, sbom.ErrInvalid},
		{"too large", `{"bomFormat":"CycloneDX","specVersion":"1.6","x":"` + strings.Repeat("a", sbom.MaxDocumentSize) + `"}`, sbom.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Decode panicked: %v", r)
					}
				}()
				_, _, err = sbom.Decode([]byte(tc.data))
			}()
			var e *sbom.Error
			if !errors.Is(err, tc.want) || !errors.As(err, &e) {
				t.Fatalf("Decode = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestDecodeNullsAbsentOrEmpty: absent or empty arrays and an absent
// creationInfo are still accepted (only explicit nulls are refused).
func TestDecodeNullsAbsentOrEmpty(t *testing.T) {
	for _, data := range []string{
		`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT"}`,
		`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[],"files":[],"relationships":[],"annotations":[]}`,
		`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":null,"files":null,"relationships":null}`,
	} {
		if _, _, err := sbom.Decode([]byte(data)); err != nil {
			t.Errorf("Decode(%s) = %v", data, err)
		}
	}
}
