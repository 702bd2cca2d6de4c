package errtext

import (
	"errors"
	"testing"
)

func TestTrim(t *testing.T) {
	for in, want := range map[string]string{
		"attest: digest: malformed digest": "digest: malformed digest",
		"verify: policy: x":                "policy: x",
		"verify: verify: x":                "verify: x", // once
		"open x: no such file":             "open x: no such file",
		"":                                 "",
	} {
		if got := Trim(errors.New(in)); got != want {
			t.Errorf("Trim(%q) = %q, want %q", in, got, want)
		}
	}
	if Trim(nil) != "" {
		t.Error("Trim(nil)")
	}
	if got := TrimRepeat("malformed envelope", "malformed envelope: EOF"); got != "EOF" {
		t.Errorf("TrimRepeat = %q", got)
	}
}
