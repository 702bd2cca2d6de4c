package chainproof_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeSnippets checks that every Go snippet of README.md appears,
// line for line, in this package's Examples, so the README's code is
// compiled and run by go test.
func TestReadmeSnippets(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	norm := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	haystack := norm(string(examples))
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 5 {
		t.Fatalf("README has %d Go snippets, want the tour's 5", len(blocks))
	}
	for _, b := range blocks {
		if !strings.Contains(haystack, norm(b[1])) {
			t.Errorf("README snippet is not in example_test.go:\n%s", b[1])
		}
	}
}

// TestReadmeCommands checks the two set-up commands the README promises.
func TestReadmeCommands(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"go run ./examples/quickstart", "go test ./..."} {
		if !strings.Contains(string(readme), "\n"+cmd) {
			t.Errorf("README lacks the command %q at the start of a line", cmd)
		}
	}
	if _, err := os.Stat("examples/quickstart/main.go"); err != nil {
		t.Errorf("the quickstart the README runs is missing: %v", err)
	}
}
