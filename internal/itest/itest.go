// Package itest marks integration tests: tests that need something the
// plain `go test ./...` does not start (the local Sigstore, the
// registries, cyclonedx-gomod, sigstore-js). Skip skips such a test and
// counts it; Main, a package's TestMain, then says in one line how many
// were skipped, what was missing and how to run them:
//
//	chainproof/sign: 7 integration tests skipped (no local Sigstore); run them with: .ci/with-services go test ./sign
//
// go test ./... drops what a passing package prints, so the line goes to
// the terminal (/dev/tty) when there is one; with -v or -json, or when the
// package fails, to stderr, which go test then shows. CI runs every
// integration test, so it never prints the line. A cached result replays
// nothing: the line shows when the package's tests ran (go test -count=1
// ./... runs them all).
package itest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// What integration tests need. Skip takes any string; these are the ones
// the repository uses, and How knows how to provide them.
const (
	LocalSigstore  = "local Sigstore"
	Registries     = "registries"
	CycloneDXGomod = "cyclonedx-gomod"
	SigstoreJS     = "sigstore-js"
	CISBOMs        = "CI-made SBOMs" // .ci/test.d/66-sbom-example.sh
)

// byRun are the needs .ci/with-services does not provide, and the command
// that does (.ci/run builds the tools and runs every CI step).
var byRun = map[string]string{
	SigstoreJS: "bash .ci/run",
	CISBOMs:    "bash .ci/run",
}

var (
	mu      sync.Mutex
	skipped int
	needs   = map[string]bool{}
)

// Skip skips t, an integration test that needs what (e.g. LocalSigstore),
// with reason as the skip message.
func Skip(t testing.TB, what, reason string) {
	t.Helper()
	mu.Lock()
	skipped++
	needs[what] = true
	mu.Unlock()
	t.Skip(reason)
}

// Main runs m and, when integration tests were skipped, reports them in
// one line: on stderr when go test shows the test's output (-v, -json, or
// a failure), else on the terminal, since go test ./... drops what a
// passing package printed (stderr when there is no terminal).
func Main(m *testing.M) {
	code := m.Run()
	if line := Note(packageDir()); line != "" {
		w := io.Writer(os.Stderr)
		if !testing.Verbose() && code == 0 {
			if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
				defer tty.Close()
				w = tty
			}
		}
		fmt.Fprintln(w, line)
	}
	os.Exit(code)
}

// Note is the line Main prints for the package in dir (slash-separated,
// relative to the module root: "sign", "internal/cmd/conformance"), or ""
// when nothing was skipped.
func Note(dir string) string {
	mu.Lock()
	defer mu.Unlock()
	if skipped == 0 {
		return ""
	}
	var what []string
	for w := range needs {
		what = append(what, w)
	}
	slices.Sort(what)
	tests, them := "tests", "them"
	if skipped == 1 {
		tests, them = "test", "it"
	}
	// .ci/with-services starts the services; the rest only .ci/run makes.
	var services bool
	var cmds, others []string
	for _, w := range what {
		if c, ok := byRun[w]; ok {
			others = append(others, w+": "+c)
			if !slices.Contains(cmds, c) {
				cmds = append(cmds, c)
			}
		} else {
			services = true
		}
	}
	pkg, arg := "chainproof", "."
	if dir != "." && dir != "" {
		pkg, arg = "chainproof/"+dir, "./"+dir
	}
	how := strings.Join(cmds, "; ")
	if services {
		how = ".ci/with-services go test " + arg
		if len(others) > 0 {
			how += " (" + strings.Join(others, "; ") + ")"
		}
	}
	return fmt.Sprintf("%s: %d integration %s skipped (no %s); run %s with: %s",
		pkg, skipped, tests, strings.Join(what, ", "), them, how)
}

// packageDir is the test's package directory relative to the module root
// (go test runs a test binary in its package's directory), or the binary's
// name when no go.mod is found above it.
func packageDir() string {
	wd, err := os.Getwd()
	if err == nil {
		for root := wd; ; root = filepath.Dir(root) {
			if isModuleRoot(filepath.Join(root, "go.mod")) {
				if rel, err := filepath.Rel(root, wd); err == nil {
					return filepath.ToSlash(rel)
				}
				break
			}
			if filepath.Dir(root) == root {
				break
			}
		}
	}
	return strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
}

// isModuleRoot reports whether name is a go.mod of this module (not of a
// nested test fixture).
func isModuleRoot(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if line := strings.TrimSpace(s.Text()); strings.HasPrefix(line, "module ") {
			return strings.TrimSpace(strings.TrimPrefix(line, "module ")) == "github.com/chainproof/chainproof"
		}
	}
	return false
}
