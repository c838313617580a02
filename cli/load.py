"""`swarmgraph load` and `swarmgraph init`: files in, graph out."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.common import DatabaseOpt, UriOpt, UserOpt, err, handled, open_database, out, say
from etl.bulk import DEFAULT_CHUNK_ROWS
from etl.load import DEFAULT_BATCH_SIZE, LoadSummary, load_paths
from graphdb.errors import SwarmgraphError
from graphdb.schema import ensure_schema


def load(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or directories (a directory is loaded whole).", exists=True)
    ],
    fmt: Annotated[str | None, typer.Option("--format", help="Force a format instead of detecting it.")] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help=f"Rows per write batch (default {DEFAULT_BATCH_SIZE:,}; with --bulk, rows a worker dedupes "
            f"in memory before spilling, default {DEFAULT_CHUNK_ROWS:,}).",
            min=100,
        ),
    ] = None,
    rejects: Annotated[Path, typer.Option(help="Where bad records go (JSONL: file, line, reason, excerpt).")] = Path(
        "rejects.jsonl"
    ),
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
        bool, typer.Option("--keep-files", help="--bulk: keep the staged CSV files (under SWARMGRAPH_HOME/import).")
    ] = False,
    uri: UriOpt = None,
    username: UserOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Load exports (twarc2, Twitter v1.1, Telegram, research CSVs, swarmgraph inputs) into the graph."""
    if bulk:
        summary = _bulk(paths, fmt, batch_size, rejects, strict, dry_run, workers, keep_files, uri, database)
        if json_summary:
            sys.stdout.write(json.dumps(summary.as_dict(), indent=1) + "\n")
        else:
            print_summary(summary)
        return
    with handled():
        db = None if dry_run else open_database(uri, username, database)
        try:
            summary = load_paths(db, paths, fmt=fmt, batch_size=batch_size or DEFAULT_BATCH_SIZE, rejects_path=rejects,
                                 strict=strict, dry_run=dry_run, reload=reload, progress=_progress())  # fmt: skip
        finally:
            if db is not None:
                db.close()
    if json_summary:
        sys.stdout.write(json.dumps(summary.as_dict(), indent=1) + "\n")
    else:
        print_summary(summary)


def _bulk(paths: list[Path], fmt: str | None, batch_size: int | None, rejects: Path, strict: bool, dry_run: bool,
          workers: int | None, keep_files: bool, uri: str | None, database: str | None) -> LoadSummary:  # fmt: skip
    from etl.bulk import bulk_load
    from graphdb.runtime import LocalRuntime

    with handled():
        if uri or database:
            raise SwarmgraphError(
                "--bulk writes the store files of the local runtime offline, so it cannot load into "
                f"{'--uri/NEO4J_URI' if uri else '--database/NEO4J_DATABASE'}; load without --bulk instead."
            )
        return bulk_load(LocalRuntime(), paths, fmt=fmt, rejects_path=rejects, strict=strict, dry_run=dry_run,
                         chunk_rows=batch_size or DEFAULT_CHUNK_ROWS, workers=workers, keep_files=keep_files,
                         say=say)  # fmt: skip
    raise AssertionError("unreachable")  # handled() exits on errors


def init(uri: UriOpt = None, username: UserOpt = None, database: DatabaseOpt = None) -> None:
    """Create the graph's constraints and indexes (idempotent; `load` does it too)."""
    with handled(), open_database(uri, username, database) as db:
        n = ensure_schema(db)
    say(f"Schema ready: {n} constraints and indexes.")


def _progress():  # type: ignore[no-untyped-def]
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


def print_summary(summary: LoadSummary) -> None:
    if err.is_terminal:
        err.print()
    table = Table(
        "file",
        "format",
        "records",
        "rejected",
        "seconds",
        title="Load summary" + (" (dry run)" if summary.dry_run else ""),
    )
    for f in summary.files:
        table.add_row(f.path, f.format, f"{f.records:,}", f"{f.rejected:,}", f"{f.seconds:.1f}")
    out.print(table)
    created = summary.counts
    if not summary.dry_run:
        nodes = ", ".join(f"{k} {v:,}" for k, v in sorted(created.nodes_created.items()) if v) or "none"
        rels = ", ".join(f"{k} {v:,}" for k, v in sorted(created.rels_created.items()) if v) or "none"
        out.print(f"Nodes created: {nodes}\nRelationships created: {rels}", markup=False)
    rate = summary.records / summary.seconds if summary.seconds else 0
    out.print(
        f"{summary.records:,} records read, {summary.rejected:,} rejected "
        f"in {summary.seconds:.1f} s ({rate:,.0f} records/s)."
    )
    if summary.phases:
        out.print("Phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in summary.phases.items()), markup=False)
    if summary.skipped:
        out.print(f"{len(summary.skipped)} file(s) skipped: loaded completely before (--reload to load them again).")
    if summary.rejects_path:
        out.print(f"Rejected records: {summary.rejects_path}", markup=False)
