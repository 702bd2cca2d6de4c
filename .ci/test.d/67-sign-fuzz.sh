# Fuzz smoke runs for sign's token parser (hostile JWTs must give typed
# errors before any network call) and signtest's Rekor v1 endpoint.
go test -run '^$' -fuzz '^FuzzParseToken$' -fuzztime 100000x -fuzzminimizetime 200x ./sign
go test -run '^$' -fuzz '^FuzzRekorV1Create$' -fuzztime 80000x -fuzzminimizetime 200x ./sign/signtest
