package verify_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chainproof/chainproof/attest"
	"github.com/chainproof/chainproof/internal/sigstoretest"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// agree verifies data both ways, through verify's own pipeline and
// through sigstore-go's Verifier.Verify behind the same seam, and fails
// when one accepts what the other refuses.
func agree(t *testing.T, what string, data []byte, art func() verify.Artifact, p verify.Policy, opts verify.Options) (accepted bool) {
	t.Helper()
	v, err := verify.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	run := func() error {
		b, err := verify.ParseBundle(data)
		if err != nil {
			return err
		}
		_, err = v.Verify(context.Background(), b, art(), p)
		return err
	}
	lean := run()
	restore := verify.UseSigstoreGo()
	sg := run()
	restore()
	if (lean == nil) != (sg == nil) {
		t.Errorf("%s: verify's pipeline: %v; sigstore-go: %v", what, lean, sg)
	}
	return lean == nil
}

// TestDifferentialPipeline: verify's own pipeline (pipeline.go) and
// sigstore-go's Verifier.Verify agree on accept/refuse on every
// conformance bundle, on signtest bundles (message signatures and DSSE,
// keyless and key-signed, Rekor v1 and v2, with and without timestamps),
// and on every truncation and single-byte flip of a DSSE bundle, of a
// Rekor v1 message-signature bundle and of the public-good bundle
// TestMutation mutates. The local-Sigstore bundles are in
// TestDifferentialLocalSigstore.
func TestDifferentialPipeline(t *testing.T) {
	entries, err := os.ReadDir(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	n, dsseCases := 0, 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c := loadCase(t, e.Name())
		data, err := os.ReadFile(filepath.Join(c.dir, "bundle.sigstore.json"))
		if err != nil {
			t.Fatal(err)
		}
		n++
		var opts verify.Options
		if c.trust != "" {
			if opts.TrustedRoot, err = verify.LoadTrustedRoot(c.trust); err != nil {
				continue // refused before any bundle is read, either way
			}
		}
		if bytes.Contains(data, []byte(`"dsseEnvelope"`)) {
			dsseCases++
		}
		agree(t, c.name, data, func() verify.Artifact { return verify.Artifact{Path: c.artifact} }, c.policy, opts)
	}
	if n < 70 || dsseCases == 0 {
		t.Fatalf("%d conformance cases (%d DSSE)", n, dsseCases)
	}

	st, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	artifact := []byte("differential\n")
	sum := sha256.Sum256(artifact)
	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + hex.EncodeToString(sum[:]) + `"}}],"predicateType":"https://example.com/p","predicate":{"k":[1,2,3]}}`)
	alice := signtest.Email("alice@example.com")
	pol := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(alice.Issuer), SAN: verify.Exact(alice.Subject)}}}
	opts := verify.Options{TrustedRoot: st.TrustedRoot()}
	art := func() verify.Artifact { return verify.Artifact{Reader: bytes.NewReader(artifact)} }
	var dsseBundle []byte
	for _, mo := range []signtest.MintOptions{{}, {RekorV1: true}, {RekorV1: true, NoTimestamp: true}, {NoLogEntry: true}, {NoTimestamp: true}} {
		data, err := st.SignDSSE(alice, attest.PayloadType, stmt, mo)
		if err != nil {
			t.Fatal(err)
		}
		if dsseBundle == nil {
			dsseBundle = data
		}
		agree(t, "signtest", data, art, pol, opts)
		agree(t, "signtest, other artifact", data, func() verify.Artifact { return verify.Artifact{Reader: strings.NewReader("x")} }, pol, opts)
	}
	// Key-signed, through package sign (verify-after-sign is off so that
	// only this test decides).
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := sign.Sign(context.Background(), sign.Statement(stmt), sign.Key(key), sign.Options{NoLog: true, UnsafeSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	kdata, _ := kb.MarshalJSON()
	keyPol := verify.Policy{PublicKeys: []crypto.PublicKey{key.Public()}}
	if !agree(t, "key, no log", kdata, art, keyPol, verify.Options{TrustedRoot: st.TrustedRoot(), AllowUnloggedKeys: true}) {
		t.Error("key-signed bundle without a log refused under AllowUnloggedKeys")
	}
	agree(t, "key, no log, strict", kdata, art, keyPol, verify.Options{TrustedRoot: st.TrustedRoot()})

	// Message signatures: keyless in each shape signtest mints, and
	// key-signed (ECDSA and Ed25519, logged and not) through package sign.
	var blobBundle []byte
	for _, mo := range []signtest.MintOptions{{RekorV1: true, NoTimestamp: true}, {}, {RekorV1: true}, {NoLogEntry: true}, {NoTimestamp: true}} {
		data, err := st.SignBlob(alice, artifact, mo)
		if err != nil {
			t.Fatal(err)
		}
		if blobBundle == nil {
			blobBundle = data
		}
		if !agree(t, "signtest blob", data, art, pol, opts) && !mo.NoLogEntry && !mo.NoTimestamp {
			t.Errorf("signtest blob %+v refused", mo)
		}
		agree(t, "signtest blob, other artifact", data, func() verify.Artifact { return verify.Artifact{Reader: strings.NewReader("x")} }, pol, opts)
		agree(t, "signtest blob, other identity", data, art, verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(alice.Issuer), SAN: verify.Exact("bob@example.com")}}}, opts)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []crypto.Signer{key, edKey} {
		kb, err := sign.Sign(context.Background(), sign.Blob(bytes.NewReader(artifact)), sign.Key(k), sign.Options{NoLog: true, UnsafeSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		kdata, _ := kb.MarshalJSON()
		kp := verify.Policy{PublicKeys: []crypto.PublicKey{k.Public()}}
		agree(t, fmt.Sprintf("%T blob, no log", k), kdata, art, kp, verify.Options{TrustedRoot: st.TrustedRoot(), AllowUnloggedKeys: true})
		agree(t, fmt.Sprintf("%T blob, no log, strict", k), kdata, art, kp, verify.Options{TrustedRoot: st.TrustedRoot()})
	}

	// Every truncation (every 7th) and every single-byte flip.
	step := 1
	if testing.Short() {
		step = 5
	}
	for _, c := range []struct {
		name string
		data []byte
	}{{"DSSE, Rekor v2", dsseBundle}, {"message signature, Rekor v1", blobBundle}} {
		accepted := 0
		for i := 0; i < len(c.data); i += step {
			m := bytes.Clone(c.data)
			m[i] ^= 0x01
			if agree(t, c.name+" flip", m, art, pol, opts) {
				accepted++
			}
		}
		for i := 0; i < len(c.data); i += 7 {
			agree(t, c.name+" truncation", c.data[:i], art, pol, opts)
		}
		if accepted == 0 {
			t.Errorf("%s: no flip left the bundle valid (the flips cannot all be meaningful)", c.name)
		}
		t.Logf("%s: %d flips of a %d-byte bundle (%d left it valid)", c.name, (len(c.data)+step-1)/step, len(c.data), accepted)
	}
	// TestMutation's mutations of the public-good bundle (a message
	// signature with a Rekor v1 promise and proof): every flip and every
	// 7th truncation, under the public-good root and identity.
	happy, err := os.ReadFile(happyV03)
	if err != nil {
		t.Fatal(err)
	}
	happyPol := verify.Policy{Identities: []verify.Identity{beacon()}}
	happyArt := func() verify.Artifact { return defaultArt }
	if !agree(t, "public-good", happy, happyArt, happyPol, verify.Options{}) {
		t.Error("public-good bundle refused")
	}
	for i := 0; i < len(happy); i += step {
		m := bytes.Clone(happy)
		m[i] ^= 0x01
		agree(t, "public-good flip", m, happyArt, happyPol, verify.Options{})
	}
	for i := 0; i < len(happy); i += 7 {
		agree(t, "public-good truncation", happy[:i], happyArt, happyPol, verify.Options{})
	}
	t.Logf("%d conformance cases (%d DSSE); %d flips of the public-good bundle", n, dsseCases, (len(happy)+step-1)/step)
}

// TestDifferentialLocalSigstore: the two paths agree on the DSSE and
// message-signature bundles the real local Sigstore (Fulcio, Rekor v2, a
// TSA) issued, and on their flips. It runs where the stack does (CI) and
// skips elsewhere.
func TestDifferentialLocalSigstore(t *testing.T) {
	s := sigstoretest.Local(t)
	services, err := sign.LoadSigningConfig(s.SigningConfigPath, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tr := s.VerifyRoot(t)
	artifact := []byte("differential, local sigstore\n")
	sum := sha256.Sum256(artifact)
	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + hex.EncodeToString(sum[:]) + `"}}],"predicateType":"https://example.com/p","predicate":{}}`)
	const email = "differential@example.com"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := sign.Sign(ctx, sign.Statement(stmt), sign.Keyless(sign.StaticToken(s.EmailToken(t, email))), sign.Options{Services: services, TrustedRoot: tr})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := b.MarshalJSON()
	pol := verify.Policy{Identities: []verify.Identity{{Issuer: verify.Exact(s.OIDCIssuerURL), SAN: verify.Exact(email)}}}
	art := func() verify.Artifact { return verify.Artifact{Reader: bytes.NewReader(artifact)} }
	opts := verify.Options{TrustedRoot: tr}
	if !agree(t, "local", data, art, pol, opts) {
		t.Fatal("local Sigstore bundle refused")
	}
	bb, err := sign.Sign(ctx, sign.Blob(bytes.NewReader(artifact)), sign.Keyless(sign.StaticToken(s.EmailToken(t, email))), sign.Options{Services: services, TrustedRoot: tr})
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := bb.MarshalJSON()
	if !agree(t, "local blob", blob, art, pol, opts) {
		t.Fatal("local Sigstore message-signature bundle refused")
	}
	for _, d := range [][]byte{data, blob} {
		for i := 0; i < len(d); i += 3 {
			m := bytes.Clone(d)
			m[i] ^= 0x01
			agree(t, "local flip", m, art, pol, opts)
		}
	}
}
