package attest_test

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/attest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name, or rewrites it with -update.
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
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n got: %s\nwant: %s", name, got, want)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recordedEnv returns the recorded GitHub Actions environment with
// GITHUB_EVENT_PATH pointing at the recorded event, plus overrides
// (a value of "-" deletes the variable).
func recordedEnv(t testing.TB, overrides map[string]string) []string {
	t.Helper()
	event, err := filepath.Abs(filepath.Join("testdata", "github", "event.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, filepath.Join("testdata", "github", "env.txt"))))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		if k == "GITHUB_EVENT_PATH" {
			v = event
		}
		if o, ok := overrides[k]; ok {
			if o == "-" {
				continue
			}
			v = o
		}
		env = append(env, k+"="+v)
	}
	return env
}

// wantError checks that err wraps sentinel and, when field is not "*",
// is an *attest.Error for that field.
func wantError(t *testing.T, err, sentinel error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("got %v, want errors.Is %v", err, sentinel)
	}
	if field == "*" {
		return
	}
	var e *attest.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want *attest.Error", err, err)
	}
	if e.Path != field {
		t.Fatalf("got field %q (%v), want %q", e.Path, err, field)
	}
	if !strings.HasPrefix(err.Error(), "attest: ") {
		t.Fatalf("message %q lacks the package prefix", err)
	}
}
