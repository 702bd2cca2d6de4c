package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chainproof/chainproof/internal/registrytest"
)

func TestRunServesReferrers(t *testing.T) {
	addrFile := filepath.Join(t.TempDir(), "addr")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- run(ctx, "127.0.0.1:0", addrFile, t.TempDir(), false, &out) }()
	var addr string
	for i := 0; i < 200 && addr == ""; i++ {
		b, _ := os.ReadFile(addrFile)
		addr = strings.TrimSpace(string(b))
		time.Sleep(10 * time.Millisecond)
	}
	if addr == "" {
		cancel()
		t.Fatalf("no address written: %v", <-done)
	}
	img := registrytest.Registry{Host: addr}.PushRandom(t)
	for path, want := range map[string]int{
		"/v2/": http.StatusOK,
		"/v2/" + img.Ref.RepositoryStr() + "/referrers/" + img.Digest.String(): http.StatusOK, // empty index
	} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %s, want %d", path, resp.Status, want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(addrFile); !os.IsNotExist(err) {
		t.Errorf("address file left behind: %v", err)
	}
}

func TestRunRefusesNonLoopback(t *testing.T) {
	for _, a := range []string{"0.0.0.0:0", ":0", "10.0.0.1:0", "example.com:0"} {
		err := run(context.Background(), a, "", "", false, &bytes.Buffer{})
		if !errors.Is(err, errNotLoopback) {
			t.Errorf("%s: %v, want errNotLoopback", a, err)
		}
	}
}
