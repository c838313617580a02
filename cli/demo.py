"""`swarmgraph demo`: the main job end to end on a simulated swarmcast (workflows/demo.py does the work)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import Connection, OutputFormat, handled, out, say
from cli.options import connected
from cli.render import render_records

if TYPE_CHECKING:
    from workflows.demo import QuerySection


@connected
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where the simulated world and the outputs go.")] = Path(
        "demo-output"
    ),
    posts: Annotated[int, typer.Option(help="Posts in the simulated world.", min=1000)] = 50_000,
    seed: Annotated[int, typer.Option(help="Simulation seed.")] = 1,
    rows: Annotated[int, typer.Option(help="Rows to print per query.")] = 5,
    *,
    conn: Connection,
) -> None:
    """Run the whole pipeline on a simulated swarmcast and print what it finds."""
    from workflows.demo import ensure_world, run_demo, world_dir

    t0 = time.monotonic()
    with handled():
        ensure_world(world_dir(out_dir, posts, seed), posts, seed, say)
        say("2/5 Connecting to Neo4j (the local server starts when needed) ...")
        with conn.open() as db:
            say(f"    {db.settings.describe()}")
            result = run_demo(db, out_dir, posts=posts, seed=seed, rows=rows, say=say, show=_show)
        browser = _browser_note(db.settings.local)
    out.print(
        f"\nDone in {time.monotonic() - t0:.0f} s.\n"
        f"Simulated world:   {result.world} (ground truth: {result.world / 'ground_truth.json'})\n"
        f"Interactive view:  {result.view}\n"
        f"Case report:       {result.report}\n"
        f"Database:          {result.database}{browser}\n"
        f"Try:               swarmgraph queries; swarmgraph query video_reach --param "
        f"video={result.video or 'video:<platform>:<id>'} --param min_confidence=0.5",
        markup=False,
    )


def _show(section: QuerySection) -> None:
    out.print(f"\n== {section.name}: {section.title}  (swarmgraph query {section.name} for every column)", markup=False)
    render_records(section.columns, section.records, OutputFormat.table)


def _browser_note(local: bool) -> str:
    if not local:
        return ""
    from graphdb.runtime import LocalRuntime

    return f"\nNeo4j Browser:     {LocalRuntime().browser_url()} (user neo4j; `swarmgraph db env`)"
