package verify_test

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/verify"
)

var (
	happyV03   = filepath.Join(casesDir, "happy-path-v0.3", "bundle.sigstore.json")
	happyDSSE  = filepath.Join(casesDir, "happy-path-intoto-in-dsse-v3", "bundle.sigstore.json")
	defaultArt = verify.Artifact{Path: filepath.Join(casesDir, "a.txt")}
)

func mustBundle(t testing.TB, path string) *verify.Bundle {
	t.Helper()
	b, err := verify.ReadBundleFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func publicGood(t testing.TB) *verify.Verifier {
	t.Helper()
	v, err := verify.New(verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func beacon() verify.Identity {
	return verify.Identity{Issuer: verify.Exact(beaconIssuer), SAN: verify.Exact(beaconSAN)}
}

func TestIdentityChecks(t *testing.T) {
	v := publicGood(t)
	b := mustBundle(t, happyV03)
	gh := verify.GitHubWorkflowIdentity("sigstore-conformance/extremely-dangerous-public-oidc-beacon",
		".github/workflows/extremely-dangerous-oidc-beacon.yml", "refs/heads/*")
	ghUpper := verify.GitHubWorkflowIdentity("Sigstore-Conformance/Extremely-Dangerous-Public-OIDC-Beacon",
		".github/workflows/extremely-dangerous-oidc-beacon.yml", "refs/heads/main")
	ghTags := verify.GitHubWorkflowIdentity("sigstore-conformance/extremely-dangerous-public-oidc-beacon",
		".github/workflows/extremely-dangerous-oidc-beacon.yml", "refs/tags/v*")
	ghOther := verify.GitHubWorkflowIdentity("sigstore-conformance/other", ".github/workflows/extremely-dangerous-oidc-beacon.yml", "refs/heads/main")
	withExt := func(name string, m verify.Match) verify.Identity {
		id := beacon()
		id.Extensions = map[string]verify.Match{name: m}
		return id
	}
	tests := []struct {
		name       string
		ids        []verify.Identity
		wantIndex  int      // matched identity, -1 for failure
		wantFields []string // mismatch fields, in order
	}{
		{"exact", []verify.Identity{beacon()}, 0, nil},
		{"regexp san", []verify.Identity{{Issuer: verify.Exact(beaconIssuer), SAN: verify.Regexp(`https://github\.com/sigstore-conformance/.*@refs/heads/main`)}}, 0, nil},
		{"regexp is anchored", []verify.Identity{{Issuer: verify.Exact(beaconIssuer), SAN: verify.Regexp(`sigstore-conformance`)}}, -1, []string{"san"}},
		{"github workflow helper", []verify.Identity{gh}, 0, nil},
		{"github repo case-insensitive", []verify.Identity{ghUpper}, 0, nil},
		{"second of two matches", []verify.Identity{ghTags, gh}, 1, []string{"san"}},
		{"issuer mismatch", []verify.Identity{{Issuer: verify.Exact("https://accounts.google.com"), SAN: verify.Exact(beaconSAN)}}, -1, []string{"issuer"}},
		{"san mismatch", []verify.Identity{{Issuer: verify.Exact(beaconIssuer), SAN: verify.Exact("someone@example.com")}}, -1, []string{"san"}},
		{"tag pattern mismatch", []verify.Identity{ghTags}, -1, []string{"san"}},
		{"other repo", []verify.Identity{ghOther}, -1, []string{"san"}},
		{"extension exact", []verify.Identity{withExt("sourceRepositoryRef", verify.Exact("refs/heads/main"))}, 0, nil},
		{"extension mismatch", []verify.Identity{withExt("sourceRepositoryRef", verify.Exact("refs/heads/release"))}, -1, []string{"sourceRepositoryRef"}},
		{"self-hosted denied only when required", []verify.Identity{withExt("runnerEnvironment", verify.Exact("self-hosted"))}, -1, []string{"runnerEnvironment"}},
		{"repo uri case-sensitive by default", []verify.Identity{withExt("sourceRepositoryURI", verify.Exact("https://github.com/SIGSTORE-conformance/extremely-dangerous-public-oidc-beacon"))}, -1, []string{"sourceRepositoryURI"}},
		{"repo uri ignore case", []verify.Identity{withExt("sourceRepositoryURI", verify.Match{Exact: "https://github.com/SIGSTORE-conformance/extremely-dangerous-public-oidc-beacon", IgnoreCase: true})}, 0, nil},
		{"all tried", []verify.Identity{ghTags, ghOther, withExt("buildTrigger", verify.Exact("push"))}, -1, []string{"san", "san", "buildTrigger"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := v.Verify(context.Background(), b, defaultArt, verify.Policy{Identities: tc.ids})
			if tc.wantIndex >= 0 {
				if err != nil {
					t.Fatalf("want match %d, got %v", tc.wantIndex, err)
				}
				if res.Identity != tc.wantIndex {
					t.Errorf("matched identity %d, want %d", res.Identity, tc.wantIndex)
				}
				return
			}
			var ve *verify.Error
			if !errors.As(err, &ve) || ve.Check != verify.CheckIdentity || !errors.Is(err, verify.ErrIdentity) {
				t.Fatalf("want identity failure, got %v", err)
			}
			if ve.Certificate == nil || ve.Certificate.SAN != beaconSAN {
				t.Errorf("evidence certificate = %+v", ve.Certificate)
			}
			var fields []string
			for i, m := range ve.Mismatches {
				if m.Index != i {
					t.Errorf("mismatch %d has index %d", i, m.Index)
				}
				fields = append(fields, m.Field)
			}
			if strings.Join(fields, ",") != strings.Join(tc.wantFields, ",") {
				t.Errorf("mismatch fields %v, want %v", fields, tc.wantFields)
			}
		})
	}
}

func TestPolicyErrors(t *testing.T) {
	v := publicGood(t)
	b := mustBundle(t, happyV03)
	tests := []struct {
		name   string
		policy verify.Policy
	}{
		{"empty policy", verify.Policy{}},
		{"empty identity", verify.Policy{Identities: []verify.Identity{{}}}},
		{"missing san", verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(beaconIssuer)}}}},
		{"exact and regexp", verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(beaconIssuer), SAN: verify.Match{Exact: "a", Regexp: "b"}}}}},
		{"bad regexp", verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(beaconIssuer), SAN: verify.Regexp("(")}}}},
		// Pasted into ^(?:...)$ unchecked, this would become an unanchored
		// alternation accepting any SAN ending in @evil.test.
		{"regexp escaping its anchors", verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(beaconIssuer), SAN: verify.Regexp(`alice@example\.com)|(?:.*@evil\.test`)}}}},
		{"unknown extension", verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(beaconIssuer), SAN: verify.Exact(beaconSAN), Extensions: map[string]verify.Match{"sourceRepo": verify.Exact("x")}}}}},
		{"nil key", verify.Policy{PublicKeys: []crypto.PublicKey{nil}}},
		{"no predicate type", verify.Policy{Identities: []verify.Identity{beacon()}, Attestation: &verify.AttestationPolicy{}}},
		{"unknown short name", verify.Policy{Identities: []verify.Identity{beacon()}, Attestation: &verify.AttestationPolicy{PredicateType: "slsa9"}}},
		{"slsa on sbom", verify.Policy{Identities: []verify.Identity{beacon()}, Attestation: &verify.AttestationPolicy{PredicateType: "cyclonedx", SLSA: &verify.SLSAPolicy{BuilderID: verify.Exact("x")}}}},
		{"empty slsa", verify.Policy{Identities: []verify.Identity{beacon()}, Attestation: &verify.AttestationPolicy{PredicateType: "slsaprovenance1", SLSA: &verify.SLSAPolicy{}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), b, defaultArt, tc.policy)
			var ve *verify.Error
			if !errors.As(err, &ve) || ve.Check != verify.CheckPolicy || !errors.Is(err, verify.ErrPolicy) {
				t.Fatalf("want policy error, got %v", err)
			}
		})
	}
}

func TestPredicateChecks(t *testing.T) {
	v := publicGood(t)
	dsse := mustBundle(t, happyDSSE)
	msg := mustBundle(t, happyV03)
	const ghBuildType = "https://actions.github.io/buildtypes/workflow/v1"
	att := func(pt string, s *verify.SLSAPolicy) verify.Policy {
		return verify.Policy{Identities: []verify.Identity{beacon()}, Attestation: &verify.AttestationPolicy{PredicateType: pt, SLSA: s}}
	}
	tests := []struct {
		name   string
		b      *verify.Bundle
		art    verify.Artifact
		policy verify.Policy
		want   error // nil: success
	}{
		{"short name", dsse, defaultArt, att("slsaprovenance1", nil), nil},
		{"full uri", dsse, defaultArt, att(verify.PredicateSLSAProvenanceV1, nil), nil},
		{"slsa all fields", dsse, defaultArt, att("slsaprovenance1", &verify.SLSAPolicy{
			BuilderID:        verify.Exact("https://github.com/loosebazooka/aa-test/.github/workflows/provenance.yaml@refs/heads/main"),
			BuildType:        verify.Exact(ghBuildType),
			SourceRepository: verify.Match{Exact: "https://github.com/LooseBazooka/aa-test", IgnoreCase: true},
			Ref:              verify.Regexp("refs/heads/.*"),
		}), nil},
		{"no attestation policy accepts dsse", dsse, defaultArt, verify.Policy{Identities: []verify.Identity{beacon()}}, nil},
		{"wrong predicate type", dsse, defaultArt, att("cyclonedx", nil), verify.ErrPredicate},
		{"wrong builder", dsse, defaultArt, att("slsaprovenance1", &verify.SLSAPolicy{BuilderID: verify.Regexp("https://github.com/other/.*")}), verify.ErrPredicate},
		{"wrong build type", dsse, defaultArt, att("slsaprovenance1", &verify.SLSAPolicy{BuildType: verify.Exact("https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1")}), verify.ErrPredicate},
		{"wrong source repo", dsse, defaultArt, att("slsaprovenance1", &verify.SLSAPolicy{SourceRepository: verify.Exact("https://github.com/other/repo")}), verify.ErrPredicate},
		{"wrong ref", dsse, defaultArt, att("slsaprovenance1", &verify.SLSAPolicy{Ref: verify.Regexp("refs/tags/v.*")}), verify.ErrPredicate},
		{"message signature is not an attestation", msg, defaultArt, att("slsaprovenance1", nil), verify.ErrPredicate},
		{"subject digest mismatch", dsse, verify.Artifact{Reader: strings.NewReader("not a.txt")}, att("slsaprovenance1", nil), verify.ErrArtifact},
		{"subject digest mismatch (digest)", dsse, verify.Artifact{Digest: "sha256:" + strings.Repeat("00", 32)}, att("slsaprovenance1", nil), verify.ErrArtifact},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := v.Verify(context.Background(), tc.b, tc.art, tc.policy)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if res.Statement == nil || res.Statement.PredicateType != verify.PredicateSLSAProvenanceV1 {
					t.Fatalf("statement = %+v", res.Statement)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestArtifactInputs(t *testing.T) {
	v := publicGood(t)
	b := mustBundle(t, happyV03)
	data, err := os.ReadFile(defaultArt.Path)
	if err != nil {
		t.Fatal(err)
	}
	p := verify.Policy{Identities: []verify.Identity{beacon()}}
	good := []verify.Artifact{defaultArt, {Reader: bytes.NewReader(data)}, {Digest: fileDigest(t, defaultArt.Path)}, verify.ArtifactArg(fileDigest(t, defaultArt.Path)), verify.ArtifactArg(defaultArt.Path)}
	for i, a := range good {
		if _, err := v.Verify(context.Background(), b, a, p); err != nil {
			t.Errorf("artifact %d: %v", i, err)
		}
	}
	bad := []verify.Artifact{
		{},
		{Path: defaultArt.Path, Digest: fileDigest(t, defaultArt.Path)},
		{Digest: "sha256:zz"},
		{Digest: "md5:" + strings.Repeat("00", 16)},
		{Digest: "sha512:" + strings.Repeat("00", 64)},
		{Path: filepath.Join(t.TempDir(), "missing")},
		{Reader: bytes.NewReader(append(data, '!'))},
	}
	for i, a := range bad {
		_, err := v.Verify(context.Background(), b, a, p)
		var ve *verify.Error
		want := verify.ErrArtifact
		if a.Path != "" && a.Digest == "" {
			want = verify.ErrArtifactRead // a missing file is not a mismatch
		}
		if !errors.As(err, &ve) || ve.Check != verify.CheckArtifact || !errors.Is(err, want) {
			t.Errorf("artifact %d: got %v, want %v", i, err, want)
		}
	}
}

func TestCombined(t *testing.T) {
	v := publicGood(t)
	bundles := []*verify.Bundle{mustBundle(t, happyV03), mustBundle(t, happyDSSE)}
	signed := verify.Requirement{Name: "signed", Policy: verify.Policy{Identities: []verify.Identity{beacon()}}}
	prov := verify.Requirement{Name: "provenance", Policy: verify.Policy{Identities: []verify.Identity{beacon()}, Attestation: &verify.AttestationPolicy{PredicateType: "slsaprovenance1"}}}
	sbom := verify.Requirement{Name: "sbom", Policy: verify.Policy{Identities: []verify.Identity{beacon()}, Attestation: &verify.AttestationPolicy{PredicateType: "cyclonedx"}}}
	ctx := context.Background()

	res, err := v.VerifyAll(ctx, bundles, defaultArt, verify.CombinedPolicy{Requirements: []verify.Requirement{signed, prov}})
	if err != nil {
		t.Fatalf("signed AND provenance: %v", err)
	}
	if res.Requirements[0].Bundle != 0 || res.Requirements[1].Bundle != 1 {
		t.Errorf("assignment = %d, %d", res.Requirements[0].Bundle, res.Requirements[1].Bundle)
	}
	// Order matters for greedy assignment, not for matching.
	if _, err := v.VerifyAll(ctx, bundles, defaultArt, verify.CombinedPolicy{Requirements: []verify.Requirement{prov, signed}}); err != nil {
		t.Fatalf("provenance AND signed: %v", err)
	}

	_, err = v.VerifyAll(ctx, bundles, defaultArt, verify.CombinedPolicy{Requirements: []verify.Requirement{signed, prov, sbom}})
	var ve *verify.Error
	if !errors.As(err, &ve) || ve.Check != verify.CheckCombined || !errors.Is(err, verify.ErrPolicy) {
		t.Fatalf("want combined failure, got %v", err)
	}
	if len(ve.Requirements) != 3 || ve.Requirements[2].Satisfied || len(ve.Requirements[2].Errors) != 2 || !errors.Is(ve.Requirements[2].Errors[1], verify.ErrPredicate) {
		t.Fatalf("requirements evidence = %+v", ve.Requirements)
	}
	if _, err := v.VerifyAll(ctx, bundles, defaultArt, verify.CombinedPolicy{Requirements: []verify.Requirement{signed, prov, sbom}, Threshold: 2}); err != nil {
		t.Fatalf("2-of-3: %v", err)
	}
	// Distinct bundles: one bundle cannot satisfy two signer requirements.
	one := bundles[:1]
	two := verify.CombinedPolicy{Requirements: []verify.Requirement{signed, {Name: "signed again", Policy: signed.Policy}}}
	if _, err := v.VerifyAll(ctx, one, defaultArt, two); !errors.Is(err, verify.ErrPolicy) {
		t.Fatalf("one bundle for two signers: %v", err)
	}
	// The same bundle twice (a repeated JSON line) is still one bundle.
	again := []*verify.Bundle{bundles[0], mustBundle(t, happyV03)}
	if _, err := v.VerifyAll(ctx, again, defaultArt, two); !errors.Is(err, verify.ErrPolicy) {
		t.Fatalf("one bundle given twice for two signers: %v", err)
	}
	two.AllowSharedBundles = true
	if _, err := v.VerifyAll(ctx, one, defaultArt, two); err != nil {
		t.Fatalf("shared: %v", err)
	}
	// A Reader artifact is read once for all requirements and bundles.
	data, err := os.ReadFile(defaultArt.Path)
	if err != nil {
		t.Fatal(err)
	}
	cr := &countingReader{r: bytes.NewReader(data)}
	if _, err := v.VerifyAll(ctx, bundles, verify.Artifact{Reader: cr}, verify.CombinedPolicy{Requirements: []verify.Requirement{signed, prov}}); err != nil {
		t.Fatalf("reader artifact: %v", err)
	}
	if cr.n != int64(len(data)) {
		t.Errorf("artifact read %d bytes for %d", cr.n, len(data))
	}
	for _, cp := range []verify.CombinedPolicy{{}, {Requirements: []verify.Requirement{signed}, Threshold: 2}, {Requirements: []verify.Requirement{{Name: "empty"}}}} {
		if _, err := v.VerifyAll(ctx, bundles, defaultArt, cp); !errors.Is(err, verify.ErrPolicy) {
			t.Errorf("policy %+v: got %v, want ErrPolicy", cp, err)
		}
	}
}

func TestParseBundles(t *testing.T) {
	a, _ := os.ReadFile(happyV03)
	d, _ := os.ReadFile(happyDSSE)
	compact := func(b []byte) []byte {
		var out bytes.Buffer
		if err := jsonCompact(&out, b); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	a, d = compact(a), compact(d)
	var jl bytes.Buffer
	jl.Write(a)
	jl.WriteString("\n\n")
	jl.WriteString(`{"bundle":`)
	jl.Write(d)
	jl.WriteString(`,"repository_id":1}` + "\r\n")
	bs, err := verify.ParseBundles(&jl)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].IsAttestation() || !bs[1].IsAttestation() {
		t.Fatalf("got %d bundles", len(bs))
	}
	bad := []string{"", "\n\n", string(a) + "\n{", string(a) + "\n" + `{"bundle":{}}`, "[1]"}
	for i, s := range bad {
		_, err := verify.ParseBundles(strings.NewReader(s))
		if !errors.Is(err, verify.ErrBundle) {
			t.Errorf("bad %d: got %v, want ErrBundle", i, err)
		}
	}
	_, err = verify.ParseBundles(strings.NewReader(string(a) + "\n" + "{}"))
	var ve *verify.Error
	if !errors.As(err, &ve) || ve.Bundle != 1 {
		t.Errorf("bad line index: %v", err)
	}
}

func TestParseBundleLimits(t *testing.T) {
	big := make([]byte, verify.MaxBundleSize+1)
	if _, err := verify.ParseBundle(big); !errors.Is(err, verify.ErrBundle) {
		t.Fatalf("oversized: %v", err)
	}
	a, _ := os.ReadFile(happyV03)
	if _, err := verify.ParseBundle(append(bytes.Clone(a), []byte(" {}")...)); !errors.Is(err, verify.ErrBundle) {
		t.Fatalf("trailing data: %v", err)
	}
	dup := bytes.Replace(a, []byte(`"mediaType"`), []byte(`"mediaType": "x", "mediaType"`), 1)
	if _, err := verify.ParseBundle(dup); !errors.Is(err, verify.ErrBundle) {
		t.Fatalf("duplicate key: %v", err)
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
