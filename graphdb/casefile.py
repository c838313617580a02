"""The data of a case dossier (`swarmgraph report`): the report's prepared queries, run read-only over a scope.

A scope is the whole graph or the keys of a selected subgraph. Queries that take a scope get its lists as
parameters (activity_over_time, takedown_survival, top_videos, load_runs); for the ranked analyses
(cross_platform_bridges, bridging_nodes, coordinated_link_sharing, successors, hashtag_lifecycle) the rows are
computed on the whole graph, as their measures need it, and only those about the scope's nodes are kept. Every
value is plain JSON (times as ISO strings), every query is named with its parameters in `queries`, so a reader can
rerun each number with `swarmgraph query NAME --param ...`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graphdb.db import Database
from graphdb.errors import SwarmgraphError
from graphdb.values import to_plain

TIME_FIELD = {"Url": "first_seen", "UrlCheck": "checked_at"}  # as case_counts dates them; others created_at
ALL_ROWS = 100_000  # the limit given to ranked queries whose rows are then kept by scope
# Which command fills a section whose analysis has not run.
ANALYSIS_COMMANDS = {
    "coordination": "swarmgraph analyze coordination",
    "bridging": "swarmgraph analyze bridging",
    "communities": "swarmgraph analyze communities",
    "successors": "swarmgraph analyze successors",
    "reports": "swarmgraph analyze reports",
}


@dataclass(frozen=True)
class Scope:
    """The nodes a report is about: None for every node of a kind (the whole graph)."""

    posts: list[str] | None = None
    accounts: list[str] | None = None
    urls: list[str] | None = None
    videos: list[str] | None = None
    tags: list[str] | None = None

    @classmethod
    def of_graph(cls, g: nx.MultiDiGraph) -> Scope:
        keys: dict[str, set[str]] = {}
        for _, data in g.nodes(data=True):
            keys.setdefault(str(data.get("label")), set()).add(str(data.get("key")))

        def sort(label: str) -> list[str]:
            return sorted(keys.get(label, ()))

        return cls(sort("Post"), sort("Account"), sort("Url"), sort("Video"), sort("Hashtag"))

    @property
    def whole(self) -> bool:
        return all(v is None for v in (self.posts, self.accounts, self.urls, self.videos, self.tags))

    def has(self, kind: str, key: Any) -> bool:
        keys: list[str] | None = getattr(self, kind)
        return keys is None or key in self._sets[kind]

    @property
    def _sets(self) -> dict[str, frozenset[str]]:
        cached: dict[str, frozenset[str]] | None = self.__dict__.get("_cached_sets")
        if cached is None:
            cached = {k: frozenset(getattr(self, k) or ()) for k in ("posts", "accounts", "urls", "videos", "tags")}
            object.__setattr__(self, "_cached_sets", cached)
        return cached


@dataclass(frozen=True)
class CaseOptions:
    bucket: str = "day"  # activity per 'day' or 'hour'
    top_videos: int = 3  # dissemination timelines drawn
    top_tags: int = 6  # hashtag lifecycles drawn
    top_rows: int = 10  # rows of bridges, brokers, groups and successors
    route_paths: int = 20  # dissemination_paths rows per video (earliest arrivals)
    first_sharers: int = 5  # first_sharers earliest shares per platform

    def __post_init__(self) -> None:
        if self.bucket not in ("day", "hour"):
            raise SwarmgraphError(f"bucket must be day or hour, not {self.bucket!r}")


@dataclass
class Gatherer:
    db: Database
    scope: Scope
    options: CaseOptions
    queries: list[dict[str, Any]] = field(default_factory=list)

    def run(self, name: str, section: str, **params: Any) -> list[dict[str, Any]]:
        """A prepared query, read-only, recorded with its parameters (lists longer than 20 shown by their size)."""
        from cypher import get_query, run_query

        query = get_query(name)
        if query.mode != "read":
            raise SwarmgraphError(f"the report runs read-only queries only; {name!r} writes")
        started = time.perf_counter()
        _, rows = run_query(self.db, query, params)
        ms = round((time.perf_counter() - started) * 1000)
        shown = {k: (f"<{len(v)} keys of the selection>" if isinstance(v, list) and len(v) > 20 else v)
                 for k, v in params.items()}  # fmt: skip
        self.queries.append({"section": section, "query": name, "params": shown, "rows": len(rows), "ms": ms})
        return [to_plain(r) for r in rows]


def gather_case(db: Database, scope: Scope, options: CaseOptions | None = None) -> dict[str, Any]:
    """Every section's rows for a case: summary, activity, hashtags, survival, dissemination, bridges and brokers."""
    q = Gatherer(db, scope, options or CaseOptions())
    analyses = q.run("analysis_runs", "summary")
    ran = {row["analysis"] for row in analyses}
    case: dict[str, Any] = {
        "load_runs": q.run("load_runs", "summary", posts=scope.posts, accounts=scope.accounts, urls=scope.urls),
        "analyses": analyses,
        "missing_analyses": {a: cmd for a, cmd in ANALYSIS_COMMANDS.items() if a not in ran},
        "stale_analyses": _stale(db, ran),
        "activity": q.run(
            "activity_over_time",
            "activity",
            bucket=q.options.bucket,
            posts=scope.posts,
            accounts=scope.accounts,
            urls=scope.urls,
        ),  # fmt: skip
        "survival": q.run("takedown_survival", "survival", urls=scope.urls),
        "hashtags": _hashtags(q, ran),
        "videos": _videos(q),
        **_network_sections(q, ran),
    }
    if scope.whole:
        case["counts"] = q.run("case_counts", "summary")
    case["queries"] = q.queries
    return case


def _stale(db: Database, ran: set[str]) -> dict[str, str]:
    """The materialising analyses (reports) that ran before files loaded since: what the report says about them."""
    from graphdb.analytics.runs import freshness

    found = freshness(db, "reports", ANALYSIS_COMMANDS["reports"]) if "reports" in ran else None
    return {"reports": found.message} if found is not None and found.state == "stale" and found.message else {}


def selection_counts(g: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """case_counts' rows for a selected subgraph, counted from the subgraph itself."""
    groups: dict[tuple[str, Any], list[Any]] = {}
    for _, d in g.nodes(data=True):
        label = str(d.get("label"))
        platform = d.get("name") if label == "Platform" else d.get("platform")
        field_name = TIME_FIELD.get(label, "created_at")
        groups.setdefault((label, platform), []).append(d.get(field_name))
    rows = []
    for (label, platform), times in groups.items():
        dated = sorted(to_plain(t) for t in times if t is not None)
        rows.append({"label": label, "platform": platform, "nodes": len(times),
                     "first": dated[0] if dated else None, "last": dated[-1] if dated else None})  # fmt: skip
    return sorted(rows, key=lambda r: (r["label"], -r["nodes"], str(r["platform"])))


def _hashtags(q: Gatherer, ran: set[str]) -> dict[str, Any]:
    if "reports" not in ran:  # hashtag_lifecycle reads what `analyze reports` materialised
        return {"lifecycle": [], "volume": []}
    rows = q.run("hashtag_lifecycle", "hashtags", min_posts=1, limit=ALL_ROWS)
    top = [r for r in rows if q.scope.has("tags", r["tag"])][: q.options.top_tags]
    tags = [r["tag"] for r in top]
    volume = q.run("hashtag_volume", "hashtags", tags=tags, bucket="hour") if tags else []
    return {"lifecycle": top, "volume": volume}


def _videos(q: Gatherer) -> list[dict[str, Any]]:
    out = []
    for video in q.run("top_videos", "dissemination", videos=q.scope.videos, limit=q.options.top_videos):
        uid = video["video"]
        out.append({
            "video": video,
            "timeline": q.run("video_timeline", "dissemination", video=uid),
            "first_sharers": q.run("first_sharers", "dissemination", video=uid, per_platform=q.options.first_sharers),
            "paths": q.run("dissemination_paths", "dissemination", video=uid, starts=1, cross_only=False,
                           max_paths=q.options.route_paths),  # fmt: skip
        })  # fmt: skip
    return out


def _network_sections(q: Gatherer, ran: set[str]) -> dict[str, Any]:
    scope, top = q.scope, q.options.top_rows
    bridges = q.run("cross_platform_bridges", "bridges", limit=ALL_ROWS) if "reports" in ran else []
    out: dict[str, Any] = {"bridges": _keep(bridges, top, lambda r: scope.has(_kind(r), r["node"]))}
    out["brokers"] = _keep(q.run("bridging_nodes", "bridges", limit=ALL_ROWS), top,
                           lambda r: scope.has(_kind(r), r["node"])) if "bridging" in ran else []  # fmt: skip
    groups = q.run("coordinated_link_sharing", "bridges", limit=ALL_ROWS) if "coordination" in ran else []
    out["groups"] = _keep(groups, top, lambda r: any(scope.has("accounts", m) for m in r["members"]))
    successors = q.run("successors", "bridges", limit=ALL_ROWS, with_candidates=True)
    out["successors"] = _keep(successors, top, lambda r: scope.has("accounts", r["suspended"]))
    return out


def _kind(row: Mapping[str, Any]) -> str:
    return "accounts" if row.get("kind") == "account" else "urls"


def _keep(rows: Iterable[dict[str, Any]], n: int, wanted: Any) -> list[dict[str, Any]]:
    kept = []
    for row in rows:
        if wanted(row):
            kept.append(row)
            if len(kept) >= n:
                break
    return kept


_TOP_NODES = """
MATCH (n) WHERE NOT n:LoadRun AND NOT n:AnalysisRun AND NOT n:Summary AND NOT n:UrlCheck AND NOT n:Platform
WITH n, COUNT { (n)-[r]-() WHERE NOT type(r) IN $excluded } AS degree
ORDER BY degree DESC, elementId(n)
LIMIT $max
RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props
"""


def whole_graph(db: Database, max_nodes: int) -> nx.MultiDiGraph:
    """The most connected max_nodes nodes of the whole graph (availability checks and platforms aside) and the
    relationships among them: what the report of the whole graph draws."""
    from graphdb.subgraph import DEFAULT_EXCLUDED_RELS, _induced_graph

    _, rows = db.read(_TOP_NODES, {"max": max_nodes, "excluded": list(DEFAULT_EXCLUDED_RELS)})
    found = {r["id"]: (r["labels"], r["props"]) for r in rows}
    g, _ = _induced_graph(db, found, [], list(DEFAULT_EXCLUDED_RELS))
    return g
