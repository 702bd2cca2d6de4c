# Fuzz smoke run for the SBOM decoders (seeded from sbom/testdata).
go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 100000x -fuzzminimizetime 200x ./sbom
