package verify

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// TestUnmarshalBundleDirect: decoding the DSSE payload directly gives the
// same message as protojson, and the same accept/reject decision, for
// every conformance bundle and for variants of the payload encoding.
func TestUnmarshalBundleDirect(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "conformance", "*", "bundle.sigstore.json"))
	if len(paths) == 0 {
		t.Fatal("no conformance bundles")
	}
	inputs := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs[p] = data
	}
	dsse, err := os.ReadFile(filepath.Join("testdata", "conformance", "happy-path-intoto-in-dsse-v3", "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	pb := new(protobundle.Bundle)
	if err := protojson.Unmarshal(dsse, pb); err != nil {
		t.Fatal(err)
	}
	std := base64.StdEncoding.EncodeToString(pb.GetDsseEnvelope().GetPayload())
	if !bytes.Contains(dsse, []byte(`"`+std+`"`)) {
		t.Fatal("payload not found in standard base64")
	}
	variant := func(s string) []byte { return bytes.Replace(dsse, []byte(`"`+std+`"`), []byte(s), 1) }
	raw := base64.RawURLEncoding.EncodeToString(pb.GetDsseEnvelope().GetPayload())
	inputs["url-safe unpadded"] = variant(`"` + raw + `"`)
	inputs["escaped"] = variant(`"\u0065` + std[1:] + `"`)
	inputs["bad base64"] = variant(`"` + std[:len(std)-2] + `!"`)
	inputs["number"] = variant(`1`)
	inputs["null"] = variant(`null`)
	inputs["duplicate payload"] = variant(`"` + std + `", "payload": "AAAA"`)
	inputs["payload key case"] = variant(`"` + std + `", "Payload": "AAAA"`)
	inputs["trailing data"] = append(append([]byte{}, dsse...), " {}"...)
	inputs["proto name"] = bytes.Replace(dsse, []byte(`"dsseEnvelope"`), []byte(`"dsse_envelope"`), 1)

	for name, data := range inputs {
		want := new(protobundle.Bundle)
		wantErr := protojson.Unmarshal(data, want)
		got, gotErr := unmarshalBundle(data, 0)
		if (wantErr == nil) != (gotErr == nil) {
			t.Errorf("%s: protojson error %v, unmarshalBundle error %v", name, wantErr, gotErr)
			continue
		}
		if wantErr == nil && !proto.Equal(want, got) {
			t.Errorf("%s: unmarshalBundle differs from protojson", name)
		}
	}
	if _, _, _, ok := directPayload(inputs["url-safe unpadded"]); !ok {
		t.Error("direct path not taken for url-safe base64")
	}
}
