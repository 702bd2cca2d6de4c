# Fuzz smoke run for the DSSE envelope parser (seeded from dsse/testdata).
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 60000x -fuzzminimizetime 200x ./dsse
