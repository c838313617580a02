"""Before and after a prepared query's rewrite: both versions on the same graph, seed by seed, in one run.

    python -m bench.query_compare --before 0663df4 first_sharers video_reach successors \
        --out bench/results/queries_10m_rewrites.json

For each named query, the version in the commit given (`git show <rev>:cypher/<name>.cypher`) and the one in the
working tree run on the database the usual settings point at (SWARMGRAPH_HOME or NEO4J_URI), from each of the query
benchmark's seeds (bench.query_bench.seed_params): one warm-up run each, then `--repeat` runs alternating before and
after, then one PROFILE run each for the db hits. Each seed's rows must be identical in both versions, or the script
stops. The same-run baselines (a round trip; a fixed sum) are measured first: compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.query_bench import seed_params
from bench.scale_bench import calibrate, db_hits
from cypher import load_catalogue, parse_query_file, run_query
from graphdb.db import connect
from graphdb.values import to_plain

ROOT = Path(__file__).resolve().parents[1]


def old_version(rev: str, name: str, scratch: Path) -> Any:
    text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:cypher/{name}.cypher"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    path = scratch / f"{name}.cypher"
    path.write_text(text, encoding="utf-8")
    return parse_query_file(path)


def timed(db: Any, query: Any, params: dict[str, Any]) -> tuple[float, list[Any]]:
    t0 = time.perf_counter()
    _, rows = run_query(db, query, params)
    return (time.perf_counter() - t0) * 1000, [to_plain(r) for r in rows]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("queries", nargs="+", help="prepared query names")
    ap.add_argument("--before", required=True, help="the commit holding the earlier versions")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of each version per seed")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    db = connect(start_local=False)
    catalogue = load_catalogue()
    scratch = Path(tempfile.mkdtemp(prefix="query-compare-"))
    print("baselines:", flush=True)
    result: dict[str, Any] = {"before": args.before, "baselines": calibrate(db, 10), "runs": []}
    params = seed_params(db, args.seeds)
    for name in args.queries:
        before, after = old_version(args.before, name, scratch), catalogue[name]
        for p in params[name]:
            times: dict[str, list[float]] = {"before": [], "after": []}
            _, rows_before = timed(db, before, p)
            _, rows_after = timed(db, after, p)
            if rows_before != rows_after:
                raise SystemExit(f"{name} {p}: the two versions answer differently")
            for _ in range(args.repeat):
                for label, q in (("before", before), ("after", after)):
                    times[label].append(round(timed(db, q, p)[0]))
            hits = {label: db_hits(db, q.statement, q.bind(p)) for label, q in (("before", before), ("after", after))}
            seed = {k: v for k, v in p.items() if v is not None and not isinstance(v, bool)}
            run = {"query": name, "params": seed, "rows": len(rows_after), "ms_before": times["before"],
                   "ms_after": times["after"], "db_hits_before": hits["before"], "db_hits_after": hits["after"]}
            result["runs"].append(run)
            print(f"{name:22} {json.dumps(seed)[:60]:60} before {times['before']} ms {hits['before']:>10,} hits"
                  f"  after {times['after']} ms {hits['after']:>10,} hits", flush=True)
    args.out.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
