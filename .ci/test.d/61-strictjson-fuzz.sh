# Differential fuzz smoke run: internal/strictjson's single-pass duplicate-key
# check against a token-by-token reference (verify and attest rely on it to
# read signed statements the way a strict reader does).
go test -run '^$' -fuzz '^FuzzCheckObject$' -fuzztime 400000x -fuzzminimizetime 200x ./internal/strictjson
