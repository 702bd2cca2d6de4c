package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chainproof/chainproof/internal/ctlog"
	"github.com/chainproof/chainproof/internal/oidctest"
	"github.com/chainproof/chainproof/internal/sigstoretest"
)

// tsaMetricsPort is the timestamp-server's metrics port; it is not
// configurable and binds every interface.
const tsaMetricsPort = 2112

// ctPrefix is the CT log's path prefix on the in-process server.
const ctPrefix = "/ctlog"

type config struct {
	dir      string
	bin      string
	basePort int
	pidfile  string
	timeout  time.Duration
	quiet    bool
}

func main() {
	var c config
	flag.StringVar(&c.dir, "dir", "", "state directory (created; its previous stack state is removed): keys, logs, trusted_root.json, signing_config.json, stack.json")
	flag.StringVar(&c.bin, "bin", "", "directory holding fulcio, posix and timestamp-server (default: $CI_CACHE/bin, else .cache/bin, else $PATH)")
	flag.IntVar(&c.basePort, "base-port", 0, "use the fixed ports base-port..base-port+7 (0: pick free ports)")
	flag.StringVar(&c.pidfile, "pidfile", "", "write the harness's pid here once the stack is ready (removed on exit)")
	flag.DurationVar(&c.timeout, "timeout", 60*time.Second, "startup timeout")
	flag.BoolVar(&c.quiet, "quiet", false, "print only errors")
	flag.Parse()
	if c.dir == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: localsigstore -dir DIR [-bin BINDIR] [-base-port N] [-pidfile FILE] [-timeout D]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "localsigstore:", err)
		os.Exit(1)
	}
}

func (c config) logf(format string, args ...any) {
	if !c.quiet {
		fmt.Fprintf(os.Stderr, "localsigstore: "+format+"\n", args...)
	}
}

// ports used by the stack.
type ports struct {
	local                                 int // OIDC issuers and CT log (in process)
	fulcioHTTP, fulcioGRPC, fulcioMetrics int
	rekorHTTP, rekorGRPC, rekorMetrics    int
	tsaHTTP                               int
}

func run(ctx context.Context, c config) (err error) {
	t0 := time.Now()
	dir, err := filepath.Abs(c.dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range []string{sigstoretest.ManifestFile, sigstoretest.TrustedRootFile, sigstoretest.SigningConfigFile,
		"keys", "rekor", "logs", "fulcio-config.yaml", "fulcio.sock"} {
		if err := os.RemoveAll(filepath.Join(dir, p)); err != nil {
			return err
		}
	}
	logDir := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	bins, err := findBinaries(c.bin)
	if err != nil {
		return err
	}

	if err := checkPortFree(tsaMetricsPort); err != nil {
		return fmt.Errorf("timestamp-server needs port %d (not configurable) and it is taken: %w; "+
			"another local sigstore may be running in this network namespace (run one per namespace, e.g. in `unshare -n`)", tsaMetricsPort, err)
	}
	ps, localLn, err := allocatePorts(c.basePort)
	if err != nil {
		return err
	}

	// In-process services: the two OIDC issuers and the CT log.
	local := fmt.Sprintf("http://127.0.0.1:%d", ps.local)
	emailIss, err := oidctest.New(local+"/email", oidctest.Options{})
	if err != nil {
		localLn.Close()
		return err
	}
	ghIss, err := oidctest.New(local+"/github", oidctest.Options{})
	if err != nil {
		localLn.Close()
		return err
	}
	keys, err := newPKI(dir, time.Now())
	if err != nil {
		localLn.Close()
		return fmt.Errorf("generating keys: %w", err)
	}
	ctLog, err := ctlog.New(keys.ctKey, [][]byte{keys.fulcioCert.Raw}, ctlog.Options{})
	if err != nil {
		localLn.Close()
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/email/", emailIss)
	mux.Handle("/github/", ghIss)
	mux.Handle(ctPrefix+"/", http.StripPrefix(ctPrefix, ctLog))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(localLn) }()

	var children []*child
	defer func() {
		t1 := time.Now()
		stopAll(children)
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = srv.Shutdown(sctx)
		cancel()
		_ = os.Remove(filepath.Join(dir, sigstoretest.ManifestFile))
		if c.pidfile != "" {
			_ = os.Remove(c.pidfile)
		}
		c.logf("stopped in %v", time.Since(t1).Round(time.Millisecond))
	}()

	// Fulcio's configuration: the two issuers.
	fulcioCfg := filepath.Join(dir, "fulcio-config.yaml")
	if err := os.WriteFile(fulcioCfg, []byte(fulcioConfig(emailIss.URL(), ghIss.URL())), 0o644); err != nil {
		return err
	}
	sock := filepath.Join(dir, "fulcio.sock")
	if len(sock) > 100 { // sun_path limit
		sock = filepath.Join(os.TempDir(), fmt.Sprintf("chainproof-fulcio-%d.sock", os.Getpid()))
		_ = os.Remove(sock)
	}
	rekorStorage := filepath.Join(dir, "rekor")
	if err := os.MkdirAll(rekorStorage, 0o755); err != nil {
		return err
	}

	specs := []struct {
		name, bin, ready string
		args             []string
	}{
		// The TSA first: its fixed metrics port is the likeliest to clash.
		{"timestamp-server", bins.tsa, fmt.Sprintf("http://127.0.0.1:%d/api/v1/timestamp/certchain", ps.tsaHTTP), []string{
			"serve", "--host=127.0.0.1", "--port=" + strconv.Itoa(ps.tsaHTTP),
			"--disable-ntp-monitoring",
			"--timestamp-signer=file", "--file-signer-key-path=" + keys.tsaKeyPath,
			"--certificate-chain-path=" + keys.tsaChainPath,
			"--cleanup-timeout=1s",
		}},
		{"rekor", bins.rekor, fmt.Sprintf("http://127.0.0.1:%d/healthz", ps.rekorHTTP), []string{
			"serve", "--hostname=localhost",
			"--http-address=127.0.0.1", "--http-port=" + strconv.Itoa(ps.rekorHTTP),
			"--grpc-address=127.0.0.1", "--grpc-port=" + strconv.Itoa(ps.rekorGRPC),
			"--http-metrics-port=" + strconv.Itoa(ps.rekorMetrics),
			"--storage-dir=" + rekorStorage, "--signer-filepath=" + keys.rekorKeyPath,
			"--checkpoint-interval=200ms",
		}},
		{"fulcio", bins.fulcio, fmt.Sprintf("http://127.0.0.1:%d/api/v2/trustBundle", ps.fulcioHTTP), []string{
			"serve", "--ca=fileca",
			"--fileca-cert=" + keys.fulcioCertPath, "--fileca-key=" + keys.fulcioKeyPath,
			"--fileca-key-passwd=" + keys.fulcioPass, "--fileca-watch=false",
			"--ct-log-url=" + local + ctPrefix, "--ct-log-public-key-path=" + keys.ctPubPath,
			"--config-path=" + fulcioCfg,
			"--host=127.0.0.1", "--port=" + strconv.Itoa(ps.fulcioHTTP),
			"--grpc-host=127.0.0.1", "--grpc-port=" + strconv.Itoa(ps.fulcioGRPC),
			"--metrics-port=" + strconv.Itoa(ps.fulcioMetrics),
			"--legacy-unix-domain-socket=" + sock,
		}},
	}
	for _, s := range specs {
		ch, err := startChild(s.name, s.bin, s.args, logDir)
		if err != nil {
			return err
		}
		children = append(children, ch)
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i, s := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := waitReady(rctx, children[i], s.ready); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				cancel() // no use waiting for the others
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return errors.New("interrupted during startup")
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}

	m := sigstoretest.Manifest{
		FulcioURL:       fmt.Sprintf("http://127.0.0.1:%d", ps.fulcioHTTP),
		RekorURL:        fmt.Sprintf("http://localhost:%d", ps.rekorHTTP),
		TSAURL:          fmt.Sprintf("http://127.0.0.1:%d/api/v1/timestamp", ps.tsaHTTP),
		CTLogURL:        local + ctPrefix,
		OIDCIssuerURL:   emailIss.URL(),
		OIDCTokenURL:    emailIss.TokenURL(),
		GitHubIssuerURL: ghIss.URL(),
		GitHubTokenURL:  ghIss.TokenURL(),
		PID:             os.Getpid(),
		Started:         time.Now().UTC().Truncate(time.Second),
	}
	if err := writeTrust(dir, m, keys, ctLog); err != nil {
		return err
	}
	if c.pidfile != "" {
		if err := writeAtomic(c.pidfile, []byte(strconv.Itoa(os.Getpid())+"\n")); err != nil {
			return err
		}
	}
	c.logf("ready in %v: dir %s\n  fulcio %s\n  rekor  %s (v2)\n  tsa    %s\n  ctlog  %s\n  oidc   %s (email), %s (github)\n  export %s=%s",
		time.Since(t0).Round(time.Millisecond), dir, m.FulcioURL, m.RekorURL, m.TSAURL, m.CTLogURL,
		m.OIDCIssuerURL, m.GitHubIssuerURL, sigstoretest.EnvDir, dir)

	// Run until signalled, or until a server dies.
	died := make(chan *child, len(children))
	for _, ch := range children {
		go func() {
			<-ch.done
			died <- ch
		}()
	}
	select {
	case <-ctx.Done():
		c.logf("stopping")
		return nil
	case ch := <-died:
		return fmt.Errorf("%s exited (%v); last lines of %s:\n%s", ch.name, ch.err, ch.logPath, ch.tail(20))
	}
}

type binaries struct{ fulcio, rekor, tsa string }

func findBinaries(dir string) (binaries, error) {
	var cands []string
	if dir != "" {
		cands = []string{dir}
	} else {
		if cc := os.Getenv("CI_CACHE"); cc != "" {
			cands = append(cands, filepath.Join(cc, "bin"))
		}
		cands = append(cands, filepath.Join(".cache", "bin"))
	}
	find := func(name string) (string, error) {
		for _, d := range cands {
			p := filepath.Join(d, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return filepath.Abs(p)
			}
		}
		if dir == "" {
			if p, err := exec.LookPath(name); err == nil {
				return p, nil
			}
		}
		return "", fmt.Errorf("%s not found in %s (build it with .ci/build.d/20-sigstore.sh)", name, strings.Join(cands, ", "))
	}
	var b binaries
	var err error
	if b.fulcio, err = find("fulcio"); err != nil {
		return b, err
	}
	if b.rekor, err = find("posix"); err != nil {
		return b, err
	}
	if b.tsa, err = find("timestamp-server"); err != nil {
		return b, err
	}
	return b, nil
}

func checkPortFree(port int) error {
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	return ln.Close()
}

// allocatePorts returns the stack's ports and an open listener on the local
// (in-process) one. With base != 0 the ports are base..base+7; otherwise
// free ports are picked (bound on every interface, since some servers'
// metrics listeners ignore the host), and released just before the servers
// start.
func allocatePorts(base int) (ports, net.Listener, error) {
	var ps ports
	fields := []*int{&ps.local, &ps.fulcioHTTP, &ps.fulcioGRPC, &ps.fulcioMetrics,
		&ps.rekorHTTP, &ps.rekorGRPC, &ps.rekorMetrics, &ps.tsaHTTP}
	if base != 0 {
		for i, f := range fields {
			*f = base + i
			if *f == tsaMetricsPort {
				return ps, nil, fmt.Errorf("-base-port range %d..%d includes %d", base, base+len(fields)-1, tsaMetricsPort)
			}
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", ps.local))
		return ps, ln, err
	}
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for _, f := range fields[1:] {
		l, err := net.Listen("tcp", ":0")
		if err != nil {
			return ps, nil, err
		}
		held = append(held, l)
		*f = l.Addr().(*net.TCPAddr).Port
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return ps, nil, err
	}
	ps.local = ln.Addr().(*net.TCPAddr).Port
	return ps, ln, nil
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
