package signtest

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-openapi/runtime"
	prototrustroot "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	rekortilespb "github.com/sigstore/rekor-tiles/v2/pkg/generated/protobuf"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"
)

// maxRequest bounds request bodies the handler reads.
const maxRequest = 1 << 20

// HTTP paths served by Handler, as the real services serve them.
const (
	PathSigningCert = "/api/v2/signingCert" // Fulcio
	PathTrustBundle = "/api/v2/trustBundle" // Fulcio
	PathTimestamp   = "/api/v1/timestamp"   // timestamp-authority
	PathTSAChain    = "/api/v1/timestamp/certchain"
	PathLogEntries  = "/api/v2/log/entries" // Rekor v2
	// PathLogEntriesV1 is Rekor v1's entries API: POST a proposed entry,
	// GET PathLogEntriesV1 + "/" + UUID.
	PathLogEntriesV1 = "/api/v1/log/entries"
)

// Handler serves the instance's Fulcio (signingCert, trustBundle), Rekor v2
// (log/entries), Rekor v1 (log/entries: create, and get by UUID) and
// timestamp authority (timestamp, certchain) APIs on one mux, so
// sigstore-go's real signing clients work against it. Fulcio accepts only
// tokens from Token.
func (s *Sigstore) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathSigningCert, s.serveSigningCert)
	mux.HandleFunc("GET "+PathTrustBundle, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"chains": []any{map[string]any{"certificates": []string{
			string(pemCert(s.intCert.Raw)), string(pemCert(s.caCert.Raw)),
		}}}})
	})
	mux.HandleFunc("POST "+PathTimestamp, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := s.Timestamp(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.WriteHeader(http.StatusCreated)
		w.Write(resp)
	})
	mux.HandleFunc("GET "+PathTSAChain, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/pem-certificate-chain")
		w.Write(append(pemCert(s.tsaCert.Raw), pemCert(s.tsaRootCert.Raw)...))
	})
	mux.HandleFunc("POST "+PathLogEntries, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req rekortilespb.CreateEntryRequest
		if err := protojson.Unmarshal(body, &req); err != nil {
			http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
			return
		}
		hr := req.GetHashedRekordRequestV002()
		if hr == nil {
			http.Error(w, "only hashedrekord v0.0.2 entries are supported", http.StatusBadRequest)
			return
		}
		tle, err := s.AddEntry(hr)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out, err := protojson.Marshal(tle)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write(out)
	})
	mux.HandleFunc("POST "+PathLogEntriesV1, s.serveCreateEntryV1)
	mux.HandleFunc("GET "+PathLogEntriesV1+"/{uuid}", func(w http.ResponseWriter, r *http.Request) {
		uuid := r.PathValue("uuid")
		e, ok := s.EntryV1(uuid)
		if !ok {
			writeError(w, http.StatusNotFound, "entry not found")
			return
		}
		writeJSON(w, http.StatusOK, models.LogEntry{uuid: *e})
	})
	return mux
}

// serveCreateEntryV1 answers Rekor v1's createLogEntry: 201 with the
// entry keyed by its UUID (also in ETag and Location), 409 with Location
// for an entry already logged, 400 for an invalid one.
func (s *Sigstore) serveCreateEntryV1(w http.ResponseWriter, r *http.Request) {
	pe, err := models.UnmarshalProposedEntry(io.LimitReader(r.Body, maxRequest), runtime.JSONConsumer())
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad proposed entry: "+err.Error())
		return
	}
	uuid, e, err := s.AddEntryV1(pe)
	loc := PathLogEntriesV1 + "/" + uuid
	switch {
	case errors.Is(err, ErrEntryExists):
		w.Header().Set("Location", loc)
		writeError(w, http.StatusConflict, "an equivalent entry already exists in the transparency log")
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("ETag", uuid)
	w.Header().Set("Location", loc)
	writeJSON(w, http.StatusCreated, models.LogEntry{uuid: *e})
}

func (s *Sigstore) serveSigningCert(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Credentials struct {
			OIDCIdentityToken string `json:"oidcIdentityToken"`
		} `json:"credentials"`
		PublicKeyRequest struct {
			PublicKey struct {
				Algorithm string `json:"algorithm"`
				Content   string `json:"content"`
			} `json:"publicKey"`
			ProofOfPossession string `json:"proofOfPossession"`
		} `json:"publicKeyRequest"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, maxRequest)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad request body")
		return
	}
	tok := req.Credentials.OIDCIdentityToken
	if h := r.Header.Get("Authorization"); tok == "" && strings.HasPrefix(h, "Bearer ") {
		tok = strings.TrimPrefix(h, "Bearer ")
	}
	id, subject, err := s.identityFromToken(tok)
	if err != nil {
		writeError(w, http.StatusUnauthorized, "invalid identity token: "+err.Error())
		return
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey([]byte(req.PublicKeyRequest.PublicKey.Content))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad public key")
		return
	}
	pop, err := base64.StdEncoding.DecodeString(req.PublicKeyRequest.ProofOfPossession)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad proof of possession encoding")
		return
	}
	if err := verifyPoP(pub, subject, pop); err != nil {
		writeError(w, http.StatusBadRequest, "proof of possession does not verify")
		return
	}
	chain, err := s.IssueCertificate(id, pub)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	certs := make([]string, len(chain))
	for i, c := range chain {
		certs[i] = string(pemCert(c.Raw))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": certs}},
	})
}

func verifyPoP(pub crypto.PublicKey, subject string, sig []byte) error {
	v, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return err
	}
	if err := v.VerifySignature(bytes.NewReader(sig), strings.NewReader(subject)); err != nil {
		return errors.New("bad proof of possession")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"code": status, "message": msg})
}

// Server is the instance served over HTTP on loopback.
type Server struct {
	*httptest.Server
	// URL is the base URL of all three services (Fulcio and Rekor base
	// URL; the TSA is at URL + PathTimestamp).
	URL string
	s   *Sigstore
}

// Serve starts Handler on a loopback port and stops it when the test ends.
func (s *Sigstore) Serve(t testing.TB) *Server {
	t.Helper()
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &Server{Server: srv, URL: srv.URL, s: s}
}

// TSAURL is the timestamp endpoint's full URL.
func (srv *Server) TSAURL() string { return srv.URL + PathTimestamp }

// SigningConfigJSON returns a signing_config.json (v0.2) naming baseURL
// as Fulcio (v1), Rekor (v2) and TSA (v1, baseURL + PathTimestamp), valid
// from a year before the instance's creation.
func (s *Sigstore) SigningConfigJSON(baseURL string) ([]byte, error) {
	start := s.epoch.AddDate(-1, 0, 0)
	svc := func(u string, v uint32) root.Service {
		return root.Service{URL: u, MajorAPIVersion: v, ValidityPeriodStart: start, Operator: "signtest"}
	}
	sc, err := root.NewSigningConfig(root.SigningConfigMediaType02,
		[]root.Service{svc(baseURL, 1)},
		[]root.Service{svc(DefaultIssuer, 1)},
		[]root.Service{svc(baseURL, 2)},
		root.ServiceConfiguration{Selector: prototrustroot.ServiceSelector_ANY},
		[]root.Service{svc(baseURL+PathTimestamp, 1)},
		root.ServiceConfiguration{Selector: prototrustroot.ServiceSelector_ANY},
	)
	if err != nil {
		return nil, err
	}
	return stableJSON(sc.MarshalJSON())
}
