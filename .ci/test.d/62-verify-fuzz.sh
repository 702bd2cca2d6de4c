# Sourced by .ci/run (phase 2): brief fuzz smoke runs of verify's parsers
# (single bundles and JSON-lines files), seeded from verify/testdata, its
# trusted root parser and its in-toto statement decoder.
go test -run '^$' -fuzz '^FuzzParseBundle$' -fuzztime 10s -fuzzminimizetime 200x ./verify/
go test -run '^$' -fuzz '^FuzzParseBundles$' -fuzztime 10s -fuzzminimizetime 200x ./verify/
go test -run '^$' -fuzz '^FuzzParseTrustedRoot$' -fuzztime 5s -fuzzminimizetime 200x ./verify/
go test -run '^$' -fuzz '^FuzzDecodeStatement$' -fuzztime 5s -fuzzminimizetime 200x ./verify/
