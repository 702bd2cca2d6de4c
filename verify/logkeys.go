package verify

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"

	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
)

// logEntryKeys returns the SHA-256 fingerprints (of the PKIX DER) of the
// public keys that the bundle's transparency log entries name as their
// signer: Rekor v2 hashedrekord (verifier.publicKey.rawBytes), Rekor v1
// hashedrekord (signature.publicKey.content), dsse (signatures[].verifier)
// and intoto (signatures[].publicKey). Certificates are not keys and are
// skipped. The bodies are not yet authenticated: the result serves only to
// name the failed check when a policy key is not among them (verification
// would fail anyway); it never lets anything pass.
func logEntryKeys(entries []*protorekor.TransparencyLogEntry) map[string]bool {
	keys := map[string]bool{}
	for _, e := range entries {
		var body any
		if err := json.Unmarshal(e.GetCanonicalizedBody(), &body); err != nil {
			continue
		}
		collectKeys(body, "", keys)
	}
	return keys
}

func collectKeys(v any, parent string, keys map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		for k, c := range t {
			switch {
			case parent == "publicKey" && k == "rawBytes":
				if s, ok := c.(string); ok {
					addDER(s, keys)
				}
			case parent == "publicKey" && k == "content", k == "verifier", k == "publicKey":
				if s, ok := c.(string); ok {
					addPEM(s, keys)
					continue
				}
				collectKeys(c, k, keys)
			default:
				collectKeys(c, k, keys)
			}
		}
	case []any:
		for _, c := range t {
			collectKeys(c, parent, keys)
		}
	}
}

func addDER(b64 string, keys map[string]bool) {
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return
	}
	if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
		if fp, err := keyFingerprint(pub); err == nil {
			keys[fp] = true
		}
	}
}

func addPEM(b64 string, keys map[string]bool) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "PUBLIC KEY" {
		return // a certificate, or nothing
	}
	addDER(base64.StdEncoding.EncodeToString(block.Bytes), keys)
}

// keyFingerprint is "sha256:" and the hex SHA-256 of pub's PKIX DER.
func keyFingerprint(pub any) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
