// Command attest writes two in-toto Statement v1 attestations about a set
// of files: SLSA provenance v1 and an SBOM, with the same subjects.
//
//	go run ./examples/attest [-github] [-builder-id URI] [-sbom FILE]
//	    [-sbom-format cyclonedx|spdx] [-sha512] [-o DIR] FILE...
//
// Provenance: with -github, the predicate GitHub's actions/attest-build-provenance
// produces, read from the GitHub Actions environment (GITHUB_*, RUNNER_ENVIRONMENT
// and the event at GITHUB_EVENT_PATH); otherwise a generic predicate naming
// -builder-id and listing the files as external parameters.
//
// SBOM: -sbom attests an existing CycloneDX or SPDX JSON document.
// Otherwise one is built with package sbom: from the embedded build
// information when FILE is a single Go binary, else a list of the files
// with their digests. Its timestamp comes from SOURCE_DATE_EPOCH when set,
// so two runs give identical bytes.
//
// Output: two JSON lines on stdout (provenance, then SBOM), or with -o the
// files DIR/provenance.intoto.json and DIR/sbom.intoto.json, each written
// atomically (a synced temporary file renamed into place, never half a
// file). Each is the
// deterministic serialization of attest.Marshal, ready to sign as a DSSE
// payload of type application/vnd.in-toto+json.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/sbom"
)

// Defaults of the generic provenance.
const (
	defaultBuilderID = "https://github.com/chainproof/chainproof/examples/attest@v1"
	buildType        = "https://github.com/chainproof/chainproof/examples/attest/buildtype/v1"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	cli.Exit("attest", err)
}

func run(ctx context.Context, args []string, env attest.LookupFunc, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("attest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	github := fs.Bool("github", false, "read GitHub Actions provenance from the environment")
	builderID := fs.String("builder-id", defaultBuilderID, "builder `URI` of the generic provenance")
	sbomFile := fs.String("sbom", "", "attest this CycloneDX or SPDX JSON `FILE` instead of building an SBOM")
	sbomFormat := fs.String("sbom-format", "cyclonedx", "format of the built SBOM: cyclonedx or spdx")
	sha512 := fs.Bool("sha512", false, "add sha512 digests to the subjects")
	outDir := fs.String("o", "", "write provenance.intoto.json and sbom.intoto.json into `DIR`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: attest [-github] [-builder-id URI] [-sbom FILE] [-sbom-format cyclonedx|spdx] [-sha512] [-o DIR] FILE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", cli.ErrUsage, err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return cli.Usagef("want at least one FILE")
	}
	format := sbom.Format(*sbomFormat)
	if format != sbom.CycloneDX && format != sbom.SPDX {
		fmt.Fprintf(stderr, "attest: unknown -sbom-format %q\n", *sbomFormat)
		return cli.Usagef("bad -sbom-format")
	}
	files := fs.Args()

	subjects := make([]*intoto.ResourceDescriptor, 0, len(files))
	for _, f := range files {
		s, err := attest.SubjectFromFile(ctx, f, attest.HashOptions{SHA512: *sha512})
		if err != nil {
			return err
		}
		subjects = append(subjects, s)
	}

	var prov *slsa.Provenance
	var err error
	if *github {
		prov, err = attest.GitHubProvenance(ctx, env, attest.GitHubOptions{})
	} else {
		names := make([]any, len(subjects))
		for i, s := range subjects {
			names[i] = s.GetName()
		}
		prov, err = attest.NewProvenance(attest.Build{
			BuildType:          buildType,
			ExternalParameters: map[string]any{"artifacts": names},
			BuilderID:          *builderID,
		})
	}
	if err != nil {
		return err
	}

	var bom attest.SBOM
	if *sbomFile != "" {
		bom, err = readSBOM(*sbomFile)
	} else {
		bom, err = buildSBOM(files, subjects, format, env)
	}
	if err != nil {
		return err
	}

	a, err := attest.Attest(subjects, prov, bom)
	if err != nil {
		return err
	}
	provJSON, err := attest.Marshal(a.Provenance)
	if err != nil {
		return err
	}
	sbomJSON, err := attest.Marshal(a.SBOM)
	if err != nil {
		return err
	}
	if *outDir == "" {
		for _, b := range [][]byte{provJSON, sbomJSON} {
			if _, err := stdout.Write(append(b, '\n')); err != nil {
				return err
			}
		}
		return nil
	}
	// Each file is written atomically (never half a file); the two are
	// written one after the other.
	for name, data := range map[string][]byte{"provenance.intoto.json": provJSON, "sbom.intoto.json": sbomJSON} {
		if err := cli.WriteFile(filepath.Join(*outDir, name), data); err != nil {
			return err
		}
	}
	return nil
}

// readSBOM reads an existing SBOM and names its predicate type by format.
func readSBOM(path string) (attest.SBOM, error) {
	f, err := os.Open(path)
	if err != nil {
		return attest.SBOM{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, attest.MaxStatementSize+1))
	if err != nil {
		return attest.SBOM{}, err
	}
	if len(data) > attest.MaxStatementSize {
		return attest.SBOM{}, fmt.Errorf("%s: larger than %d bytes", path, attest.MaxStatementSize)
	}
	format, err := sbom.DetectFormat(data)
	if err != nil {
		return attest.SBOM{}, fmt.Errorf("%s: %w", path, err)
	}
	pt := attest.PredicateCycloneDX
	if format == sbom.SPDX {
		pt = attest.PredicateSPDX
	}
	return attest.SBOM{PredicateType: pt, Document: data}, nil
}

// buildSBOM describes a single Go binary by its build information, or
// else lists the files with their digests.
func buildSBOM(files []string, subjects []*intoto.ResourceDescriptor, format sbom.Format, env attest.LookupFunc) (attest.SBOM, error) {
	opts := sbom.Options{Now: time.Now, NoLicenses: true}
	if s, ok := env("SOURCE_DATE_EPOCH"); ok && s != "" {
		var sec int64
		if _, err := fmt.Sscan(s, &sec); err != nil || fmt.Sprint(sec) != s || sec < 0 {
			return attest.SBOM{}, fmt.Errorf("malformed SOURCE_DATE_EPOCH %q", s)
		}
		opts.Now = func() time.Time { return time.Unix(sec, 0).UTC() }
	}
	if len(files) == 1 {
		if doc, err := sbom.FromBinary(files[0], opts); err == nil {
			return attest.SBOMFromDocument(doc, format)
		} else if !errors.Is(err, sbom.ErrNoBuildInfo) {
			return attest.SBOM{}, err
		}
	}
	components := make([]sbom.Component, len(subjects))
	for i, s := range subjects {
		c := sbom.Component{Type: sbom.TypeFile, Name: s.GetName()}
		if v := s.GetDigest()["sha256"]; v != "" {
			c.Hashes = append(c.Hashes, sbom.Hash{Algorithm: sbom.SHA256, Value: v})
		}
		if v := s.GetDigest()["sha512"]; v != "" {
			c.Hashes = append(c.Hashes, sbom.Hash{Algorithm: sbom.SHA512, Value: v})
		}
		c.ID = fmt.Sprintf("file-%d-%s", i, s.GetName())
		components[i] = c
	}
	root := sbom.Component{ID: "artifacts", Type: sbom.TypeApplication, Name: "artifacts"}
	deps := []sbom.Dependency{{Ref: root.ID}}
	for _, c := range components {
		deps[0].DependsOn = append(deps[0].DependsOn, c.ID)
	}
	doc, err := sbom.FromComponents(root, components, deps, opts)
	if err != nil {
		return attest.SBOM{}, err
	}
	return attest.SBOMFromDocument(doc, format)
}
