// Package trustroot holds the dated snapshot of the Sigstore public-good
// trusted root that package verify uses when the caller supplies none.
//
// Source: sigstore/root-signing, targets/trusted_root.json at commit
// 60cf2ce8b2e45d600dc17c4421e8c751e75772be (fetched 2026-08-21; the file last
// changed in c9bda74a on 2025-09-22). Copied verbatim from
// shared/conformance/extra/production/trusted_root.json. See SOURCE.md.
package trustroot

import _ "embed"

// PublicGood is the verbatim trusted_root.json of the public-good instance.
//
//go:embed public-good.trusted_root.json
var PublicGood []byte

// PublicGoodDate is the date the snapshot was taken (YYYY-MM-DD).
const PublicGoodDate = "2026-08-21"

// PublicGoodSHA256 is the hex SHA-256 of PublicGood, checked by a test.
const PublicGoodSHA256 = "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66"
