// Package itest marks integration tests: tests that need a service the
// plain `go test ./...` does not start (the local Sigstore, the
// registries, cyclonedx-gomod). Skip skips such a test and counts it; Main,
// a package's TestMain, then says in one line that tests were skipped and
// how to run them.
//
// go test ./... hides what a passing package prints, so the line also goes
// to the terminal (/dev/tty) when there is one: a person running the tests
// sees it, CI (which runs every integration test) never prints it.
package itest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

var (
	mu      sync.Mutex
	skipped int
	needs   = map[string]bool{}
)

// Skip skips t, an integration test that needs what (e.g. "the local
// Sigstore"), with reason as the skip message.
func Skip(t testing.TB, what, reason string) {
	t.Helper()
	mu.Lock()
	skipped++
	needs[what] = true
	mu.Unlock()
	t.Skip(reason)
}

// Main runs m and, when integration tests were skipped, reports them in
// one line on stderr (go test -v shows it) and on the terminal.
func Main(m *testing.M) {
	code := m.Run()
	if line := Note(filepath.Base(os.Args[0])); line != "" {
		fmt.Fprintln(os.Stderr, line)
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			fmt.Fprintln(tty, line)
			tty.Close()
		}
	}
	os.Exit(code)
}

// Note is the line Main prints for the test binary named binary, or ""
// when nothing was skipped.
func Note(binary string) string {
	mu.Lock()
	defer mu.Unlock()
	if skipped == 0 {
		return ""
	}
	var what []string
	for w := range needs {
		what = append(what, w)
	}
	sort.Strings(what)
	tests := "tests"
	if skipped == 1 {
		tests = "test"
	}
	return fmt.Sprintf("%s: %d integration %s skipped (no %s); run them with: .ci/with-services go test ./...",
		strings.TrimSuffix(binary, ".test"), skipped, tests, strings.Join(what, ", "))
}
