// Package ctlog is a minimal Certificate Transparency log front end for
// tests: it answers RFC 6962 (https://www.rfc-editor.org/rfc/rfc6962)
// add-chain and add-pre-chain requests with a signed certificate timestamp
// (SCT) and serves get-roots, using the types of
// github.com/google/certificate-transparency-go.
//
// The local Sigstore (internal/cmd/localsigstore) points Fulcio at it, so
// Fulcio's certificates carry embedded SCTs as on the public instance and
// verifiers can demand one. The log's key goes under "ctlogs" in
// trusted_root.json, keyed by LogID.
//
// Example:
//
//	log, _ := ctlog.New(key, [][]byte{fulcioRoot.Raw}, ctlog.Options{})
//	mux.Handle("/chainproof/", http.StripPrefix("/chainproof", log))
//	// fulcio serve --ct-log-url=http://127.0.0.1:P/chainproof --ct-log-public-key-path=ctlog.pub ...
//
// What it does NOT do: keep a log. Nothing is stored or sequenced, there is
// no Merkle tree, no signed tree head and no get-entries; the SCT is a
// promise that is never kept. Chains are checked for signatures up to a
// trusted root only (no validity periods, EKUs or name constraints).
package ctlog
