package signtest_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chainproof/chainproof/sign/signtest"
	cpverify "github.com/chainproof/chainproof/verify"
	"github.com/go-openapi/swag/conv"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	rekorclient "github.com/sigstore/rekor/pkg/client"
	"github.com/sigstore/rekor/pkg/generated/client/entries"
	"github.com/sigstore/rekor/pkg/generated/models"
	rekorverify "github.com/sigstore/rekor/pkg/verify"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// TestRekorV1API writes a hashedrekord entry with Rekor's own v1 client over
// loopback and checks the answer with Rekor's own verifier (SET, inclusion
// proof, checkpoint signature); a second identical entry gets 409 Conflict
// and the first is found by UUID.
func TestRekorV1API(t *testing.T) {
	s, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := s.Serve(t)
	c, err := rekorclient.GetRekorClient(srv.URL, rekorclient.WithRetryCount(0))
	if err != nil {
		t.Fatal(err)
	}

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pemKey, _ := cryptoutils.MarshalPublicKeyToPEM(&key.PublicKey)
	sigs := map[string][]byte{} // one signature per message: a resubmission is a duplicate
	propose := func(msg string) *models.Hashedrekord {
		sum := sha256.Sum256([]byte(msg))
		if sigs[msg] == nil {
			sigs[msg], _ = ecdsa.SignASN1(rand.Reader, key, sum[:])
		}
		sig := append([]byte(nil), sigs[msg]...)
		return &models.Hashedrekord{
			APIVersion: conv.Pointer("0.0.1"),
			Spec: &models.HashedrekordV001Schema{
				Data:      &models.HashedrekordV001SchemaData{Hash: &models.HashedrekordV001SchemaDataHash{Algorithm: conv.Pointer("sha256"), Value: conv.Pointer(hex.EncodeToString(sum[:]))}},
				Signature: &models.HashedrekordV001SchemaSignature{Content: sig, PublicKey: &models.HashedrekordV001SchemaSignaturePublicKey{Content: pemKey}},
			},
		}
	}
	logKey := s.SigstoreTrustedRoot().RekorLogs()[hex.EncodeToString(s.LogV1ID())]
	if logKey == nil {
		t.Fatal("trusted root lacks the v1 log")
	}
	lv, err := signature.LoadVerifier(logKey.PublicKey, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}

	var first string
	var firstEntry models.LogEntryAnon
	for i, msg := range []string{"a", "b", "c"} {
		p := entries.NewCreateLogEntryParamsWithContext(context.Background())
		p.SetProposedEntry(propose(msg))
		resp, err := c.Entries.CreateLogEntry(p)
		if err != nil {
			t.Fatal(err)
		}
		e, ok := resp.Payload[resp.ETag]
		if !ok || len(resp.Payload) != 1 {
			t.Fatalf("payload keys do not match ETag %q", resp.ETag)
		}
		if *e.LogIndex != int64(i) || *e.LogID != hex.EncodeToString(s.LogV1ID()) || *e.IntegratedTime != s.Now().Unix() {
			t.Errorf("entry %d: index %d logID %s time %d", i, *e.LogIndex, *e.LogID, *e.IntegratedTime)
		}
		if err := rekorverify.VerifySignedEntryTimestamp(context.Background(), &e, lv); err != nil {
			t.Errorf("entry %d: SET: %v", i, err)
		}
		if err := rekorverify.VerifyInclusion(context.Background(), &e); err != nil {
			t.Errorf("entry %d: inclusion: %v", i, err)
		}
		if err := rekorverify.VerifyCheckpointSignature(&e, lv); err != nil {
			t.Errorf("entry %d: checkpoint: %v", i, err)
		}
		if i == 0 {
			first, firstEntry = resp.ETag, e
		}
	}

	// The same entry again: 409 with the first one's location.
	p := entries.NewCreateLogEntryParamsWithContext(context.Background())
	p.SetProposedEntry(propose("a"))
	_, err = c.Entries.CreateLogEntry(p)
	var conflict *entries.CreateLogEntryConflict
	if !errors.As(err, &conflict) || conflict.Location.String() != signtest.PathLogEntriesV1+"/"+first {
		t.Fatalf("duplicate: err = %v, want 409 with Location of %s", err, first)
	}
	g := entries.NewGetLogEntryByUUIDParamsWithContext(context.Background())
	g.SetEntryUUID(first)
	got, err := c.Entries.GetLogEntryByUUID(g)
	if err != nil {
		t.Fatal(err)
	}
	if e := got.Payload[first]; *e.LogIndex != *firstEntry.LogIndex || e.Body != firstEntry.Body {
		t.Errorf("get by UUID = %+v", e)
	}

	// A bad signature is refused, as Rekor refuses it.
	bad := propose("d")
	bad.Spec.(*models.HashedrekordV001Schema).Signature.Content[10] ^= 1
	p = entries.NewCreateLogEntryParamsWithContext(context.Background())
	p.SetProposedEntry(bad)
	_, err = c.Entries.CreateLogEntry(p)
	var badReq *entries.CreateLogEntryBadRequest
	if !errors.As(err, &badReq) {
		t.Errorf("bad signature: err = %v (%T), want 400", err, err)
	}
}

// TestRekorV1Lookups checks AddEntryV1 and EntryV1 edge cases.
func TestRekorV1Lookups(t *testing.T) {
	s, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddEntryV1(nil); err == nil {
		t.Error("nil entry accepted")
	}
	if _, ok := s.EntryV1("00"); ok {
		t.Error("EntryV1 found an unknown UUID")
	}
}

// TestRekorV1BundleTampered checks that chainproof's verifier refuses a
// minted Rekor v1 bundle whose integrated time, SET, inclusion proof or
// checkpoint was altered, naming the transparency log check, and refuses
// a wrong identity naming the identity check.
func TestRekorV1BundleTampered(t *testing.T) {
	s, err := signtest.New(signtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	artifact := []byte("hello, world\n")
	data, err := s.SignBlob(signtest.Email("alice@example.com"), artifact, signtest.MintOptions{RekorV1: true, NoTimestamp: true})
	if err != nil {
		t.Fatal(err)
	}
	trJSON, err := s.TrustedRootJSON()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := cpverify.ParseTrustedRoot(trJSON, "signtest")
	if err != nil {
		t.Fatal(err)
	}
	id := cpverify.Identity{Issuer: cpverify.Exact(signtest.DefaultIssuer), SAN: cpverify.Exact("alice@example.com")}
	check := func(data []byte, id cpverify.Identity) error {
		_, err := cpverify.Verify(context.Background(), data, cpverify.Artifact{Reader: bytes.NewReader(artifact)},
			cpverify.Policy{Identities: []cpverify.Identity{id}}, cpverify.Options{TrustedRoot: tr})
		return err
	}
	if err := check(data, id); err != nil {
		t.Fatalf("untampered bundle: %v", err)
	}
	var ve *cpverify.Error
	if err := check(data, cpverify.Identity{Issuer: cpverify.Exact(signtest.DefaultIssuer), SAN: cpverify.Exact("mallory@example.com")}); !errors.Is(err, cpverify.ErrIdentity) || !errors.As(err, &ve) || ve.Check != cpverify.CheckIdentity {
		t.Errorf("wrong identity: err = %v, want ErrIdentity", err)
	}
	for name, mutate := range map[string]func(e *protorekor.TransparencyLogEntry){
		"integrated time": func(e *protorekor.TransparencyLogEntry) { e.IntegratedTime++ },
		"SET":             func(e *protorekor.TransparencyLogEntry) { e.InclusionPromise.SignedEntryTimestamp[8] ^= 1 },
		"log index":       func(e *protorekor.TransparencyLogEntry) { e.LogIndex++ },
		"root hash":       func(e *protorekor.TransparencyLogEntry) { e.InclusionProof.RootHash[0] ^= 1 },
		"checkpoint": func(e *protorekor.TransparencyLogEntry) {
			e.InclusionProof.Checkpoint.Envelope = strings.Replace(e.InclusionProof.Checkpoint.Envelope, "\n1\n", "\n2\n", 1)
		},
	} {
		t.Run(name, func(t *testing.T) {
			var b bundle.Bundle
			if err := b.UnmarshalJSON(data); err != nil {
				t.Fatal(err)
			}
			mutate(b.GetVerificationMaterial().GetTlogEntries()[0])
			out, err := b.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			err = check(out, id)
			if !errors.Is(err, cpverify.ErrTransparencyLog) || !errors.As(err, &ve) || ve.Check != cpverify.CheckTransparencyLog {
				t.Errorf("err = %v, want ErrTransparencyLog", err)
			}
		})
	}
}

// FuzzRekorV1Create posts arbitrary bodies to the Rekor v1 create
// endpoint: the handler never panics and answers 201, 400 or 409 only.
func FuzzRekorV1Create(f *testing.F) {
	s, err := signtest.New(signtest.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"kind":"hashedrekord","apiVersion":"0.0.1","spec":{"data":{"hash":{"algorithm":"sha256","value":"00"}},"signature":{"content":"AA==","publicKey":{"content":"AA=="}}}}`))
	f.Add([]byte(`{"kind":"dsse","apiVersion":"0.0.1","spec":{"proposedContent":{"envelope":"{}","verifiers":["AA=="]}}}`))
	f.Add([]byte(`{"kind":"intoto","apiVersion":"0.0.2","spec":{}}`))
	f.Add([]byte(`{}`))
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, signtest.PathLogEntriesV1, bytes.NewReader(body)))
		switch rec.Code {
		case http.StatusCreated, http.StatusBadRequest, http.StatusConflict:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}
