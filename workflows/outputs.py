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
                  title: str | None = None, say: Say = lambda _m: None) -> Written:  # fmt: skip
    """Select, then write one self-contained offline HTML page drawing the subgraph."""
    selected, _ = select(db, req, size_by, say)
    write_view(selected.graph, output, title=title or "swarmgraph: " + req.title(), size_by=size_by,
               notice=selected.notice())  # fmt: skip
    return _written(selected, [output])


def write_view(g: nx.MultiDiGraph, output: Path, *, title: str, size_by: str = "degree",
               notice: str | None = None) -> Path:  # fmt: skip
    from viz.html import render_html

    html = render_html(g, title=title, size_by=size_by, notice=notice)  # type: ignore[arg-type]
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ViewError(f"cannot write the view {output}: {exc.strerror or exc}") from exc
    return output
