"""A subgraph selected from what a user typed: `--seed KIND:KEY` strings (URLs canonicalised like the loaders do),
`--rels` type lists, times and a platform; or the entities a prepared query returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graphdb.errors import SwarmgraphError

if TYPE_CHECKING:
    from graphdb.db import Database
    from graphdb.subgraph import SelectedGraph, Selection

Say = Callable[[str], None]


@dataclass(frozen=True)
class SelectionRequest:
    """The selection options as given: seeds and filters, or a prepared query with its --param pairs."""

    seed: list[str] | None = None
    hops: int = 2
    rels: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    platform: str | None = None
    max_nodes: int = 2000
    query: str | None = None
    param: list[str] | None = field(default=None)

    def title(self) -> str:
        return self.query or ", ".join(self.seed or [])


def parse_seeds(seeds: list[str] | None) -> list[tuple[str, str]]:
    """`KIND:KEY` strings -> (kind, key); a URL seed is canonicalised, so any spelling of it finds its node."""
    from etl.urls import InvalidUrl, canonical_url
    from graphdb.subgraph import parse_seed

    parsed = []
    for text in seeds or []:
        kind, key = parse_seed(text)
        if kind == "url":
            try:
                key = canonical_url(key)
            except InvalidUrl as exc:
                raise SwarmgraphError(f"Bad URL seed {text!r}: {exc}") from exc
        parsed.append((kind, key))
    return parsed


def parse_rel_types(rels: str | None) -> list[str] | None:
    """`--rels posted,links_to` -> ["POSTED", "LINKS_TO"]; None or nothing but commas -> None (every type)."""
    types = [r.strip().upper() for r in rels.split(",") if r.strip()] if rels else []
    return types or None


def utc(when: datetime | None) -> datetime | None:
    """A time given without a zone is UTC (as the --since/--until help says)."""
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def to_selection(req: SelectionRequest, metric: str) -> Selection:
    from graphdb.subgraph import Selection

    platform = req.platform.strip().lower() if req.platform else None  # platform names are lower-case (docs/model.md)
    return Selection(parse_seeds(req.seed), req.hops, parse_rel_types(req.rels), utc(req.since), utc(req.until),
                     platform, req.max_nodes, metric)  # fmt: skip


def select(db: Database, req: SelectionRequest, metric: str, say: Say) -> tuple[SelectedGraph, dict[str, Any]]:
    """The selected subgraph and a description of the selection (for manifests). Seeds not found are said."""
    from graphdb.subgraph import select_subgraph

    if req.query and req.seed:
        raise SwarmgraphError("Give either --seed or --query, not both.")
    if req.query:
        return select_by_query(db, req, metric)
    sel = to_selection(req, metric)
    selected = select_subgraph(db, sel)
    for missing in selected.missing_seeds:
        say(f"Seed not found in the graph: {missing}")
    return selected, sel.describe()


def select_by_query(db: Database, req: SelectionRequest, metric: str) -> tuple[SelectedGraph, dict[str, Any]]:
    """The subgraph induced by the entities (uids, URLs, tags) a prepared query returns, capped at max_nodes."""
    from cypher import get_query, parse_assignments, run_query
    from graphdb.subgraph import SelectedGraph, cap_nodes, graph_from_keys, result_keys

    assert req.query is not None
    prepared = get_query(req.query)
    given = parse_assignments(req.param)
    params = prepared.bind(given)
    _, rows = run_query(db, prepared, params)
    g = graph_from_keys(db, result_keys(rows))
    if g.number_of_nodes() == 0:
        raise SwarmgraphError(f"Query {req.query!r} returned no entities (uid, url or tag) to draw.")
    cut = cap_nodes(g, req.max_nodes, [], metric)
    typed = {name: params[name] for name in given}  # what the user gave, in its declared type
    return SelectedGraph(g, cut), {"query": req.query, "params": typed, "max_nodes": req.max_nodes}
