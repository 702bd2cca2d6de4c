package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/internal/sbomtest"
	"github.com/chainproof/chainproof/sbom"
)

// fixedEpoch is the clock of sbom's golden files (2026-01-02T03:04:05Z).
const fixedEpoch = "1767323045"

func offlineEnv(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", fixedEpoch)
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=readonly")
}

func runSBOM(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

// TestModuleMatchesGolden runs the program on sbom's fixture module: with
// SOURCE_DATE_EPOCH set it must print exactly sbom's golden files.
func TestModuleMatchesGolden(t *testing.T) {
	offlineEnv(t)
	mod := filepath.Join("..", "..", "sbom", "testdata", "fixturemod")
	for format, golden := range map[string]string{
		"cyclonedx": "fixturemod.cdx.json.golden",
		"spdx":      "fixturemod.spdx.json.golden",
	} {
		got := runSBOM(t, "-format", format, mod)
		sbomtest.Check(t, got)
		want, err := os.ReadFile(filepath.Join("..", "..", "sbom", "testdata", golden))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("-format %s output differs from sbom/testdata/%s", format, golden)
		}
		if again := runSBOM(t, "-format", format, mod); !bytes.Equal(got, again) {
			t.Errorf("-format %s: two runs differ", format)
		}
	}
}

// TestBinary builds this example and describes the binary, to a file.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	offlineEnv(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "sbom-example")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"cyclonedx", "spdx"} {
		out := filepath.Join(dir, "out."+format+".json")
		runSBOM(t, "-format", format, "-o", out, bin)
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		sbomtest.Check(t, data)
		doc, _, err := sbom.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, c := range doc.Components {
			names[c.Name] = true
		}
		for _, want := range []string{"github.com/chainproof/chainproof", "github.com/CycloneDX/cyclonedx-go", "github.com/spdx/tools-golang", "stdlib"} {
			if !names[want] {
				t.Errorf("%s: no component %s", format, want)
			}
		}
		if doc.Created.Unix() != 1767323045 {
			t.Errorf("created = %v", doc.Created)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestErrors(t *testing.T) {
	offlineEnv(t)
	var out, errb bytes.Buffer
	for _, args := range [][]string{{}, {"-format", "xml", "."}, {"a", "b"}} {
		if err := run(context.Background(), args, &out, &errb); err == nil {
			t.Errorf("run %v succeeded", args)
		} else if !errors.Is(err, cli.ErrUsage) {
			t.Errorf("run %v: %v, want a usage error", args, err)
		}
	}
	// A failure leaves neither the output nor a temporary file.
	dir := t.TempDir()
	target := filepath.Join(dir, "out.json")
	if err := run(context.Background(), []string{"-o", target, "main.go"}, &out, &errb); err == nil {
		t.Error("describing a non-binary succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left after failure: %v", entries)
	}
	// Writing into a missing directory fails cleanly.
	mod := filepath.Join("..", "..", "sbom", "testdata", "fixturemod")
	if err := run(context.Background(), []string{"-o", filepath.Join(dir, "missing", "x.json"), mod}, &out, &errb); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	t.Setenv("SOURCE_DATE_EPOCH", "soon")
	if err := run(context.Background(), []string{mod}, &out, &errb); err == nil {
		t.Error("malformed SOURCE_DATE_EPOCH accepted")
	}
}
