"""Benchmark: how fast `simulate(posts=1_000_000)` writes its files, and its peak memory.

Each run happens in a fresh child process so its peak RSS is its own. The baseline in the same run is a 100k-post
simulation: per-post time should stay flat and peak memory should barely grow (the writer streams; only the
world's compact state is kept).

    .venv/bin/python bench/simulate_bench.py [--posts 1000000] [--baseline 100000] [--keep DIR]

`--compare-inputs 3000,100000` instead times, for each size, the csv inputs (videos.csv, url_checks.csv,
snapshots.jsonl: the baseline) against the default real formats (info.json, archive.org items, CDX, WARC) in the
same run, and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(posts: int, out: Path, inputs: str = "real") -> None:
    sys.path.insert(0, str(ROOT))
    from simulator import simulate

    start = time.perf_counter()
    summary = simulate(out, seed=1, posts=posts, inputs=inputs)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(
        json.dumps(
            {
                "posts": summary.posts,
                "seconds": seconds,
                "peak_rss_mb": peak_kb / 1024,
                "output_mb": size / 2**20,
                "files": len(summary.files),
            }
        )
    )


def _measure(posts: int, out: Path, inputs: str = "real") -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(posts), str(out), inputs], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _report(label: str, r: dict[str, float]) -> None:
    print(
        f"{label:>9}: {int(r['posts']):>9,} posts in {r['seconds']:6.1f} s "
        f"({1e6 * r['seconds'] / r['posts']:5.1f} us/post), peak RSS {r['peak_rss_mb']:6.1f} MB, "
        f"output {r['output_mb']:7.1f} MB in {int(r['files'])} files"
    )


def _compare_inputs(sizes: list[int], work: Path, repeats: int = 3) -> None:
    """Best of `repeats` runs per size and mode, alternating the modes so machine load hits both alike."""
    for posts in sizes:
        best: dict[str, dict[str, float]] = {}
        for _ in range(repeats):
            for inputs in ("csv", "real"):
                r = _measure(posts, work / f"{inputs}-{posts}", inputs)
                if inputs not in best or r["seconds"] < best[inputs]["seconds"]:
                    best[inputs] = r
        for inputs in ("csv", "real"):
            _report(f"{inputs}", best[inputs])
        print(f"{'':>9}  real / csv: {best['real']['seconds'] / best['csv']['seconds']:.2f}x at {posts:,} posts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="write the large run here and keep it (default: a temp dir)")
    parser.add_argument("--compare-inputs", help="sizes (comma-separated posts) to time in both input modes")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(int(args.child[0]), Path(args.child[1]), args.child[2])
        return
    work = Path(tempfile.mkdtemp(prefix="simulate-bench-"))
    if args.compare_inputs:
        try:
            _compare_inputs([int(n) for n in args.compare_inputs.split(",")], work)
        finally:
            shutil.rmtree(work)
        return
    try:
        _report("baseline", _measure(args.baseline, work / "baseline"))
        _report("run", _measure(args.posts, args.keep or work / "run"))
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
