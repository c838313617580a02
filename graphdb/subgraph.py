"""Subgraph selection shared by export and view: seeds, hops, relationship types, time and platform filters, a cap.

The result is a networkx MultiDiGraph whose node ids are "<Label>:<key>" with attributes `label`, `key`,
`platform` and the node's properties (times as aware datetimes), and whose edges carry `type` and their properties.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import networkx as nx
from neo4j.graph import Node, Path, Relationship

from graphdb.db import Database
from graphdb.errors import SwarmgraphError
from graphdb.schema import KEYS

SEED_KINDS: dict[str, tuple[str, str]] = {
    "hashtag": ("Hashtag", "tag"),
    "url": ("Url", "url"),
    "video": ("Video", "uid"),
    "account": ("Account", "uid"),
    "post": ("Post", "uid"),
    "platform": ("Platform", "name"),
}
KEY_OF = KEYS
# Hops through these would pull in everything on a platform or every availability check; platform is an attribute.
DEFAULT_EXCLUDED_RELS = ("ON", "HOSTED_ON", "CHECKED")
# The time window keeps the events inside it (a post, an availability check) and drops the things that only appear
# after it (an account created, a URL first seen later); an account created years before --since still posts in it.
EVENT_TIME = {"Post": "created_at", "UrlCheck": "checked_at"}
START_TIME = {"Account": "created_at", "Url": "first_seen"}
# --platform is about who posted where: a Url's `platform` is its host, which a Telegram post may well link to.
PLATFORM_FILTERED = frozenset({"Account", "Post"})
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
    if kind == "hashtag":  # the identity the loaders give a tag (docs/model.md)
        key = unicodedata.normalize("NFKC", key).lstrip("#").lower()
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


def _label(labels: Iterable[str]) -> str:
    labels = list(labels)
    return next((lb for lb in labels if lb in KEY_OF), labels[0] if labels else "Node")


def _node_attrs(labels: list[str], props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    label = _label(labels)
    key = str(props.get(KEY_OF.get(label, "uid"), ""))
    attrs = {k: _native(v) for k, v in props.items() if k != "runs"}
    attrs.update(label=label, key=key)
    if label == "Platform":
        attrs["platform"] = key
    return node_id(label, key), attrs


def _aware(when: datetime | None) -> datetime | None:
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _time(props: dict[str, Any], name: str | None) -> datetime | None:
    when = _native(props.get(name)) if name else None
    return _aware(when) if isinstance(when, datetime) else None


def _in_window(label: str, props: dict[str, Any], since: datetime | None, until: datetime | None) -> bool:
    """Events inside [since, until]; other dated things unless they appear after until; undated things stay."""
    event = _time(props, EVENT_TIME.get(label))
    if event is not None:
        return (since is None or event >= since) and (until is None or event <= until)
    start = _time(props, START_TIME.get(label))
    return start is None or until is None or start <= until


def _on_platform(label: str, props: dict[str, Any], platform: str | None) -> bool:
    return platform is None or label not in PLATFORM_FILTERED or props.get("platform") in (None, platform)


_EXPAND = """
MATCH (n) WHERE elementId(n) IN $ids
MATCH (n)-[r]-(m)
WHERE (size($rels) = 0 OR type(r) IN $rels) AND NOT type(r) IN $excluded AND NOT m:LoadRun
WITH DISTINCT m
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
    _check_rel_types(db, sel.rels)
    since, until = _aware(sel.since), _aware(sel.until)
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
            label = _label(r["labels"])
            if (r["mid"] in found or not _in_window(label, r["props"], since, until)
                    or not _on_platform(label, r["props"], sel.platform)):  # fmt: skip
                continue
            found[r["mid"]] = (r["labels"], r["props"])
            nxt.append(r["mid"])
        capped = capped or len(rows) >= room
        frontier = nxt
    g, ids = _induced_graph(db, found, sel.rels or [], excluded)
    cut = cap_nodes(g, sel.max_nodes, {ids[s] for s in seed_ids}, sel.metric)
    return SelectedGraph(g, cut, capped, missing)


def _check_rel_types(db: Database, rels: list[str] | None) -> None:
    """A misspelt type would silently select the seeds alone: name the types the graph has instead."""
    if not rels:
        return
    _, rows = db.read("CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType AS t")
    known = sorted(r["t"] for r in rows)
    unknown = [t for t in rels if t not in known]
    if unknown:
        raise SwarmgraphError(f"No relationship of type {', '.join(unknown)} in the graph; it has: {', '.join(known)}.")


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
    # Nodes whose every link was cut would float unconnected and tell nothing: cut them too.
    stranded = [n for n in g if n not in keep and g.degree(n) == 0]
    g.remove_nodes_from(stranded)
    return len(cut) + len(stranded)


def graph_from_keys(db: Database, keys: Iterable[str]) -> nx.MultiDiGraph:
    """The subgraph induced by the entities named in a result (uids, urls, tags): for `--query NAME`."""
    wanted = sorted({k for k in keys if k})
    _, rows = db.read(
        "MATCH (n) WHERE n.uid IN $keys OR n.url IN $keys OR n.tag IN $keys "
        "RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props",
        {"keys": wanted},
    )
    found = {r["id"]: (r["labels"], r["props"]) for r in rows}
    return _induced_graph(db, found, [], list(DEFAULT_EXCLUDED_RELS))[0]


def _induced_graph(
    db: Database, found: Mapping[str, tuple[list[str], dict[str, Any]]], rels: list[str], excluded: list[str]
) -> tuple[nx.MultiDiGraph, dict[str, str]]:
    """The found nodes (by elementId) and every relationship among them; also elementId -> graph node id."""
    g = nx.MultiDiGraph()
    ids: dict[str, str] = {}
    for eid, (labels, props) in found.items():
        nid, attrs = _node_attrs(labels, props)
        ids[eid] = nid
        g.add_node(nid, **attrs)
    _, edges = db.read(_EDGES, {"ids": list(ids), "rels": rels, "excluded": excluded})
    for e in edges:
        props = {k: _native(v) for k, v in e["props"].items() if k != "runs"}
        g.add_edge(ids[e["a"]], ids[e["b"]], key=e["type"], type=e["type"], **props)
    return g, ids


def result_keys(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every string a query result holds, at any depth, plus the identity keys of the nodes, relationships and
    paths it returns: the candidate keys `graph_from_keys` looks up."""
    keys: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            keys.append(value)
        elif isinstance(value, Node):
            key = value.get(KEY_OF.get(_label(value.labels), "uid"))
            if isinstance(key, str):
                keys.append(key)
        elif isinstance(value, Relationship):
            walk(value.start_node)
            walk(value.end_node)
        elif isinstance(value, Path):
            for node in value.nodes:
                walk(node)
        elif isinstance(value, Mapping):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    for row in rows:
        walk(row)
    return keys
