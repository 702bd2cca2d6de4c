package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only; port 0 picks a free port)")
	addrFile := flag.String("addr-file", "", "write the listening HOST:PORT here once serving (removed on exit)")
	dir := flag.String("dir", "", "keep blobs in this directory (default: in memory)")
	verbose := flag.Bool("v", false, "log every request on stderr")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: ociregistry [-addr 127.0.0.1:0] [-addr-file FILE] [-dir BLOBDIR] [-v]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *addrFile, *dir, *verbose, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ociregistry:", err)
		os.Exit(1)
	}
}

// errNotLoopback is returned for a listen address off loopback.
var errNotLoopback = errors.New("listen address is not loopback")

// handler is the registry: go-containerregistry's, with referrers.
func handler(dir string, verbose bool) http.Handler {
	logw := io.Discard
	if verbose {
		logw = os.Stderr
	}
	opts := []registry.Option{
		registry.WithReferrersSupport(true),
		registry.Logger(log.New(logw, "ociregistry: ", log.LstdFlags)),
	}
	if dir != "" {
		opts = append(opts, registry.WithBlobHandler(registry.NewDiskBlobHandler(dir)))
	}
	return registry.New(opts...)
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: %q", errNotLoopback, addr)
}

func run(ctx context.Context, addr, addrFile, dir string, verbose bool, out io.Writer) error {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler(dir, verbose),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	got := ln.Addr().String()
	if addrFile != "" {
		if err := writeAtomic(addrFile, []byte(got+"\n")); err != nil {
			_ = srv.Close()
			return err
		}
		defer os.Remove(addrFile)
	}
	fmt.Fprintln(out, got)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	return nil
}

func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".addr-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
