"""Subgraph selection shared by export and view: seeds, hops, relationship types, time and platform filters, a cap.

The result is a networkx MultiDiGraph whose node ids are "<Label>:<key>" with attributes `label`, `key`,
`platform` and the node's properties (times as aware datetimes), and whose edges carry `type` and their properties.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import networkx as nx

from graphdb.db import Database
from graphdb.errors import SwarmgraphError

SEED_KINDS: dict[str, tuple[str, str]] = {
    "hashtag": ("Hashtag", "tag"),
    "url": ("Url", "url"),
    "video": ("Video", "uid"),
    "account": ("Account", "uid"),
    "post": ("Post", "uid"),
    "platform": ("Platform", "name"),
}
KEY_OF = {"Platform": "name", "Account": "uid", "Post": "uid", "Hashtag": "tag", "Url": "url", "Video": "uid",
          "UrlCheck": "uid", "LoadRun": "id"}  # fmt: skip
# Hops through these would pull in everything on a platform or every availability check; platform is an attribute.
DEFAULT_EXCLUDED_RELS = ("ON", "HOSTED_ON", "CHECKED")
TIME_PROPS = ("created_at", "first_seen", "checked_at", "seen_at")
FETCH_CAP = 50_000  # never pull more than this many nodes into memory, whatever the selection


@dataclass
class Selection:
    seeds: list[tuple[str, str]] = field(default_factory=list)  # (kind, key)
    hops: int = 2
    rels: list[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    platform: str | None = None
    max_nodes: int = 2000
    metric: str = "degree"

    def describe(self) -> dict[str, Any]:
        return {
            "seeds": [f"{k}:{v}" for k, v in self.seeds],
            "hops": self.hops,
            "rels": self.rels,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "platform": self.platform,
            "max_nodes": self.max_nodes,
        }


@dataclass
class SelectedGraph:
    graph: nx.MultiDiGraph
    cut_nodes: int = 0
    capped: bool = False
    missing_seeds: list[str] = field(default_factory=list)

    def notice(self) -> str | None:
        parts = []
        if self.cut_nodes:
            parts.append(f"{self.cut_nodes:,} less important nodes were cut to keep the view to "
                         f"{self.graph.number_of_nodes():,}")  # fmt: skip
        if self.capped:
            parts.append(f"expansion stopped at {FETCH_CAP:,} nodes")
        return "; ".join(parts) + "." if parts else None


def parse_seed(text: str) -> tuple[str, str]:
    kind, sep, key = text.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in SEED_KINDS or not key.strip():
        raise SwarmgraphError(f"Bad seed {text!r}: use KIND:KEY with KIND one of {', '.join(SEED_KINDS)}.")
    key = key.strip()
    if kind == "hashtag":
        key = key.lstrip("#").lower()
    if kind == "video" and not key.startswith("video:"):
        key = f"video:{key}"
    return kind, key


def node_id(label: str, key: str) -> str:
    return f"{label}:{key}"


def _native(value: Any) -> Any:
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return [_native(v) for v in value]
    return value


def _node_attrs(labels: list[str], props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    label = next((lb for lb in labels if lb in KEY_OF), labels[0] if labels else "Node")
    key = str(props.get(KEY_OF.get(label, "uid"), ""))
    attrs = {k: _native(v) for k, v in props.items() if k != "runs"}
    attrs.update(label=label, key=key)
    if label == "Platform":
        attrs["platform"] = key
    return node_id(label, key), attrs


def _in_window(props: dict[str, Any], sel: Selection) -> bool:
    if sel.since is None and sel.until is None:
        return True
    when = next((props[p] for p in TIME_PROPS if props.get(p) is not None), None)
    if when is None:
        return True  # timeless nodes (hashtags, videos) stay
    when = _native(when)
    if not isinstance(when, datetime):
        return True
    return (sel.since is None or when >= sel.since) and (sel.until is None or when <= sel.until)


def _on_platform(props: dict[str, Any], sel: Selection) -> bool:
    return sel.platform is None or props.get("platform") in (None, sel.platform)


_EXPAND = """
MATCH (n) WHERE elementId(n) IN $ids
MATCH (n)-[r]-(m)
WHERE (size($rels) = 0 OR type(r) IN $rels) AND NOT type(r) IN $excluded AND NOT m:LoadRun
RETURN elementId(m) AS mid, labels(m) AS labels, properties(m) AS props
LIMIT $cap
"""

_EDGES = """
MATCH (a)-[r]->(b) WHERE elementId(a) IN $ids AND elementId(b) IN $ids
  AND (size($rels) = 0 OR type(r) IN $rels) AND NOT type(r) IN $excluded
RETURN elementId(a) AS a, elementId(b) AS b, type(r) AS type, properties(r) AS props
"""


def select_subgraph(db: Database, sel: Selection) -> SelectedGraph:
    """Expand from the seeds hop by hop (filters prune the expansion), then keep the max_nodes most important."""
    if not sel.seeds:
        raise SwarmgraphError("Select a subgraph with at least one --seed KIND:KEY (or --query NAME).")
    found: dict[str, tuple[list[str], dict[str, Any]]] = {}
    missing: list[str] = []
    for kind, key in sel.seeds:
        label, prop = SEED_KINDS[kind]
        _, rows = db.read(
            f"MATCH (n:{label}) WHERE n.{prop} = $key RETURN elementId(n) AS id, labels(n) AS labels, "
            "properties(n) AS props",
            {"key": key},
        )
        if not rows:
            missing.append(f"{kind}:{key}")
        for r in rows:
            found[r["id"]] = (r["labels"], r["props"])
    if not found:
        raise SwarmgraphError(f"No seed was found in the graph: {', '.join(missing)}.")
    seed_ids = set(found)
    excluded = [t for t in DEFAULT_EXCLUDED_RELS if not sel.rels or t not in sel.rels]
    frontier = list(found)
    capped = False
    for _ in range(max(sel.hops, 0)):
        if not frontier:
            break
        room = FETCH_CAP - len(found)
        if room <= 0:
            capped = True
            break
        _, rows = db.read(_EXPAND, {"ids": frontier, "rels": sel.rels or [], "excluded": excluded, "cap": room})
        nxt = []
        for r in rows:
            if r["mid"] in found or not _in_window(r["props"], sel) or not _on_platform(r["props"], sel):
                continue
            found[r["mid"]] = (r["labels"], r["props"])
            nxt.append(r["mid"])
        capped = capped or len(rows) >= room
        frontier = nxt
    g = nx.MultiDiGraph()
    ids: dict[str, str] = {}
    for eid, (labels, props) in found.items():
        nid, attrs = _node_attrs(labels, props)
        ids[eid] = nid
        g.add_node(nid, **attrs)
    _, edges = db.read(_EDGES, {"ids": list(found), "rels": sel.rels or [], "excluded": excluded})
    for e in edges:
        props = {k: _native(v) for k, v in e["props"].items() if k != "runs"}
        g.add_edge(ids[e["a"]], ids[e["b"]], key=e["type"], type=e["type"], **props)
    cut = cap_nodes(g, sel.max_nodes, {ids[s] for s in seed_ids}, sel.metric)
    return SelectedGraph(g, cut, capped, missing)


def cap_nodes(g: nx.MultiDiGraph, max_nodes: int, keep: Iterable[str], metric: str = "degree") -> int:
    """Keep the seeds and the most important other nodes; return how many were cut."""
    if max_nodes <= 0 or g.number_of_nodes() <= max_nodes:
        return 0
    keep = set(keep)
    if metric == "views":
        score = {n: float(g.nodes[n].get("views") or 0) + g.degree(n) for n in g}
    else:
        score = {n: float(d) for n, d in g.degree()}
    ranked = sorted((n for n in g if n not in keep), key=lambda n: (-score[n], n))
    survivors = keep | set(ranked[: max(max_nodes - len(keep), 0)])
    cut = [n for n in g if n not in survivors]
    g.remove_nodes_from(cut)
    return len(cut)


def graph_from_keys(db: Database, keys: Iterable[str]) -> nx.MultiDiGraph:
    """The subgraph induced by the entities named in a result (uids, urls, tags): for `--query NAME`."""
    wanted = sorted({k for k in keys if k})
    _, rows = db.read(
        "MATCH (n) WHERE n.uid IN $keys OR n.url IN $keys OR n.tag IN $keys "
        "RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props",
        {"keys": wanted},
    )
    g = nx.MultiDiGraph()
    ids: dict[str, str] = {}
    for r in rows:
        nid, attrs = _node_attrs(r["labels"], r["props"])
        ids[r["id"]] = nid
        g.add_node(nid, **attrs)
    _, edges = db.read(_EDGES, {"ids": list(ids), "rels": [], "excluded": list(DEFAULT_EXCLUDED_RELS)})
    for e in edges:
        props = {k: _native(v) for k, v in e["props"].items() if k != "runs"}
        g.add_edge(ids[e["a"]], ids[e["b"]], key=e["type"], type=e["type"], **props)
    return g
