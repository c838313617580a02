"""Query benchmark: p50/p95 latency of every prepared query and the run time of each analysis, per graph size.

    python -m bench.query_bench --sizes 10000,100000,1000000   # unattended; 1M posts takes a while to load
    python -m bench.query_bench --sizes 10000 --repeat 10      # a quick look

For each size a simulated world (cached under bench/data) is loaded with load_paths into a dedicated local Neo4j
(its own SWARMGRAPH_HOME, --heap/--pagecache), the analyses run once each (timed), then every prepared query runs
--repeat times after two warm-up runs (planning and page-cache warming are not what an investigator waits for on
the hundredth query). Queries anchored on a seed rotate over several seeds (the busiest videos, accounts ...), so
one hot spot does not flatter the figures. Interactive queries (a seed, or what an analysis wrote) have the target
p95 < 1 s at 1M posts; reports scan the whole graph. Results: bench/results/queries.json, and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.load_bench import simulate_world
from cypher import load_catalogue, run_query
from cypher.examples import example_params
from etl.load import load_paths
from graphdb.analytics.bridging import compute_bridging
from graphdb.analytics.communities import detect_communities
from graphdb.analytics.coordination import detect_coordination
from graphdb.analytics.resilience import measure_resilience
from graphdb.analytics.successors import suggest_successors
from graphdb.db import Database
from graphdb.runtime import USERNAME, LocalRuntime
from graphdb.settings import ConnectionSettings

ROOT = Path(__file__).resolve().parent
INTERACTIVE = {"video_reach", "dissemination_paths", "first_sharers", "account_profile", "bridging_nodes",
               "communities", "coordinated_link_sharing", "successors"}  # fmt: skip
SEEDED = {"video_reach": "video", "first_sharers": "video", "dissemination_paths": "video",
          "account_profile": "account"}  # fmt: skip
SEED_LISTS = {
    "video": "MATCH (v:Video)<-[:SERVES]-(u:Url) WITH v, count(u) AS n ORDER BY n DESC, v.uid LIMIT $k "
             "RETURN collect(v.uid) AS seeds",
    "account": "MATCH (a:Account)-[:POSTED]->(p:Post) WITH a, count(p) AS n ORDER BY n DESC, a.uid LIMIT $k "
               "RETURN collect(a.uid) AS seeds",
}  # fmt: skip
ANALYSES = [
    ("coordination", lambda db: detect_coordination(db)),
    ("bridging", lambda db: compute_bridging(db)),
    ("communities", lambda db: detect_communities(db)),
    ("successors", lambda db: suggest_successors(db)),
    ("resilience top:degree:20", lambda db: measure_resilience(db, "top:degree:20")),
    ("resilience top:betweenness:20", lambda db: measure_resilience(db, "top:betweenness:20")),
]


def percentile(values: list[float], q: float) -> float:
    xs = sorted(values)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def seed_params(db: Database, seeds: int) -> dict[str, list[dict[str, Any]]]:
    """Per query, the parameter sets to rotate over."""
    base = example_params(db)
    lists = {kind: db.read(q, {"k": seeds})[1][0]["seeds"] for kind, q in SEED_LISTS.items()}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, params in base.items():
        kind = SEEDED.get(name)
        out[name] = [{**params, kind: s} for s in lists[kind]] if kind and lists[kind] else [params]
    return out


def time_queries(db: Database, repeat: int, seeds: int) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    params = seed_params(db, seeds)
    for name in load_catalogue():
        sets = params[name]
        for p in sets[:2]:  # warm-up: plan the query and fault its pages in
            run_query(db, name, p)
        times, rows = [], 0
        for i in range(repeat):
            t0 = time.perf_counter()
            _, out = run_query(db, name, sets[i % len(sets)])
            times.append(time.perf_counter() - t0)
            rows = max(rows, len(out))
        results[name] = {
            "kind": "interactive" if name in INTERACTIVE else "report",
            "p50_ms": round(percentile(times, 0.5) * 1000, 1),
            "p95_ms": round(percentile(times, 0.95) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1),
            "runs": repeat,
            "seeds": len(sets),
            "max_rows": rows,
        }
        print(f"  {name:26} p50 {results[name]['p50_ms']:9.1f} ms  p95 {results[name]['p95_ms']:9.1f} ms", flush=True)
    return results


def graph_size(db: Database) -> dict[str, int]:
    _, rows = db.read(
        "CALL () { MATCH (n) RETURN count(n) AS nodes } CALL () { MATCH ()-[r]->() RETURN count(r) AS "
        "rels } CALL () { MATCH (p:Post) RETURN count(p) AS posts } RETURN nodes, rels, posts"
    )
    return {k: int(v) for k, v in rows[0].items()}


def bench_size(posts: int, args: argparse.Namespace) -> dict[str, Any]:
    world = simulate_world(posts, args.seed, args.cache)
    home = Path(tempfile.mkdtemp(prefix="swarmgraph-qbench-"))
    runtime = LocalRuntime(home)
    runtime.start(bolt_port=0, http_port=0, heap=args.heap, pagecache=args.pagecache)
    db = Database(ConnectionSettings(runtime.bolt_uri() or "", USERNAME, runtime.password(), None, True))
    try:
        t0 = time.monotonic()
        load_paths(db, [world], rejects_path=home / "rejects.jsonl")
        load_s = time.monotonic() - t0
        size = graph_size(db)
        print(f"{posts:,} posts: loaded {size['posts']:,} posts ({size['nodes']:,} nodes, {size['rels']:,} "
              f"relationships) in {load_s:.0f} s", flush=True)  # fmt: skip
        analyses: dict[str, float] = {}
        for name, run in ANALYSES:
            t0 = time.monotonic()
            run(db)
            analyses[name] = round(time.monotonic() - t0, 2)
            print(f"  analyze {name:24} {analyses[name]:8.2f} s", flush=True)
        queries = time_queries(db, args.repeat, args.seeds)
    finally:
        db.close()
        runtime.stop()
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
    return {"posts": size["posts"], "nodes": size["nodes"], "relationships": size["rels"],
            "load_seconds": round(load_s, 1), "analyses_seconds": analyses, "queries": queries,
            "load_average_after": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip


def print_table(results: dict[str, dict[str, Any]]) -> None:
    sizes = list(results)
    head = f"{'query':26} {'kind':12}" + "".join(f" {'p50/p95 ms @' + s:>24}" for s in sizes)
    print("\n" + head + "\n" + "-" * len(head))
    for name in load_catalogue():
        cells = []
        for s in sizes:
            r = results[s]["queries"].get(name)
            cells.append(f" {r['p50_ms']:>11.1f} /{r['p95_ms']:>10.1f}" if r else f" {'-':>24}")
        kind = results[sizes[0]]["queries"][name]["kind"]
        print(f"{name:26} {kind:12}" + "".join(cells))
    print()
    for name, _ in ANALYSES:
        print(f"{'analyze ' + name:39}" + "".join(f" {results[s]['analyses_seconds'][name]:>22.1f} s" for s in sizes))
    print(f"{'load (load_paths)':39}" + "".join(f" {results[s]['load_seconds']:>22.1f} s" for s in sizes))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000", help="post counts, comma-separated")
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    ap.add_argument("--seeds", type=int, default=5, help="seeds rotated over by seeded queries")
    ap.add_argument("--seed", type=int, default=1, help="simulation seed")
    ap.add_argument("--heap", default="4g")
    ap.add_argument("--pagecache", default="4g")
    ap.add_argument("--cache", type=Path, default=ROOT / "data", help="where simulated worlds are kept")
    ap.add_argument("--keep", action="store_true", help="keep each size's Neo4j home")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "queries.json")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the size's Neo4j on the way out (finally)
    previous = json.loads(args.out.read_text()) if args.out.is_file() else {}
    results: dict[str, dict[str, Any]] = dict(previous.get("sizes", {}))
    for posts in (int(s) for s in args.sizes.split(",") if s.strip()):
        results[str(posts)] = bench_size(posts, args)
        report = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(), "heap": args.heap,
                              "pagecache": args.pagecache},
                  "repeat": args.repeat, "target": "interactive p95 < 1000 ms at 1,000,000 posts",
                  "sizes": dict(sorted(results.items(), key=lambda kv: int(kv[0])))}  # fmt: skip
        args.out.parent.mkdir(exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n")  # after every size: a long run keeps what it did
    print_table({k: v for k, v in sorted(results.items(), key=lambda kv: int(kv[0]))})
    medians = [r["p95_ms"] for s in results.values() for r in s["queries"].values()]
    print(f"\nwrote {args.out} ({len(results)} sizes, median p95 {statistics.median(medians):.0f} ms)")


if __name__ == "__main__":
    main()
