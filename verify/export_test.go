package verify

// CryptoRuns counts cryptographic verifications, for tests that count work.
var CryptoRuns = &cryptoRuns

// EventKey is eventKey, the identity of a signing event.
var EventKey = eventKey
