"""`swarmgraph report`: the case dossier of a selection (or the whole graph) as one offline HTML file, or a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import DatabaseOpt, ParamOpt, UriOpt, UserOpt, handled, open_database, parse_params, say
from cli.graph_out import HopsOpt, PlatformOpt, QueryOpt, RelsOpt, SeedOpt, SinceOpt, UntilOpt
from graphdb.errors import SwarmgraphError


def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file (--pdf: a .pdf of that name too).")],
    seed: SeedOpt = None,
    hops: HopsOpt = 2,
    rels: RelsOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    platform: PlatformOpt = None,
    query: QueryOpt = None,
    param: ParamOpt = None,
    max_nodes: Annotated[
        int, typer.Option("--max-nodes", min=1, help="Nodes drawn in the graph section (the analyses see them all).")
    ] = 800,
    bucket: Annotated[str, typer.Option("--bucket", help="Activity per 'day' or 'hour'.")] = "day",
    top_videos: Annotated[int, typer.Option("--top-videos", min=0, help="Dissemination timelines drawn.")] = 3,
    title: Annotated[str | None, typer.Option(help="Report title (default: the selection).")] = None,
    defang: Annotated[bool, typer.Option("--defang", help="Rewrite every URL as hxxps://example[.]org.")] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print it to PDF with headless Chromium.")] = False,
    uri: UriOpt = None,
    username: UserOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Write the case report of a selection (seeds, hops, time, platform or --query; none: the whole graph):
    summary, activity, hashtags, takedown survival, dissemination timelines, bridges and brokers, the graph."""
    from cli.graph_out import _select
    from viz.report.build import build_report, print_pdf

    with handled(), open_database(uri, username, database) as db:
        if seed or query:
            selected, selection = _select(db, seed, hops, rels, since, until, platform, 50_000, query,
                                          parse_params(param), "degree")  # fmt: skip
            picked = build_report(db, selected, selection, max_nodes=max_nodes, bucket=bucket, top_videos=top_videos,
                                  title=title, defang=defang)  # fmt: skip
        elif since or until or platform or rels:
            raise SwarmgraphError("--since, --until, --platform and --rels filter a selection: give --seed or --query "
                                  "too (without them the report covers the whole graph).")  # fmt: skip
        else:
            picked = build_report(db, None, None, max_nodes=max_nodes, bucket=bucket, top_videos=top_videos,
                                  title=title, defang=defang)  # fmt: skip
        html_path = output.with_suffix(".html") if pdf else output
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(picked.html, encoding="utf-8")
        say(picked.summary)
        if pdf:
            pdf_path = print_pdf(html_path, output.with_suffix(".pdf"))
            print(pdf_path)
    print(html_path)
