package sign

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
)

// Services are the Sigstore endpoints a signature is made with.
type Services struct {
	// Fulcio is the certificate authority's base URL, required for keyless
	// signing and unused with Options.Key.
	Fulcio string
	// Rekor lists the transparency logs to write to (usually one).
	Rekor []Log
	// TSA lists RFC 3161 timestamp authority URLs, with their path
	// (e.g. https://timestamp.sigstore.dev/api/v1/timestamp). Rekor v2
	// gives no integrated time, so signing with it needs at least one.
	TSA []string
	// OIDCIssuer is the identity provider the signing config names, for
	// InteractiveToken. Informational; signing does not use it.
	OIDCIssuer string
}

// Log is a Rekor instance.
type Log struct {
	URL string
	// Version is the Rekor API major version: 1 or 2 (0 means 1).
	Version uint32
}

// Public-good instance URLs.
const (
	PublicGoodFulcioURL = "https://fulcio.sigstore.dev"
	PublicGoodRekorURL  = "https://rekor.sigstore.dev"
	PublicGoodTSAURL    = "https://timestamp.sigstore.dev/api/v1/timestamp"
)

// PublicGood returns the public-good Sigstore instance's services (Fulcio,
// Rekor v1, the Sigstore TSA). Prefer ServicesFromSigningConfig with the
// signing config distributed over TUF, which tracks service changes.
func PublicGood() Services {
	return Services{
		Fulcio:     PublicGoodFulcioURL,
		Rekor:      []Log{{URL: PublicGoodRekorURL, Version: 1}},
		TSA:        []string{PublicGoodTSAURL},
		OIDCIssuer: PublicGoodOIDCIssuer,
	}
}

// ServicesFromSigningConfig selects services from a signing_config.json
// (v0.2, root.NewSigningConfigFromPath / FromJSON) as of now: for each kind
// the services valid at now with the highest API version this client
// supports (Rekor v1 or v2, Fulcio v1, TSA v1), newest first, honoring the
// config's ALL / ANY / EXACT selectors for logs and TSAs.
func ServicesFromSigningConfig(sc *root.SigningConfig, now time.Time) (Services, error) {
	if sc == nil {
		return Services{}, errorf("options", ErrInvalidOptions, "nil signing config")
	}
	var s Services
	if ca := sc.FulcioCertificateAuthorityURLs(); len(ca) > 0 {
		svc, err := root.SelectService(ca, sgsign.FulcioAPIVersions, now)
		if err != nil {
			return Services{}, errorf("options", ErrInvalidOptions, "signing config: fulcio: %v", err)
		}
		s.Fulcio = svc.URL
	}
	if oidc := sc.OIDCProviderURLs(); len(oidc) > 0 {
		if svc, err := root.SelectService(oidc, []uint32{1}, now); err == nil {
			s.OIDCIssuer = svc.URL
		}
	}
	if logs := sc.RekorLogURLs(); len(logs) > 0 {
		sel, err := root.SelectServices(logs, sc.RekorLogURLsConfig(), sgsign.RekorAPIVersions, now)
		if err != nil {
			return Services{}, errorf("options", ErrInvalidOptions, "signing config: rekor: %v", err)
		}
		for _, l := range sel {
			s.Rekor = append(s.Rekor, Log{URL: l.URL, Version: l.MajorAPIVersion})
		}
	}
	if tsas := sc.TimestampAuthorityURLs(); len(tsas) > 0 {
		sel, err := root.SelectServices(tsas, sc.TimestampAuthorityURLsConfig(), sgsign.TimestampAuthorityAPIVersions, now)
		if err != nil {
			return Services{}, errorf("options", ErrInvalidOptions, "signing config: tsa: %v", err)
		}
		for _, t := range sel {
			s.TSA = append(s.TSA, t.URL)
		}
	}
	return s, nil
}

// MaxSigningConfigSize bounds a signing_config.json read by
// LoadSigningConfig.
const MaxSigningConfigSize = 1 << 20

// LoadSigningConfig reads a signing_config.json (v0.2) from path and
// selects its services as of now, as ServicesFromSigningConfig does.
func LoadSigningConfig(path string, now time.Time) (Services, error) {
	f, err := os.Open(path)
	if err != nil {
		return Services{}, errorf("options", ErrInvalidOptions, "signing config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSigningConfigSize+1))
	if err != nil {
		return Services{}, errorf("options", ErrInvalidOptions, "signing config %s: %w", path, err)
	}
	if len(data) > MaxSigningConfigSize {
		return Services{}, errorf("options", ErrInvalidOptions, "signing config %s: larger than %d bytes", path, MaxSigningConfigSize)
	}
	sc, err := root.NewSigningConfigFromJSON(data)
	if err != nil {
		return Services{}, errorf("options", ErrInvalidOptions, "signing config %s: %w", path, err)
	}
	return ServicesFromSigningConfig(sc, now)
}

func (s Services) validate(keyless bool) error {
	if keyless && s.Fulcio == "" {
		return errorf("options", ErrInvalidOptions, "keyless signing needs Services.Fulcio")
	}
	for _, l := range s.Rekor {
		if l.URL == "" {
			return errorf("options", ErrInvalidOptions, "rekor log with empty URL")
		}
		if l.Version > 2 {
			return errorf("options", ErrInvalidOptions, "rekor %s: unsupported API version %d", l.URL, l.Version)
		}
		if l.Version == 2 && len(s.TSA) == 0 {
			return errorf("options", ErrInvalidOptions, "rekor v2 (%s) gives no integrated time: add a TSA", l.URL)
		}
	}
	for _, t := range s.TSA {
		if t == "" {
			return errorf("options", ErrInvalidOptions, "TSA with empty URL")
		}
	}
	return nil
}

func (l Log) String() string { return fmt.Sprintf("%s (v%d)", l.URL, max(l.Version, 1)) }
