package verify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

func parse(t testing.TB, data []byte) *verify.Bundle {
	t.Helper()
	b, err := verify.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyAllWork counts cryptographic verifications: 1,024 copies of
// one bundle against 8 requirements verify once (they took 8,192
// verifications, 22 s, before); distinct bundles verify once each,
// whatever the number of requirements.
func TestVerifyAllWork(t *testing.T) {
	st, v := signtestVerifier(t, "")
	artifact := []byte("release.tar.gz")
	alice := verify.Identity{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact("alice@example.com")}
	reqs := func(n int) verify.CombinedPolicy {
		cp := verify.CombinedPolicy{AllowSharedBundles: true}
		for i := range n {
			cp.Requirements = append(cp.Requirements, verify.Requirement{Name: fmt.Sprint("r", i), Policy: verify.Policy{Identities: []verify.Identity{alice}}})
		}
		return cp
	}
	one, err := st.SignBlob(signtest.Email("alice@example.com"), artifact, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var copies []*verify.Bundle
	for range 1024 {
		copies = append(copies, parse(t, one))
	}
	before := verify.CryptoRuns.Load()
	if _, err := v.VerifyAll(context.Background(), copies, verify.Artifact{Reader: bytesReader(artifact)}, reqs(8)); err != nil {
		t.Fatal(err)
	}
	if n := verify.CryptoRuns.Load() - before; n != 1 {
		t.Errorf("1024 identical bundles x 8 requirements: %d cryptographic verifications, want 1", n)
	}

	var distinct []*verify.Bundle
	for i := range 3 {
		b, err := st.SignBlob(signtest.Email(fmt.Sprintf("user%d@example.com", i)), artifact, signtest.MintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		distinct = append(distinct, parse(t, b))
	}
	distinct = append(distinct, parse(t, one))
	before = verify.CryptoRuns.Load()
	if _, err := v.VerifyAll(context.Background(), distinct, verify.Artifact{Reader: bytesReader(artifact)}, reqs(8)); err != nil {
		t.Fatal(err)
	}
	if n := verify.CryptoRuns.Load() - before; n != 4 {
		t.Errorf("4 distinct bundles x 8 requirements: %d cryptographic verifications, want 4", n)
	}
}

// TestVerifyAllSigningEvents: the ECDSA twin (r, n-s) of a signature is
// the same signing event (same certificate, same digest), so it cannot
// satisfy a second requirement that needs a distinct bundle. (Today the
// twin is also refused alone, since its log entry binds the original
// signature bytes; the event rule does not depend on that: see
// TestEventKeyTwin.)
func TestVerifyAllSigningEvents(t *testing.T) {
	st, v := signtestVerifier(t, "")
	artifact := []byte("release.tar.gz")
	raw, err := st.SignBlob(signtest.Email("alice@example.com"), artifact, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var pb protobundle.Bundle
	if err := protojson.Unmarshal(raw, &pb); err != nil {
		t.Fatal(err)
	}
	twin := proto.Clone(&pb).(*protobundle.Bundle)
	ms := twin.GetMessageSignature()
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(ms.GetSignature(), &sig); err != nil {
		t.Fatal(err)
	}
	sig.S = new(big.Int).Sub(elliptic.P256().Params().N, sig.S)
	if ms.Signature, err = asn1.Marshal(sig); err != nil {
		t.Fatal(err)
	}
	_ = ecdsa.PublicKey{}
	tb, err := verify.BundleFromProto(twin)
	if err != nil {
		t.Fatal(err)
	}
	alice := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(signtest.DefaultIssuer), SAN: verify.Exact("alice@example.com")}}}
	// The twin verifies on its own (ECDSA signatures are malleable)...
	twinAlone := true
	if _, err := v.Verify(context.Background(), tb, verify.Artifact{Reader: bytesReader(artifact)}, alice); err != nil {
		twinAlone = false
		t.Logf("the twin alone: %v", err)
	}
	// ...but with the original it is one signing event.
	cp := verify.CombinedPolicy{Requirements: []verify.Requirement{{Name: "first", Policy: alice}, {Name: "second", Policy: alice}}}
	res, err := v.VerifyAll(context.Background(), []*verify.Bundle{parse(t, raw), tb}, verify.Artifact{Reader: bytesReader(artifact)}, cp)
	if !errors.Is(err, verify.ErrPolicy) {
		t.Fatalf("original + twin for two distinct requirements: %v (twin verifies alone: %v), want ErrPolicy", err, twinAlone)
	}
	if res == nil || res.Requirements[0].Satisfied == res.Requirements[1].Satisfied {
		t.Errorf("want exactly one requirement met: %+v", res)
	}
	// Two real signing events (two certificates) meet both.
	other, err := st.SignBlob(signtest.Email("alice@example.com"), artifact, signtest.MintOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyAll(context.Background(), []*verify.Bundle{parse(t, raw), parse(t, other)}, verify.Artifact{Reader: bytesReader(artifact)}, cp); err != nil {
		t.Errorf("two signing events: %v", err)
	}
}
