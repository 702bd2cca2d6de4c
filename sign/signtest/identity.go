package signtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// Identity is who a certificate is issued to.
type Identity struct {
	// Issuer is the OIDC issuer recorded in the certificate.
	Issuer string
	// Subject is the certificate's SAN: an email address, or a URI.
	Subject string
	// GitHub, when set, adds Fulcio's GitHub Actions extensions.
	GitHub *GitHubWorkflow
}

// Email returns an email identity from DefaultIssuer.
func Email(addr string) Identity { return Identity{Issuer: DefaultIssuer, Subject: addr} }

// GitHubWorkflow describes a GitHub Actions run, as GitHub's OIDC token
// does. Empty fields get plausible defaults from GitHub.
type GitHubWorkflow struct {
	Repository        string // "owner/repo" (required)
	WorkflowPath      string // ".github/workflows/release.yml" by default
	Ref               string // "refs/heads/main" by default
	SHA               string // commit; 40 zeros by default
	Event             string // "push" by default
	RunnerEnvironment string // "github-hosted" by default
	RepositoryID      string // "1" by default
	OwnerID           string // "1" by default
	RunID             string // "1" by default
	RunAttempt        string // "1" by default
	Visibility        string // "public" by default
	ServerURL         string // "https://github.com" by default
}

func (w GitHubWorkflow) withDefaults() GitHubWorkflow {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&w.WorkflowPath, ".github/workflows/release.yml")
	def(&w.Ref, "refs/heads/main")
	def(&w.SHA, strings.Repeat("0", 40))
	def(&w.Event, "push")
	def(&w.RunnerEnvironment, "github-hosted")
	def(&w.RepositoryID, "1")
	def(&w.OwnerID, "1")
	def(&w.RunID, "1")
	def(&w.RunAttempt, "1")
	def(&w.Visibility, "public")
	def(&w.ServerURL, "https://github.com")
	return w
}

// WorkflowRef is "owner/repo/.github/workflows/x.yml@ref".
func (w GitHubWorkflow) WorkflowRef() string {
	w = w.withDefaults()
	return w.Repository + "/" + w.WorkflowPath + "@" + w.Ref
}

// GitHub returns the identity of a GitHub Actions workflow run: issuer
// GitHubIssuer, SAN https://github.com/<workflow ref>, with every Fulcio
// GitHub extension.
func GitHub(w GitHubWorkflow) Identity {
	w = w.withDefaults()
	return Identity{Issuer: GitHubIssuer, Subject: w.ServerURL + "/" + w.WorkflowRef(), GitHub: &w}
}

// Fulcio certificate extension OIDs (docs/oid-info.md in sigstore/fulcio).
var (
	oidIssuerV1            = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidGitHubTrigger       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 2}
	oidGitHubSHA           = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 3}
	oidGitHubWorkflowName  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 4}
	oidGitHubRepository    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 5}
	oidGitHubRef           = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 6}
	oidIssuerV2            = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
	oidBuildSignerURI      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 9}
	oidBuildSignerDigest   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 10}
	oidRunnerEnvironment   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 11}
	oidSourceRepoURI       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 12}
	oidSourceRepoDigest    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 13}
	oidSourceRepoRef       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 14}
	oidSourceRepoID        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 15}
	oidSourceRepoOwnerURI  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 16}
	oidSourceRepoOwnerID   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 17}
	oidBuildConfigURI      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 18}
	oidBuildConfigDigest   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 19}
	oidBuildTrigger        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 20}
	oidRunInvocationURI    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 21}
	oidSourceRepoVisbility = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 22}
	oidTimeStamping        = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

type asn1OID = asn1.ObjectIdentifier

func mustASN1(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err) // only called on constant, well-formed values
	}
	return b
}

func utf8Ext(oid asn1.ObjectIdentifier, v string) pkix.Extension {
	b, _ := asn1.MarshalWithParams(v, "utf8")
	return pkix.Extension{Id: oid, Value: b}
}

func (id Identity) extensions() []pkix.Extension {
	exts := []pkix.Extension{
		{Id: oidIssuerV1, Value: []byte(id.Issuer)},
		utf8Ext(oidIssuerV2, id.Issuer),
	}
	w := id.GitHub
	if w == nil {
		return exts
	}
	repoURL := w.ServerURL + "/" + w.Repository
	owner, _, _ := strings.Cut(w.Repository, "/")
	wfRef := w.ServerURL + "/" + w.WorkflowRef()
	exts = append(exts,
		pkix.Extension{Id: oidGitHubTrigger, Value: []byte(w.Event)},
		pkix.Extension{Id: oidGitHubSHA, Value: []byte(w.SHA)},
		pkix.Extension{Id: oidGitHubWorkflowName, Value: []byte(w.WorkflowPath)},
		pkix.Extension{Id: oidGitHubRepository, Value: []byte(w.Repository)},
		pkix.Extension{Id: oidGitHubRef, Value: []byte(w.Ref)},
		utf8Ext(oidBuildSignerURI, wfRef),
		utf8Ext(oidBuildSignerDigest, w.SHA),
		utf8Ext(oidRunnerEnvironment, w.RunnerEnvironment),
		utf8Ext(oidSourceRepoURI, repoURL),
		utf8Ext(oidSourceRepoDigest, w.SHA),
		utf8Ext(oidSourceRepoRef, w.Ref),
		utf8Ext(oidSourceRepoID, w.RepositoryID),
		utf8Ext(oidSourceRepoOwnerURI, w.ServerURL+"/"+owner),
		utf8Ext(oidSourceRepoOwnerID, w.OwnerID),
		utf8Ext(oidBuildConfigURI, wfRef),
		utf8Ext(oidBuildConfigDigest, w.SHA),
		utf8Ext(oidBuildTrigger, w.Event),
		utf8Ext(oidRunInvocationURI, repoURL+"/actions/runs/"+w.RunID+"/attempts/"+w.RunAttempt),
		utf8Ext(oidSourceRepoVisbility, w.Visibility),
	)
	return exts
}

// IssueCertificate issues a Fulcio-style code-signing certificate for pub
// and id, valid for ten minutes from the clock's reading. It returns the
// chain leaf first (leaf, intermediate, root).
func (s *Sigstore) IssueCertificate(id Identity, pub crypto.PublicKey) ([]*x509.Certificate, error) {
	if id.Issuer == "" || id.Subject == "" {
		return nil, errors.New("signtest: identity needs an issuer and a subject")
	}
	now := s.now().UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(s.nextSerial()),
		NotBefore:       now,
		NotAfter:        now.Add(certLifetime),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: id.extensions(),
	}
	if addr, err := mail.ParseAddress(id.Subject); err == nil && addr.Address == id.Subject {
		tmpl.EmailAddresses = []string{id.Subject}
	} else if u, err := url.Parse(id.Subject); err == nil && u.Scheme != "" {
		tmpl.URIs = []*url.URL{u}
	} else {
		return nil, fmt.Errorf("signtest: subject %q is neither an email address nor a URI", id.Subject)
	}
	if der, err := x509.MarshalPKIXPublicKey(pub); err == nil {
		sum := sha256.Sum256(der)
		tmpl.SubjectKeyId = sum[:20]
	}
	leaf, err := s.embedSCT(tmpl, pub, now)
	if err != nil {
		return nil, err
	}
	return []*x509.Certificate{leaf, s.intCert, s.caCert}, nil
}

// tokenLifetime is how long minted identity tokens are valid.
const tokenLifetime = 10 * time.Minute

type tokenClaims struct {
	Iss           string `json:"iss"`
	Sub           string `json:"sub"`
	Aud           string `json:"aud"`
	Exp           int64  `json:"exp"`
	Iat           int64  `json:"iat"`
	Nbf           int64  `json:"nbf"`
	Email         string `json:"email,omitempty"`
	EmailVerified bool   `json:"email_verified,omitempty"`
	// GitHub Actions claims.
	Repository        string `json:"repository,omitempty"`
	RepositoryID      string `json:"repository_id,omitempty"`
	RepositoryOwner   string `json:"repository_owner,omitempty"`
	RepositoryOwnerID string `json:"repository_owner_id,omitempty"`
	Visibility        string `json:"repository_visibility,omitempty"`
	Ref               string `json:"ref,omitempty"`
	SHA               string `json:"sha,omitempty"`
	WorkflowRef       string `json:"workflow_ref,omitempty"`
	JobWorkflowRef    string `json:"job_workflow_ref,omitempty"`
	EventName         string `json:"event_name,omitempty"`
	RunnerEnvironment string `json:"runner_environment,omitempty"`
	RunID             string `json:"run_id,omitempty"`
	RunAttempt        string `json:"run_attempt,omitempty"`
	ServerURL         string `json:"-"`
}

// Token returns an OIDC identity token (ES256 JWT, audience "sigstore")
// for id, valid for ten minutes from the clock's reading, signed by the
// instance's issuer key. The instance's Fulcio accepts it.
func (s *Sigstore) Token(id Identity) string {
	now := s.now().Unix()
	c := tokenClaims{Iss: id.Issuer, Aud: "sigstore", Iat: now, Nbf: now, Exp: now + int64(tokenLifetime/time.Second)}
	if w := id.GitHub; w != nil {
		owner, _, _ := strings.Cut(w.Repository, "/")
		c.Sub = "repo:" + w.Repository + ":ref:" + w.Ref
		c.Repository, c.RepositoryID, c.RepositoryOwner, c.RepositoryOwnerID = w.Repository, w.RepositoryID, owner, w.OwnerID
		c.Visibility, c.Ref, c.SHA, c.EventName = w.Visibility, w.Ref, w.SHA, w.Event
		c.WorkflowRef, c.JobWorkflowRef = w.WorkflowRef(), w.WorkflowRef()
		c.RunnerEnvironment, c.RunID, c.RunAttempt = w.RunnerEnvironment, w.RunID, w.RunAttempt
	} else {
		c.Sub, c.Email, c.EmailVerified = id.Subject, id.Subject, true
	}
	return s.signJWT(c)
}

func (s *Sigstore) signJWT(c any) string {
	hdr, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "kid": "signtest"})
	body, _ := json.Marshal(c)
	signing := b64url(hdr) + "." + b64url(body)
	sum := sha256.Sum256([]byte(signing))
	r, ss, _ := ecdsaSignRS(s.oidcKey, sum[:])
	return signing + "." + b64url(append(r, ss...))
}

func ecdsaSignRS(k *ecdsa.PrivateKey, digest []byte) ([]byte, []byte, error) {
	der, err := k.Sign(nil, digest, crypto.SHA256)
	if err != nil {
		return nil, nil, err
	}
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		return nil, nil, err
	}
	return sig.R.FillBytes(make([]byte, 32)), sig.S.FillBytes(make([]byte, 32)), nil
}

// identityFromToken verifies a token minted by Token (signature, audience,
// expiry against the clock) and returns the identity and the subject the
// proof of possession must sign.
func (s *Sigstore) identityFromToken(tok string) (Identity, string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return Identity{}, "", errors.New("token is not a JWS")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return Identity{}, "", errors.New("bad token signature encoding")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(&s.oidcKey.PublicKey, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return Identity{}, "", errors.New("token signature does not verify")
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return Identity{}, "", errors.New("bad token payload encoding")
	}
	var c tokenClaims
	if err := json.Unmarshal(body, &c); err != nil {
		return Identity{}, "", errors.New("bad token payload")
	}
	if c.Aud != "sigstore" {
		return Identity{}, "", fmt.Errorf("token audience %q, want sigstore", c.Aud)
	}
	if now := s.now().Unix(); now >= c.Exp || now < c.Nbf-60 {
		return Identity{}, "", errors.New("token expired or not yet valid")
	}
	if c.Iss == GitHubIssuer && c.Repository != "" {
		w := GitHubWorkflow{
			Repository: c.Repository, Ref: c.Ref, SHA: c.SHA, Event: c.EventName,
			RunnerEnvironment: c.RunnerEnvironment, RepositoryID: c.RepositoryID, OwnerID: c.RepositoryOwnerID,
			RunID: c.RunID, RunAttempt: c.RunAttempt, Visibility: c.Visibility,
		}
		w.WorkflowPath, _, _ = strings.Cut(strings.TrimPrefix(c.JobWorkflowRef, c.Repository+"/"), "@")
		return GitHub(w), c.Sub, nil
	}
	if c.Email == "" || !c.EmailVerified {
		return Identity{}, "", errors.New("token has no verified email")
	}
	return Identity{Issuer: c.Iss, Subject: c.Email}, c.Email, nil
}
