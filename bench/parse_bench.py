"""Parse speed under the input limits: this tree's readers against a baseline tree's (main's code), same run.

    python -m bench.parse_bench --baseline /path/to/main            # CPU seconds per reader, both trees
    python -m bench.parse_bench --baseline /path/to/main --scale 4  # larger generated files

From the real fixtures it writes, in a temporary directory deleted afterwards, a Telegram Desktop export (the
langchain-community messages repeated with new ids), a twarc2 JSONL file (pages of the twarc-csv fixtures), a v1.1
JSON array (the python-twitter search response's statuses, repeated) and a research CSV (the isis-fanboy rows).
Each file is read by its reader through read_guarded (as a load reads it: every Fragment and Reject built, nothing
written) in child processes alternating between the trees (--rounds each), which report their CPU time (user +
system, best of --repeat reads; the best child counts). The ratio is this tree's time over the baseline's.
Results go to bench/results/parse.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
RESULTS = ROOT / "bench" / "results" / "parse.json"
_CHILD = r"""
import sys, time
from pathlib import Path
from etl.readers import FORMATS
from etl.readers.common import read_guarded
fmt, path, repeat = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
best, items = None, 0
for _ in range(repeat):
    t0 = time.process_time()
    items = sum(1 for _ in read_guarded(FORMATS[fmt], path))
    spent = time.process_time() - t0
    best = spent if best is None else min(best, spent)
print(best, items)
"""


def _telegram(out: Path, copies: int) -> Path:
    export = json.loads((FIXTURES / "langchain-community" / "result.json").read_text())
    template = export["messages"]
    messages = []
    for n in range(copies):
        for msg in template:
            messages.append({**msg, "id": n * len(template) + int(msg["id"])})
    export["messages"] = messages
    path = out / "result.json"
    path.write_text(json.dumps(export, indent=1, ensure_ascii=False))  # Telegram Desktop's own layout
    return path


def _twarc2(out: Path, copies: int) -> Path:
    lines = [
        line
        for name in ("many_urls.jsonl", "media_tweet.jsonl", "quoted_edit.jsonl", "two_tweets.jsonl")
        for line in (FIXTURES / "twarc-csv" / name).read_text().splitlines()
        if line.strip()
    ]
    path = out / "tweets.jsonl"
    path.write_text("\n".join(lines * copies) + "\n")
    return path


def _v1_array(out: Path, copies: int) -> Path:
    statuses = json.loads((FIXTURES / "python-twitter" / "get_search_geocode.json").read_text())["statuses"]
    path = out / "timeline.json"
    path.write_text(json.dumps(statuses * copies))
    return path


def _csv(out: Path, copies: int) -> Path:
    header, *rows = (FIXTURES / "isis-fanboy" / "AboutIsis_sample.csv").read_text().splitlines(keepends=True)
    path = out / "fanboy.csv"
    path.write_text(header + "".join(rows * copies))
    return path


CASES = (("telegram", _telegram, 3000), ("twarc2", _twarc2, 400), ("twitter-v1", _v1_array, 100),
         ("isis-fanboy", _csv, 100))  # fmt: skip


def _cpu(tree: Path, fmt: str, path: Path, repeat: int) -> tuple[float, int]:
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", _CHILD, fmt, str(path), str(repeat)], capture_output=True,
                          text=True, env=env, cwd=tree, check=True)  # fmt: skip
    seconds, items = proc.stdout.split()
    return float(seconds), int(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, required=True, help="a checkout of the baseline code (main)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the generated files' sizes")
    parser.add_argument("--repeat", type=int, default=3, help="reads per child; the best CPU time counts")
    parser.add_argument("--rounds", type=int, default=3, help="child processes per tree, alternated; the best counts")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="swarmgraph-parse-bench-") as tmp:
        for fmt, make, copies in CASES:
            path = make(Path(tmp), max(1, int(copies * args.scale)))
            runs = [(_cpu(args.baseline, fmt, path, args.repeat), _cpu(ROOT, fmt, path, args.repeat))
                    for _ in range(args.rounds)]  # alternated: a busy moment weighs on both  # fmt: skip
            base, base_items = min(r[0] for r in runs)
            mine, items = min(r[1] for r in runs)
            row = {"format": fmt, "mb": round(path.stat().st_size / 2**20, 1), "baseline_cpu_s": round(base, 3),
                   "cpu_s": round(mine, 3), "ratio": round(mine / base, 2), "items": items,
                   "baseline_items": base_items}  # fmt: skip
            rows.append(row)
            print(json.dumps(row))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"python": platform.python_version(), "machine": platform.machine(),
                                    "results": rows}, indent=1) + "\n")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
