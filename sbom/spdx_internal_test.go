package sbom

import (
	"errors"
	"testing"
)

// TestDecodeSPDXLibraryRecovers: a panic inside tools-golang (here the
// null package that DecodeSPDX now refuses before calling it) comes back
// as an ErrInvalid *Error, not a crash.
func TestDecodeSPDXLibraryRecovers(t *testing.T) {
	for _, tc := range []struct {
		data   string
		latest bool
	}{
		{`{"spdxVersion":"SPDX-2.3","packages":[null]}`, true},
		{`{"spdxVersion":"SPDX-2.3","packages":[null]}`, false},
		{`{"spdxVersion":"SPDX-2.2","packages":[null]}`, false},
	} {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("%s: panicked: %v", tc.data, r)
				}
			}()
			_, err = decodeSPDXLibrary([]byte(tc.data), tc.latest)
		}()
		var e *Error
		if !errors.As(err, &e) || e.Check != CheckSyntax || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want a %s *Error wrapping ErrInvalid", tc.data, err, CheckSyntax)
		}
	}
}
