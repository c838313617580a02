"""`swarmgraph report`: the case dossier of a selection (or the whole graph) as one offline HTML file, or a PDF
(workflows/outputs.report_subgraph does the work)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from cli.common import Connection, handled, say
from cli.options import connected, selection_options, with_group
from graphdb.errors import SwarmgraphError
from workflows.selection import SelectionRequest

SELECTION_CAP = 50_000  # nodes a report's selection may hold; --max-nodes only caps what the graph section draws


@connected
@with_group("selection", selection_options(max_nodes=800, max_nodes_help="Nodes drawn in the graph section (the "
                                           "analyses see the whole selection)."), SelectionRequest)  # fmt: skip
def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file (--pdf: a .pdf of that name too).")],
    bucket: Annotated[str, typer.Option("--bucket", help="Activity per 'day' or 'hour'.")] = "day",
    top_videos: Annotated[int, typer.Option("--top-videos", min=0, help="Dissemination timelines drawn.")] = 3,
    title: Annotated[str | None, typer.Option(help="Report title (default: the selection).")] = None,
    defang: Annotated[bool, typer.Option("--defang", help="Rewrite every URL as hxxps://example[.]org.")] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print it to PDF with headless Chromium.")] = False,
    *,
    selection: SelectionRequest,
    conn: Connection,
) -> None:
    """Write the case report of a selection (seeds, hops, time, platform or --query; none: the whole graph):
    summary, activity, hashtags, takedown survival, dissemination timelines, bridges and brokers, the graph."""
    from workflows.outputs import check_request, report_subgraph

    with handled():
        whole = not (selection.seed or selection.query)
        if whole and (selection.since or selection.until or selection.platform or selection.rels):
            raise SwarmgraphError("--since, --until, --platform and --rels filter a selection: give --seed or --query "
                                  "too (without them the report covers the whole graph).")  # fmt: skip
        check_request(selection)
        req = None if whole else replace(selection, max_nodes=SELECTION_CAP)
        with conn.open() as db:
            files = report_subgraph(db, req, output, draw_nodes=selection.max_nodes, bucket=bucket,
                                    top_videos=top_videos, title=title, defang=defang, pdf=pdf, say=say)  # fmt: skip
    for f in files:
        print(f)
