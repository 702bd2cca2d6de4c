package itest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// reset forgets the skips counted so far.
func reset() {
	mu.Lock()
	defer mu.Unlock()
	skipped, needs = 0, map[string]bool{}
}

func TestNote(t *testing.T) {
	t.Cleanup(reset)
	for _, c := range []struct {
		name  string
		needs []string
		dir   string
		want  string
	}{
		{"none", nil, "sign", ""},
		{"one", []string{LocalSigstore}, "oci",
			"chainproof/oci: 1 integration test skipped (no local Sigstore); run it with: .ci/with-services go test ./oci"},
		{"services", []string{LocalSigstore, Registries, LocalSigstore}, "examples/sign-image",
			"chainproof/examples/sign-image: 3 integration tests skipped (no local Sigstore, registries); run them with: .ci/with-services go test ./examples/sign-image"},
		{"services and CI", []string{LocalSigstore, SigstoreJS}, "internal/cmd/conformance",
			"chainproof/internal/cmd/conformance: 2 integration tests skipped (no local Sigstore, sigstore-js); run them with: .ci/with-services go test ./internal/cmd/conformance (sigstore-js: bash .ci/run)"},
		{"CI only", []string{SigstoreJS}, "sign/signtest",
			"chainproof/sign/signtest: 1 integration test skipped (no sigstore-js); run it with: bash .ci/run"},
		{"module root", []string{"a thing"}, ".",
			"chainproof: 1 integration test skipped (no a thing); run it with: .ci/with-services go test ."},
	} {
		reset()
		for _, need := range c.needs {
			t.Run(c.name, func(t *testing.T) { Skip(t, need, "not here") })
		}
		if got := Note(c.dir); got != c.want {
			t.Errorf("%s: Note = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestPackageDir(t *testing.T) {
	// go test runs the binary in the package's directory.
	if got := packageDir(); got != "internal/itest" {
		t.Errorf("packageDir = %q, want internal/itest", got)
	}
}

// TestEveryPackageReports: a package whose tests can skip through Skip
// (they import itest, sigstoretest or registrytest) has the TestMain that
// reports it; without one its skips would pass in silence.
func TestEveryPackageReports(t *testing.T) {
	root := filepath.Join("..", "..")
	skippers := []string{"internal/itest", "internal/sigstoretest", "internal/registrytest"}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || p == filepath.Join(root, "internal", "tools")) {
			return filepath.SkipDir
		}
		dir, _ := filepath.Rel(root, p)
		dir = filepath.ToSlash(dir)
		if dir == "internal/itest" {
			return nil
		}
		files, _ := filepath.Glob(filepath.Join(p, "*_test.go"))
		skips, reports := false, false
		for _, name := range files {
			f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			for _, imp := range f.Imports {
				ip, _ := strconv.Unquote(imp.Path.Value)
				for _, s := range skippers {
					if ip == "github.com/chainproof/chainproof/"+s {
						skips = true
					}
				}
			}
			b, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			reports = reports || strings.Contains(string(b), "itest.Main(")
		}
		if slices.Contains(skippers, dir) && len(files) > 0 {
			skips = true
		}
		if skips && !reports {
			t.Errorf("%s: tests may skip through itest but no TestMain calls itest.Main", dir)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
