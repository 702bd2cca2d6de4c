package verify_test

import (
	"context"
	"testing"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/chainproof/chainproof/internal/sigstoretest"
	"github.com/chainproof/chainproof/verify"
)

// TestInconsistentBundlesLocalSigstore builds the inconsistent bundles of
// TestInconsistentBundles from bundles the real local Sigstore (Fulcio,
// Rekor v2, TSA) issued, and checks each is refused by the log check. It
// runs where the stack does (.ci/with-services, CI phase 2) and skips
// elsewhere.
func TestInconsistentBundlesLocalSigstore(t *testing.T) {
	s := sigstoretest.Local(t)
	tr := s.TrustedRoot(t)
	const email = "inconsistent@example.com"
	signBlob := func(data []byte) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		kp, err := sgsign.NewEphemeralKeypair(nil)
		if err != nil {
			t.Fatal(err)
		}
		pb, err := sgsign.Bundle(&sgsign.PlainData{Data: data}, kp, sgsign.BundleOptions{
			CertificateProvider:        sgsign.NewFulcio(&sgsign.FulcioOptions{BaseURL: s.FulcioURL}),
			CertificateProviderOptions: &sgsign.CertificateProviderOptions{IDToken: s.EmailToken(t, email)},
			TransparencyLogs:           []sgsign.Transparency{sgsign.NewRekor(&sgsign.RekorOptions{BaseURL: s.RekorURL, Version: 2})},
			TimestampAuthorities:       []*sgsign.TimestampAuthority{sgsign.NewTimestampAuthority(&sgsign.TimestampAuthorityOptions{URL: s.TSAURL})},
			TrustedRoot:                tr,
			Context:                    ctx,
		})
		if err != nil {
			t.Fatal(err)
		}
		js, err := protojson.Marshal(pb)
		if err != nil {
			t.Fatal(err)
		}
		return js
	}
	art := []byte("artifact for the local sigstore")
	good := signBlob(art)
	other := new(protobundle.Bundle)
	if err := protojson.Unmarshal(signBlob([]byte("another artifact")), other); err != nil {
		t.Fatal(err)
	}
	ctr, err := verify.LoadTrustedRoot(s.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(verify.Options{TrustedRoot: ctr})
	if err != nil {
		t.Fatal(err)
	}
	pol := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(s.OIDCIssuerURL), SAN: verify.Exact(email)}}}
	if _, err := parseAndVerify(v, good, verify.Artifact{Digest: digestOf(art)}, pol); err != nil {
		t.Fatalf("unmodified bundle: %v", err)
	}
	for _, tc := range inconsistentMutations(false, entry0(other)) {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseAndVerify(v, mutate(t, good, tc.f), verify.Artifact{Digest: digestOf(art)}, pol)
			t.Log(err)
			wantCheck(t, err, verify.CheckTransparencyLog, verify.ErrTransparencyLog)
		})
	}
}
