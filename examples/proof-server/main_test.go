package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chainproof/chainproof/proof"
)

const (
	proofKey  = "ophamin-scenario-proof-key"
	proofsDir = "../../proof/testdata/ophamin/proofs/"
	anova     = proofsDir + "anova_scipy_vs_statsmodels_vs_pingouin_b0fcc417fb505410.json"
	crdt      = proofsDir + "crdt-laws_2026-05-31_validated_fcd001e3612e.json"
	crdtKey   = "1c0049bf886605d96defb43cb0a24969788b8a0076a3c7e83d32a9b166009b3c"
)

// serve starts the real server on a loopback listener.
func serve(t *testing.T, cfg Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(cfg)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func post(t *testing.T, url string, body []byte) (int, Response, string) {
	t.Helper()
	resp, err := http.Post(url+"/verify", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r Response
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("answer is not JSON: %q", raw)
	}
	return resp.StatusCode, r, string(raw)
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyService(t *testing.T) {
	pub, _ := hex.DecodeString(crdtKey)
	url := serve(t, Config{Key: []byte(proofKey), AttestationKeys: []ed25519.PublicKey{pub}, MaxBody: 64 << 10})
	unpinned := serve(t, Config{Key: []byte(proofKey)})
	wrongKey := serve(t, Config{Key: []byte("not the proof key")})

	big := append(append([]byte(`{"pad":"`), bytes.Repeat([]byte("a"), 70<<10)...), `"}`...)
	// The same records attested by a key that is not pinned (the
	// attestation is outside the HMAC, so they still verify).
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	anovaOther, err := proof.Attest(read(t, anova), "someone else", other)
	if err != nil {
		t.Fatal(err)
	}
	crdtOther, err := proof.Attest(read(t, crdt), "someone else", other)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		url      string
		body     []byte
		status   int
		verified bool
		attested bool
		attOK    bool
		check    string
		err      error // the proof sentinel the answer's code names
	}{
		{"verified", unpinned, read(t, anova), 200, true, false, false, "", nil},
		{"attested and pinned", url, read(t, crdt), 200, true, true, true, "", nil},
		{"attested, key not pinned", unpinned, read(t, crdt), 200, true, true, false, "", nil},
		{"attested by another key, none pinned", unpinned, anovaOther, 200, true, true, false, "", nil},
		// With pinned keys, an attestation by one of them is required.
		{"pinned, no attestation", url, read(t, anova), 422, false, false, false, "attestation", proof.ErrAttestationMissing},
		{"pinned, attested by another key", url, anovaOther, 422, false, false, false, "attestation", proof.ErrAttestationUntrusted},
		{"pinned, attestation replaced", url, crdtOther, 422, false, false, false, "attestation", proof.ErrAttestationUntrusted},
		{"not JSON", url, []byte("hello"), 400, false, false, false, "json", proof.ErrNotJSON},
		{"duplicate key", url, []byte(`{"a":1,"a":2}`), 400, false, false, false, "json", proof.ErrDuplicateKey},
		{"not a record", url, []byte(`[1,2]`), 422, false, false, false, "record", proof.ErrMalformedRecord},
		{"over the size limit", url, big, 413, false, false, false, "", nil},
		{"wrong key", wrongKey, read(t, anova), 422, false, false, false, "signature", proof.ErrSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, r, raw := post(t, tt.url, tt.body)
			if status != tt.status || r.Verified != tt.verified || r.Attested != tt.attested ||
				r.AttestationVerified != tt.attOK || r.Check != tt.check || r.Code != errorCode(tt.err) {
				t.Fatalf("status %d, answer %s", status, raw)
			}
			if tt.verified && (len(r.ProofID) != 64 || r.Error != "") {
				t.Errorf("answer %s", raw)
			}
			if !tt.verified && r.Error == "" {
				t.Errorf("no error message: %s", raw)
			}
			if strings.Contains(raw, proofKey) || strings.Contains(raw, "not the proof key") {
				t.Errorf("answer echoes key material: %s", raw)
			}
		})
	}

	resp, err := http.Get(url + "/verify")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}

// TestSlowClient: a client that trickles its headers or its body is cut
// off by ReadHeaderTimeout / ReadTimeout instead of holding the server.
func TestSlowClient(t *testing.T) {
	url := serve(t, Config{Key: []byte(proofKey), ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond})
	addr := strings.TrimPrefix(url, "http://")

	t.Run("headers", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "POST /verify HTTP/1.1\r\nHost: x\r\n") // and never finish
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = io.ReadAll(conn) // the server must close the connection
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("server kept a connection with unfinished headers open")
		}
	})

	t.Run("body", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\":") // 995 bytes short
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("server waited for a slow body beyond its ReadTimeout")
			}
			t.Fatalf("no answer: %v", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("status %d, want 408", resp.StatusCode)
		}
	})
}

// slowBody sends the headers of a POST and part of its body, then waits
// for the answer.
func slowBody(t *testing.T, addr string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	io.WriteString(conn, "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\":") // 995 bytes short
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a slow body: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestSlowBodyWithDefaultTimeouts: with ReadTimeout equal to WriteTimeout,
// as the defaults are, a slow body is answered 408 (the server's write
// deadline used to pass with the read deadline, so the connection closed
// without an answer). The timeouts are the defaults scaled down.
func TestSlowBodyWithDefaultTimeouts(t *testing.T) {
	if ReadTimeout != WriteTimeout {
		t.Fatalf("the defaults changed (ReadTimeout %v, WriteTimeout %v): revisit this test", ReadTimeout, WriteTimeout)
	}
	url := serve(t, Config{Key: []byte(proofKey), ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	resp := slowBody(t, strings.TrimPrefix(url, "http://"))
	raw, _ := io.ReadAll(resp.Body)
	var r Response
	if resp.StatusCode != http.StatusRequestTimeout || json.Unmarshal(raw, &r) != nil || r.Error == "" {
		t.Fatalf("status %d, answer %q; want 408 with a JSON error", resp.StatusCode, raw)
	}
	if !resp.Close {
		t.Error("408 answer does not close the connection")
	}
}

// TestConnectionCap: with MaxConns connections open, every further one is
// answered 503 and never reaches the HTTP server; closing one frees its
// slot. Asserted by counting connections (the server's ConnState hook)
// and answers, without sleeping.
func TestConnectionCap(t *testing.T) {
	const maxConns, extra = 3, 7
	srv := NewServer(Config{Key: []byte(proofKey), MaxConns: maxConns, ReadHeaderTimeout: time.Minute, ReadTimeout: time.Minute})
	var mu sync.Mutex
	open, peak, seen := 0, 0, 0
	newConn := make(chan struct{}, 100)
	closed := make(chan struct{}, 100)
	srv.ConnState = func(_ net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch s {
		case http.StateNew:
			open++
			seen++
			peak = max(peak, open)
			newConn <- struct{}{}
		case http.StateClosed, http.StateHijacked:
			open--
			closed <- struct{}{}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	// maxConns clients hold a connection with unfinished headers.
	var held []net.Conn
	for range maxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "POST /verify HTTP/1.1\r\nHost: x\r\n")
		held = append(held, c)
		<-newConn
	}
	// Every further client is answered 503 at once.
	for i := range extra {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "POST /verify HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("client %d over the cap: no answer: %v", i, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		c.Close()
		var r Response
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
			json.Unmarshal(raw, &r) != nil || r.Code != "busy" {
			t.Fatalf("client %d over the cap: status %d, answer %q", i, resp.StatusCode, raw)
		}
	}
	mu.Lock()
	if seen != maxConns || peak != maxConns {
		t.Errorf("the HTTP server saw %d connections (at most %d at once), want %d", seen, peak, maxConns)
	}
	mu.Unlock()

	// Closing a held connection frees its slot for a real request.
	held[0].Close()
	<-closed
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Post("http://"+addr+"/verify", "application/json", bytes.NewReader(read(t, anova)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after a slot was freed: status %d", resp.StatusCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if peak != maxConns {
		t.Errorf("peak of %d connections, want %d", peak, maxConns)
	}
}

// TestErrorCodes: every proof sentinel has its own code, and a wrapped
// *proof.Error is matched through errors.Is.
func TestErrorCodes(t *testing.T) {
	seen := map[string]bool{"": true}
	for _, c := range errorCodes {
		if seen[c.code] {
			t.Errorf("code %q repeated or empty", c.code)
		}
		seen[c.code] = true
		if got := errorCode(fmt.Errorf("wrapped: %w", &proof.Error{Err: c.err})); got != c.code {
			t.Errorf("errorCode(%v) = %q, want %q", c.err, got, c.code)
		}
	}
	if got := errorCode(errors.New("other")); got != "" {
		t.Errorf("errorCode(other) = %q", got)
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "key")
	os.WriteFile(f, []byte("secret\n"), 0o600)
	env := func(v string) func(string) string { return func(string) string { return v } }

	if k, src, err := loadKey(f, env("other")); err != nil || string(k) != "secret" || src != "-key-file" {
		t.Errorf("file: %q %q %v", k, src, err)
	}
	if k, src, err := loadKey("", env("from-env")); err != nil || string(k) != "from-env" || src != "$"+KeyEnv {
		t.Errorf("env: %q %q %v", k, src, err)
	}
	if _, _, err := loadKey("", env("")); err == nil {
		t.Error("no key accepted")
	}
	if _, _, err := loadKey(filepath.Join(dir, "missing"), env("")); err == nil {
		t.Error("missing file accepted")
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if _, _, err := loadKey(empty, env("")); err == nil {
		t.Error("empty key file accepted")
	}
	if _, err := parsePinned("zz"); err == nil {
		t.Error("bad pinned key accepted")
	}
	// The identity point (small order) and a non-canonical encoding.
	for _, weak := range []string{
		"0100000000000000000000000000000000000000000000000000000000000000",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	} {
		if _, err := parsePinned(weak); err == nil {
			t.Errorf("weak pinned key %s accepted", weak)
		}
	}
	if keys, err := parsePinned(crdtKey + ", " + crdtKey); err != nil || len(keys) != 2 {
		t.Errorf("parsePinned: %v", err)
	}
}

// TestRun starts the command as main does, verifies one record, and shuts
// it down; the log line never holds the key.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var log bytes.Buffer
	errc := make(chan error, 1)
	getenv := func(k string) string {
		if k == KeyEnv {
			return proofKey
		}
		return ""
	}
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0", "-attestation-key", crdtKey}, getenv, &log, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-errc:
		t.Fatal(err)
	}
	status, r, raw := post(t, "http://"+addr, read(t, crdt))
	if status != 200 || !r.AttestationVerified {
		t.Errorf("status %d: %s", status, raw)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), proofKey) {
		t.Errorf("log holds the key: %s", log.String())
	}

	for _, args := range [][]string{{"-bogus"}, {"-attestation-key", "zz"}, {"-addr", "256.0.0.1:0"}} {
		if err := run(context.Background(), args, getenv, io.Discard, nil); err == nil {
			t.Errorf("run %v succeeded", args)
		}
	}
	if err := run(context.Background(), nil, func(string) string { return "" }, io.Discard, nil); err == nil {
		t.Error("run without a key succeeded")
	}
}
