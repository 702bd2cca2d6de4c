package verify_test

import (
	"context"
	"fmt"
	"os"

	"github.com/chainproof/chainproof/verify"
)

// Verify a deployment's bundles in one call: every image's bundle against
// the same trusted root and policy, on all cores. Results come back in
// the order of the items; one item's failure does not stop the others.
func ExampleVerifier_VerifyBatch() {
	v, err := verify.New(verify.Options{}) // embedded public-good root
	if err != nil {
		panic(err)
	}
	signed, err := os.ReadFile(exBundle)
	if err != nil {
		panic(err)
	}
	policy := &verify.Policy{Identities: []verify.Identity{exIdentity}}
	art := verify.Artifact{Digest: "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"}
	other := verify.Artifact{Digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000"}
	items := []verify.BatchItem{
		{JSON: signed, Artifact: art, Policy: policy},
		{JSON: signed, Artifact: art, Policy: policy}, // the same: verified once
		{JSON: signed, Artifact: other, Policy: policy},
		{JSON: []byte(`{}`), Artifact: art, Policy: policy},
	}
	for i, r := range v.VerifyBatch(context.Background(), items, verify.BatchOptions{}) {
		if r.Err != nil {
			e := r.Err.(*verify.Error)
			fmt.Println(i, "refused:", e.Check, e.Bundle)
			continue
		}
		fmt.Println(i, "verified:", r.Result.Certificate.Extensions.SourceRepositoryRef)
	}
	// Output:
	// 0 verified: refs/heads/main
	// 1 verified: refs/heads/main
	// 2 refused: artifact 2
	// 3 refused: bundle 3
}
