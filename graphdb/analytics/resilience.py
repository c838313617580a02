"""Dismantling (Shao et al. 2018): how much of each video's audience can still be reached when accounts are removed.

A video's audience is every account its content reaches along the dissemination projection, followed in the
direction content travels: from its copies to short links and aggregator pages, to the accounts that share them, to
the accounts that repost, quote, reply to or forward those accounts (mentions carry no content). Removing accounts
cuts those routes. Reported before and after: each video's audience among the accounts that remain (kept_share),
the largest connected component (in accounts), and both per community (when `analyze communities` ran). Nothing is
written to the graph.

Removal specs: top:betweenness:N (needs `analyze bridging`), top:degree:N, suspended, platform:NAME, accounts:FILE
(one uid per line; # starts a comment).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from graphdb.analytics.projection import STRUCTURE_ONLY, read_flows
from graphdb.db import Database
from graphdb.errors import AnalysisError

VIDEO_COPIES = """
MATCH (v:Video)<-[:SERVES]-(u:Url)
RETURN v.uid AS video, collect(u.url) AS copies ORDER BY video
"""
TOP_BETWEENNESS = """
MATCH (a:Account) WHERE a.betweenness IS NOT NULL
RETURN a.uid AS uid ORDER BY a.betweenness DESC, a.uid LIMIT $n
"""
SUSPENDED = "MATCH (a:Account) WHERE a.suspended_at IS NOT NULL OR a.suspended = true RETURN a.uid AS uid"
ON_PLATFORM = "MATCH (a:Account {platform: $platform}) RETURN a.uid AS uid"
COMMUNITIES = "MATCH (a:Account) WHERE a.community IS NOT NULL RETURN a.uid AS uid, a.community AS community"


@dataclass
class VideoReach:
    video: str
    audience_before: int  # accounts reached, removed ones excluded
    audience_after: int

    @property
    def kept_share(self) -> float | None:
        return round(self.audience_after / self.audience_before, 4) if self.audience_before else None

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "kept_share": self.kept_share}


@dataclass
class CommunityReach:
    community: int
    accounts: int
    removed: int
    reach_before: int  # (account, video) pairs reached among the community's remaining accounts
    reach_after: int
    largest_component_before: int
    largest_component_after: int

    @property
    def kept_share(self) -> float | None:
        return round(self.reach_after / self.reach_before, 4) if self.reach_before else None

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "kept_share": self.kept_share}


@dataclass
class ResilienceResult:
    removal: str
    removed: list[str]
    accounts: int
    largest_component_before: int
    largest_component_after: int
    videos: list[VideoReach]
    communities: list[CommunityReach]
    # per account: how many videos reach it before and after (removed accounts left out)
    account_reach: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def kept_share(self) -> float | None:
        before = sum(v.audience_before for v in self.videos)
        return round(sum(v.audience_after for v in self.videos) / before, 4) if before else None

    def as_dict(self) -> dict[str, Any]:
        return {"removal": self.removal, "removed": len(self.removed), "accounts": self.accounts,
                "kept_share": self.kept_share, "largest_component_before": self.largest_component_before,
                "largest_component_after": self.largest_component_after,
                "videos": [v.as_dict() for v in self.videos],
                "communities": [c.as_dict() for c in self.communities]}  # fmt: skip


def removal_set(db: Database, spec: str, graph: nx.DiGraph, accounts: set[str]) -> list[str]:
    """The account uids a removal spec names (see the module docstring)."""
    kind, _, arg = spec.partition(":")
    if kind == "top":
        measure, _, count = arg.partition(":")
        if not count.isdigit() or measure not in ("betweenness", "degree"):
            raise AnalysisError(f"Bad removal {spec!r}: use top:betweenness:N or top:degree:N.")
        n = int(count)
        if measure == "degree":
            undirected = graph.to_undirected(as_view=True)
            ranked = sorted(accounts & set(graph), key=lambda a: (-undirected.degree(a), a))
            return ranked[:n]
        _, rows = db.read(TOP_BETWEENNESS, {"n": n})
        if not rows:
            raise AnalysisError("No betweenness scores yet: run `swarmgraph analyze bridging` first.")
        return [r["uid"] for r in rows]
    if kind == "suspended" and not arg:
        return [r["uid"] for r in db.read(SUSPENDED)[1]]
    if kind == "platform" and arg:
        return [r["uid"] for r in db.read(ON_PLATFORM, {"platform": arg})[1]]
    if kind == "accounts" and arg:
        try:
            lines = Path(arg).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise AnalysisError(f"Cannot read the accounts file {arg}: {exc.strerror or exc}") from exc
        return [x for x in (line.split("#", 1)[0].strip() for line in lines) if x]
    raise AnalysisError(
        f"Bad removal {spec!r}: use top:betweenness:N, top:degree:N, suspended, platform:NAME or accounts:FILE."
    )


def flow_graph(db: Database) -> tuple[nx.DiGraph, set[str]]:
    flows, accounts = read_flows(db)
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(accounts)
    graph.add_edges_from((f.source, f.target) for f in flows if f.kind not in STRUCTURE_ONLY)
    structural = [(f.source, f.target) for f in flows if f.kind in STRUCTURE_ONLY]
    graph.graph["structural"] = structural  # mentions join components, carry no content
    return graph, accounts


def _videos_reaching(graph: nx.DiGraph, videos: list[list[str]], removed: set[str]) -> dict[str, int]:
    """For every node of the flow graph without `removed`: the videos whose copies reach it, as a bitset (bit i:
    videos[i]).

    One pass over the graph for all videos together, instead of a traversal per video: the strongly connected
    components are condensed (a node reaches what its component reaches), and the bitsets are pushed along the
    components in topological order. A traversal per video cost (videos x edges); this costs edges x videos / 64."""
    live = graph.subgraph([n for n in graph if n not in removed]) if removed else graph
    dag = nx.condensation(live)
    component: dict[str, int] = dag.graph["mapping"]
    bits = [0] * len(dag)
    for i, copies in enumerate(videos):
        for copy in copies:
            c = component.get(copy)
            if c is not None:
                bits[c] |= 1 << i
    for c in nx.topological_sort(dag):
        if bits[c]:
            for d in dag.successors(c):
                bits[d] |= bits[c]
    return {n: bits[c] for n, c in component.items()}


def _audiences(reaching: dict[str, int], accounts: list[str], videos: int, chunk: int = 4096) -> list[int]:
    """How many of `accounts` each video reaches: the column sums of their bitsets (unpacked by numpy, in chunks of
    accounts, so the bit matrix never needs more than chunk x videos bytes)."""
    width = (videos + 7) // 8
    totals = np.zeros(videos, dtype=np.int64)
    for start in range(0, len(accounts), chunk):
        part = accounts[start : start + chunk]
        packed = b"".join(reaching.get(a, 0).to_bytes(width, "little") for a in part)
        matrix = np.frombuffer(packed, dtype=np.uint8).reshape(len(part), width)
        totals += np.unpackbits(matrix, axis=1, bitorder="little")[:, :videos].sum(axis=0, dtype=np.int64)
    return [int(x) for x in totals]


def _undirected(graph: nx.DiGraph, removed: set[str]) -> nx.Graph:
    """The flow graph without the removed nodes, undirected, with the structural (mention) edges: built once per
    removal, then cut per community (building it per community made resilience quadratic in the communities)."""
    undirected = nx.Graph()
    undirected.add_nodes_from(n for n in graph if n not in removed)
    undirected.add_edges_from((a, b) for a, b in graph.edges if a not in removed and b not in removed)
    undirected.add_edges_from((a, b) for a, b in graph.graph.get("structural", [])
                              if a not in removed and b not in removed)  # fmt: skip
    return undirected


def _largest_component(undirected: nx.Graph, keep: set[str], within: set[str] | None = None) -> int:
    """The most `keep` nodes in one connected component (of the subgraph on `within`, when given)."""
    if within is not None:
        undirected = undirected.subgraph([n for n in within if n in undirected])
    return max((sum(1 for n in comp if n in keep) for comp in nx.connected_components(undirected)), default=0)


def measure_resilience(db: Database, removal: str) -> ResilienceResult:
    graph, accounts = flow_graph(db)
    removed = set(removal_set(db, removal, graph, accounts))
    _, rows = db.read(VIDEO_COPIES)
    community = {r["uid"]: int(r["community"]) for r in db.read(COMMUNITIES)[1]}
    remaining = sorted(accounts - removed)
    copies = [r["copies"] for r in rows]
    before, after = _videos_reaching(graph, copies, set()), _videos_reaching(graph, copies, removed)
    reach_before = {a: before.get(a, 0).bit_count() for a in remaining}
    reach_after = {a: after.get(a, 0).bit_count() for a in remaining}
    videos = [
        VideoReach(r["video"], b, a)
        for r, b, a in zip(rows, _audiences(before, remaining, len(rows)), _audiences(after, remaining, len(rows)),
                           strict=True)
    ]  # fmt: skip
    members: dict[int, set[str]] = defaultdict(set)
    for uid, c in community.items():
        members[c].add(uid)
    whole, cut = _undirected(graph, set()), _undirected(graph, removed)
    per_community = [
        CommunityReach(
            c, len(m), len(m & removed),
            sum(reach_before.get(a, 0) for a in m), sum(reach_after.get(a, 0) for a in m),
            _largest_component(whole, m, within=m), _largest_component(cut, m, within=m),
        )
        for c, m in sorted(members.items(), key=lambda x: (-len(x[1]), x[0]))
    ]  # fmt: skip
    return ResilienceResult(
        removal=removal, removed=sorted(removed), accounts=len(accounts),
        largest_component_before=_largest_component(whole, accounts),
        largest_component_after=_largest_component(cut, accounts),
        videos=videos, communities=per_community,
        account_reach={a: (reach_before[a], reach_after[a]) for a in remaining},
    )  # fmt: skip
