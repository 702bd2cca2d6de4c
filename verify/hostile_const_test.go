package verify_test

const hostileCheckpointLines = 1_000_000
