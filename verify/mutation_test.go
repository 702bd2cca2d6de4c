package verify_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/chainproof/chainproof/verify"
)

// TestMutation: every truncation and every single-byte flip of a valid
// bundle is refused with a typed error, unless the flip leaves the decoded
// bundle identical (e.g. JSON whitespace, or base64 padding bits that the
// protobuf JSON decoder ignores), in which case nothing signed changed.
func TestMutation(t *testing.T) {
	data, err := os.ReadFile(happyV03)
	if err != nil {
		t.Fatal(err)
	}
	orig := mustBundle(t, happyV03)
	v := publicGood(t)
	p := verify.Policy{Identities: []verify.Identity{beacon()}}
	ctx := context.Background()
	check := func(what string, mutated []byte) {
		b, err := verify.ParseBundle(mutated)
		if err == nil {
			_, err = v.Verify(ctx, b, defaultArt, p)
			if err == nil {
				if proto.Equal(b.Sigstore().Bundle, orig.Sigstore().Bundle) {
					return
				}
				t.Errorf("%s: mutated bundle verified: %s", what, diffAt(data, mutated))
				return
			}
		}
		var ve *verify.Error
		if !errors.As(err, &ve) || !errors.Is(err, verify.ErrVerification) {
			t.Errorf("%s: untyped error %v", what, err)
		}
		wantShape(t, what, err)
	}
	for n := 0; n < len(data); n++ {
		check("truncation", data[:n])
	}
	step := 1
	if testing.Short() {
		step = 7
	}
	for i := 0; i < len(data); i += step {
		m := []byte(string(data))
		m[i] ^= 0x01
		check("flip", m)
	}
}

func diffAt(a, b []byte) string {
	for i := range a {
		if i < len(b) && a[i] != b[i] {
			lo, hi := max(0, i-40), min(len(a), i+20)
			return string(a[lo:i]) + "[" + string(a[i]) + "->" + string(b[i]) + "]" + string(a[i+1:hi])
		}
	}
	return "?"
}
