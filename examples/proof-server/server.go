package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/chainproof/chainproof/proof"
)

// Limits and timeouts of the service.
const (
	DefaultMaxBody = 1 << 20 // bytes of a request body
	// DefaultMaxConns is the number of connections served at once. Each
	// holds at most MaxBody bytes of body and about twice that while the
	// record is canonicalized, so the default bounds request memory near
	// 200 MiB.
	DefaultMaxConns   = 64
	MaxHeaderBytes    = 16 << 10
	ReadHeaderTimeout = 5 * time.Second  // a client slower than this is disconnected
	ReadTimeout       = 15 * time.Second // the whole request, body included; then 408
	// WriteTimeout is the time to write the answer once the request is
	// read (or ReadTimeout has passed: the 408 is written in this time).
	WriteTimeout = 15 * time.Second
	IdleTimeout  = 60 * time.Second
	// maxRejecting bounds the connections over MaxConns being answered 503
	// at once; beyond it they are closed without an answer.
	maxRejecting = 16
	// rejectLinger is how long an over-the-cap connection is given to read
	// its 503 (and have its request drained) before it is closed.
	rejectLinger = time.Second
)

// Config configures the verification service.
type Config struct {
	Key             []byte              // HMAC key of the records
	AttestationKeys []ed25519.PublicKey // pinned attestation keys, may be empty
	MaxBody         int64               // 0 means DefaultMaxBody
	MaxConns        int                 // connections served at once; 0 means DefaultMaxConns

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
	Code                string `json:"code"`  // the failure, one of the values of errorCodes, or "busy" (503)
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

// Server is the verification service: an *http.Server whose Serve and
// ListenAndServe cap the connections served at once (Config.MaxConns).
// A connection over the cap is answered 503 with Retry-After and closed.
type Server struct {
	*http.Server
	maxConns int
}

// NewServer returns the configured server (call Serve or ListenAndServe on
// it, then Shutdown or Close).
func NewServer(cfg Config) *Server {
	mux := http.NewServeMux()
	mux.Handle("/verify", Handler(cfg))
	return &Server{
		Server: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: or(cfg.ReadHeaderTimeout, ReadHeaderTimeout),
			ReadTimeout:       or(cfg.ReadTimeout, ReadTimeout),
			WriteTimeout:      or(cfg.WriteTimeout, WriteTimeout),
			IdleTimeout:       IdleTimeout,
			MaxHeaderBytes:    MaxHeaderBytes,
		},
		maxConns: or(cfg.MaxConns, DefaultMaxConns),
	}
}

// Serve serves connections from ln, at most MaxConns at once.
func (s *Server) Serve(ln net.Listener) error {
	return s.Server.Serve(LimitListener(ln, s.maxConns))
}

// ListenAndServe listens on s.Addr and serves, at most MaxConns at once.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// LimitListener returns a listener that hands out at most n connections at
// once; one is given back when it is closed. A connection accepted while n
// are open is answered "503 Service Unavailable" with Retry-After and
// closed (at most maxRejecting at a time are answered; the rest are closed
// at once), so that clients learn the server is busy instead of waiting in
// the kernel's queue.
func LimitListener(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), rejecting: make(chan struct{}, maxRejecting)}
}

type limitListener struct {
	net.Listener
	slots     chan struct{}
	rejecting chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
		default:
		}
		select {
		case l.rejecting <- struct{}{}:
			go func() {
				defer func() { <-l.rejecting }()
				reject(c)
			}()
		default:
			c.Close()
		}
	}
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// busy is the whole answer to a connection over the cap.
var busy = func() []byte {
	body, _ := json.Marshal(Response{Error: "server busy: too many connections", Code: "busy"})
	body = append(body, '\n')
	return append([]byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"+
		"X-Content-Type-Options: nosniff\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: "+
		strconv.Itoa(len(body))+"\r\n\r\n"), body...)
}()

// reject answers 503 and closes. The write side is closed first and what
// the client sent is drained for a moment, so the answer is not lost to a
// TCP reset caused by an unread request.
func reject(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(rejectLinger))
	if _, err := c.Write(busy); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// Handler verifies the record in the request body. The body must arrive
// within ReadTimeout of the handler's start, else the answer is 408; the
// answer is written within WriteTimeout after that.
func Handler(cfg Config) http.Handler {
	maxBody := or(cfg.MaxBody, DefaultMaxBody)
	readTimeout := or(cfg.ReadTimeout, ReadTimeout)
	writeTimeout := or(cfg.WriteTimeout, WriteTimeout)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server's own deadlines run from the start of the request for
		// both reading and writing: with ReadTimeout = WriteTimeout the
		// connection could no longer be written when the body timed out,
		// and the client got no 408. Reading gets ReadTimeout from now;
		// writing, WriteTimeout more.
		rc := http.NewResponseController(w)
		now := time.Now()
		rc.SetReadDeadline(now.Add(readTimeout))
		rc.SetWriteDeadline(now.Add(readTimeout + writeTimeout))
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
				// The rest of the body will not be read: close after answering.
				w.Header().Set("Connection", "close")
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
