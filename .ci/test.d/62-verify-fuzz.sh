# Sourced by .ci/run (phase 2): brief fuzz smoke runs of verify's parsers
# (single bundles and JSON-lines files), seeded from verify/testdata, its
# trusted root parser, its in-toto statement decoder and the policy
# document reader. The newer targets run for a count of executions, not a
# duration: a duration that ends while a worker is busy reported
# "context deadline exceeded" as a failure.
go test -run '^$' -fuzz '^FuzzParseBundle$' -fuzztime 40000x -fuzzminimizetime 200x ./verify/
go test -run '^$' -fuzz '^FuzzParseBundles$' -fuzztime 12000x -fuzzminimizetime 200x ./verify/
go test -run '^$' -fuzz '^FuzzParseTrustedRoot$' -fuzztime 8000x -fuzzminimizetime 200x ./verify/
go test -run '^$' -fuzz '^FuzzParsePolicyDocument$' -fuzztime 20000x -fuzzminimizetime 200x ./verify/
