package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/chainproof/chainproof/dsse"
	"github.com/chainproof/chainproof/proof"
)

func TestTwoLayers(t *testing.T) {
	for _, outer := range []string{"ed25519", "hmac"} {
		t.Run(outer, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "env.json")
			var report bytes.Buffer
			if err := run(context.Background(), []string{"-outer", outer, "-out", out}, &report); err != nil {
				t.Fatalf("%v\n%s", err, report.String())
			}
			for _, want := range []string{
				// The upstream record's proof_id, as its file name says.
				`(?m)^record     proof_id 7b2498c1937091d1[0-9a-f]{48} \(HMAC-SHA256 verified\)$`,
				`(?m)^verified   outer DSSE \(` + outer + `\), statement subject "empirical-proof-record-7b2498c1937091d1"`,
				`(?m)^refused    wrong key  check "signature": proof: signature: signature mismatch`,
				`(?m)^refused    tampered   check "envelope": proof: envelope: envelope verification failed: verification failed: `,
			} {
				if !regexp.MustCompile(want).MatchString(report.String()) {
					t.Errorf("report lacks %s:\n%s", want, report.String())
				}
			}
			// The envelope on disk is a DSSE envelope with an in-toto
			// payload whose inner layer verifies with the upstream key.
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			env, err := dsse.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			if env.PayloadType != "application/vnd.in-toto+json" || len(env.Signatures) != 1 {
				t.Fatalf("envelope: %s %d", env.PayloadType, len(env.Signatures))
			}
			v, err := proof.VerifyStatement(env.Payload, []byte(upstreamKey))
			if err != nil || v.ProofID[:16] != "7b2498c1937091d1" {
				t.Fatalf("inner layer: %v %+v", err, v)
			}
		})
	}
}

func TestOwnRecord(t *testing.T) {
	dir := t.TempDir()
	// A fresh record signed with our own key, instead of the upstream one.
	v, err := proof.Verify(upstreamProof, []byte(upstreamKey))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := proof.Sign(v.Body, []byte("my key"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rec.json")
	if err := os.WriteFile(path, rec, 0o644); err != nil {
		t.Fatal(err)
	}
	var report bytes.Buffer
	if err := run(context.Background(), []string{"-record", path, "-key", "my key", "-out", filepath.Join(dir, "e.json")}, &report); err != nil {
		t.Fatalf("%v\n%s", err, report.String())
	}
	// The upstream key no longer verifies it.
	err = run(context.Background(), []string{"-record", path, "-out", filepath.Join(dir, "f.json")}, &bytes.Buffer{})
	if !errors.Is(err, proof.ErrSignatureMismatch) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-outer", "rsa"},
		{"-record", "/does/not/exist"},
		{"extra"},
		{"-nope"},
	} {
		if err := run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
