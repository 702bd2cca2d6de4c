// Package stack is where the example programs sign and what they trust:
// by default the in-process Sigstore of sign/signtest, served on a
// loopback port (nothing leaves the machine), or real services named by a
// signing config and a trusted root.
package stack

import (
	"context"
	"flag"
	"net"
	"net/http"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/sign"
	"github.com/chainproof/chainproof/sign/signtest"
	"github.com/chainproof/chainproof/verify"
)

// Stack is a set of Sigstore services and the trusted root that verifies
// what they issue.
type Stack struct {
	// Description says where signing happens, for the programs' reports.
	Description string
	Services    sign.Services
	Trust       *verify.TrustedRoot
	// TrustedJSON is the trusted_root.json Trust was read from.
	TrustedJSON []byte
	// Sigstore is the in-process instance (nil for real services); its
	// Token mints identity tokens its Fulcio accepts.
	Sigstore *signtest.Sigstore
	stop     func()
}

// Embedded serves a signtest Sigstore (real clock) on 127.0.0.1 until
// Close. Its signing config names its Fulcio, Rekor v2 and TSA.
func Embedded() (*Stack, error) {
	st, err := signtest.New(signtest.Options{Now: time.Now})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: st.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Shutdown
	base := "http://" + ln.Addr().String()
	s := &Stack{Description: "in-process Sigstore (sign/signtest) on " + base, Sigstore: st, stop: func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx) //nolint:errcheck
	}}
	scJSON, err := st.SigningConfigJSON(base)
	var sc *root.SigningConfig
	if err == nil {
		sc, err = root.NewSigningConfigFromJSON(scJSON)
	}
	if err == nil {
		s.Services, err = sign.ServicesFromSigningConfig(sc, time.Now())
	}
	if err == nil {
		s.TrustedJSON, err = st.TrustedRootJSON()
	}
	if err == nil {
		s.Trust, err = verify.ParseTrustedRoot(s.TrustedJSON, "signtest trusted_root.json")
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Real reads the services of a signing_config.json and the
// trusted_root.json that verifies them.
func Real(signingConfig, trustedRoot string) (*Stack, error) {
	services, err := sign.LoadSigningConfig(signingConfig, time.Now())
	if err != nil {
		return nil, err
	}
	trJSON, err := cli.ReadFile(trustedRoot, verify.MaxTrustedRootSize)
	if err != nil {
		return nil, err
	}
	tr, err := verify.ParseTrustedRoot(trJSON, trustedRoot)
	if err != nil {
		return nil, err
	}
	return &Stack{Description: "services of " + signingConfig, Services: services, Trust: tr, TrustedJSON: trJSON, stop: func() {}}, nil
}

// Close stops an embedded Sigstore.
func (s *Stack) Close() {
	if s != nil && s.stop != nil {
		s.stop()
	}
}

// Flags are the -signing-config and -trusted-root flags, which choose
// real services over the in-process Sigstore.
type Flags struct {
	SigningConfig, TrustedRoot string
}

// AddFlags defines the flags on fs.
func AddFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.SigningConfig, "signing-config", "", "signing_config.json of real services (default: an in-process Sigstore)")
	fs.StringVar(&f.TrustedRoot, "trusted-root", "", "trusted_root.json of those services")
	return f
}

// IsReal reports whether the flags name real services.
func (f *Flags) IsReal() bool { return f.SigningConfig != "" }

// Check returns a usage error unless both flags or neither are set.
func (f *Flags) Check() error {
	if (f.SigningConfig == "") != (f.TrustedRoot == "") {
		return cli.Usagef("-signing-config and -trusted-root go together")
	}
	return nil
}

// Open returns the stack the flags name: Real, or Embedded when unset.
func (f *Flags) Open() (*Stack, error) {
	if f.IsReal() {
		return Real(f.SigningConfig, f.TrustedRoot)
	}
	return Embedded()
}
