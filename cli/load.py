"""`swarmgraph load` and `swarmgraph init`: files in, graph out."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import Connection, err, handled, say
from cli.options import connected
from cli.render import print_load_summary
from etl.bulk import DEFAULT_CHUNK_ROWS
from etl.load import DEFAULT_BATCH_SIZE
from etl.readers import FORMATS

if TYPE_CHECKING:
    from etl.load import LoadSummary


@connected
def load(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or directories (a directory is loaded whole).", exists=True)
    ],
    fmt: Annotated[
        str | None, typer.Option("--format", help=f"Force a format instead of detecting it: {', '.join(FORMATS)}.")
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help=f"Rows per write batch (default {DEFAULT_BATCH_SIZE:,}; with --bulk, rows a worker dedupes "
            f"in memory before spilling, default {DEFAULT_CHUNK_ROWS:,}).",
            min=100,
        ),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(help="The JSONL file bad records are appended to, under a header line for this load (file, "
                     "line or position, reason, excerpt). Default: SWARMGRAPH_HOME/rejects.jsonl."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Stop with exit 1 at the first bad record.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Parse and validate only; write nothing.")] = False,
    reload: Annotated[
        bool, typer.Option("--reload", help="Load files again even when loaded completely before.")
    ] = False,
    json_summary: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk",
            help="First load into an EMPTY local database through Neo4j's offline importer: parallel parsing, "
            "stops and restarts the local server. Same graph, built faster on large collections.",
        ),
    ] = False,
    workers: Annotated[
        int | None, typer.Option(help="--bulk: parse and merge processes (default: one per core).", min=1)
    ] = None,
    keep_files: Annotated[
        bool,
        typer.Option("--keep-files", help="--bulk: keep the staging folder (private, under SWARMGRAPH_HOME/import), "
                     "even when the load fails or is interrupted; otherwise it is always removed."),
    ] = False,
    *,
    conn: Connection,
) -> None:
    """Load exports (twarc2, Twitter v1.1, Telegram, research CSVs and takedown archives, swarmgraph inputs, evidence
    files) into the graph. Files may be gzip, bzip2, xz or zstd compressed, UTF-8 or UTF-16 with a BOM; .zip and
    .tar(.gz) archives load member by member like folders."""
    from workflows.load import LoadRequest, run_load

    req = LoadRequest(paths, fmt, batch_size, rejects, strict, dry_run, reload, bulk, workers, keep_files)
    with handled():
        summary = run_load(req, conn.uri, conn.username, conn.database, say=say, progress=_progress())
    _render(summary, json_summary)
    if summary.failed:  # the others loaded; say which could not be read, and exit 1
        for reason in summary.failed:
            err.print(f"Error: {reason}", markup=False, highlight=False)
        raise typer.Exit(1)


def _render(summary: LoadSummary, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(summary.as_dict(), indent=1) + "\n")
    else:
        print_load_summary(summary)


@connected
def init(*, conn: Connection) -> None:
    """Create the graph's constraints and indexes (idempotent; `load` does it too)."""
    from graphdb.schema import ensure_schema

    with handled(), conn.open() as db:
        n = ensure_schema(db)
    say(f"Schema ready: {n} constraints and indexes.")


def _progress() -> Callable[[int, str], None] | None:
    """A records-and-rate line on a terminal; silent when stderr is not a TTY (logs, pipes, CI)."""
    if not err.is_terminal:
        return None
    t0 = time.monotonic()
    last = [0.0]

    def show(done: int, name: str) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2:
            return
        last[0] = now
        rate = done / max(now - t0, 1e-6)
        err.print(f"\r{name}: {done:,} records, {rate:,.0f}/s   ", end="", markup=False)

    return show
