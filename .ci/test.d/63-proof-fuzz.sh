# Fuzz smoke run of the proof package (~10 s per target). The targets that
# verify take small seeds and bounded inputs (see proof/fuzz_test.go);
# FuzzCanonicalize is seeded with the shipped 20 KB proofs, so minimization
# is capped: without the cap one large new input can eat the whole budget.
for target in FuzzCanonicalize FuzzVerify FuzzVerifyEnvelope FuzzParseRecord; do
  go test -run '^$' -fuzz "^${target}\$" -fuzztime 100000x -fuzzminimizetime 200x ./proof/
done
