package ctlog

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	ct "github.com/google/certificate-transparency-go"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509 "github.com/google/certificate-transparency-go/x509"
)

// Size and count limits on requests.
const (
	MaxRequestSize = 1 << 20 // bytes of an add-chain body
	MaxChainLength = 8       // certificates in a submitted chain
)

// Paths served, relative to the log's prefix (RFC 6962 section 4).
const (
	AddChainPath    = "/ct/v1/add-chain"
	AddPreChainPath = "/ct/v1/add-pre-chain"
	GetRootsPath    = "/ct/v1/get-roots"
)

// Errors. Check names the failed check of a rejected submission.
var (
	ErrKey       = errors.New("ctlog: unsupported log key")
	ErrNoRoots   = errors.New("ctlog: no trusted roots")
	ErrChain     = errors.New("ctlog: chain rejected")
	ErrPrecert   = errors.New("ctlog: precertificate mismatch")
	ErrMalformed = errors.New("ctlog: malformed request")
)

// Options configures a Log. The zero value uses the wall clock.
type Options struct {
	// Now is the clock that stamps SCTs. Nil: time.Now.
	Now func() time.Time
}

// Log is an RFC 6962 log front end that answers add-chain and add-pre-chain
// with a signed SCT and serves get-roots. It is an http.Handler for paths
// relative to the log prefix (mount it with http.StripPrefix).
type Log struct {
	key   crypto.Signer
	id    [sha256.Size]byte
	roots []*ctx509.Certificate
	now   func() time.Time
}

// New returns a log signing with key (ECDSA P-256, as Sigstore's CT logs)
// that accepts chains ending at one of roots (DER certificates).
func New(key crypto.Signer, roots [][]byte, opts Options) (*Log, error) {
	pub, ok := key.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, ErrKey
	}
	if len(roots) == 0 {
		return nil, ErrNoRoots
	}
	l := &Log{key: key, now: opts.Now}
	if l.now == nil {
		l.now = time.Now
	}
	spki, err := ctx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	l.id = sha256.Sum256(spki)
	for i, der := range roots {
		c, err := ctx509.ParseCertificate(der)
		if ctx509.IsFatal(err) {
			return nil, fmt.Errorf("ctlog: root %d: %w", i, err)
		}
		l.roots = append(l.roots, c)
	}
	return l, nil
}

// LogID is the log's ID: SHA-256 of its DER public key (RFC 6962 3.2).
func (l *Log) LogID() [sha256.Size]byte { return l.id }

// PublicKey is the key that verifies the log's SCTs.
func (l *Log) PublicKey() crypto.PublicKey { return l.key.Public() }

// ServeHTTP serves add-chain, add-pre-chain and get-roots.
func (l *Log) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case AddChainPath, AddPreChainPath:
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		etype := ct.X509LogEntryType
		if r.URL.Path == AddPreChainPath {
			etype = ct.PrecertLogEntryType
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestSize+1))
		if err != nil || len(body) > MaxRequestSize {
			http.Error(w, ErrMalformed.Error()+": body unreadable or too large", http.StatusBadRequest)
			return
		}
		var req ct.AddChainRequest
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, ErrMalformed.Error()+": not an add-chain request", http.StatusBadRequest)
			return
		}
		resp, err := l.Add(req.Chain, etype)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, resp)
	case GetRootsPath:
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var rr ct.GetRootsResponse
		for _, c := range l.roots {
			rr.Certificates = append(rr.Certificates, base64.StdEncoding.EncodeToString(c.Raw))
		}
		writeJSON(w, rr)
	default:
		http.NotFound(w, r)
	}
}

// Add checks chain (DER, leaf first) and returns a signed SCT for it.
// etype is ct.X509LogEntryType (add-chain: the leaf must not be a
// precertificate) or ct.PrecertLogEntryType (add-pre-chain: it must be).
// Each certificate must be signed by the next, and the last must be a
// trusted root or be signed by one.
func (l *Log) Add(chain [][]byte, etype ct.LogEntryType) (*ct.AddChainResponse, error) {
	if len(chain) == 0 || len(chain) > MaxChainLength {
		return nil, fmt.Errorf("%w: %d certificates", ErrChain, len(chain))
	}
	certs := make([]*ctx509.Certificate, len(chain))
	for i, der := range chain {
		c, err := ctx509.ParseCertificate(der)
		if ctx509.IsFatal(err) {
			return nil, fmt.Errorf("%w: certificate %d: %w", ErrChain, i, err)
		}
		certs[i] = c
	}
	isPre := certs[0].IsPrecertificate()
	if (etype == ct.PrecertLogEntryType) != isPre {
		return nil, fmt.Errorf("%w: precertificate=%v on the %v path", ErrPrecert, isPre, etype)
	}
	for i := 0; i+1 < len(certs); i++ {
		if err := certs[i].CheckSignatureFrom(certs[i+1]); err != nil {
			return nil, fmt.Errorf("%w: certificate %d not signed by %d: %w", ErrChain, i, i+1, err)
		}
	}
	last := certs[len(certs)-1]
	if !l.trusted(last) {
		return nil, fmt.Errorf("%w: does not end at a trusted root", ErrChain)
	}
	if etype == ct.PrecertLogEntryType && len(certs) < 2 {
		// The issuer key hash needs the issuer: take it from the roots.
		certs = append(certs, l.issuerOf(last))
	}
	ts := uint64(l.now().UnixMilli())
	leaf, err := ct.MerkleTreeLeafFromChain(certs, etype, ts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrChain, err)
	}
	sct := ct.SignedCertificateTimestamp{
		SCTVersion: ct.V1,
		LogID:      ct.LogID{KeyID: l.id},
		Timestamp:  ts,
		Extensions: ct.CTExtensions{},
	}
	input, err := ct.SerializeSCTSignatureInput(sct, ct.LogEntry{Leaf: *leaf})
	if err != nil {
		return nil, fmt.Errorf("ctlog: serializing sct input: %w", err)
	}
	digest := sha256.Sum256(input)
	sig, err := l.key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("ctlog: signing sct: %w", err)
	}
	ds, err := cttls.Marshal(cttls.DigitallySigned{
		Algorithm: cttls.SignatureAndHashAlgorithm{Hash: cttls.SHA256, Signature: cttls.ECDSA},
		Signature: sig,
	})
	if err != nil {
		return nil, fmt.Errorf("ctlog: encoding sct signature: %w", err)
	}
	return &ct.AddChainResponse{
		SCTVersion: ct.V1,
		ID:         l.id[:],
		Timestamp:  ts,
		Signature:  ds,
	}, nil
}

func (l *Log) trusted(c *ctx509.Certificate) bool {
	for _, r := range l.roots {
		if bytes.Equal(r.Raw, c.Raw) || c.CheckSignatureFrom(r) == nil {
			return true
		}
	}
	return false
}

func (l *Log) issuerOf(c *ctx509.Certificate) *ctx509.Certificate {
	for _, r := range l.roots {
		if c.CheckSignatureFrom(r) == nil {
			return r
		}
	}
	return c // c is itself a root: a precertificate cannot be, so unreachable
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "ctlog: encoding response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
