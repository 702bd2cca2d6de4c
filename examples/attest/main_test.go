package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/proto"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/internal/sbomtest"
	"github.com/chainproof/chainproof/sbom"
)

const epoch = "1779268364" // 2026-05-20T09:12:44Z

func envOf(kv ...string) attest.LookupFunc { return attest.Environ(kv) }

func artifacts(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, content := range map[string]string{"app-linux-amd64": "binary bytes\n", "checksums.txt": "e3b0c442  app\n"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// runAttest runs the program and returns the two statements it printed.
func runAttest(t *testing.T, env attest.LookupFunc, args ...string) (prov, bom []byte) {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, env, &out, &errb); err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, errb.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), out.String())
	}
	return []byte(lines[0]), []byte(lines[1])
}

// checkPair parses both statements, checks their predicates, and returns
// the decoded SBOM document.
func checkPair(t *testing.T, provJSON, bomJSON []byte, wantFormat sbom.Format) (*intoto.Statement, *sbom.Document) {
	t.Helper()
	prov, err := attest.Parse(provJSON)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := attest.ParseProvenance(prov); err != nil {
		t.Fatal(err)
	}
	st, err := attest.Parse(bomJSON)
	if err != nil {
		t.Fatal(err)
	}
	if len(prov.GetSubject()) != len(st.GetSubject()) {
		t.Fatal("subject counts differ")
	}
	for i := range prov.GetSubject() {
		if !proto.Equal(prov.GetSubject()[i], st.GetSubject()[i]) {
			t.Fatalf("subject %d differs", i)
		}
	}
	b, err := attest.ParseSBOM(st)
	if err != nil {
		t.Fatal(err)
	}
	sbomtest.Check(t, b.Document) // official schema + the checks it misses
	doc, f, err := sbom.Decode(b.Document)
	if err != nil || f != wantFormat {
		t.Fatalf("sbom.Decode: %v, %v", f, err)
	}
	return prov, doc
}

func TestFiles(t *testing.T) {
	files := artifacts(t)
	env := envOf("SOURCE_DATE_EPOCH=" + epoch)
	for _, format := range []sbom.Format{sbom.CycloneDX, sbom.SPDX} {
		p1, b1 := runAttest(t, env, append([]string{"-sha512", "-sbom-format", string(format)}, files...)...)
		p2, b2 := runAttest(t, env, append([]string{"-sha512", "-sbom-format", string(format)}, files...)...)
		if !bytes.Equal(p1, p2) || !bytes.Equal(b1, b2) {
			t.Fatalf("%s: two runs differ", format)
		}
		prov, doc := checkPair(t, p1, b1, format)
		if got := prov.GetSubject()[0].GetDigest(); len(got) != 2 {
			t.Fatalf("digests %v", got)
		}
		if len(doc.Components) != len(files) || doc.Components[0].Hashes[0].Algorithm != sbom.SHA256 {
			t.Fatalf("%s: components %+v", format, doc.Components)
		}
		if !doc.Created.Equal(doc.Created.UTC()) || doc.Created.Unix() != 1779268364 {
			t.Fatalf("created %v, want SOURCE_DATE_EPOCH", doc.Created)
		}
	}
}

func TestGitHubAndExistingSBOM(t *testing.T) {
	recorded := filepath.Join("..", "..", "attest", "testdata", "github")
	event, _ := filepath.Abs(filepath.Join(recorded, "event.json"))
	var env []string
	f, err := os.Open(filepath.Join(recorded, "env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		env = append(env, sc.Text())
	}
	f.Close()
	env = append(env, "GITHUB_EVENT_PATH="+event)

	out := t.TempDir()
	spdx := filepath.Join("..", "..", "attest", "testdata", "sbom", "spdx.json")
	var stderr bytes.Buffer
	if err := run(context.Background(), append([]string{"-github", "-sbom", spdx, "-o", out}, artifacts(t)...), attest.Environ(env), &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	provJSON, err := os.ReadFile(filepath.Join(out, "provenance.intoto.json"))
	if err != nil {
		t.Fatal(err)
	}
	bomJSON, err := os.ReadFile(filepath.Join(out, "sbom.intoto.json"))
	if err != nil {
		t.Fatal(err)
	}
	prov, doc := checkPair(t, provJSON, bomJSON, sbom.SPDX)
	p, _ := attest.ParseProvenance(prov)
	if p.GetBuildDefinition().GetBuildType() != attest.BuildTypeGitHubWorkflowV1 ||
		p.GetRunDetails().GetBuilder().GetId() != "https://github.com/chainproof/chainproof/.github/workflows/release.yml@refs/tags/v0.3.1" {
		t.Fatalf("provenance %v", p)
	}
	if doc.Subject.Name != "github.com/chainproof/chainproof" {
		t.Fatalf("sbom subject %q", doc.Subject.Name)
	}
}

// TestGoBinary builds a tiny Go program: its SBOM comes from the build
// information embedded in it.
func TestGoBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go binary")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/hello\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println(\"hi\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "hello")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p, b := runAttest(t, envOf("SOURCE_DATE_EPOCH="+epoch), bin)
	_, doc := checkPair(t, p, b, sbom.CycloneDX)
	var stdlib bool
	for _, c := range doc.Components {
		stdlib = stdlib || c.Name == "stdlib"
	}
	if doc.Subject.Name != "hello" || !stdlib {
		t.Fatalf("sbom from build info: subject %q, components %+v", doc.Subject.Name, doc.Components)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	files := artifacts(t)
	for _, args := range [][]string{{}, {"-sbom-format", "xml", files[0]}, {"-nope", files[0]}} {
		if err := run(ctx, args, envOf(), &bytes.Buffer{}, &bytes.Buffer{}); !errors.Is(err, cli.ErrUsage) {
			t.Errorf("run %v: %v, want a usage error", args, err)
		}
	}
	err := run(ctx, append([]string{"-github"}, files...), envOf(), &bytes.Buffer{}, &bytes.Buffer{})
	var me *attest.MissingEnvError
	if !errors.As(err, &me) || len(me.Names) != 12 {
		t.Errorf("-github without environment: %v", err)
	}
	err = run(ctx, []string{filepath.Join(t.TempDir(), "missing")}, envOf(), &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, attest.ErrIO) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	err = run(ctx, []string{"-sbom", files[1], files[0]}, envOf(), &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil {
		t.Error("a non-SBOM -sbom file was accepted")
	}
	err = run(ctx, []string{files[0]}, envOf("SOURCE_DATE_EPOCH=yesterday"), &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Errorf("bad SOURCE_DATE_EPOCH: %v", err)
	}
}

// TestOutputDir: -o writes both files (mode 0644, the same bytes as
// stdout) and nothing else.
func TestOutputDir(t *testing.T) {
	files := artifacts(t)
	env := envOf("SOURCE_DATE_EPOCH=" + epoch)
	prov, bom := runAttest(t, env, files...)
	dir := t.TempDir()
	if err := run(context.Background(), append([]string{"-o", dir}, files...), env, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"provenance.intoto.json": prov, "sbom.intoto.json": bom} {
		p := filepath.Join(dir, name)
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v, bytes differ from stdout: %v", name, err, !bytes.Equal(got, want))
		}
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, %v", name, fi.Mode(), err)
		}
	}
	if names := dirNames(t, dir); len(names) != 2 {
		t.Errorf("dir holds %v, want the two outputs only", names)
	}
}

// TestOutputErrors: an output that cannot be written (a directory in
// its place, a missing directory) is an error, and no temporary file is
// left behind.
func TestOutputErrors(t *testing.T) {
	files := artifacts(t)
	ctx := context.Background()
	for _, blocked := range []string{"sbom.intoto.json", "provenance.intoto.json"} {
		t.Run("directory at "+blocked, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, blocked), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := run(ctx, append([]string{"-o", dir}, files...), envOf(), &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
				t.Fatal("run succeeded")
			}
			for _, name := range dirNames(t, dir) {
				if strings.HasPrefix(name, ".") {
					t.Errorf("temporary file %s left behind", name)
				}
			}
		})
	}
	t.Run("missing directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "missing")
		err := run(ctx, append([]string{"-o", dir}, files...), envOf(), &bytes.Buffer{}, &bytes.Buffer{})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("run = %v, want ErrNotExist", err)
		}
	})
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
