#!/usr/bin/env python3
"""Peer comparison: the Python `mrz` package (pip install mrz==0.6.2) on the
inputs of benches/mrz.rs, and its agreement with ../shared/data/mrz-vectors.tsv.

    MRZ_BENCH_DUMP=/tmp/mrz-fixtures cargo bench --bench mrz   # write the bench inputs
    python3 scripts/peers/mrz_python_bench.py /tmp/mrz-fixtures [path/to/mrz-vectors.tsv]

Throughput: validations per second per format, wall clock and CPU time of
this process (`time.process_time`), best of a few rounds, each checker built
as the package documents (`TD3CodeChecker(text)`, truth value = valid).
Agreement: for every vector, the package's verdict (valid or not) against the
vector's `expect` column; the package has no French-ID checker, so FRA_ID
inputs and vectors are skipped (vectors checked as TD2 but laid out as the
French card are checked with the TD2 checker, which is what a caller of the
package would do).
"""

import os
import sys
import time

try:
    from mrz.checker.mrva import MRVACodeChecker
    from mrz.checker.mrvb import MRVBCodeChecker
    from mrz.checker.td1 import TD1CodeChecker
    from mrz.checker.td2 import TD2CodeChecker
    from mrz.checker.td3 import TD3CodeChecker
except ImportError:
    sys.exit("needs the Python mrz package: pip install mrz==0.6.2")

CHECKERS = {
    "TD1": TD1CodeChecker,
    "TD2": TD2CodeChecker,
    "TD3": TD3CodeChecker,
    "MRVA": MRVACodeChecker,
    "MRVB": MRVBCodeChecker,
}


def verdict(checker, text):
    """The package's verdict; an exception (malformed input) counts as invalid."""
    try:
        return bool(checker(text))
    except Exception:  # the package raises on some malformed input
        return False


def bench(fixtures_dir, rounds=3, min_seconds=1.0):
    print(f"{'format':8} {'inputs':>6} {'valid':>5} {'wall /s':>12} {'cpu /s':>12}")
    for fmt, checker in CHECKERS.items():
        path = os.path.join(fixtures_dir, f"{fmt}.txt")
        if not os.path.exists(path):
            print(f"{fmt:8} (no {path})")
            continue
        with open(path) as f:
            texts = [line.rstrip("\n").replace("|", "\n") for line in f if line.strip()]
        valid = sum(verdict(checker, t) for t in texts)
        best_wall = best_cpu = 0.0
        for _ in range(rounds):
            n = 0
            w0, c0 = time.perf_counter(), time.process_time()
            while time.perf_counter() - w0 < min_seconds:
                for t in texts:
                    verdict(checker, t)
                n += len(texts)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            best_wall = max(best_wall, n / wall)
            best_cpu = max(best_cpu, n / cpu if cpu > 0 else 0.0)
        print(f"{fmt:8} {len(texts):6} {valid:5} {best_wall:12,.0f} {best_cpu:12,.0f}")


def agreement(vectors_path):
    total = agree = 0
    wrong = []
    with open(vectors_path) as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            vid, fmt, expect, text = cols[0], cols[1], cols[2], cols[3]
            checker = CHECKERS.get(fmt)
            if checker is None:
                continue
            total += 1
            got = verdict(checker, text.replace("|", "\n"))
            if got == (expect == "valid"):
                agree += 1
            else:
                wrong.append(f"{vid}: expect {expect}, mrz says {'valid' if got else 'invalid'}")
    print(f"\nagreement with {os.path.basename(vectors_path)}: {agree}/{total} verdicts")
    for w in wrong:
        print("  " + w)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    bench(sys.argv[1])
    default_vectors = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "mrz-vectors.tsv")
    vectors = sys.argv[2] if len(sys.argv) > 2 else default_vectors
    if os.path.exists(vectors):
        agreement(vectors)
    else:
        print(f"\n(no vectors at {vectors}; pass the path as the second argument)")


if __name__ == "__main__":
    main()
