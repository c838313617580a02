"""Before and after a change to an analysis: run it on the database in hand, time it, keep everything it produced.

    PYTHONPATH=/path/to/old/checkout python bench/analysis_compare.py run before.json --resilience top:degree:20
    PYTHONPATH=/path/to/old/checkout python bench/analysis_compare.py run before.json --lifecycle --no-communities
    PYTHONPATH=/path/to/old/checkout python bench/analysis_compare.py run before.json --reports --no-communities
    python -m bench.analysis_compare run after.json --resilience top:degree:20       # from the new checkout
    python -m bench.analysis_compare diff before.json after.json

`run` times `analyze coordination` (with --coordination), `analyze communities` (unless --no-communities), each
`--resilience` removal through the library, and the hashtag lifecycles `analyze reports` computes (with --lifecycle:
read only, nothing written) or the whole `analyze reports` (with --reports; it rewrites what it materialises), on the
database the usual settings point at (SWARMGRAPH_HOME or NEO4J_URI), and writes their whole results: the coordination
edges, every hashtag's lifecycle row, every property the reports wrote (on every node they touched), the community and
community_degree written on every node, every video's audience before and after, every account's reach. `diff` prints
the times side by side and whether the results are identical. The old checkout runs with PYTHONPATH set to it, so that
its code is the one imported (the script prints where the code came from). Both runs on the same graph, one after the
other on the same machine: the ratio is the figure to report.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

EDGES = """MATCH (a:Account)-[r:COORDINATED_WITH]->(b:Account)
RETURN a.uid AS a, b.uid AS b, r.weight AS weight, r.co_shares AS co_shares, r.objects AS objects,
       r.expected AS expected, r.p_value AS p_value, r.log10_p_value AS log10_p_value ORDER BY a, b"""
REPORTED = """MATCH (n) WHERE n.reports_run IS NOT NULL
RETURN coalesce(n.tag, n.uid, n.url, n.report + '|' + coalesce(n.label, '') + '|' + coalesce(n.platform, '')) AS key,
       apoc.map.removeKey(properties(n), 'reports_run') AS props"""
WRITTEN = """MATCH (n) WHERE n.communities_run IS NOT NULL
RETURN coalesce(n.uid, n.url) AS key, n.community AS c, n.community_degree AS d"""


def run(out: Path, removals: list[str], communities: bool, coordination: bool, lifecycle: bool = False,
        reports: bool = False) -> None:
    import graphdb
    from graphdb.analytics.communities import detect_communities
    from graphdb.analytics.coordination import detect_coordination
    from graphdb.analytics.reports import lifecycle_rows, materialise_reports
    from graphdb.analytics.resilience import measure_resilience
    from graphdb.db import connect

    print(f"code from {Path(graphdb.__file__).parent}", flush=True)
    result: dict[str, Any] = {"code": str(Path(graphdb.__file__).parent), "seconds": {}}
    with connect(start_local=False) as db:
        if coordination:
            start = time.perf_counter()
            found = detect_coordination(db)
            result["seconds"]["coordination"] = round(time.perf_counter() - start, 2)
            result["coordination"] = {"summary": {k: v for k, v in found.as_dict().items() if k != "run"},
                                      "edges": db.read(EDGES)[1]}  # fmt: skip
            print(f"coordination {result['seconds']['coordination']} s", flush=True)
        if lifecycle:
            start = time.perf_counter()
            rows = lifecycle_rows(db)
            result["seconds"]["hashtag_lifecycle"] = round(time.perf_counter() - start, 2)
            result["hashtag_lifecycle"] = sorted(rows, key=lambda r: r["tag"])
            print(f"hashtag_lifecycle {result['seconds']['hashtag_lifecycle']} s ({len(rows)} hashtags)", flush=True)
        if reports:
            start = time.perf_counter()
            parts = materialise_reports(db).seconds
            result["seconds"]["reports"] = round(time.perf_counter() - start, 2)
            result["reports parts"] = parts
            result["reports"] = sorted(db.read(REPORTED)[1], key=lambda r: str(r["key"]))
            print(f"reports {result['seconds']['reports']} s {parts}", flush=True)
        if communities:
            start = time.perf_counter()
            summary = detect_communities(db)
            result["seconds"]["communities"] = round(time.perf_counter() - start, 2)
            _, rows = db.read(WRITTEN)
            result["communities"] = {
                "summary": {k: v for k, v in summary.as_dict().items() if k != "run"},
                "nodes": {r["key"]: [r["c"], r["d"]] for r in rows},
            }
            print(f"communities {result['seconds']['communities']} s", flush=True)
        for removal in removals:
            start = time.perf_counter()
            reach = measure_resilience(db, removal)
            result["seconds"][f"resilience {removal}"] = round(time.perf_counter() - start, 2)
            result[f"resilience {removal}"] = {**reach.as_dict(), "removed": reach.removed,
                                               "account_reach": reach.account_reach}  # fmt: skip
            print(f"resilience {removal} {result['seconds'][f'resilience {removal}']} s", flush=True)
    out.write_text(json.dumps(result, sort_keys=True, default=str), encoding="utf-8")  # times as ISO text


def diff(before_path: Path, after_path: Path) -> int:
    before = json.loads(before_path.read_text(encoding="utf-8"))
    after = json.loads(after_path.read_text(encoding="utf-8"))
    differ = 0
    for name in before["seconds"]:
        if name not in after["seconds"]:
            continue
        same = json.dumps(before[name], sort_keys=True) == json.dumps(after[name], sort_keys=True)
        differ += not same
        b, a = before["seconds"][name], after["seconds"][name]
        print(f"{name:34} {b:9.1f} s -> {a:9.1f} s  ({b / a:.2f}x)  results {'identical' if same else 'DIFFER'}")
    return 1 if differ else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="time the analyses and keep their results")
    r.add_argument("out", type=Path)
    r.add_argument("--resilience", action="append", default=[], help="a removal spec; repeat for more")
    r.add_argument("--no-communities", action="store_true")
    r.add_argument("--coordination", action="store_true", help="also `analyze coordination` (it writes its edges)")
    r.add_argument("--lifecycle", action="store_true", help="also the hashtag lifecycles of `analyze reports`")
    r.add_argument("--reports", action="store_true", help="also the whole `analyze reports` (it writes)")
    d = sub.add_parser("diff", help="times side by side; exit 1 when any result differs")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    args = ap.parse_args()
    if args.cmd == "run":
        run(args.out, args.resilience, not args.no_communities, args.coordination, args.lifecycle, args.reports)
        return 0
    return diff(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
