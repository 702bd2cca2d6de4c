# Fuzz smoke runs for sign's token parser (hostile JWTs must give typed
# errors before any network call) and signtest's Rekor v1 endpoint.
go test -run '^$' -fuzz '^FuzzParseToken$' -fuzztime 10s ./sign
go test -run '^$' -fuzz '^FuzzRekorV1Create$' -fuzztime 10s -fuzzminimizetime 200x ./sign/signtest
