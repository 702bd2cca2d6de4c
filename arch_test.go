package chainproof_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestPackagesCompose checks DESIGN.md's layering: verify builds on attest
// and dsse, sign on verify, attest and dsse.
func TestPackagesCompose(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}:{{join .Imports \" \"}}", "./verify", "./sign").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	want := map[string][]string{
		"github.com/chainproof/chainproof/verify": {"attest", "dsse"},
		"github.com/chainproof/chainproof/sign":   {"verify", "attest", "dsse"},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		for _, dep := range want[pkg] {
			if !slices.Contains(strings.Fields(imports), "github.com/chainproof/chainproof/"+dep) {
				t.Errorf("%s does not import %s", pkg, dep)
			}
		}
	}
}

// TestOneOwner: the literals that define a concept appear in the non-test
// code of its owner only (everything else uses the owner's constant or
// function): the in-toto payload type and statement types (attest), the
// DSSE pre-authentication encoding (dsse).
func TestOneOwner(t *testing.T) {
	owners := map[string]string{
		"application/vnd.in-toto+json":      "attest",
		"https://in-toto.io/Statement/v1":   "attest",
		"https://in-toto.io/Statement/v0.1": "attest",
		"DSSEv1 ":                           "dsse",
	}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "internal/tools" || strings.HasPrefix(d.Name(), ".") && path != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for literal, owner := range owners {
				if strings.Contains(s, literal) && filepath.Dir(path) != owner {
					t.Errorf("%s: %q belongs to package %s", fset.Position(lit.Pos()), literal, owner)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
