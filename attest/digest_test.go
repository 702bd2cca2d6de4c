package attest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/attest"
)

func TestParseDigest(t *testing.T) {
	hex64 := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		in      string
		ok      bool
		message string // a part of the error text
	}{
		{in: "sha256:" + hex64, ok: true},
		{in: "sha512:" + strings.Repeat("0f", 64), ok: true},
		{in: "gitCommit:" + strings.Repeat("1", 40), ok: true},
		{in: "SHA256:" + hex64, message: `algorithm "SHA256" is spelled "sha256"`},
		{in: "gitcommit:" + strings.Repeat("1", 40), message: `is spelled "gitCommit"`},
		{in: "sha256:" + strings.ToUpper(hex64), message: "not lowercase hex"},
		{in: "sha256:abcd", message: "4 hex characters, want 64"},
		{in: "crc32:00", message: `unknown algorithm "crc32"`},
		{in: "sha256" + hex64, message: "want algorithm:hex"},
		{in: "sha256:", message: "empty value"},
		{in: ":" + hex64, message: "unknown algorithm"},
	} {
		d, err := attest.ParseDigest(tc.in)
		if tc.ok {
			if err != nil || d.String() != tc.in {
				t.Errorf("ParseDigest(%q) = %v, %v", tc.in, d, err)
			}
			continue
		}
		var ae *attest.Error
		if !errors.Is(err, attest.ErrDigestMalformed) || !errors.As(err, &ae) || !strings.Contains(err.Error(), tc.message) {
			t.Errorf("ParseDigest(%.20q) err = %v, want ErrDigestMalformed containing %q", tc.in, err, tc.message)
		}
	}
}

func TestIsDigest(t *testing.T) {
	for in, want := range map[string]bool{
		"sha256:00":      true,
		"SHA256:00":      true,
		"gitCommit:x":    true,
		"release.tar.gz": false,
		"dir/sha256:00":  false,
		"crc32:00":       false,
		"C:\\file.txt":   false,
		"sha256":         false,
	} {
		if got := attest.IsDigest(in); got != want {
			t.Errorf("IsDigest(%q) = %v, want %v", in, got, want)
		}
	}
}
