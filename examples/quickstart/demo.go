package main

// The demo's inputs: a reproducible release tarball, its SBOM, a
// simulated GitHub Actions run and a proof record about it.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/chainproof/chainproof/examples/internal/cli"
	"github.com/chainproof/chainproof/proof"
	"github.com/chainproof/chainproof/sbom"
)

func tamper(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if len(data) == 0 {
		data = []byte{0}
	} else {
		data[len(data)/2] ^= 0x01
	}
	return cli.WriteFile(dst, data)
}

type demoFile struct {
	name string
	data []byte
}

// buildArtifact writes a small, byte-reproducible release tarball.
func buildArtifact(path string) ([]demoFile, error) {
	files := []demoFile{
		{"hello/README.md", []byte("# hello\n\nA tiny release made by the chainproof quickstart.\n")},
		{"hello/hello.sh", []byte("#!/bin/sh\necho 'hello, supply chain'\n")},
		{"hello/LICENSE", []byte("Apache-2.0\n")},
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	gz.ModTime = time.Unix(0, 0)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: time.Unix(1767225600, 0), Format: tar.FormatPAX}
		if strings.HasSuffix(f.name, ".sh") {
			hdr.Mode = 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return files, cli.WriteFile(path, buf.Bytes())
}

// artifactSBOM describes the artifact: a Go binary by its build info, a
// tarball the quickstart built by its files, anything else by itself.
func artifactSBOM(path, name, digest, ref string, files []demoFile) (*sbom.Document, error) {
	opts := sbom.Options{Now: func() time.Time { return time.Unix(1767225600, 0).UTC() }}
	if doc, err := sbom.FromBinary(path, opts); err == nil {
		return doc, nil
	} else if !errors.Is(err, sbom.ErrNoBuildInfo) {
		return nil, err
	}
	subject := sbom.Component{
		Name:    name,
		Version: strings.TrimPrefix(ref, "refs/tags/"),
		Type:    sbom.TypeFile,
		Hashes:  []sbom.Hash{{Algorithm: sbom.SHA256, Value: digest}},
	}
	var comps []sbom.Component
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		comps = append(comps, sbom.Component{
			Name:   f.name,
			Type:   sbom.TypeFile,
			Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: hex.EncodeToString(sum[:])}},
		})
	}
	return sbom.FromComponents(subject, comps, nil, opts)
}

// githubEnvironment simulates the GitHub Actions run of the release
// workflow: its variables and its push event.
func (c *config) githubEnvironment() ([]string, []byte) {
	owner, _, _ := strings.Cut(c.repository, "/")
	env := []string{
		"GITHUB_ACTIONS=true",
		"GITHUB_SERVER_URL=https://github.com",
		"GITHUB_REPOSITORY=" + c.repository,
		"GITHUB_REPOSITORY_ID=1",
		"GITHUB_REPOSITORY_OWNER=" + owner,
		"GITHUB_REPOSITORY_OWNER_ID=1",
		"GITHUB_EVENT_NAME=push",
		"GITHUB_REF=" + c.ref,
		"GITHUB_SHA=" + demoCommit,
		"GITHUB_WORKFLOW_REF=" + c.repository + "/" + c.workflow + "@" + c.ref,
		"GITHUB_RUN_ID=1",
		"GITHUB_RUN_ATTEMPT=1",
		"RUNNER_ENVIRONMENT=github-hosted",
	}
	event := fmt.Sprintf(`{"ref":%q,"after":%q,"repository":{"id":1,"full_name":%q,"owner":{"id":1,"login":%q}}}`,
		c.ref, demoCommit, c.repository, owner)
	return env, []byte(event)
}

// proofRecord is a small empirical claim about the artifact: that
// rebuilding it gives the same bytes.
func proofRecord(name, digest, ref string) *proof.Record {
	at := proof.Timestamp(time.Unix(1767225600, 0).UTC())
	th := proof.Threshold{Metric: "identical_rebuilds", Comparator: ">=", Value: 2, Units: "builds"}
	return &proof.Record{
		Identity: proof.Identity{OphaminVersion: "chainproof-quickstart", CreatedAt: at},
		Claim: proof.Claim{
			Statement:          name + " is reproducible",
			Operationalization: "rebuild from the tagged source and compare SHA-256 digests",
			H0:                 "rebuilds differ",
			H1:                 "rebuilds are byte-identical",
			Threshold:          th,
		},
		Preregistration: proof.Preregistration{
			ConfigHash: "sha256:" + digest, DataHash: "sha256:" + digest,
			AnalysisPlan: "two independent rebuilds", PreregisteredAt: at,
		},
		Data: proof.Data{
			SubstrateName: name,
			Datasets:      []proof.Dataset{{Name: name, ContentHash: "sha256:" + digest, NRecords: 2, Source: ref, Kind: "artifact"}},
		},
		Evidence: []proof.Evidence{{
			Pillar: "reproducibility", StatisticName: "identical_rebuilds", StatisticValue: 2,
			Library: "chainproof", LibraryVersion: "quickstart", CrossCheck: "passed",
		}},
		Verdict: proof.Verdict{
			Outcome: "VALIDATED", ObservedValue: 2, Threshold: th,
			Reasoning: "both rebuilds produced sha256:" + digest,
		},
		Reproduction: proof.Reproduction{
			Command:     "go run ./examples/quickstart",
			Environment: map[string]string{"GOTOOLCHAIN": "local"},
		},
	}
}
