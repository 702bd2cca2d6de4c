package sbom_test

import (
	"encoding/base64"
	"encoding/hex"
	"runtime/debug"
	"testing"

	"github.com/chainproof/chainproof/sbom"
)

// TestBuildInfoHashesAndVCS: every module of a binary's build information
// that records an h1 hash carries it as SHA-256, and the main module gets
// the build's revision, modified flag and (for a "(devel)" build) the
// pseudo-version derived from the revision and its time; both encodings
// keep them through a decode.
func TestBuildInfoHashesAndVCS(t *testing.T) {
	const h1 = "h1:9Vy3zcC+lJLgcR4xYQvwPGU6L2Rij/Ld47lyucYjVI0="
	raw, _ := base64.StdEncoding.DecodeString(h1[3:])
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Path:      "example.com/app/cmd/app",
		Main:      debug.Module{Path: "example.com/app", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "example.com/dep", Version: "v1.2.3", Sum: h1},
			{Path: "example.com/nosum", Version: "v0.1.0"},
		},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-12-01T10:20:30Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	doc, err := sbom.FromBuildInfo(bi, "app", opts())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]sbom.Component{}
	for _, c := range doc.Components {
		byName[c.Name] = c
	}
	dep := byName["example.com/dep"]
	if want := (sbom.Hash{Algorithm: sbom.SHA256, Value: hex.EncodeToString(raw)}); len(dep.Hashes) != 1 || dep.Hashes[0] != want {
		t.Errorf("dep hashes = %v, want %v", dep.Hashes, want)
	}
	if h := byName["example.com/nosum"].Hashes; len(h) != 0 {
		t.Errorf("a module without a sum got hashes %v", h)
	}
	main := byName["example.com/app"]
	if main.VCSRevision != "0123456789abcdef0123456789abcdef01234567" || !main.VCSModified {
		t.Errorf("main VCS = %q %v", main.VCSRevision, main.VCSModified)
	}
	if want := "v0.0.0-20261201102030-0123456789ab"; main.Version != want || main.PURL != sbom.GoPURL("example.com/app", want) {
		t.Errorf("main version %q purl %q, want pseudo-version %s", main.Version, main.PURL, want)
	}
	cdxJSON, spdxJSON := encodeBoth(t, doc)
	for _, data := range [][]byte{cdxJSON, spdxJSON} {
		back, f, err := sbom.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range back.Components {
			if c.Name == "example.com/app" {
				found = true
				if c.VCSRevision != main.VCSRevision || !c.VCSModified {
					t.Errorf("%s: VCS not kept: %q %v", f, c.VCSRevision, c.VCSModified)
				}
			}
			if c.Name == "example.com/dep" && (len(c.Hashes) != 1 || c.Hashes[0] != dep.Hashes[0]) {
				t.Errorf("%s: dep hashes not kept: %v", f, c.Hashes)
			}
		}
		if !found {
			t.Errorf("%s: main module lost", f)
		}
	}

	// No VCS settings: nothing invented.
	bi.Settings = nil
	doc, err = sbom.FromBuildInfo(bi, "app", opts())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Components {
		if c.Name == "example.com/app" && (c.VCSRevision != "" || c.VCSModified || c.Version != "") {
			t.Errorf("without settings: %+v", c)
		}
	}
}

// TestH1Hash checks the decoding against a value computed independently
// (python3: base64.b64decode(h1[3:]).hex()) and refuses malformed input.
func TestH1Hash(t *testing.T) {
	h, ok := sbom.H1Hash("h1:tG4xh9yMsRCAiodLVTxyrkzSZ9+o0L1Kg/+cPVcbP/8=")
	if !ok || h.Algorithm != sbom.SHA256 || h.Value != "b46e3187dc8cb110808a874b553c72ae4cd267dfa8d0bd4a83ff9c3d571b3fff" {
		t.Errorf("H1Hash = %v, %v", h, ok)
	}
	for _, bad := range []string{"", "h1:", "h1:AAAA", "h2:tG4xh9yMsRCAiodLVTxyrkzSZ9+o0L1Kg/+cPVcbP/8=", "tG4xh9yMsRCAiodLVTxyrkzSZ9+o0L1Kg/+cPVcbP/8="} {
		if _, ok := sbom.H1Hash(bad); ok {
			t.Errorf("H1Hash(%q) accepted", bad)
		}
	}
}
