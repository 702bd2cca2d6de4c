package main

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	prototrustroot "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"github.com/sigstore/rekor-tiles/v2/pkg/note"
	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/chainproof/chainproof/internal/ctlog"
	"github.com/chainproof/chainproof/internal/sigstoretest"
)

// rekorOrigin is Rekor v2's checkpoint origin (--hostname); it must be the
// host of the log's base URL in the trusted root.
const rekorOrigin = "localhost"

// fulcioConfig is Fulcio's configuration: an "email" issuer and a GitHub
// Actions ("github-workflow" ci-provider) issuer, with the extension
// templates of Fulcio's own config/identity/config.yaml (v1.8.8).
func fulcioConfig(emailIssuer, githubIssuer string) string {
	return strings.NewReplacer("EMAIL_ISSUER", emailIssuer, "GITHUB_ISSUER", githubIssuer).Replace(`oidc-issuers:
  "EMAIL_ISSUER":
    issuer-url: "EMAIL_ISSUER"
    client-id: sigstore
    type: email
    description: "chainproof local email issuer"
  "GITHUB_ISSUER":
    issuer-url: "GITHUB_ISSUER"
    client-id: sigstore
    type: ci-provider
    ci-provider: github-workflow
    description: "chainproof local GitHub Actions issuer"
ci-issuer-metadata:
  github-workflow:
    default-template-values:
      url: "https://github.com"
      environment: ""
    extension-templates:
      github-workflow-trigger: "event_name"
      github-workflow-sha: "sha"
      github-workflow-name: "workflow"
      github-workflow-repository: "repository"
      github-workflow-ref: "ref"
      build-signer-uri: "{{ .url }}/{{ .job_workflow_ref }}"
      build-signer-digest: "job_workflow_sha"
      runner-environment: "runner_environment"
      source-repository-uri: "{{ .url }}/{{ .repository }}"
      source-repository-digest: "sha"
      source-repository-ref: "ref"
      source-repository-identifier: "repository_id"
      source-repository-owner-uri: "{{ .url }}/{{ .repository_owner }}"
      source-repository-owner-identifier: "repository_owner_id"
      build-config-uri: "{{ .url }}/{{ .workflow_ref }}"
      build-config-digest: "workflow_sha"
      build-trigger: "event_name"
      run-invocation-uri: "{{ .url }}/{{ .repository }}/actions/runs/{{ .run_id }}/attempts/{{ .run_attempt }}"
      source-repository-visibility-at-signing: "repository_visibility"
      deployment-environment: "environment"
    subject-alternative-name-template: "{{ .url }}/{{ .job_workflow_ref }}"
`)
}

// writeTrust writes trusted_root.json, signing_config.json and, last,
// stack.json (the readiness marker).
func writeTrust(dir string, m sigstoretest.Manifest, keys *pki, ctLog *ctlog.Log) error {
	rekorPub := keys.rekorKey.Public()
	_, rekorID, err := note.KeyHash(rekorOrigin, rekorPub)
	if err != nil {
		return fmt.Errorf("rekor log id: %w", err)
	}
	ctID := ctLog.LogID()
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01,
		[]root.CertificateAuthority{&root.FulcioCertificateAuthority{
			Root:                keys.fulcioCert,
			ValidityPeriodStart: keys.start,
			URI:                 m.FulcioURL,
		}},
		map[string]*root.TransparencyLog{hex.EncodeToString(ctID[:]): {
			BaseURL:             m.CTLogURL,
			ID:                  ctID[:],
			ValidityPeriodStart: keys.start,
			HashFunc:            crypto.SHA256,
			PublicKey:           ctLog.PublicKey(),
			SignatureHashFunc:   crypto.SHA256,
		}},
		[]root.TimestampingAuthority{&root.SigstoreTimestampingAuthority{
			Root:                keys.tsaRoot,
			Leaf:                keys.tsaLeaf,
			ValidityPeriodStart: keys.start,
			URI:                 m.TSAURL,
		}},
		map[string]*root.TransparencyLog{hex.EncodeToString(rekorID): {
			BaseURL:             m.RekorURL,
			ID:                  rekorID,
			ValidityPeriodStart: keys.start,
			HashFunc:            crypto.SHA256,
			PublicKey:           rekorPub,
			SignatureHashFunc:   crypto.SHA512,
		}},
	)
	if err != nil {
		return fmt.Errorf("trusted root: %w", err)
	}
	trJSON, err := tr.MarshalJSON()
	if err != nil {
		return fmt.Errorf("trusted root: %w", err)
	}

	svc := func(url string, v uint32) []root.Service {
		return []root.Service{{URL: url, MajorAPIVersion: v, ValidityPeriodStart: keys.start, Operator: "chainproof-local"}}
	}
	sc, err := root.NewSigningConfig(root.SigningConfigMediaType02,
		svc(m.FulcioURL, 1),
		svc(m.OIDCIssuerURL, 1),
		svc(m.RekorURL, 2),
		root.ServiceConfiguration{Selector: prototrustroot.ServiceSelector_ANY},
		svc(m.TSAURL, 1),
		root.ServiceConfiguration{Selector: prototrustroot.ServiceSelector_ANY},
	)
	if err != nil {
		return fmt.Errorf("signing config: %w", err)
	}
	scJSON, err := sc.MarshalJSON()
	if err != nil {
		return fmt.Errorf("signing config: %w", err)
	}
	mJSON, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{
		{sigstoretest.TrustedRootFile, indentJSON(trJSON)},
		{sigstoretest.SigningConfigFile, indentJSON(scJSON)},
		{sigstoretest.ManifestFile, append(mJSON, '\n')},
	} {
		if err := writeAtomic(filepath.Join(dir, f.name), f.b); err != nil {
			return err
		}
	}
	return nil
}

func indentJSON(b []byte) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return b
	}
	out.WriteByte('\n')
	return out.Bytes()
}
