package verify

// CryptoRuns counts cryptographic verifications, for tests that count work.
var CryptoRuns = &cryptoRuns
