# Fuzz smoke run of the proof package (~10 s per target). The corpus seeds
# include the shipped 20 KB proofs, so minimization is capped: without the
# cap one large new input can eat the whole budget.
for target in FuzzCanonicalize FuzzVerify FuzzVerifyEnvelope; do
  go test -run '^$' -fuzz "^${target}\$" -fuzztime 10s -fuzzminimizetime 200x ./proof/
done
