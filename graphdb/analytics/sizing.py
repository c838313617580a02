"""GDS analyses sized before they run: the projection and the algorithm are estimated with `gds.*.estimate` and
refused with a clear message when they would not fit in the server's free heap (GDS keeps both in the heap).

Before projecting, the estimate uses upper bounds from the count store (every Account and Url a node, every flow
relationship a pair: the real projection merges repeated pairs, so it is smaller); after projecting, the algorithm
is estimated on the projected graph itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphdb.db import Database
from graphdb.errors import AnalysisTooLarge

# The observed relationships the dissemination projection is built from (analytics/projection.py), plus one
# "source" edge per Url at most.
FLOW_TYPES = ("REPOSTS", "QUOTES", "REPLIES_TO", "FORWARDS", "FORWARDED_FROM", "MENTIONS", "LINKS_TO", "REDIRECTS_TO",
              "LISTS")  # fmt: skip
COUNTS = "CALL apoc.meta.stats() YIELD labels, relTypesCount RETURN labels, relTypesCount"
HEAP = """
CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes
WITH attributes.HeapMemoryUsage.value.properties AS heap
RETURN heap.max AS max, heap.used AS used
"""
PROJECTION = {"nodeProjection": "*",
              "relationshipProjection": {"FLOW": {"type": "*", "orientation": "UNDIRECTED", "properties": "weight"}}}
GIB = 1 << 30


@dataclass(frozen=True)
class Estimate:
    what: str
    bytes_min: int
    bytes_max: int
    nodes: int
    relationships: int

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def projection_bounds(db: Database) -> tuple[int, int]:
    """(nodes, relationships) the dissemination projection can have at most, from the count store."""
    _, rows = db.read(COUNTS)
    labels, types = rows[0]["labels"], rows[0]["relTypesCount"]
    urls = int(labels.get("Url", 0))
    return int(labels.get("Account", 0)) + urls, sum(int(types.get(t, 0)) for t in FLOW_TYPES) + urls


def free_heap(db: Database) -> tuple[int, int]:
    """(free, max) bytes of the server's heap now: max minus used (garbage included, so on the safe side)."""
    _, rows = db.read(HEAP)
    return int(rows[0]["max"]) - int(rows[0]["used"]), int(rows[0]["max"])


def estimate(db: Database, procedure: str, config: dict[str, Any], graph: str | None = None) -> Estimate:
    """`<procedure>.estimate` on the named projected graph, or on a graph of the projection's upper-bound size
    (which then includes the projection itself)."""
    if graph is None:
        nodes, rels = projection_bounds(db)
        target: Any = {**PROJECTION, "nodeCount": max(nodes, 1), "relationshipCount": max(rels, 1)}
    else:
        target = graph
    rows = db.run_autocommit(
        f"CALL {procedure}.estimate($graph, $config) YIELD bytesMin, bytesMax, nodeCount, relationshipCount "
        "RETURN bytesMin, bytesMax, nodeCount, relationshipCount", {"graph": target, "config": config})  # fmt: skip
    r = rows[0]
    return Estimate(procedure, int(r["bytesMin"]), int(r["bytesMax"]), int(r["nodeCount"]), int(r["relationshipCount"]))


def require_fit(db: Database, analysis: str, found: Estimate) -> None:
    """Refuse (AnalysisTooLarge) when the estimate's lower bound exceeds the free heap."""
    free, most = free_heap(db)
    if found.bytes_min <= free:
        return
    wanted = max(found.bytes_max + (most - free), most) / GIB * 1.25
    raise AnalysisTooLarge(
        f"`analyze {analysis}` needs at least {found.bytes_min / GIB:.1f} GB of the server's heap ({found.what} "
        f"estimate for {found.nodes:,} nodes and {found.relationships:,} relationships), and it has "
        f"{free / GIB:.1f} GB free of {most / GIB:.1f} GB. Restart it with more: `swarmgraph db stop` then "
        f"`swarmgraph db start --heap {max(2, round(wanted))}g` (or SWARMGRAPH_HEAP), on a machine with the memory "
        "for it (docs/scaling.md)."
    )


PROJECT_ESTIMATE = """
CALL gds.graph.project.estimate('*', $relationships, {nodeCount: $nodes, relationshipCount: $rels})
YIELD bytesMin, bytesMax, nodeCount, relationshipCount
RETURN bytesMin, bytesMax, nodeCount, relationshipCount
"""


def check_before_projecting(db: Database, analysis: str, procedure: str, config: dict[str, Any]) -> Estimate:
    """The projection and `procedure` at the projection's upper-bound size must fit the free heap together."""
    nodes, rels = projection_bounds(db)
    r = db.run_autocommit(PROJECT_ESTIMATE, {"relationships": PROJECTION["relationshipProjection"],
                                             "nodes": max(nodes, 1), "rels": max(rels, 1)})[0]  # fmt: skip
    algo = estimate(db, procedure, config)
    both = Estimate(f"gds.graph.project + {procedure}", int(r["bytesMin"]) + algo.bytes_min,
                    int(r["bytesMax"]) + algo.bytes_max, nodes, rels)  # fmt: skip
    require_fit(db, analysis, both)
    return both


def check_on_graph(db: Database, analysis: str, procedure: str, config: dict[str, Any], graph: str) -> Estimate:
    """`procedure` on the projected graph must fit the heap left free."""
    found = estimate(db, procedure, config, graph)
    require_fit(db, analysis, found)
    return found
