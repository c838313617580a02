"""`swarmgraph export` and `swarmgraph viz`: a selected subgraph to Gephi formats or to a self-contained HTML view
(workflows/outputs.py does the work)."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import Connection, handled, say
from cli.options import connected, selection_options, with_group
from workflows.selection import SelectionRequest

if TYPE_CHECKING:
    from graphdb.db import Database
    from workflows.outputs import Written


class ExportFmt(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    json = "json"
    csv = "csv"


class SizeBy(StrEnum):
    degree = "degree"
    betweenness = "betweenness"
    views = "views"


def _write(conn: Connection, selection: SelectionRequest, write: Callable[[Database], Written]) -> Written:
    """Check the selection, connect, write; errors as one line."""
    from workflows.outputs import check_request

    with handled():
        check_request(selection)
        with conn.open() as db:
            return write(db)
    raise AssertionError("unreachable: handled() exits on errors")


def _report(verb: str, written: Written, where: str = "") -> None:
    say(f"{verb} {written.nodes:,} nodes and {written.edges:,} relationships{where}.")
    if written.notice:
        say(written.notice)
    for f in written.files:
        print(f)


@connected
@with_group("selection", selection_options(max_nodes=5000), SelectionRequest)
def export(
    output: Annotated[Path, typer.Option("-o", "--output", help="Output file (CSV: <stem>.nodes.csv and .edges.csv).")],
    fmt: Annotated[ExportFmt, typer.Option("--format", "-f")] = ExportFmt.graphml,
    defang: Annotated[bool, typer.Option("--defang", help="Rewrite URLs as hxxps://example[.]org everywhere.")] = False,
    *,
    selection: SelectionRequest,
    conn: Connection,
) -> None:
    """Export a subgraph as GraphML or GEXF (Gephi), node-link JSON or CSV, with a manifest beside it."""
    from workflows.outputs import export_subgraph

    written = _write(conn, selection, lambda db: export_subgraph(db, selection, output, fmt.value, defang=defang,
                                                                 say=say))  # fmt: skip
    _report("Exported", written)


@connected
@with_group("selection", selection_options(max_nodes=2000), SelectionRequest)
def viz(
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")],
    size_by: Annotated[SizeBy, typer.Option("--size-by", help="Node size metric.")] = SizeBy.degree,
    title: Annotated[str | None, typer.Option(help="Page title (default: the selection).")] = None,
    *,
    selection: SelectionRequest,
    conn: Connection,
) -> None:
    """Write an interactive, self-contained HTML view of a subgraph (offline: no CDN, no network requests)."""
    from workflows.outputs import view_subgraph

    written = _write(conn, selection, lambda db: view_subgraph(db, selection, output, size_by=size_by.value,
                                                               title=title, say=say))  # fmt: skip
    _report("Wrote", written, f" to {output}")
