# The README's main command, exactly as written (the in-process Sigstore;
# no network). The run against the real local stack is
# TestQuickstartLocalSigstore inside step 50.
_qs_out=$(go run ./examples/quickstart -out "$CI_CACHE/quickstart")
echo "$_qs_out"
grep -q '^  ok  proof ' <<<"$_qs_out"
grep -q '^  no  wrong-id ' <<<"$_qs_out"
