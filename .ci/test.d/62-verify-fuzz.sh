# Sourced by .ci/run (phase 2): brief fuzz smoke runs of verify's parsers
# (single bundles and JSON-lines files), seeded from verify/testdata, its
# trusted root parser, its in-toto statement decoder and the policy
# document reader.
go test -run '^$' -fuzz '^FuzzParseBundle$' -fuzztime 10s -fuzzminimizetime 200x ./verify/
go test -run '^$' -fuzz '^FuzzParseBundles$' -fuzztime 10s -fuzzminimizetime 200x ./verify/
go test -run '^$' -fuzz '^FuzzParseTrustedRoot$' -fuzztime 5s -fuzzminimizetime 200x ./verify/
go test -run '^$' -fuzz '^FuzzDecodeStatement$' -fuzztime 5s -fuzzminimizetime 200x ./verify/
go test -run '^$' -fuzz '^FuzzParsePolicyDocument$' -fuzztime 5s -fuzzminimizetime 200x ./verify/
