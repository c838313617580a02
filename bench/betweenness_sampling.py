"""Exact against sampled betweenness on one dissemination projection: how long each takes and how well the sampled
ranking keeps the exact one.

    python -m bench.betweenness_sampling bench/results/betweenness_sampling_10m.json --sources 960
    python -m bench.betweenness_sampling out.json --sources 250,500,1000

Projects the graph `analyze bridging` uses once, on the database the usual settings point at (SWARMGRAPH_HOME or
NEO4J_URI), streams exact betweenness and then betweenness from each number of sources (GDS, seed 42, 2 threads), and
writes per sample: its seconds beside the exact run's (same run, same projection), the Spearman rank correlation with
the exact scores (over every node, and over the exact top 100), the share of the exact top 10/20/50/100 found in the
sampled top of the same size, and the sum of sampled over exact scores (GDS does not rescale sampled scores).
Nothing is written to the graph.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from scipy.stats import spearmanr

from graphdb.analytics.projection import projected
from graphdb.db import connect

GRAPH = "swarmgraph-betweenness-bench"
STREAM = "CALL gds.betweenness.stream($graph, $config) YIELD nodeId, score RETURN nodeId, score"


def _top(scores: dict[int, float], n: int) -> list[int]:
    return sorted(scores, key=lambda i: (-scores[i], i))[:n]


def compare(exact: dict[int, float], sampled: dict[int, float]) -> dict[str, float]:
    ids = sorted(exact)
    head = _top(exact, 100)
    out = {"spearman_all": float(spearmanr([exact[i] for i in ids], [sampled[i] for i in ids]).statistic),
           "spearman_exact_top100": float(spearmanr([exact[i] for i in head], [sampled[i] for i in head]).statistic)}
    for n in (10, 20, 50, 100):
        out[f"top{n}_overlap"] = len(set(_top(exact, n)) & set(_top(sampled, n))) / n
    out["sum_ratio"] = sum(sampled.values()) / sum(exact.values())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--sources", default="960", help="numbers of sampled sources, comma-separated")
    args = parser.parse_args()
    db = connect(start_local=False)
    result: dict[str, Any] = {}
    started = time.perf_counter()
    with projected(db, GRAPH) as info:
        result.update(project_s=round(time.perf_counter() - started, 1), nodes=int(info["nodes"]),
                      relationships=int(info["relationships"]))  # fmt: skip
        print(result, flush=True)
        runs: dict[int | None, tuple[dict[int, float], float]] = {}
        for k in [None, *(int(x) for x in args.sources.split(","))]:
            config: dict[str, Any] = {"concurrency": 2}
            if k:
                config.update(samplingSize=k, samplingSeed=42)
            started = time.perf_counter()
            rows = db.run_autocommit(STREAM, {"graph": GRAPH, "config": config})
            runs[k] = ({int(r["nodeId"]): float(r["score"]) for r in rows}, time.perf_counter() - started)
            print("exact" if k is None else f"{k} sources", f"{runs[k][1]:.1f} s", flush=True)
    exact, exact_s = runs.pop(None)
    result["exact_s"] = round(exact_s, 1)
    for k, (scores, seconds) in runs.items():
        result[f"{k} sources"] = {"seconds": round(seconds, 1), **{m: round(v, 3) for m, v in
                                                                   compare(exact, scores).items()}}  # fmt: skip
        print(k, result[f"{k} sources"], flush=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
