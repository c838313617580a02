"""`make bench`: every benchmark in turn, with the settings docs/benchmarks.md reports (the load and query
benchmarks alone take about 10 and 25 minutes on 2 cores).

    python -m bench.run_all                 # all of them
    python -m bench.run_all load viz        # some of them

Each writes its figures to bench/results/*.json; a failing benchmark stops the run with its exit code.
"""

from __future__ import annotations

import subprocess
import sys
import time

BENCHMARKS: dict[str, list[str]] = {
    "simulate": ["bench/simulate_bench.py"],
    "viz": ["bench/viz_bench.py", "--sizes", "500,2000,10000", "--runs", "3"],
    "load": ["-m", "bench.load_bench", "--posts", "1000000", "--sample", "1000"],
    "queries": ["-m", "bench.query_bench", "--sizes", "10000,100000,1000000"],
    "startup": ["-m", "bench.startup_bench"],
}


def main() -> None:
    chosen = sys.argv[1:] or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    for name in chosen:
        print(f"== {name}: {' '.join(BENCHMARKS[name])}", flush=True)
        t0 = time.monotonic()
        code = subprocess.call([sys.executable, *BENCHMARKS[name]])
        print(f"== {name}: exit {code} after {time.monotonic() - t0:.0f} s", flush=True)
        if code:
            sys.exit(code)


if __name__ == "__main__":
    main()
