package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/verify"
)

// TestDemo runs the README-style demo: the signed image with an SBOM is
// admitted, the one with two SBOMs and no signature refused, each
// requirement reported.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), nil, &out, &out); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	s := out.String()
	for _, want := range []string{"admitted ", "  ok  signed ", "  ok  sbom ", "refused ", "  no  signed  "} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
}

// TestPolicyFile: the shipped policy parses, round-trips and its
// requirements are the documented ones.
func TestPolicyFile(t *testing.T) {
	d, err := verify.ParsePolicyDocument(defaultPolicy)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := d.CombinedPolicy()
	if err != nil || len(cp.Requirements) != 2 || cp.Requirements[0].Kind != verify.KindSignature || cp.Requirements[1].Kind != verify.KindAttestation {
		t.Fatalf("%+v %v", cp, err)
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"-policy", "/nonexistent"}, &out, &out); code != 2 {
		t.Errorf("missing policy file: exit %d", code)
	}
}
