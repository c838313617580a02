"""`swarmgraph export` and `swarmgraph viz`: a selected subgraph to Gephi formats or to a self-contained HTML view."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import DatabaseOpt, ParamOpt, UriOpt, UserOpt, handled, open_database, parse_params, say
from graphdb.db import Database
from graphdb.errors import SwarmgraphError
from graphdb.subgraph import (
    SelectedGraph,
    Selection,
    cap_nodes,
    graph_from_keys,
    parse_seed,
    result_keys,
    select_subgraph,
)


class ExportFmt(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    json = "json"
    csv = "csv"


class SizeBy(StrEnum):
    degree = "degree"
    betweenness = "betweenness"
    views = "views"


SeedOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--seed", help="KIND:KEY, repeatable: hashtag:paris, url:https://..., video:ID, account:UID, post:UID."
    ),
]
HopsOpt = Annotated[int, typer.Option("--hops", min=0, max=6, help="How far to expand from the seeds.")]
RelsOpt = Annotated[
    str | None, typer.Option("--rels", help="Relationship types to follow, comma-separated (default: all).")
]
SinceOpt = Annotated[datetime | None, typer.Option("--since", help="Keep posts from this time on (UTC).")]
UntilOpt = Annotated[
    datetime | None,
    typer.Option("--until", help="Keep posts up to this time (UTC); accounts and URLs that appear later go too."),
]
PlatformOpt = Annotated[str | None, typer.Option("--platform", help="Keep accounts and posts of this platform only.")]
MaxNodesOpt = Annotated[
    int, typer.Option("--max-nodes", min=1, help="Keep the N most important nodes; says what was cut.")
]
QueryOpt = Annotated[
    str | None, typer.Option("--query", help="Instead of seeds: the entities a prepared query returns.")
]


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _select(db: Database, seeds: list[str] | None, hops: int, rels: str | None, since: datetime | None,
            until: datetime | None, platform: str | None, max_nodes: int, query: str | None,
            params: dict[str, Any], metric: str) -> tuple[SelectedGraph, dict[str, Any]]:  # fmt: skip
    if query and seeds:
        raise SwarmgraphError("Give either --seed or --query, not both.")
    if query:
        from cypher import run_query

        _, rows = run_query(db, query, params, notice=say)
        g = graph_from_keys(db, result_keys(rows))
        if g.number_of_nodes() == 0:
            raise SwarmgraphError(f"Query {query!r} returned no entities (uid, url or tag) to draw.")
        cut = cap_nodes(g, max_nodes, [], metric)
        return SelectedGraph(g, cut), {"query": query, "params": params, "max_nodes": max_nodes}
    from etl.urls import InvalidUrl, canonical_url

    parsed = []
    for s in seeds or []:
        kind, key = parse_seed(s)
        if kind == "url":
            try:
                key = canonical_url(key)
            except InvalidUrl as exc:
                raise SwarmgraphError(f"Bad URL seed {s!r}: {exc}") from None
        parsed.append((kind, key))
    types = [r.strip().upper() for r in rels.split(",") if r.strip()] if rels else None
    on = platform.strip().lower() if platform else None  # platform names are lower-case (docs/model.md)
    sel = Selection(parsed, hops, types or None, _utc(since), _utc(until), on, max_nodes, metric)
    selected = select_subgraph(db, sel)
    for m in selected.missing_seeds:
        say(f"Seed not found in the graph: {m}")
    return selected, sel.describe()


def export(
    output: Annotated[Path, typer.Option("-o", "--output", help="Output file (CSV: <stem>.nodes.csv and .edges.csv).")],
    fmt: Annotated[ExportFmt, typer.Option("--format", "-f")] = ExportFmt.graphml,
    seed: SeedOpt = None,
    hops: HopsOpt = 2,
    rels: RelsOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    platform: PlatformOpt = None,
    max_nodes: MaxNodesOpt = 5000,
    query: QueryOpt = None,
    param: ParamOpt = None,
    defang: Annotated[bool, typer.Option("--defang", help="Rewrite URLs as hxxps://example[.]org everywhere.")] = False,
    uri: UriOpt = None,
    username: UserOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Export a subgraph as GraphML or GEXF (Gephi), node-link JSON or CSV, with a manifest beside it."""
    from graphdb.export import export_graph

    with handled(), open_database(uri, username, database) as db:
        selected, selection = _select(db, seed, hops, rels, since, until, platform, max_nodes, query,
                                      parse_params(param), "degree")  # fmt: skip
        manifest = {"selection": selection, "database": db.settings.describe(),
                    "exported_at": datetime.now(UTC).isoformat(), "cut_nodes": selected.cut_nodes,
                    "notice": selected.notice()}  # fmt: skip
        files = export_graph(selected.graph, output, fmt.value, manifest=manifest, defang=defang)
    g = selected.graph
    say(f"Exported {g.number_of_nodes():,} nodes and {g.number_of_edges():,} relationships.")
    if selected.notice():
        say(selected.notice() or "")
    for f in files:
        print(f)


def viz(
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")],
    seed: SeedOpt = None,
    hops: HopsOpt = 2,
    rels: RelsOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    platform: PlatformOpt = None,
    max_nodes: MaxNodesOpt = 2000,
    query: QueryOpt = None,
    param: ParamOpt = None,
    size_by: Annotated[SizeBy, typer.Option("--size-by", help="Node size metric.")] = SizeBy.degree,
    title: Annotated[str | None, typer.Option(help="Page title (default: the selection).")] = None,
    uri: UriOpt = None,
    username: UserOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Write an interactive, self-contained HTML view of a subgraph (offline: no CDN, no network requests)."""
    from viz.html import render_html

    with handled(), open_database(uri, username, database) as db:
        selected, selection = _select(db, seed, hops, rels, since, until, platform, max_nodes, query,
                                      parse_params(param), size_by.value)  # fmt: skip
        page_title = title or "swarmgraph: " + (query or ", ".join(seed or []))
        html = render_html(selected.graph, title=page_title, size_by=size_by.value, notice=selected.notice())
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(html, encoding="utf-8")
    g = selected.graph
    say(f"Wrote {g.number_of_nodes():,} nodes and {g.number_of_edges():,} relationships to {output}.")
    if selected.notice():
        say(selected.notice() or "")
    print(output)
