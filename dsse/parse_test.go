package dsse_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/dsse"
)

func TestParseAccepts(t *testing.T) {
	for _, tc := range []struct {
		name, in    string
		payload     string
		payloadType string
		sigs        int
	}{
		{"spec example", `{"payload":"aGVsbG8gd29ybGQ=","payloadType":"http://example.com/HelloWorld","signatures":[{"keyid":"","sig":"AQ=="}]}`, "hello world", helloType, 1},
		{"keyid absent", `{"payload":"","payloadType":"t","signatures":[{"sig":""}]}`, "", "t", 1},
		{"no signatures is parseable", `{"payload":"","payloadType":"t","signatures":[]}`, "", "t", 0},
		{"url-safe base64", `{"payload":"-_-_","payloadType":"t","signatures":[{"sig":"_-8="}]}`, "\xfb\xff\xbf", "t", 1},
		{"unknown fields ignored", `{"x":{"payload":"bad"},"payload":"YQ==","payloadType":"t","signatures":[{"sig":"AQ==","extra":[1]}],"y":null}`, "a", "t", 1},
		{"whitespace", " {\n \"payloadType\" : \"t\" , \"signatures\" : [ ] , \"payload\" : \"YQ==\" }\n", "a", "t", 0},
		{"empty payload type is present", `{"payload":"","payloadType":"","signatures":[]}`, "", "", 0},
		{"escaped key", `{"payload":"","payloadTyp\u0065":"t","signatures":[]}`, "", "t", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, err := dsse.Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(env.Payload) != tc.payload || env.PayloadType != tc.payloadType || len(env.Signatures) != tc.sigs {
				t.Fatalf("got %+v", env)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	valid := `{"payload":"YQ==","payloadType":"t","signatures":[{"sig":"AQ=="}]}`
	for _, tc := range []struct {
		name, in string
		want     error
		field    string
	}{
		{"empty input", ``, dsse.ErrMalformed, ""},
		{"not an object", `[1]`, dsse.ErrMalformed, ""},
		{"not json", `{"payload":`, dsse.ErrMalformed, "payload"},
		{"payload missing", `{"payloadType":"t","signatures":[]}`, dsse.ErrMissing, "payload"},
		{"payloadType missing", `{"payload":"","signatures":[]}`, dsse.ErrMissing, "payloadType"},
		{"signatures missing", `{"payload":"","payloadType":"t"}`, dsse.ErrMissing, "signatures"},
		{"payload null", `{"payload":null,"payloadType":"t","signatures":[]}`, dsse.ErrMissing, "payload"},
		{"signatures null", `{"payload":"","payloadType":"t","signatures":null}`, dsse.ErrMissing, "signatures"},
		{"payload number", `{"payload":1,"payloadType":"t","signatures":[]}`, dsse.ErrMalformed, "payload"},
		{"payloadType object", `{"payload":"","payloadType":{},"signatures":[]}`, dsse.ErrMalformed, "payloadType"},
		{"signatures object", `{"payload":"","payloadType":"t","signatures":{}}`, dsse.ErrMalformed, "signatures"},
		{"signature not object", `{"payload":"","payloadType":"t","signatures":["AQ=="]}`, dsse.ErrMalformed, "signatures[0]"},
		{"sig missing", `{"payload":"","payloadType":"t","signatures":[{"keyid":"k"}]}`, dsse.ErrMissing, "signatures[0].sig"},
		{"sig null", `{"payload":"","payloadType":"t","signatures":[{"sig":null}]}`, dsse.ErrMissing, "signatures[0].sig"},
		{"keyid number", `{"payload":"","payloadType":"t","signatures":[{"sig":"","keyid":7}]}`, dsse.ErrMalformed, "signatures[0].keyid"},
		{"duplicate payload", `{"payload":"YQ==","payload":"Yg==","payloadType":"t","signatures":[]}`, dsse.ErrDuplicateKey, "payload"},
		{"duplicate unknown key", `{"x":1,"x":2,"payload":"","payloadType":"t","signatures":[]}`, dsse.ErrDuplicateKey, "x"},
		{"duplicate sig", `{"payload":"","payloadType":"t","signatures":[{"sig":"AQ==","sig":"Ag=="}]}`, dsse.ErrDuplicateKey, "signatures[0].sig"},
		{"trailing data", valid + `{}`, dsse.ErrMalformed, ""},
		{"trailing garbage", valid + ` x`, dsse.ErrMalformed, ""},
		{"payload not base64", `{"payload":"a b","payloadType":"t","signatures":[]}`, dsse.ErrBase64, "payload"},
		{"payload missing padding", `{"payload":"YQ","payloadType":"t","signatures":[]}`, dsse.ErrBase64, "payload"},
		{"payload non-canonical bits", `{"payload":"YR==","payloadType":"t","signatures":[]}`, dsse.ErrBase64, "payload"},
		{"payload line break", `{"payload":"YW\nJj","payloadType":"t","signatures":[]}`, dsse.ErrBase64, "payload"},
		{"payload mixed alphabets", `{"payload":"+_==","payloadType":"t","signatures":[]}`, dsse.ErrBase64, "payload"},
		{"sig not base64", `{"payload":"","payloadType":"t","signatures":[{"sig":"***"}]}`, dsse.ErrBase64, "signatures[0].sig"},
		{"too many signatures", `{"payload":"","payloadType":"t","signatures":[` + strings.Repeat(`{"sig":""},`, dsse.MaxSignatures) + `{"sig":""}]}`, dsse.ErrTooLarge, "signatures"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, err := dsse.Parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("accepted: %+v", env)
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, dsse.ErrMalformed) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var pe *dsse.ParseError
			if !errors.As(err, &pe) || pe.Path != tc.field {
				t.Fatalf("err = %#v, want field %q", err, tc.field)
			}
			if !strings.HasPrefix(err.Error(), "dsse: malformed envelope") {
				t.Fatalf("message %q", err)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	big := make([]byte, dsse.MaxEnvelopeSize+1)
	if _, err := dsse.Parse(big); !errors.Is(err, dsse.ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

// TestMutations flips and replaces every byte of the payload, the payload
// type and each signature of a signed envelope, and truncates each of
// them, and checks that no variant verifies.
func TestMutations(t *testing.T) {
	payload := bytes.Repeat([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`), 3)
	for _, kc := range testKeys(t) {
		t.Run(kc.name, func(t *testing.T) {
			s, _ := dsse.NewSigner(kc.priv, "k")
			v, _ := dsse.NewVerifier(kc.priv.Public(), "k")
			h, _ := dsse.NewHMAC([]byte("second key"), "h")
			orig, err := dsse.Sign(ctx, "application/vnd.in-toto+json", payload, s, h)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, env *dsse.Envelope) {
				t.Helper()
				if _, err := dsse.Verify(ctx, env, dsse.VerifyOptions{Threshold: 2}, v, h); !errors.Is(err, dsse.ErrVerification) {
					t.Fatalf("%s: err = %v, want rejection", what, err)
				}
			}
			if _, err := dsse.Verify(ctx, orig, dsse.VerifyOptions{Threshold: 2}, v, h); err != nil {
				t.Fatal(err)
			}
			clone := func() *dsse.Envelope {
				e := &dsse.Envelope{PayloadType: orig.PayloadType, Payload: append([]byte(nil), orig.Payload...)}
				for _, sg := range orig.Signatures {
					e.Signatures = append(e.Signatures, dsse.Signature{KeyID: sg.KeyID, Sig: append([]byte(nil), sg.Sig...)})
				}
				return e
			}
			for _, delta := range []byte{0x01, 0x80, 0xff} {
				for i := range payload {
					e := clone()
					e.Payload[i] ^= delta
					check("payload byte", e)
				}
				for i := range orig.PayloadType {
					e := clone()
					pt := []byte(e.PayloadType)
					pt[i] ^= delta
					e.PayloadType = string(pt)
					check("payloadType byte", e)
				}
				for si := range orig.Signatures {
					for i := range orig.Signatures[si].Sig {
						e := clone()
						e.Signatures[si].Sig[i] ^= delta
						check("signature byte", e)
					}
				}
			}
			for n := 0; n < len(payload); n++ {
				e := clone()
				e.Payload = e.Payload[:n]
				check("payload truncated", e)
			}
			for n := 0; n < len(orig.PayloadType); n++ {
				e := clone()
				e.PayloadType = e.PayloadType[:n]
				check("payloadType truncated", e)
			}
			for si := range orig.Signatures {
				for n := 0; n < len(orig.Signatures[si].Sig); n++ {
					e := clone()
					e.Signatures[si].Sig = e.Signatures[si].Sig[:n]
					check("signature truncated", e)
				}
			}
			// Appending to the payload is also refused.
			e := clone()
			e.Payload = append(e.Payload, ' ')
			check("payload extended", e)
		})
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"payload":"YQ==","payloadType":"t","signatures":[{"keyid":"k","sig":"AQ=="}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := dsse.Parse(data)
		if err != nil {
			var pe *dsse.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, dsse.ErrMalformed) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		// Round trip: what we write, we read back identically.
		out, err := env.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := dsse.Parse(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		if back.PayloadType != env.PayloadType || !bytes.Equal(back.Payload, env.Payload) || len(back.Signatures) != len(env.Signatures) {
			t.Fatalf("round trip changed the envelope")
		}
		for i := range back.Signatures {
			if back.Signatures[i].KeyID != env.Signatures[i].KeyID || !bytes.Equal(back.Signatures[i].Sig, env.Signatures[i].Sig) {
				t.Fatalf("round trip changed signature %d", i)
			}
		}
	})
}
