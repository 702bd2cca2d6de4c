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
// files DIR/provenance.intoto.json and DIR/sbom.intoto.json, written all or
// nothing: synced temporary files are renamed into place, with outputs of
// an earlier run moved aside to .NAME.backup and moved back if anything
// fails, so on error DIR holds the earlier pair unchanged. If the process
// dies mid-way, backups are left behind and the next run refuses until
// they are moved back or removed (see writeFiles). Each is the
// deterministic serialization of attest.Marshal, ready to sign as a DSSE
// payload of type application/vnd.in-toto+json.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/sbom"
	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
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
	var ue usageError
	switch {
	case errors.As(err, &ue):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "attest:", err)
		os.Exit(1)
	}
}

type usageError struct{ error }

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
		return usageError{err}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{errors.New("want at least one FILE")}
	}
	format := sbom.Format(*sbomFormat)
	if format != sbom.CycloneDX && format != sbom.SPDX {
		fmt.Fprintf(stderr, "attest: unknown -sbom-format %q\n", *sbomFormat)
		return usageError{errors.New("bad -sbom-format")}
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
	return writeFiles([]outFile{
		{filepath.Join(*outDir, "provenance.intoto.json"), provJSON},
		{filepath.Join(*outDir, "sbom.intoto.json"), sbomJSON},
	})
}

// outFile is one file writeFiles writes.
type outFile struct {
	path string
	data []byte
}

// rename is os.Rename; tests replace it to make a rename fail.
var rename = os.Rename

// errStaleBackup: a backup left by an interrupted run is in the way.
var errStaleBackup = errors.New("backup of an earlier output left by an interrupted run")

// backupPath is where writeFiles keeps target's previous contents while it
// replaces target: .NAME.backup in the same directory. The name is fixed so
// that a later run finds a backup an interrupted run left behind.
func backupPath(target string) string {
	return filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".backup")
}

// writeFiles writes the files all or nothing. When it returns an error,
// every target holds what it held before the call (or is still absent),
// so a failure never leaves a new provenance beside an old SBOM, or a
// new one without its partner. Steps:
//
//  1. Refuse, before writing anything, when a target is a directory or a
//     backup (see backupPath) of a target exists.
//  2. Write and sync each file to a temporary file beside its target.
//  3. Move each existing target aside to its backup name.
//  4. Rename each temporary file into place.
//  5. Remove the backups.
//
// A failure in 2-4 removes the temporary files, moves each backup back
// over its target (removing the new file where there was no previous
// one), and returns the error. Each step is a rename or remove within
// the target's directory. When a backup cannot be moved back, the error
// says where it is and the backup stays, so the next run refuses (step 1).
//
// The guarantee holds for errors this process sees, not for the process
// dying mid-way (SIGKILL, power loss): that can leave targets missing or
// mixed, and backups holding the previous complete outputs. The next run
// then refuses with errStaleBackup, naming the backup, rather than
// deleting what may be the only complete previous pair: move the backups
// back (or remove them) and run again. Temporary files such a crash
// leaves (.NAME.tmp-*) are never read and can be removed. Concurrent runs
// writing the same directory are not supported.
func writeFiles(files []outFile) error {
	for _, f := range files {
		if fi, err := os.Stat(f.path); err == nil && fi.IsDir() {
			return &fs.PathError{Op: "write", Path: f.path, Err: syscall.EISDIR}
		}
		b := backupPath(f.path)
		if _, err := os.Lstat(b); err == nil {
			return fmt.Errorf("%w: %s holds an earlier %s; move it back or remove it, then run again",
				errStaleBackup, b, filepath.Base(f.path))
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	st := make([]fileState, len(files))
	if err := replace(files, st); err != nil {
		return rollback(files, st, err)
	}
	for i, f := range files {
		if !st[i].backedUp {
			continue
		}
		if err := os.Remove(backupPath(f.path)); err != nil {
			return fmt.Errorf("both outputs written, but the backup of the previous one is left: %w", err)
		}
	}
	return nil
}

// fileState records what writeFiles did for one file, for rollback.
type fileState struct {
	temp     string // temporary file written, "" if none
	backedUp bool   // previous target moved to backupPath
	placed   bool   // temp renamed to the target
}

// replace does steps 2-4 of writeFiles, recording them in st.
func replace(files []outFile, st []fileState) error {
	for i, f := range files {
		t, err := writeTemp(f)
		if err != nil {
			return err
		}
		st[i].temp = t
	}
	for i, f := range files {
		if _, err := os.Lstat(f.path); errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return err
		}
		if err := rename(f.path, backupPath(f.path)); err != nil {
			return err
		}
		st[i].backedUp = true
	}
	for i, f := range files {
		if err := rename(st[i].temp, f.path); err != nil {
			return err
		}
		st[i].placed = true
	}
	return nil
}

// rollback undoes what replace recorded in st and returns cause, joined
// with any error met undoing it.
func rollback(files []outFile, st []fileState, cause error) error {
	errs := []error{cause}
	for i, f := range files {
		s := st[i]
		if s.temp != "" && !s.placed {
			os.Remove(s.temp)
		}
		if s.backedUp {
			// Replaces the new file, if placed, in one step.
			b := backupPath(f.path)
			if err := rename(b, f.path); err != nil {
				if s.placed {
					os.Remove(f.path)
				}
				errs = append(errs, fmt.Errorf("could not restore %s; its previous contents are in %s: %w", f.path, b, err))
			}
		} else if s.placed {
			if err := os.Remove(f.path); err != nil {
				errs = append(errs, fmt.Errorf("could not remove the new %s: %w", f.path, err))
			}
		}
	}
	return errors.Join(errs...)
}

// writeTemp writes f.data to a new temporary file in f.path's directory,
// with mode 0644, and returns its name.
func writeTemp(f outFile) (name string, err error) {
	t, err := os.CreateTemp(filepath.Dir(f.path), "."+filepath.Base(f.path)+".tmp-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			t.Close()
			os.Remove(t.Name())
		}
	}()
	if _, err := t.Write(f.data); err != nil {
		return "", err
	}
	if err := t.Chmod(0o644); err != nil {
		return "", err
	}
	if err := t.Sync(); err != nil {
		return "", err
	}
	if err := t.Close(); err != nil {
		return "", err
	}
	return t.Name(), nil
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
