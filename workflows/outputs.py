"""A selected subgraph written to files: exports for Gephi and colleagues (with a manifest), or the offline HTML view.
A file that cannot be written (a full disk, a directory in its place) is one clear error, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from graphdb.errors import SwarmgraphError
from workflows.selection import SelectionRequest, parse_rel_types, parse_seeds, select

if TYPE_CHECKING:
    import networkx as nx

    from graphdb.db import Database
    from graphdb.subgraph import SelectedGraph

Say = Callable[[str], None]


class ViewError(SwarmgraphError):
    """An HTML view cannot be written."""


@dataclass
class Written:
    """What a command wrote: the files, the graph's size and what was cut."""

    files: list[Path]
    nodes: int
    edges: int
    notice: str | None


def check_request(req: SelectionRequest) -> None:
    """Refuse bad seeds, types and query parameters before any connection is made."""
    if req.query:
        from cypher import get_query, parse_assignments

        get_query(req.query).bind(parse_assignments(req.param))
    parse_seeds(req.seed)
    parse_rel_types(req.rels)


def _written(selected: SelectedGraph, files: list[Path]) -> Written:
    g = selected.graph
    return Written(files, g.number_of_nodes(), g.number_of_edges(), selected.notice())


def export_subgraph(db: Database, req: SelectionRequest, output: Path, fmt: str, *, defang: bool = False,
                    say: Say = lambda _m: None) -> Written:  # fmt: skip
    """Select, then write GraphML / GEXF / JSON / CSV to `output` with `<output>.manifest.json` beside it."""
    from graphdb.export import export_graph

    selected, selection = select(db, req, "degree", say)
    manifest = {"selection": selection, "database": db.settings.describe(),
                "exported_at": datetime.now(UTC).isoformat(), "cut_nodes": selected.cut_nodes,
                "notice": selected.notice()}  # fmt: skip
    return _written(selected, export_graph(selected.graph, output, fmt, manifest=manifest, defang=defang))  # type: ignore[arg-type]


def view_subgraph(db: Database, req: SelectionRequest, output: Path, *, size_by: str = "degree",
                  title: str | None = None, layout: str = "force", say: Say = lambda _m: None) -> Written:  # fmt: skip
    """Select, then write one self-contained offline HTML page drawing the subgraph (force or timeline layout)."""
    selected, _ = select(db, req, size_by, say)
    write_view(selected.graph, output, title=title or "swarmgraph: " + req.title(), size_by=size_by,
               notice=selected.notice(), layout=layout)  # fmt: skip
    return _written(selected, [output])


def write_view(g: nx.MultiDiGraph, output: Path, *, title: str, size_by: str = "degree",
               notice: str | None = None, layout: str = "force") -> Path:  # fmt: skip
    from viz.html import render_html

    html = render_html(g, title=title, size_by=size_by, notice=notice, layout=layout)  # type: ignore[arg-type]
    write_page(html, output, "view")
    return output


def write_page(html: str, output: Path, what: str) -> None:
    """Write an HTML page; a file that cannot be written is one clear error."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ViewError(f"cannot write the {what} {output}: {exc.strerror or exc}") from exc


def report_subgraph(db: Database, req: SelectionRequest | None, output: Path, *, draw_nodes: int, bucket: str,
                    top_videos: int, title: str | None, defang: bool, pdf: bool,
                    say: Say = lambda _m: None) -> list[Path]:  # fmt: skip
    """The case report (viz/report) of a selection, or of the whole graph when req is None; with pdf, also printed
    to `<output>.pdf` by headless Chromium. The analyses see the whole selection; the graph section draws the
    `draw_nodes` most connected nodes."""
    from workflows.report import build_report, print_pdf

    if req is None:
        built = build_report(db, None, None, max_nodes=draw_nodes, bucket=bucket, top_videos=top_videos,
                             title=title, defang=defang)  # fmt: skip
    else:
        selected, selection = select(db, req, "degree", say)
        built = build_report(db, selected, selection, max_nodes=draw_nodes, bucket=bucket, top_videos=top_videos,
                             title=title, defang=defang)  # fmt: skip
    html_path = output.with_suffix(".html") if pdf else output
    write_page(built.html, html_path, "report")
    say(built.summary)
    files = [html_path]
    if pdf:
        files.append(print_pdf(html_path, output.with_suffix(".pdf")))
    return files
