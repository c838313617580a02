"""Batched, idempotent writes of reader fragments: dedupe in memory, then `UNWIND $rows ... MERGE` per label/type.

Every write is a MERGE on an identity key, so a file loaded twice, or a load interrupted and run again, ends in the
same graph. Provenance: every node and relationship carries `runs`, the ids of the LoadRuns that asserted it (one
relationship per (type, start, end), never one per run). Property rules: None never overwrites; `first_seen`-like
properties keep the minimum, `last_seen`-like the maximum, list properties are unions; a full record's values
replace earlier ones, while a placeholder's values only fill properties the node lacks, so whichever comes first,
the full record wins (a tweet collected whole and later reported unavailable keeps its text and gains
`unavailable`). The bulk loader (etl/staging.py) merges with the same functions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from etl.records import NODE_KEYS, Node, Rel
from graphdb.cypher_text import INT64_MAX, INT64_MIN, ident

if TYPE_CHECKING:  # the driver (and the pandas it imports) stays out of bulk-load workers
    from graphdb.db import Database

MIN_PROPS = frozenset({"first_seen", "seen_at", "removed_at"})
MAX_PROPS = frozenset({"last_seen", "last_seen_at", "last_alive_at"})
UNION_PROPS = frozenset({"raw_forms", "expanded_forms", "media_types", "media_keys"})
_SPECIAL = MIN_PROPS | MAX_PROPS | UNION_PROPS

# Node write modes, strongest first: a full record beats a placeholder, which beats a bare reference.
FULL, PLACEHOLDER, REF = 0, 1, 2


@dataclass
class WriteCounts:
    nodes_created: Counter[str] = field(default_factory=Counter)
    rels_created: Counter[str] = field(default_factory=Counter)
    properties_set: int = 0

    def add(self, other: WriteCounts) -> None:
        self.nodes_created.update(other.nodes_created)
        self.rels_created.update(other.rels_created)
        self.properties_set += other.properties_set


@dataclass(slots=True)
class _NodeRow:
    mode: int
    props: dict[str, Any]


def _merge_props(into: dict[str, Any], new: dict[str, Any]) -> None:
    for k, v in new.items():
        if v is None:
            continue
        old = into.get(k)
        if old is None:
            into[k] = v
        elif old == v:
            continue  # every rule keeps an equal value (union lists are kept as sorted sets)
        elif k in MIN_PROPS:
            into[k] = min(old, v)
        elif k in MAX_PROPS:
            into[k] = max(old, v)
        elif k in UNION_PROPS:
            into[k] = sorted(set(old) | set(v))
        else:
            into[k] = v


def _fresh(props: dict[str, Any]) -> dict[str, Any]:
    """A first assertion's properties: None dropped, unions as sorted sets (as every later merge leaves them)."""
    if not props:
        return {}
    fresh = {k: v for k, v in props.items() if v is not None}
    if not UNION_PROPS.isdisjoint(fresh):
        for k in UNION_PROPS.intersection(fresh):
            fresh[k] = sorted(set(fresh[k]))
    return fresh


def _fill_props(into: dict[str, Any], new: dict[str, Any]) -> None:
    """A placeholder's assertion: the min/max/union rules as usual, other values only where the node has none."""
    for k, v in new.items():
        if v is None:
            continue
        if k in _SPECIAL and k in into:
            _merge_props(into, {k: v})
        elif k not in into:
            into[k] = v


def merge_assertion(row_props: dict[str, Any], mode: int, props: dict[str, Any]) -> None:
    """Fold one more assertion of a node (FULL, PLACEHOLDER or REF) into the properties gathered so far."""
    if mode == FULL:
        _merge_props(row_props, props)
    elif mode == PLACEHOLDER:
        _fill_props(row_props, props)


class Batch:
    """Fragments gathered in memory, deduplicated by identity, ready to flush in a few large statements."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, _NodeRow]] = {}
        self.rels: dict[tuple[str, str, str], dict[tuple[str, str], dict[str, Any]]] = {}
        self.size = 0

    def extend(self, nodes: Iterable[Node], rels: Iterable[Rel]) -> None:
        """Add a fragment's nodes and relationships (and a bare reference for every end node not seen yet): the
        loaders' hottest loop, kept in one function."""
        all_nodes, all_rels = self.nodes, self.rels
        added = 0
        for n in nodes:
            by_key = all_nodes.get(n.label)
            if by_key is None:
                by_key = all_nodes[n.label] = {}
            mode = PLACEHOLDER if n.placeholder else FULL
            row = by_key.get(n.key)
            if row is None:
                by_key[n.key] = _NodeRow(mode, _fresh(n.props))
                added += 1
                continue
            if mode < row.mode:
                row.mode = mode
            if n.props:
                merge_assertion(row.props, mode, n.props)
        for r in rels:
            start, end = r.start, r.end
            for ref in (start, end):
                by_key = all_nodes.get(ref.label)
                if by_key is None:
                    by_key = all_nodes[ref.label] = {}
                if ref.key not in by_key:
                    by_key[ref.key] = _NodeRow(REF, {})
                    added += 1
            group_key = (r.type, start.label, end.label)
            group = all_rels.get(group_key)
            if group is None:
                group = all_rels[group_key] = {}
            pair = (start.key, end.key)
            props = group.get(pair)
            if props is None:
                group[pair] = _fresh(r.props)
                added += 1
            elif r.props:
                _merge_props(props, r.props)
        self.size += added


def _set_clauses(var: str, shape: _Shape, *, fill: bool = False) -> str:
    """SET clauses for the temporal and special-rule properties present in a batch.

    Names are ours (never data) and go through ident(); values are parameters. A row that lacks a property leaves
    the stored value alone: every clause keeps the old value when the row's is null. With fill (a placeholder's
    rows), plain temporal values are only written where the node has none.
    """
    parts = []
    for name in sorted(shape.times):
        p, q = f"{var}.{ident(name)}", f"row.t.{ident(name)}"
        keep = f"{q} IS NULL OR {p} IS NOT NULL" if fill else f"{q} IS NULL"
        parts.append(f"{p} = CASE WHEN {keep} THEN {p} ELSE datetime({{epochMillis: {q}}}) END")
    for name in sorted(shape.specials):
        p, raw = f"{var}.{ident(name)}", f"row.s.{ident(name)}"
        q = f"datetime({{epochMillis: {raw}}})" if name in shape.special_times else raw
        if name in MIN_PROPS:
            parts.append(f"{p} = CASE WHEN {raw} IS NULL THEN {p} WHEN {p} IS NULL OR {q} < {p} THEN {q} ELSE {p} END")
        elif name in MAX_PROPS:
            parts.append(f"{p} = CASE WHEN {raw} IS NULL THEN {p} WHEN {p} IS NULL OR {q} > {p} THEN {q} ELSE {p} END")
        else:  # union
            union = f"apoc.coll.sort(apoc.coll.toSet(coalesce({p}, []) + {raw}))"
            parts.append(f"{p} = CASE WHEN {raw} IS NULL THEN {p} ELSE {union} END")
    return "".join(f", {c}" for c in parts)


_PROVENANCE = "{v}.runs = CASE WHEN $run IN coalesce({v}.runs, []) THEN {v}.runs ELSE coalesce({v}.runs, []) + $run END"


@dataclass
class _Shape:
    """Which temporal and special-rule property names a batch of rows carries: it picks the statement."""

    times: set[str] = field(default_factory=set)
    specials: set[str] = field(default_factory=set)
    special_times: set[str] = field(default_factory=set)

    def key(self) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        return frozenset(self.times), frozenset(self.specials), frozenset(self.special_times)


def _epoch_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


def _encode(props: dict[str, Any], shape: _Shape) -> dict[str, Any]:
    """One row's parameters. Datetimes travel as epoch milliseconds and are rebuilt by the server: the driver's own
    datetime encoding runs in Python at ~50 us a value and was the loader's bottleneck (see docs/benchmarks.md)."""
    plain: dict[str, Any] = {}
    times: dict[str, int] = {}
    special: dict[str, Any] = {}
    for k, v in props.items():
        if k in _SPECIAL:
            if isinstance(v, datetime):
                v = _epoch_ms(v)
                shape.special_times.add(k)
            special[k] = v
            shape.specials.add(k)
        elif isinstance(v, datetime):
            times[k] = _epoch_ms(v)
            shape.times.add(k)
        elif type(v) is int and not INT64_MIN <= v <= INT64_MAX:
            continue  # Neo4j stores 64-bit integers only: an absurd count from hostile input is left out
        else:
            plain[k] = v
    return {"p": plain, "t": times, "s": special}


class GraphWriter:
    """Flushes Batches to Neo4j: nodes first (per label and mode), then relationships (per type and end labels)."""

    def __init__(self, db: Database, run_id: str) -> None:
        self.db = db
        self.run_id = run_id
        self._queries: dict[tuple[Any, ...], str] = {}

    def flush(self, batch: Batch) -> WriteCounts:
        counts = WriteCounts()
        for label, by_key in batch.nodes.items():
            key = NODE_KEYS.get(label)
            if key is None:
                raise ValueError(f"unknown node label {label!r} (known: {', '.join(NODE_KEYS)})")
            for mode in (FULL, PLACEHOLDER, REF):
                rows: list[dict[str, Any]] = []
                shape = _Shape()
                for k, row in by_key.items():
                    if row.mode == mode:
                        rows.append({"k": k, **_encode(row.props, shape)})
                if rows:
                    query = self._node_query(label, key, mode, shape)
                    created = self._write(query, rows)
                    counts.nodes_created[label] += created.get("nodes_created", 0)
                    counts.properties_set += created.get("properties_set", 0)
        for (rtype, slabel, elabel), pairs in batch.rels.items():
            shape = _Shape()
            rows = [{"a": a, "b": b, **_encode(props, shape)} for (a, b), props in pairs.items()]
            query = self._rel_query(rtype, slabel, elabel, shape)
            created = self._write(query, rows)
            counts.rels_created[rtype] += created.get("relationships_created", 0)
            counts.properties_set += created.get("properties_set", 0)
        return counts

    def _write(self, query: str, rows: list[dict[str, Any]]) -> dict[str, int]:
        return self.db.write_counters(query, {"rows": rows, "run": self.run_id})

    def _node_query(self, label: str, key: str, mode: int, shape: _Shape) -> str:
        cache_key = ("n", label, mode, shape.key())
        if cache_key not in self._queries:
            head = f"UNWIND $rows AS row MERGE (n:{ident(label)} {{{ident(key)}: row.k}}) "
            prov = _PROVENANCE.format(v="n")
            if mode == FULL:
                body = f"SET n += row.p, {prov}{_set_clauses('n', shape)} REMOVE n.placeholder"
            elif mode == PLACEHOLDER:
                # Fill gaps only, whatever came before; the flag only on a node this statement creates.
                body = (f"ON CREATE SET n.placeholder = true SET n += apoc.map.removeKeys(row.p, keys(n)), "
                        f"{prov}{_set_clauses('n', shape, fill=True)}")  # fmt: skip
            else:
                body = f"SET {prov}"
            self._queries[cache_key] = head + body
        return self._queries[cache_key]

    def _rel_query(self, rtype: str, slabel: str, elabel: str, shape: _Shape) -> str:
        cache_key = ("r", rtype, slabel, elabel, shape.key())
        if cache_key not in self._queries:
            self._queries[cache_key] = (
                f"UNWIND $rows AS row "
                f"MATCH (a:{ident(slabel)} {{{ident(NODE_KEYS[slabel])}: row.a}}) "
                f"MATCH (b:{ident(elabel)} {{{ident(NODE_KEYS[elabel])}: row.b}}) "
                f"MERGE (a)-[r:{ident(rtype)}]->(b) "
                f"SET r += row.p, {_PROVENANCE.format(v='r')}{_set_clauses('r', shape)}"
            )
        return self._queries[cache_key]
