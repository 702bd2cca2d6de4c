# Fuzz smoke run for the in-toto statement parser (seeded from
# attest/testdata/*.golden): no panics, and Parse/Marshal reach a fixed point.
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 150000x -fuzzminimizetime 200x ./attest
go test -run '^$' -fuzz '^FuzzParseStatement$' -fuzztime 40000x -fuzzminimizetime 200x ./attest
