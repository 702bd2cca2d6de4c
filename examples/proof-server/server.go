package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/chainproof/chainproof/proof"
)

// Limits and timeouts of the service.
const (
	DefaultMaxBody    = 1 << 20 // bytes of a request body
	MaxHeaderBytes    = 16 << 10
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 15 * time.Second // whole request, body included
	WriteTimeout      = 15 * time.Second
	IdleTimeout       = 60 * time.Second
)

// Config configures the verification service.
type Config struct {
	Key             []byte              // HMAC key of the records
	AttestationKeys []ed25519.PublicKey // pinned attestation keys, may be empty
	MaxBody         int64               // 0 means DefaultMaxBody

	// Timeouts; zero means the package defaults.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout time.Duration
}

// Response is the JSON answer of /verify.
type Response struct {
	Verified            bool   `json:"verified"`
	ProofID             string `json:"proof_id"`
	Attested            bool   `json:"attested"`
	AttestationVerified bool   `json:"attestation_verified"`
	Error               string `json:"error"`
	Check               string `json:"check"` // the failed check, see proof.Check
	Code                string `json:"code"`  // the failure, one of the values of errorCodes
}

// errorCodes names, for Response.Code, the proof sentinel a failure
// matches (with errors.Is), so that clients can tell failures of the same
// check apart without parsing messages.
var errorCodes = []struct {
	err  error
	code string
}{
	{proof.ErrNotJSON, "not_json"},
	{proof.ErrDuplicateKey, "duplicate_key"},
	{proof.ErrInvalidUTF8, "invalid_utf8"},
	{proof.ErrLoneSurrogate, "lone_surrogate"},
	{proof.ErrLimit, "limit"},
	{proof.ErrNonFinite, "non_finite"},
	{proof.ErrMalformedRecord, "malformed_record"},
	{proof.ErrMissingSignature, "missing_signature"},
	{proof.ErrMalformedSignature, "malformed_signature"},
	{proof.ErrSignatureMismatch, "signature_mismatch"},
	{proof.ErrProofIDMismatch, "proof_id_mismatch"},
	{proof.ErrUnsupportedSchemaVersion, "unsupported_schema_version"},
	{proof.ErrAttestationInvalid, "attestation_invalid"},
	{proof.ErrAttestationMissing, "attestation_missing"},
	{proof.ErrAttestationUntrusted, "attestation_untrusted"},
	{proof.ErrInvalidKey, "invalid_key"},
	{proof.ErrInvalidRecord, "invalid_record"},
}

// errorCode returns the code of the first sentinel err matches, or "".
func errorCode(err error) string {
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return ""
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// NewServer returns the configured *http.Server (call Serve or
// ListenAndServe on it).
func NewServer(cfg Config) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/verify", Handler(cfg))
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: or(cfg.ReadHeaderTimeout, ReadHeaderTimeout),
		ReadTimeout:       or(cfg.ReadTimeout, ReadTimeout),
		WriteTimeout:      or(cfg.WriteTimeout, WriteTimeout),
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// Handler verifies the record in the request body.
func Handler(cfg Config) http.Handler {
	maxBody := or(cfg.MaxBody, DefaultMaxBody)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			reply(w, http.StatusMethodNotAllowed, Response{Error: "use POST"})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			var netErr net.Error
			switch {
			case errors.As(err, &tooBig):
				reply(w, http.StatusRequestEntityTooLarge, Response{Error: "request body larger than the limit"})
			case errors.As(err, &netErr) && netErr.Timeout():
				reply(w, http.StatusRequestTimeout, Response{Error: "timed out reading the request body"})
			default:
				reply(w, http.StatusBadRequest, Response{Error: "reading the request body failed"})
			}
			return
		}
		// Pinned keys are enforced: with any pinned, a record without an
		// attestation, or attested by another key, is refused.
		v, err := proof.VerifyWithOptions(body, cfg.Key, proof.VerifyOptions{AttestationKeys: cfg.AttestationKeys})
		if err != nil {
			resp := Response{Error: err.Error(), Code: errorCode(err)}
			status := http.StatusUnprocessableEntity
			var e *proof.Error
			if errors.As(err, &e) {
				resp.Check = string(e.Check)
				if e.Check == proof.CheckJSON {
					status = http.StatusBadRequest
				}
			}
			reply(w, status, resp)
			return
		}
		resp := Response{Verified: true, ProofID: v.ProofID}
		if a := v.Attestation; a != nil {
			resp.Attested = true
			for _, k := range cfg.AttestationKeys {
				if k.Equal(a.PublicKey) {
					resp.AttestationVerified = true
				}
			}
		}
		reply(w, http.StatusOK, resp)
	})
}

func reply(w http.ResponseWriter, status int, resp Response) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(resp)
}
