package signtest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strconv"
	"sync"
	"time"

	prototrustroot "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/chainproof/chainproof/verify"
)

// DefaultSeed is the seed used when Options.Seed is empty.
const DefaultSeed = "chainproof signtest"

// DefaultTime is the fixed clock used when Options.Now is nil:
// 2026-01-01T00:00:00Z.
var DefaultTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Host names the instance's parts carry in trust material. They are
// reserved names (.invalid) and never resolved.
const (
	// LogOrigin is the Rekor v2 checkpoint origin; the log's baseUrl in
	// the trusted root is https://LogOrigin.
	LogOrigin = "rekor.signtest.invalid"
	// LogV1Origin is the Rekor v1 log's host name; its checkpoints'
	// origin is "LogV1Origin - LogV1TreeID" (as Rekor v1's) and its
	// baseUrl in the trusted root is https://LogV1Origin.
	LogV1Origin = "rekor-v1.signtest.invalid"
	// DefaultIssuer is the OIDC issuer of Email identities.
	DefaultIssuer = "https://oidc.signtest.invalid"
	// GitHubIssuer is GitHub Actions' OIDC issuer.
	GitHubIssuer = "https://token.actions.githubusercontent.com"
)

// LogV1TreeID is the Rekor v1 log's tree ID (in checkpoint origins and
// entry UUIDs).
const LogV1TreeID int64 = 2026

// certLifetime is the validity of issued leaf certificates (as Fulcio).
const certLifetime = 10 * time.Minute

// Options configure New. The zero value gives the default, fixed instance.
type Options struct {
	// Seed derives every key (CA, log, TSA, OIDC, leaf keys). Same seed,
	// same keys, same trusted root.
	Seed string
	// Now is the clock: certificate validity, timestamps, token expiry.
	// DefaultTime (fixed) when nil; pass time.Now for a live clock.
	Now func() time.Time
}

// Sigstore is a deterministic in-process Sigstore instance: a Fulcio-like
// CA (root and intermediate), Rekor v2-like and v1-like logs, an RFC 3161
// timestamp authority and an OIDC issuer, all with keys derived from a
// seed. It is safe for concurrent use; outputs depend on the order of calls, so
// golden tests should mint in a fixed order from a fresh instance.
type Sigstore struct {
	seed string
	now  func() time.Time

	vtrOnce sync.Once
	vtr     *verify.TrustedRoot

	caKey, intKey, tsaRootKey, tsaKey, logKey, oidcKey, ctKey *ecdsa.PrivateKey
	logV1Key                                                  *ecdsa.PrivateKey
	caCert, intCert, tsaRootCert, tsaCert                     *x509.Certificate
	epoch                                                     time.Time

	mu     sync.Mutex
	serial int64                           // certificate and timestamp serials
	leaves int64                           // leaf key counter
	log    merkleTree                      // Rekor v2 log
	logV1  merkleTree                      // Rekor v1 log
	v1     map[string]*models.LogEntryAnon // Rekor v1 entries by leaf hash (hex)
	tr     *root.TrustedRoot
}

// New creates an instance.
func New(opts Options) (*Sigstore, error) {
	s := &Sigstore{seed: opts.Seed, now: opts.Now}
	if s.seed == "" {
		s.seed = DefaultSeed
	}
	if s.now == nil {
		s.now = func() time.Time { return DefaultTime }
	}
	// Trust material is anchored at the instance's creation time so that
	// it stays valid for the clock's whole plausible range.
	s.epoch = s.now().UTC().Truncate(time.Second)
	s.caKey = s.deriveKey("fulcio-root")
	s.intKey = s.deriveKey("fulcio-intermediate")
	s.tsaRootKey = s.deriveKey("tsa-root")
	s.tsaKey = s.deriveKey("tsa-leaf")
	s.logKey = s.deriveKey("rekor")
	s.oidcKey = s.deriveKey("oidc")
	s.ctKey = s.deriveKey("ctlog")
	s.logV1Key = s.deriveKey("rekor-v1")

	notBefore, notAfter := s.epoch.AddDate(-1, 0, 0), s.epoch.AddDate(10, 0, 0)
	var err error
	s.caCert, err = s.createCert(&x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{Organization: []string{"signtest"}, CommonName: "signtest fulcio root"},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, &s.caKey.PublicKey, s.caKey)
	if err != nil {
		return nil, err
	}
	s.intCert, err = s.createCert(&x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{Organization: []string{"signtest"}, CommonName: "signtest fulcio intermediate"},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}, s.caCert, &s.intKey.PublicKey, s.caKey)
	if err != nil {
		return nil, err
	}
	s.tsaRootCert, err = s.createCert(&x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{Organization: []string{"signtest"}, CommonName: "signtest tsa root"},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, &s.tsaRootKey.PublicKey, s.tsaRootKey)
	if err != nil {
		return nil, err
	}
	s.tsaCert, err = s.createCert(&x509.Certificate{
		SerialNumber: big.NewInt(4), Subject: pkix.Name{Organization: []string{"signtest"}, CommonName: "signtest tsa"},
		NotBefore: notBefore, NotAfter: notAfter, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		ExtraExtensions: []pkix.Extension{{ // critical EKU, as RFC 3161 requires
			Id: []int{2, 5, 29, 37}, Critical: true, Value: mustASN1([]asn1OID{oidTimeStamping}),
		}},
	}, s.tsaRootCert, &s.tsaKey.PublicKey, s.tsaRootKey)
	if err != nil {
		return nil, err
	}
	s.serial = 100
	logID := s.LogID()
	logV1ID := s.LogV1ID()
	ctID := s.ctLogID()
	s.tr, err = root.NewTrustedRoot(root.TrustedRootMediaType01,
		[]root.CertificateAuthority{&root.FulcioCertificateAuthority{
			Root: s.caCert, Intermediates: []*x509.Certificate{s.intCert},
			ValidityPeriodStart: notBefore, URI: "https://fulcio.signtest.invalid",
		}},
		map[string]*root.TransparencyLog{fmt.Sprintf("%x", ctID[:]): {
			BaseURL: "https://ctfe.signtest.invalid", ID: ctID[:], ValidityPeriodStart: notBefore,
			HashFunc: crypto.SHA256, PublicKey: &s.ctKey.PublicKey, SignatureHashFunc: crypto.SHA256,
		}},
		[]root.TimestampingAuthority{&root.SigstoreTimestampingAuthority{
			Root: s.tsaRootCert, Leaf: s.tsaCert,
			ValidityPeriodStart: notBefore, URI: "https://tsa.signtest.invalid",
		}},
		map[string]*root.TransparencyLog{fmt.Sprintf("%x", logID): {
			BaseURL: "https://" + LogOrigin, ID: logID, ValidityPeriodStart: notBefore,
			HashFunc: crypto.SHA256, PublicKey: &s.logKey.PublicKey, SignatureHashFunc: crypto.SHA256,
		}, fmt.Sprintf("%x", logV1ID): {
			BaseURL: "https://" + LogV1Origin, ID: logV1ID, ValidityPeriodStart: notBefore,
			HashFunc: crypto.SHA256, PublicKey: &s.logV1Key.PublicKey, SignatureHashFunc: crypto.SHA256,
		}},
	)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Now returns the instance's clock reading.
func (s *Sigstore) Now() time.Time { return s.now() }

// TrustedRoot returns the trusted root that verifies everything the
// instance issues, for sign.Options and verify.Options.
func (s *Sigstore) TrustedRoot() *verify.TrustedRoot {
	s.vtrOnce.Do(func() {
		raw, err := s.TrustedRootJSON()
		if err != nil {
			panic("signtest: trusted root: " + err.Error()) // built by New; cannot fail
		}
		if s.vtr, err = verify.ParseTrustedRoot(raw, "signtest"); err != nil {
			panic("signtest: trusted root: " + err.Error())
		}
	})
	return s.vtr
}

// SigstoreTrustedRoot returns the same trust material as sigstore-go's
// type, for checking bundles with sigstore-go's verifier independently.
func (s *Sigstore) SigstoreTrustedRoot() *root.TrustedRoot { return s.tr }

// TrustedRootJSON returns trusted_root.json (indented, stable bytes; the
// transparency logs sorted by log ID).
func (s *Sigstore) TrustedRootJSON() ([]byte, error) {
	raw, err := s.tr.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var pb prototrustroot.TrustedRoot
	if err := protojson.Unmarshal(raw, &pb); err != nil {
		return nil, err
	}
	// sigstore-go marshals its map of logs in random order.
	for _, logs := range [][]*prototrustroot.TransparencyLogInstance{pb.Tlogs, pb.Ctlogs} {
		sort.Slice(logs, func(i, j int) bool {
			return bytes.Compare(logs[i].GetLogId().GetKeyId(), logs[j].GetLogId().GetKeyId()) < 0
		})
	}
	return stableJSON(protojson.Marshal(&pb))
}

// LogID returns the Rekor v2 log's ID (SHA-256 of its PKIX public key).
func (s *Sigstore) LogID() []byte { return keyID(&s.logKey.PublicKey) }

// LogV1ID returns the Rekor v1 log's ID (SHA-256 of its PKIX public key).
// The v1 log has its own key, apart from the v2 log's.
func (s *Sigstore) LogV1ID() []byte { return keyID(&s.logV1Key.PublicKey) }

func keyID(pub *ecdsa.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return sum[:]
}

// deriveKey derives a P-256 key from the seed and a label.
func (s *Sigstore) deriveKey(label string) *ecdsa.PrivateKey {
	for i := 0; ; i++ {
		sum := sha256.Sum256([]byte(s.seed + "\x00" + label + "\x00" + strconv.Itoa(i)))
		if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), sum[:]); err == nil {
			return k
		}
	}
}

func (s *Sigstore) nextSerial() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serial++
	return s.serial
}

func (s *Sigstore) createCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, key *ecdsa.PrivateKey) (*x509.Certificate, error) {
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, detSigner{key})
	if err != nil {
		return nil, fmt.Errorf("signtest: create certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// detSigner signs deterministically (RFC 6979), so every output is
// byte-stable.
type detSigner struct{ k *ecdsa.PrivateKey }

func (d detSigner) Public() crypto.PublicKey { return &d.k.PublicKey }
func (d detSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return d.k.Sign(nil, digest, opts)
}

// noteSigner adapts detSigner to sigstore's signature.Signer (for the
// checkpoint note).
type noteSigner struct{ detSigner }

func (n noteSigner) PublicKey(...signature.PublicKeyOption) (crypto.PublicKey, error) {
	return n.Public(), nil
}

func (n noteSigner) SignMessage(r io.Reader, _ ...signature.SignOption) ([]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return nil, err
	}
	return n.Sign(nil, h.Sum(nil), crypto.SHA256)
}

// stableJSON re-indents protojson output, whose whitespace varies on
// purpose, into stable bytes.
func stableJSON(b []byte, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	var v json.RawMessage = b
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
