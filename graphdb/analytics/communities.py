"""Communities on the dissemination projection (Leiden by default, Louvain on request), with what the query needs to
tell a hub-dominated cluster from a dispersed one.

Written back on Account and Url nodes: `community` (int) and `communities_run`; on accounts also
`community_degree`: how many accounts of the same community it is directly linked with (reposts, quotes, replies,
forwards, mentions). A star around one influencer gives that influencer every link; a dispersed cluster spreads them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from graphdb.analytics import new_run_id, write_rows
from graphdb.analytics.projection import projected, read_flows
from graphdb.analytics.sizing import check_before_projecting, check_on_graph
from graphdb.db import Database
from graphdb.errors import AnalysisError

GRAPH = "swarmgraph-communities"
ACCOUNT_LINKS = ("repost", "quote", "reply", "forward", "mention")

STREAM = {
    "leiden": """
CALL gds.leiden.stream($graph, {relationshipWeightProperty: 'weight', randomSeed: $seed, concurrency: 1})
YIELD nodeId, communityId
WITH gds.util.asNode(nodeId) AS n, communityId
RETURN elementId(n) AS id, coalesce(n.uid, n.url) AS key, n:Account AS account, communityId AS community
""",
    "louvain": """
CALL gds.louvain.stream($graph, {relationshipWeightProperty: 'weight', concurrency: 1})
YIELD nodeId, communityId
WITH gds.util.asNode(nodeId) AS n, communityId
RETURN elementId(n) AS id, coalesce(n.uid, n.url) AS key, n:Account AS account, communityId AS community
""",
}
CLEAR = """
MATCH (n) WHERE n.communities_run IS NOT NULL
CALL (n) { REMOVE n.community, n.community_degree, n.communities_run } IN TRANSACTIONS OF 10000 ROWS
"""
WRITE = """
UNWIND $rows AS row
MATCH (n) WHERE elementId(n) = row.id
SET n.community = row.community, n.community_degree = row.degree, n.communities_run = $run
"""


@dataclass
class CommunitiesResult:
    run: str
    algorithm: str
    nodes: int
    communities: int
    sizes: list[dict[str, Any]]  # the largest communities: {community, accounts, urls}

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def detect_communities(db: Database, *, algorithm: str = "leiden", seed: int = 42) -> CommunitiesResult:
    if algorithm not in STREAM:
        raise AnalysisError(f"algorithm must be one of {', '.join(STREAM)}, not {algorithm!r}")
    run = new_run_id("communities")
    procedure = f"gds.{algorithm}.stream"
    config = {"relationshipWeightProperty": "weight", "concurrency": 1}
    check_before_projecting(db, "communities", procedure, config)
    with projected(db, GRAPH) as info:
        check_on_graph(db, "communities", procedure, config, GRAPH)
        rows = db.run_autocommit(STREAM[algorithm], {"graph": GRAPH, "seed": seed})
    community = {r["key"]: int(r["community"]) for r in rows}
    accounts = {r["key"] for r in rows if r["account"]}
    # Only the links between accounts count here: the shares, redirects and listings (most of the flows) stay unread.
    flows, _ = read_flows(db, ACCOUNT_LINKS)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for f in flows:
        same = community.get(f.source) is not None and community.get(f.source) == community.get(f.target)
        if same:
            neighbours[f.source].add(f.target)
            neighbours[f.target].add(f.source)
    # Renumber communities 1..n by size (accounts first), so ids are stable between runs of the same graph.
    size = Counter(community[k] for k in community if k in accounts)
    order = sorted(set(community.values()), key=lambda c: (-size[c], c))
    renumber = {c: i for i, c in enumerate(order, 1)}
    out = [
        {"id": r["id"], "community": renumber[int(r["community"])],
         "degree": len(neighbours[r["key"]]) if r["key"] in accounts else None}
        for r in rows
    ]  # fmt: skip
    db.run_autocommit(CLEAR)
    write_rows(db, WRITE, out, run=run)
    url_size = Counter(community[k] for k in community if k not in accounts)
    sizes = [{"community": renumber[c], "accounts": size[c], "urls": url_size[c]} for c in order[:10]]
    return CommunitiesResult(run, algorithm, int(info["nodes"]), len(order), sizes)
