package verify_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/chainproof/chainproof/verify"
)

func seedBundles(f *testing.F) [][]byte {
	paths, _ := filepath.Glob(filepath.Join(casesDir, "*", "bundle.sigstore.json"))
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// FuzzParseBundle: no panics; every error is a *verify.Error under
// ErrVerification; whatever parses re-marshals to a bundle that parses.
func FuzzParseBundle(f *testing.F) {
	for _, s := range seedBundles(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := verify.ParseBundle(data)
		if err != nil {
			var ve *verify.Error
			if !errors.As(err, &ve) || !errors.Is(err, verify.ErrVerification) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		out, err := b.Sigstore().MarshalJSON()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if _, err := verify.ParseBundle(out); err != nil {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzParseBundles: JSON-lines parsing never panics and a parsed stream's
// bundles re-marshal into a stream that parses to as many bundles.
func FuzzParseBundles(f *testing.F) {
	seeds := seedBundles(f)
	for i, s := range seeds {
		var c bytes.Buffer
		if jsonCompact(&c, s) != nil {
			continue
		}
		line := c.Bytes()
		f.Add(append(append(bytes.Clone(line), '\n'), line...))
		if i%7 == 0 {
			f.Add(append(append([]byte(`{"bundle":`), line...), '}'))
		}
	}
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		bs, err := verify.ParseBundles(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, verify.ErrVerification) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var jl bytes.Buffer
		for _, b := range bs {
			out, err := b.Sigstore().MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			jl.Write(out)
			jl.WriteByte('\n')
		}
		again, err := verify.ParseBundles(&jl)
		if err != nil || len(again) != len(bs) {
			t.Fatalf("round trip: %d bundles, %v", len(again), err)
		}
	})
}

// FuzzParseTrustedRoot: no panics; every error is a *verify.Error under
// ErrTrustedRoot; a root that parses reports the source it was given and
// serves the verification material it holds.
func FuzzParseTrustedRoot(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(casesDir, "*", "trusted_root.json"))
	seen := map[string]bool{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if !seen[string(data)] {
			seen[string(data)] = true
			f.Add(data)
		}
	}
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := verify.ParseTrustedRoot(data, "fuzz")
		if err != nil {
			var ve *verify.Error
			if !errors.As(err, &ve) || !errors.Is(err, verify.ErrTrustedRoot) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if tr.Source() != "fuzz" || tr.Material() == nil {
			t.Fatalf("parsed root: source %q, material %v", tr.Source(), tr.Material())
		}
		_ = tr.Material().RekorLogs()
		_ = tr.Material().FulcioCertificateAuthorities()
		_ = tr.Material().TimestampingAuthorities()
		_ = tr.Material().CTLogs()
	})
}
