"""Structural brokers on the dissemination projection (accounts and URLs): betweenness centrality (sampled on large
graphs), articulation points (nodes whose removal splits a component) and bridges (edges whose removal does).

Sampled betweenness ranks the nodes of one run. GDS 2.13 picks its sources at random, weighted by degree (its
RandomDegreeSelectionStrategy keeps a node when a random number from 1 to the largest degree is at most the node's
degree), and does not rescale the scores, so they are smaller than exact ones and only comparable within the run.
Measured against exact betweenness on the same graph: docs/benchmarks.md ("Bridging: exact or sampled").

Written back on Account and Url nodes: `betweenness` (float), `betweenness_sources` (how many sampled sources it
came from; absent when exact), `articulation_point` (bool), `bridge_edges` (how many bridges touch the node) and
`bridging_run`. A new run first clears the previous run's values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from graphdb.analytics import new_run_id, write_rows
from graphdb.analytics.projection import projected
from graphdb.analytics.sizing import check_before_projecting, check_on_graph, projection_bounds
from graphdb.db import Database

GRAPH = "swarmgraph-bridging"

BETWEENNESS = """
CALL gds.betweenness.stream($graph, $config) YIELD nodeId, score
RETURN elementId(gds.util.asNode(nodeId)) AS id, score
"""
ARTICULATION = """
CALL gds.articulationPoints.stream($graph) YIELD nodeId
RETURN elementId(gds.util.asNode(nodeId)) AS id
"""
BRIDGES = """
CALL gds.bridges.stream($graph) YIELD from, to
RETURN elementId(gds.util.asNode(from)) AS a, elementId(gds.util.asNode(to)) AS b
"""
CLEAR = """
MATCH (n) WHERE n.bridging_run IS NOT NULL
CALL (n) {
  REMOVE n.betweenness, n.betweenness_sources, n.articulation_point, n.bridge_edges, n.bridging_run
} IN TRANSACTIONS OF 10000 ROWS
"""
WRITE = """
UNWIND $rows AS row
MATCH (n) WHERE elementId(n) = row.id
SET n.betweenness = row.betweenness, n.betweenness_sources = $sources, n.articulation_point = row.articulation,
    n.bridge_edges = row.bridges, n.bridging_run = $run
"""
# Exact betweenness is one breadth-first search per node, each over every relationship: nodes x relationships steps.
# Up to WORK steps it is exact (the 1M-post benchmark graph, 4,127 nodes x 659,914 relationships, is 2.7e9); above,
# it is estimated from as many source nodes as WORK steps allow, never fewer than MIN_SOURCES (10M posts: 9,394 nodes
# x 5.2M relationships is 4.9e10 steps exact, 632 s of a 2-core machine; 960 sources instead).
WORK = 5_000_000_000
MIN_SOURCES = 100


@dataclass
class BridgingResult:
    run: str
    nodes: int
    relationships: int
    sampled_sources: int | None  # None: exact betweenness
    articulation_points: int
    bridges: int
    top: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


TOP = """
MATCH (n) WHERE n.bridging_run = $run AND n.betweenness > 0
RETURN coalesce(n.uid, n.url) AS key, CASE WHEN n:Account THEN 'account' ELSE 'url' END AS kind,
       round(n.betweenness, 2) AS betweenness, n.articulation_point AS articulation_point
ORDER BY n.betweenness DESC LIMIT 10
"""


def sources_for(nodes: int, relationships: int, sample: int | None = None) -> int | None:
    """How many source nodes betweenness starts from on a graph of this size: None for all of them (exact)."""
    if sample is None:
        if nodes * relationships <= WORK:
            return None
        sample = max(MIN_SOURCES, WORK // max(relationships, 1))
    return sample if sample < nodes else None


def compute_bridging(db: Database, *, sample: int | None = None, seed: int = 42) -> BridgingResult:
    """Run the three measures on the projection and write them back. `sample` forces sampled betweenness."""
    run = new_run_id("bridging")
    planned = sources_for(*projection_bounds(db), sample)
    check_before_projecting(db, "bridging", "gds.betweenness.stream",
                            {"samplingSize": planned} if planned else {})  # fmt: skip
    with projected(db, GRAPH) as info:
        nodes = int(info["nodes"])
        sampling = sources_for(nodes, int(info["relationships"]), sample)
        config: dict[str, Any] = {"concurrency": 2}
        if sampling is not None:
            config.update(samplingSize=sampling, samplingSeed=seed)
        for procedure, conf in (("gds.betweenness.stream", config), ("gds.articulationPoints.stream", {}),
                                ("gds.bridges.stream", {})):  # fmt: skip
            check_on_graph(db, "bridging", procedure, conf, GRAPH)
        rows = db.run_autocommit(BETWEENNESS, {"graph": GRAPH, "config": config})
        scores = {r["id"]: float(r["score"]) for r in rows}
        points = {r["id"] for r in db.run_autocommit(ARTICULATION, {"graph": GRAPH})}
        bridge_rows = db.run_autocommit(BRIDGES, {"graph": GRAPH})
    touching: Counter[str] = Counter()
    for r in bridge_rows:
        touching[r["a"]] += 1
        touching[r["b"]] += 1
    db.run_autocommit(CLEAR)
    rows = [{"id": i, "betweenness": s, "articulation": i in points, "bridges": touching[i]} for i, s in scores.items()]
    write_rows(db, WRITE, rows, run=run, sources=sampling)
    _, top = db.read(TOP, {"run": run})
    return BridgingResult(run, nodes, int(info["relationships"]), sampling, len(points), len(bridge_rows), top)
