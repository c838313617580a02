"""Benchmark: how fast `simulate(posts=1_000_000)` writes its files, and its peak memory.

Each run happens in a fresh child process so its peak RSS is its own. The baseline in the same run is a 100k-post
simulation: per-post time should stay flat and peak memory should barely grow (the writer streams; only the
world's compact state is kept).

    .venv/bin/python bench/simulate_bench.py [--posts 1000000] [--baseline 100000] [--keep DIR]
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


def _child(posts: int, out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from simulator import simulate

    start = time.perf_counter()
    summary = simulate(out, seed=1, posts=posts)
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


def _measure(posts: int, out: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(posts), str(out)], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _report(label: str, r: dict[str, float]) -> None:
    print(
        f"{label:>9}: {int(r['posts']):>9,} posts in {r['seconds']:6.1f} s "
        f"({1e6 * r['seconds'] / r['posts']:5.1f} us/post), peak RSS {r['peak_rss_mb']:6.1f} MB, "
        f"output {r['output_mb']:7.1f} MB in {int(r['files'])} files"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="write the large run here and keep it (default: a temp dir)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(int(args.child[0]), Path(args.child[1]))
        return
    work = Path(tempfile.mkdtemp(prefix="simulate-bench-"))
    try:
        _report("baseline", _measure(args.baseline, work / "baseline"))
        _report("run", _measure(args.posts, args.keep or work / "run"))
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
