/*
Command ociregistry serves an OCI registry on loopback with the OCI 1.1
referrers API (GET /v2/NAME/referrers/DIGEST) enabled, for the image tests
(oci/, internal/registrytest). It is go-containerregistry's pkg/registry
(registry.WithReferrersSupport(true)), the same registry crane and the
go-containerregistry tests use, at the version pinned in the SDK's go.mod.
The CNCF distribution registry that CI also runs has no referrers API; this
one gives the other half of the interop matrix (cosign v3 stores its
bundles as referrers and finds them through this API).

Usage:

	ociregistry [-addr 127.0.0.1:0] [-addr-file FILE] [-dir BLOBDIR] [-v]

It listens on -addr (loopback only: a host other than 127.0.0.1, ::1 or
localhost is refused), then writes the address it got (HOST:PORT, one line)
to -addr-file, atomically, as a readiness marker, and prints it on stdout.
Blobs are kept in memory unless -dir is given; manifests always are. It
runs until SIGINT or SIGTERM and then removes -addr-file. -v logs every
request on stderr.

.ci/test.d/15-registries-up.sh starts it (built by .ci/build.d/41-registry.sh)
and exports its address as CHAINPROOF_REFERRERS_REGISTRY.

What it does NOT give: TLS, authentication, persistence across restarts,
garbage collection, or limits on what clients upload (it is a test server).
*/
package main
