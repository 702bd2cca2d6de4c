package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chainproof/chainproof/verify"
)

// repeatedCheckpointBundle returns the public-good happy-path v0.3 bundle
// with its one checkpoint signature line repeated n times: every line is
// the log's own valid signature, so a verifier that checks each line does
// n ECDSA verifications.
func repeatedCheckpointBundle(tb testing.TB, n int) []byte {
	tb.Helper()
	data, err := os.ReadFile(happyV03)
	if err != nil {
		tb.Fatal(err)
	}
	var b map[string]any
	if err := json.Unmarshal(data, &b); err != nil {
		tb.Fatal(err)
	}
	e := b["verificationMaterial"].(map[string]any)["tlogEntries"].([]any)[0].(map[string]any)
	cp := e["inclusionProof"].(map[string]any)["checkpoint"].(map[string]any)
	env := cp["envelope"].(string)
	text, sig, ok := strings.Cut(env, "\n\n")
	if !ok {
		tb.Fatal("no signature block")
	}
	cp["envelope"] = text + "\n\n" + strings.Repeat(sig, n)
	out, err := json.Marshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// manySignaturesBundle returns the public-good in-toto DSSE bundle whose
// envelope carries its one signature n times.
func manySignaturesBundle(tb testing.TB, n int) []byte {
	tb.Helper()
	data, err := os.ReadFile(happyDSSE)
	if err != nil {
		tb.Fatal(err)
	}
	var b map[string]json.RawMessage
	if err := json.Unmarshal(data, &b); err != nil {
		tb.Fatal(err)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(b["dsseEnvelope"], &env); err != nil {
		tb.Fatal(err)
	}
	var sigs []json.RawMessage
	if err := json.Unmarshal(env["signatures"], &sigs); err != nil || len(sigs) != 1 {
		tb.Fatal("want one signature", err)
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(sigs[0])
	}
	buf.WriteByte(']')
	env["signatures"] = buf.Bytes()
	if b["dsseEnvelope"], _ = json.Marshal(env); b["dsseEnvelope"] == nil {
		tb.Fatal("marshal")
	}
	out, err := json.Marshal(b)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// peakHeap samples the live heap while f runs and returns the highest
// HeapAlloc seen above the heap in use before f, and the bytes f allocated.
func peakHeap(f func()) (peak, allocated uint64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var max atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > max.Load() {
				max.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > max.Load() {
		max.Store(after.HeapAlloc)
	}
	if m := max.Load(); m > before.HeapAlloc {
		peak = m - before.HeapAlloc
	}
	return peak, after.TotalAlloc - before.TotalAlloc
}

// refuse parses and verifies data against the public-good root and the
// conformance artifact; it returns the error.
func refuse(ctx context.Context, data []byte) error {
	v, err := verify.New(verify.Options{})
	if err != nil {
		return err
	}
	b, err := verify.ParseBundle(data)
	if err != nil {
		return err
	}
	_, err = v.Verify(ctx, b, defaultArt, verify.Policy{Identities: []verify.Identity{beacon()}})
	if err == nil {
		return errors.New("verified")
	}
	return err
}
