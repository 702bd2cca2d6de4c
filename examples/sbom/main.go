// Command sbom writes the SBOM of a Go module directory or a compiled Go
// binary, in CycloneDX 1.6 JSON (default) or SPDX 2.3 JSON.
//
//	go run ./examples/sbom [-format cyclonedx|spdx] [-o FILE] PATH
//
// PATH is a module directory (the go command lists its module graph) or
// a Go binary (its embedded build information). Output goes to stdout,
// or atomically to FILE (a temporary file renamed into place, so FILE is
// never half-written). Timestamps come from SOURCE_DATE_EPOCH when it is
// set, so two runs give identical bytes.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"time"

	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/sbom"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	cli.Exit("sbom", err)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sbom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "cyclonedx", "output format: cyclonedx or spdx")
	out := fs.String("o", "", "write to `FILE` (atomically) instead of stdout")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sbom [-format cyclonedx|spdx] [-o FILE] PATH")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", cli.ErrUsage, err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return cli.Usagef("want exactly one PATH")
	}
	f := sbom.Format(*format)
	if f != sbom.CycloneDX && f != sbom.SPDX {
		fmt.Fprintf(stderr, "sbom: unknown format %q\n", *format)
		return cli.Usagef("bad format")
	}

	opts := sbom.Options{Now: time.Now}
	if t, ok, err := sbom.SourceDateEpoch(); err != nil {
		return err
	} else if ok {
		opts.Now = func() time.Time { return t }
	}

	path := fs.Arg(0)
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	var doc *sbom.Document
	if st.IsDir() {
		doc, err = sbom.FromModule(ctx, path, opts)
	} else {
		opts.ModCache = moduleCache(ctx)
		doc, err = sbom.FromBinary(path, opts)
	}
	if err != nil {
		return err
	}
	data, err := sbom.Encode(doc, f)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(data)
		return err
	}
	return cli.WriteFile(*out, data)
}

// moduleCache asks the go command where the module cache is, for license
// files; without one the SBOM simply has no licenses.
func moduleCache(ctx context.Context) string {
	if dir := os.Getenv("GOMODCACHE"); dir != "" {
		return dir
	}
	b, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
