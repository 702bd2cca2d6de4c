package sign_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/chainproof/chainproof/internal/oidctest"
)

// The device flow polls on x/oauth2's ticker (5 s by default, 5 s more per
// slow_down). Tests of it run in a synctest bubble, whose fake clock
// skips those waits, and reach the issuer through memTransport: a request
// blocked on a socket is not durably blocked, so the bubble's clock would
// not move while a connection is open.

// memIssuerURL is the URL of an issuer served in memory: http on a
// loopback host, as the flow requires of a local issuer; never dialled.
const memIssuerURL = "http://127.0.0.1:9/oidc"

// override answers a request to the issuer itself (and returns true), or
// leaves it to the issuer; path is below the issuer URL.
type override func(w http.ResponseWriter, r *http.Request, path string) bool

// issuerHandler serves iss below prefix, with discovery editing the
// discovery document and override answering first (each if not nil).
func issuerHandler(t *testing.T, iss *oidctest.Issuer, prefix string, discovery func(*oidctest.Discovery), o override) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, prefix)
		if o != nil && o(w, r, path) {
			return
		}
		if path != oidctest.DiscoveryPath || discovery == nil {
			iss.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		iss.ServeHTTP(rec, r)
		var d oidctest.Discovery
		if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
			t.Errorf("discovery: %v", err)
		}
		discovery(&d)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(d)
	})
}

// memIssuer is an oidctest issuer at memIssuerURL and the client that
// reaches it in memory. Call it inside the bubble (its clock is the
// bubble's).
func memIssuer(t *testing.T, login oidctest.Login, discovery func(*oidctest.Discovery), o override) (*oidctest.Issuer, *http.Client) {
	t.Helper()
	iss, err := oidctest.New(memIssuerURL, oidctest.Options{Key: rsaKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	iss.SetLogin(login)
	return iss, &http.Client{Transport: memTransport{issuerHandler(t, iss, "/oidc", discovery, o)}}
}

// memTransport runs each request through a handler on a goroutine and
// streams its answer through a pipe (so a huge answer is not buffered:
// the flow's bounded read is what is tested).
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sreq := req.Clone(ctx)
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "127.0.0.1:1"
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	pr, pw := io.Pipe()
	w := &pipeResponse{header: http.Header{}, body: pw, ready: make(chan struct{})}
	go func() {
		defer pw.Close()
		defer w.WriteHeader(http.StatusOK) // a handler that wrote nothing
		m.h.ServeHTTP(w, sreq)
	}()
	select {
	case <-w.ready:
	case <-ctx.Done():
		pr.CloseWithError(ctx.Err())
		return nil, ctx.Err()
	}
	cl := int64(-1)
	if v := w.sent.Get("Content-Length"); v != "" {
		cl, _ = strconv.ParseInt(v, 10, 64)
	}
	return &http.Response{
		Status: strconv.Itoa(w.status) + " " + http.StatusText(w.status), StatusCode: w.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.sent, Body: pr, ContentLength: cl, Request: req,
	}, nil
}

// pipeResponse is the http.ResponseWriter of memTransport.
type pipeResponse struct {
	header http.Header
	body   *io.PipeWriter
	once   sync.Once
	ready  chan struct{} // closed once status and sent are set
	status int
	sent   http.Header
}

func (w *pipeResponse) Header() http.Header { return w.header }

func (w *pipeResponse) WriteHeader(code int) {
	w.once.Do(func() {
		w.status, w.sent = code, w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
