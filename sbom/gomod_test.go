package sbom_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chainproof/chainproof/internal/itest"
	"github.com/chainproof/chainproof/sbom"
)

// The modules the cross-check runs on besides this one: real modules of
// the field, read from the module cache. cosign v3.1.3 would be the
// natural fourth, but its module graph names modules the Go module proxy
// reachable here refuses (drjosh.dev/...), so neither tool can load it
// offline; timestamp-authority takes its place.
var gomodModules = []struct {
	name, module, binary string
	// The differences of `mod` that are understood, each with its reason
	// (sbom/doc.go lists them): bare purl -> why.
	onlyOurs, onlyTheirs map[string]string
}{
	{name: "sigstore-go", module: "github.com/sigstore/sigstore-go@v1.3.0", binary: "./examples/sigstore-go-verification"},
	{name: "distribution", module: "github.com/distribution/distribution/v3@v3.1.2", binary: "./cmd/registry",
		onlyTheirs: map[string]string{
			"pkg:golang/github.com/planetscale/vtprotobuf@v0.6.1-0.20240319094008-0393e58bdf10": tagOnly,
		}},
	{name: "timestamp-authority", module: "github.com/sigstore/timestamp-authority/v2@v2.1.3", binary: "./cmd/timestamp-server",
		onlyOurs: map[string]string{
			"pkg:golang/github.com/kylelemons/godebug@v1.1.0": shortestPathTest,
		},
		onlyTheirs: map[string]string{
			"pkg:golang/cloud.google.com/go@v0.123.0": tagOnly,
		}},
}

const (
	// go mod why, which cyclonedx-gomod asks, loads packages under every
	// build tag; FromModule lists what builds on DefaultPlatforms.
	tagOnly = "imported only by files under build tags no default platform's build sets"
	// cyclonedx-gomod calls a module test-only when the shortest go mod
	// why path to it runs through a test, even when a non-test package
	// imports it too (here Azure's MSAL apps/errors).
	shortestPathTest = "imported by non-test packages; cyclonedx-gomod's shortest go mod why path runs through a test"
)

// gomodTool returns the cyclonedx-gomod v1.10.0 binary that
// .ci/build.d/45-cyclonedx-gomod.sh builds, or skips the test (fails it
// in CI, where the step must have run).
func gomodTool(t testing.TB) string {
	t.Helper()
	tool := os.Getenv("CHAINPROOF_CYCLONEDX_GOMOD")
	if tool == "" {
		if os.Getenv("CHAINPROOF_CI") != "" {
			t.Fatal("CHAINPROOF_CYCLONEDX_GOMOD is not set in CI (.ci/build.d/45-cyclonedx-gomod.sh builds it)")
		}
		itest.Skip(t, itest.CycloneDXGomod, "CHAINPROOF_CYCLONEDX_GOMOD not set: run .ci/build.d/45-cyclonedx-gomod.sh and point it at the binary")
	}
	return tool
}

// moduleCopy copies a module from the module cache into a writable
// directory (the go command refuses to work in the read-only cache).
func moduleCopy(t testing.TB, modVersion string) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", modVersion)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v", modVersion, err)
	}
	var info struct{ Dir string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: %s", modVersion, out)
	}
	dst := filepath.Join(t.TempDir(), "mod")
	if err := os.CopyFS(dst, os.DirFS(info.Dir)); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			mode := fs.FileMode(0o644)
			if d.IsDir() {
				mode = 0o755
			}
			os.Chmod(p, mode)
		}
		return nil
	})
	return dst
}

// gomodEnv is the go command environment of the cross-check: offline
// where CI runs it (phase 2 has no network), module-aware in a copy.
func gomodEnv() []string {
	return append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
}

// runGomod runs cyclonedx-gomod and decodes its CycloneDX output.
func runGomod(t testing.TB, tool, dir string, args ...string) *sbom.Document {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bom.json")
	cmd := exec.Command(tool, append(append(args[:1:1], "-json", "-noserial", "-notimestamp", "-output", out), args[1:]...)...)
	cmd.Dir = dir
	cmd.Env = gomodEnv()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cyclonedx-gomod %v: %v\n%s", args, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := sbom.DecodeCycloneDX(data)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// bare is a purl without qualifiers or subpath, percent-decoded
// (packageurl-go writes "+incompatible" as "%2Bincompatible",
// cyclonedx-gomod as "+incompatible": the same purl).
func bare(purl string) string {
	purl, _, _ = strings.Cut(purl, "#")
	purl, _, _ = strings.Cut(purl, "?")
	if u, err := url.PathUnescape(purl); err == nil {
		return u
	}
	return purl
}

type purlSet map[string]sbom.Component

func components(doc *sbom.Document) purlSet {
	s := purlSet{}
	for _, c := range doc.Components {
		s[bare(c.PURL)] = c
	}
	return s
}

// compare reports the purls only one side lists, less the expected
// differences (each justified in sbom/doc.go), and checks that every
// component both list carries the same SHA-256 hash, and that ours carry
// one wherever the module has an h1 sum.
func compare(t *testing.T, ours, theirs purlSet, expectOnlyOurs []string, expectOnlyTheirs map[string]string) {
	t.Helper()
	var onlyOurs, onlyTheirs []string
	for p := range ours {
		if _, ok := theirs[p]; !ok && !slices.Contains(expectOnlyOurs, p) {
			onlyOurs = append(onlyOurs, p)
		}
	}
	for p := range theirs {
		if _, ok := ours[p]; !ok {
			if _, ok := expectOnlyTheirs[p]; !ok {
				onlyTheirs = append(onlyTheirs, p)
			}
		}
	}
	for p, why := range expectOnlyTheirs {
		if _, ok := ours[p]; ok {
			t.Errorf("%s is listed by both now (expected only by cyclonedx-gomod: %s)", p, why)
		}
	}
	for _, p := range expectOnlyOurs {
		if _, ok := ours[p]; !ok {
			t.Errorf("%s is no longer listed (expected a component)", p)
		}
	}
	slices.Sort(onlyOurs)
	slices.Sort(onlyTheirs)
	if len(onlyOurs)+len(onlyTheirs) > 0 {
		t.Errorf("component sets differ:\n only chainproof: %v\n only cyclonedx-gomod: %v", onlyOurs, onlyTheirs)
	}
	hashed, total := 0, 0
	for p, c := range ours {
		if strings.HasPrefix(p, "pkg:golang/stdlib@") || slices.Contains(expectOnlyOurs, p) {
			continue
		}
		total++
		if len(c.Hashes) == 1 && c.Hashes[0].Algorithm == sbom.SHA256 {
			hashed++
		}
		if o, ok := theirs[p]; ok && len(o.Hashes) > 0 && !slices.Equal(o.Hashes, c.Hashes) {
			t.Errorf("%s: hashes %v, cyclonedx-gomod %v", p, c.Hashes, o.Hashes)
		}
	}
	if hashed != total {
		t.Errorf("%d of %d components carry a SHA-256 hash, want all", hashed, total)
	}
	t.Logf("%d components, %d with a SHA-256 hash; cyclonedx-gomod lists %d", len(ours), hashed, len(theirs))
}

// TestCrossCheckGomod compares FromModule and FromBinary with
// cyclonedx-gomod v1.10.0 (`mod` and `bin`) on this module and on real
// modules from the module cache: the same components (package URLs
// without qualifiers) and the same hashes, every non-main, non-stdlib
// component hashed.
func TestCrossCheckGomod(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	tool := gomodTool(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	type modCase struct {
		name, dir, binary    string
		onlyOurs, onlyTheirs map[string]string
	}
	cases := []modCase{{name: "chainproof", dir: root, binary: "./examples/sbom"}}
	for _, m := range gomodModules {
		cases = append(cases, modCase{name: m.name, binary: m.binary, onlyOurs: m.onlyOurs, onlyTheirs: m.onlyTheirs})
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := c.dir
			if dir == "" {
				dir = moduleCopy(t, gomodModules[i-1].module)
			}
			o := sbom.Options{NoLicenses: true, Env: []string{"GOFLAGS=-mod=mod"}}
			t.Run("mod", func(t *testing.T) {
				ours, err := sbom.FromModule(context.Background(), dir, o)
				if err != nil {
					t.Fatal(err)
				}
				theirs := runGomod(t, tool, dir, "mod")
				// cyclonedx-gomod gives the main module a version from git
				// when it can (a pseudo-version of HEAD); a module's source
				// tree has none of its own.
				if ours.Subject.Name != theirs.Subject.Name {
					t.Errorf("subject %s, cyclonedx-gomod %s", ours.Subject.PURL, theirs.Subject.PURL)
				}
				var onlyOurs []string
				for p := range c.onlyOurs {
					onlyOurs = append(onlyOurs, p)
				}
				compare(t, components(ours), components(theirs), onlyOurs, c.onlyTheirs)
			})
			t.Run("bin", func(t *testing.T) {
				bin := filepath.Join(t.TempDir(), "prog")
				cmd := exec.Command("go", "build", "-trimpath", "-o", bin, c.binary)
				cmd.Dir = dir
				cmd.Env = gomodEnv()
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("go build %s: %v\n%s", c.binary, err, out)
				}
				ours, err := sbom.FromBinary(bin, o)
				if err != nil {
					t.Fatal(err)
				}
				theirs := runGomod(t, tool, dir, "bin", bin)
				// Ours lists the standard library and the main module as
				// components (cyclonedx-gomod: the main module is its
				// metadata component, the standard library only with -std).
				var extra []string
				for p, comp := range components(ours) {
					if strings.HasPrefix(p, "pkg:golang/stdlib@") || comp.Name == theirs.Subject.Name {
						extra = append(extra, p)
					}
				}
				compare(t, components(ours), components(theirs), extra, nil)
			})
		})
	}
}

// BenchmarkGomod times FromModule + EncodeCycloneDX against the
// cyclonedx-gomod process making the same document (`mod -json`, no
// licenses on either side), on the same modules in the same run, and
// reports both and their ratio (theirs/ours: above 1 means chainproof is
// faster). Run: CHAINPROOF_CYCLONEDX_GOMOD=... go test -run '^$' -bench Gomod ./sbom
func BenchmarkGomod(b *testing.B) {
	tool := gomodTool(b)
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	dirs := []struct{ name, dir string }{{"chainproof", root}}
	for _, m := range gomodModules {
		dirs = append(dirs, struct{ name, dir string }{m.name, moduleCopy(b, m.module)})
	}
	for _, d := range dirs {
		b.Run(d.name, func(b *testing.B) {
			var ours, theirs time.Duration
			for b.Loop() {
				start := time.Now()
				doc, err := sbom.FromModule(context.Background(), d.dir, sbom.Options{NoLicenses: true, Env: []string{"GOFLAGS=-mod=mod"}})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := sbom.EncodeCycloneDX(doc); err != nil {
					b.Fatal(err)
				}
				ours += time.Since(start)
				start = time.Now()
				cmd := exec.Command(tool, "mod", "-json", "-noserial", "-notimestamp", "-output", os.DevNull)
				cmd.Dir = d.dir
				cmd.Env = gomodEnv()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("cyclonedx-gomod: %v\n%s", err, out)
				}
				theirs += time.Since(start)
			}
			n := float64(b.N)
			b.ReportMetric(float64(ours.Milliseconds())/n, "chainproof-ms/op")
			b.ReportMetric(float64(theirs.Milliseconds())/n, "cyclonedx-gomod-ms/op")
			b.ReportMetric(float64(theirs)/float64(ours), "speedup")
		})
	}
}
