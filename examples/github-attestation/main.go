// Command github-attestation verifies an artifact against GitHub artifact
// attestations: a JSON-lines file of Sigstore bundles, as
// `gh attestation download` writes it (one bundle per line, or one
// {"bundle": {...}} object per line, the shape of GitHub's attestations
// API), with a repository policy.
//
// A bundle satisfies the policy when it verifies against the trusted root
// (transparency log, timestamps, certificate chain and SCT, signature), its
// in-toto statement names the artifact's digest as a subject and has the
// required predicate type, and its Fulcio certificate says it was signed by
// a GitHub Actions workflow of the repository (the workflow path and ref
// matching the patterns, on a GitHub-hosted runner). Each line is parsed and
// verified on its own: a malformed line or a refused bundle is reported,
// with the check that refused it, and does not hide the others. The command
// fails if no bundle satisfies the policy.
//
// It runs offline: the default trust is the Sigstore public-good root
// embedded in the verify package (a dated snapshot).
//
// Usage:
//
//	go run ./examples/github-attestation -repo OWNER/REPO [flags] ARTIFACT BUNDLES.jsonl
//
// Flags:
//
//	-repo OWNER/REPO          the repository whose workflow must have signed (required)
//	-ref PATTERN              the full git ref it ran for (required), e.g.
//	                          refs/tags/v* or refs/heads/main
//	-workflow PATH            the workflow's path in the repository
//	                          (default .github/workflows/*)
//
// In -repo, -workflow and -ref, '*' matches any characters within one path
// segment: never a '/' or an '@' (a branch named "x@refs/tags/v1" does not
// match refs/tags/v*). The ref must also match the certificate's source
// repository ref.
//
//	-predicate-type T         required predicate type, a URI or a short name
//	                          (slsaprovenance1, cyclonedx, spdxjson, ...; default
//	                          slsaprovenance1, like gh); "" accepts any attestation
//	                          and plain signatures
//	-trusted-root FILE        verify against this trusted_root.json instead
//	-github-trusted-root FILE verify against GitHub's own trusted root (private
//	                          repositories: RFC 3161 timestamps, no transparency log),
//	                          as `gh attestation trusted-root` prints it
//
// Try it on the real public-good attestation checked in under testdata:
//
//	go run ./examples/github-attestation \
//	  -repo sigstore-conformance/extremely-dangerous-public-oidc-beacon \
//	  -ref refs/heads/main \
//	  examples/github-attestation/testdata/a.txt \
//	  examples/github-attestation/testdata/a.txt.attestations.jsonl
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/verify"
)

func main() {
	cli.Run("github-attestation", 2*time.Minute, func(ctx context.Context) error {
		err := run(ctx, os.Args[1:], os.Stdout)
		if errors.Is(err, errNoneSatisfies) {
			err = errNoneSatisfies // the report said why, bundle by bundle
		}
		return err
	})
}

var (
	// errUsage: the command line is wrong.
	errUsage = cli.ErrUsage
	// errNoneSatisfies: no bundle of the file satisfies the policy. The
	// error returned with it also wraps every bundle's *verify.Error.
	errNoneSatisfies = errors.New("no attestation satisfies the policy")
	// errNoBundles: the JSON-lines file holds no bundle.
	errNoBundles = errors.New("no bundles")
)

type config struct {
	repo              string
	workflow          string
	ref               string
	predicateType     string
	trustedRoot       string
	githubTrustedRoot string
	artifact          string
	bundles           string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("github-attestation", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.repo, "repo", "", "OWNER/REPO whose workflow must have signed (required)")
	fs.StringVar(&c.workflow, "workflow", ".github/workflows/*", "workflow path pattern under .github/workflows/ ('*' matches within a path segment)")
	fs.StringVar(&c.ref, "ref", "", "full git ref pattern, e.g. refs/tags/v* or refs/heads/main (required; '*' matches within a path segment)")
	fs.StringVar(&c.predicateType, "predicate-type", "slsaprovenance1", `required predicate type (URI or short name); "" accepts any bundle`)
	fs.StringVar(&c.trustedRoot, "trusted-root", "", "trusted_root.json to verify against (default: the embedded public-good root)")
	fs.StringVar(&c.githubTrustedRoot, "github-trusted-root", "", "GitHub's trusted_root.json (timestamp-only profile)")
	if err := fs.Parse(args); err != nil {
		return nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() != 2 {
		return nil, cli.Usagef("want ARTIFACT and BUNDLES.jsonl, got %d arguments", fs.NArg())
	}
	c.artifact, c.bundles = fs.Arg(0), fs.Arg(1)
	owner, name, ok := strings.Cut(c.repo, "/")
	if !ok || owner == "" || name == "" || strings.ContainsAny(c.repo, "*@ ") || strings.Contains(name, "/") {
		return nil, cli.Usagef("-repo %q: want OWNER/REPO", c.repo)
	}
	if c.ref == "" {
		return nil, cli.Usagef("-ref is required (a full git ref pattern, e.g. refs/tags/v* or refs/heads/main)")
	}
	if err := (verify.Policy{Identities: []verify.Identity{verify.GitHubWorkflowIdentity(c.repo, c.workflow, c.ref)}}).Validate(); err != nil {
		return nil, cli.Usagef("%w", err)
	}
	if c.trustedRoot != "" && c.githubTrustedRoot != "" {
		return nil, cli.Usagef("-trusted-root and -github-trusted-root are exclusive")
	}
	return c, nil
}

// policy is the repository policy the flags describe.
func (c *config) policy() (verify.Policy, error) {
	p := verify.Policy{Identities: []verify.Identity{verify.GitHubWorkflowIdentity(c.repo, c.workflow, c.ref)}}
	if c.predicateType != "" {
		pt, err := verify.ParsePredicateType(c.predicateType)
		if err != nil {
			return p, fmt.Errorf("%w: -predicate-type: %w", errUsage, err)
		}
		p.Attestation = &verify.AttestationPolicy{PredicateType: pt}
	}
	return p, nil
}

func (c *config) trust() (*verify.TrustedRoot, error) {
	switch {
	case c.trustedRoot != "":
		return verify.LoadTrustedRoot(c.trustedRoot)
	case c.githubTrustedRoot != "":
		data, err := cli.ReadFile(c.githubTrustedRoot, verify.MaxTrustedRootSize)
		if err != nil {
			return nil, err
		}
		return verify.ParseGitHubTrustedRoot(data, c.githubTrustedRoot)
	default:
		return verify.PublicGood()
	}
}

// outcome is the verification of one line of the JSON-lines file.
type outcome struct {
	Line   int            // 1-based line number
	Result *verify.Result // nil if refused
	Err    error          // a *verify.Error if refused
}

// verifyLines parses and verifies each non-blank line of a JSON-lines
// file of bundles on its own, so that one bad line does not hide the
// others. The file is bounded by verify's limits for JSON lines.
func verifyLines(ctx context.Context, v *verify.Verifier, path string, artifact verify.Artifact, policy verify.Policy) ([]outcome, error) {
	data, err := cli.ReadFile(path, verify.MaxJSONLinesSize)
	if err != nil {
		return nil, err
	}
	var out []outcome
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(out) == verify.MaxBundlesPerFile {
			return out, fmt.Errorf("%s: more than %d bundles", path, verify.MaxBundlesPerFile)
		}
		o := outcome{Line: i + 1}
		// ParseBundles accepts both line shapes (a bundle, or
		// {"bundle": ...}); given one line, it parses one bundle.
		bs, err := verify.ParseBundles(bytes.NewReader(line))
		if err == nil && len(bs) != 1 {
			err = fmt.Errorf("line holds %d bundles", len(bs))
		}
		if err == nil {
			o.Result, err = v.Verify(ctx, bs[0], artifact, policy)
		}
		o.Err = err
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", path, errNoBundles)
	}
	return out, nil
}

func run(ctx context.Context, args []string, w io.Writer) error {
	c, err := parseFlags(args, w)
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h: the flag set printed the usage
	}
	if err != nil {
		return err
	}
	policy, err := c.policy()
	if err != nil {
		return err
	}
	trust, err := c.trust()
	if err != nil {
		return err
	}
	v, err := verify.New(verify.Options{TrustedRoot: trust})
	if err != nil {
		return err
	}
	// Hash the artifact once; every bundle is checked against its digest.
	digest, err := cli.FileSHA256(c.artifact)
	if err != nil {
		return err
	}
	artifact := verify.Artifact{Digest: "sha256:" + digest}
	outcomes, err := verifyLines(ctx, v, c.bundles, artifact, policy)
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "github-attestation\n\n")
	fmt.Fprintf(w, "  artifact   %s  sha256:%s\n", c.artifact, digest)
	fmt.Fprintf(w, "  bundles    %s (%d)\n", c.bundles, len(outcomes))
	fmt.Fprintf(w, "  repository %s, workflow %s, ref %s, GitHub-hosted runner\n", c.repo, c.workflow, c.ref)
	if policy.Attestation != nil {
		fmt.Fprintf(w, "  predicate  %s\n", policy.Attestation.PredicateType)
	} else {
		fmt.Fprintf(w, "  predicate  any (plain signatures too)\n")
	}
	fmt.Fprintf(w, "  trust      %s (%s profile)\n\n", trust.Source(), trust.Profile())

	var errs []error
	ok := 0
	for _, o := range outcomes {
		if o.Err != nil {
			fmt.Fprintf(w, "  no  line %d  %s\n", o.Line, refusal(o.Err))
			errs = append(errs, fmt.Errorf("line %d: %w", o.Line, o.Err))
			continue
		}
		ok++
		describe(w, o)
	}
	fmt.Fprintf(w, "\n%d of %d bundles satisfy the policy\n", ok, len(outcomes))
	if ok == 0 {
		return fmt.Errorf("%w: %w", errNoneSatisfies, errors.Join(errs...))
	}
	return nil
}

// refusal says which check refused a bundle and why, in one line; for
// an identity, the first field that did not match.
func refusal(err error) string {
	var ve *verify.Error
	if !errors.As(err, &ve) {
		return cli.FirstLine(err.Error())
	}
	if ve.Check == verify.CheckIdentity && len(ve.Mismatches) > 0 && ve.Certificate != nil {
		m := ve.Mismatches[0]
		return fmt.Sprintf("check %q failed: %s: want %s, got %q", ve.Check, m.Field, m.Want, m.Got)
	}
	return fmt.Sprintf("check %q failed: %s", ve.Check, cli.FirstLine(err.Error()))
}

// describe prints what a verified bundle says: what was attested, by
// which workflow run, from which commit, logged and timestamped when.
func describe(w io.Writer, o outcome) {
	r := o.Result
	what := "signature"
	if r.Statement != nil {
		what = r.Statement.PredicateType
	}
	fmt.Fprintf(w, "  ok  line %d  %s\n", o.Line, what)
	if cert := r.Certificate; cert != nil {
		fmt.Fprintf(w, "        signer  %s\n", cert.SAN)
		ext := cert.Extensions
		if ext.RunInvocationURI != "" {
			fmt.Fprintf(w, "        run     %s (%s)\n", ext.RunInvocationURI, ext.BuildTrigger)
		}
		if ext.SourceRepositoryDigest != "" {
			fmt.Fprintf(w, "        source  %s@%s\n", ext.SourceRepositoryRef, ext.SourceRepositoryDigest)
		}
	}
	for _, e := range r.LogEntries {
		fmt.Fprintf(w, "        log     %s %s entry #%d\n", e.Kind, e.Version, e.LogIndex)
	}
	for _, ts := range r.Timestamps {
		fmt.Fprintf(w, "        time    %s (%s)\n", ts.Time.UTC().Format(time.RFC3339), ts.Kind)
	}
}
