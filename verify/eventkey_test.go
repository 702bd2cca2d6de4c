package verify_test

import (
	"crypto/elliptic"
	"encoding/asn1"
	"math/big"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// TestEventKeyTwin: a signature and its ECDSA twin (r, n-s), or a
// repeated bundle, are one signing event; another certificate over the
// same digest, or the same certificate over another digest, is another.
func TestEventKeyTwin(t *testing.T) {
	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mint := func(who string, artifact string) *protobundle.Bundle {
		raw, err := st.SignBlob(signtest.Email(who), []byte(artifact), signtest.MintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var pb protobundle.Bundle
		if err := protojson.Unmarshal(raw, &pb); err != nil {
			t.Fatal(err)
		}
		return &pb
	}
	key := func(pb *protobundle.Bundle) string {
		b, err := verify.BundleFromProto(pb)
		if err != nil {
			t.Fatal(err)
		}
		return verify.EventKey(b)
	}
	orig := mint("alice@example.com", "a")
	twin := proto.Clone(orig).(*protobundle.Bundle)
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(twin.GetMessageSignature().GetSignature(), &sig); err != nil {
		t.Fatal(err)
	}
	sig.S.Sub(elliptic.P256().Params().N, sig.S)
	if twin.GetMessageSignature().Signature, err = asn1.Marshal(sig); err != nil {
		t.Fatal(err)
	}
	if key(orig) == "" || key(orig) != key(twin) || key(orig) != key(proto.Clone(orig).(*protobundle.Bundle)) {
		t.Error("a signature, its twin and its copy are not one event")
	}
	if key(orig) == key(mint("alice@example.com", "a")) {
		t.Error("two certificates over one digest are one event")
	}
	if key(orig) == key(mint("alice@example.com", "b")) {
		t.Error("two digests are one event")
	}
}
