#!/usr/bin/env python3
"""Times Python's canonical form, json.dumps(json.loads(x), ...), on files.

Usage: bench_python.py [-t SECONDS] FILE...

For each file prints one line: name, size in bytes, ns/op and MB/s (best
of five rounds), and the number of operations timed
(1 MB = 1e6 bytes, as Go's testing package counts), so the numbers compare
directly with `go test -bench Canonicalize ./proof/`. Standard library only.
The Go benchmark BenchmarkPython runs this script on the same inputs.
"""
import json
import sys
import time


def canonical(data):
    return json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True, allow_nan=True).encode("ascii")


def bench(data, seconds, rounds=5):
    """Best per-op time over several rounds (as timeit does: the minimum is
    the least disturbed by other load on the machine)."""
    canonical(data)  # warm up
    best, total = float("inf"), 0
    for _ in range(rounds):
        n, start = 0, time.perf_counter()
        while True:
            for _ in range(max(1, n // 4)):
                canonical(data)
                n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / rounds:
                break
        best, total = min(best, elapsed / n), total + n
    return best, total


def main(argv):
    seconds = 0.5
    if len(argv) > 2 and argv[1] == "-t":
        seconds = float(argv[2])
        argv = argv[2:]
    for path in argv[1:]:
        with open(path, "rb") as f:
            data = f.read()
        per_op, n = bench(data, seconds)
        print("%s %d %.0f %.2f %d" % (path.rsplit("/", 1)[-1], len(data), per_op * 1e9,
                                      len(data) / per_op / 1e6, n))


if __name__ == "__main__":
    main(sys.argv)
