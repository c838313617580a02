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
from etl.load import DEFAULT_BATCH_SIZE, LoadSummary, load_paths
from graphdb.schema import ensure_schema


def load(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or directories (a directory is loaded whole).", exists=True)
    ],
    fmt: Annotated[str | None, typer.Option("--format", help="Force a format instead of detecting it.")] = None,
    batch_size: Annotated[int, typer.Option(help="Rows per write batch.", min=100)] = DEFAULT_BATCH_SIZE,
    rejects: Annotated[Path, typer.Option(help="Where bad records go (JSONL: file, line, reason, excerpt).")] = Path(
        "rejects.jsonl"
    ),
    strict: Annotated[bool, typer.Option("--strict", help="Stop with exit 1 at the first bad record.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Parse and validate only; write nothing.")] = False,
    reload: Annotated[
        bool, typer.Option("--reload", help="Load files again even when loaded completely before.")
    ] = False,
    json_summary: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    uri: UriOpt = None,
    username: UserOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Load exports (twarc2, Twitter v1.1, Telegram, research CSVs, swarmgraph inputs) into the graph."""
    with handled():
        db = None if dry_run else open_database(uri, username, database)
        try:
            summary = load_paths(db, paths, fmt=fmt, batch_size=batch_size, rejects_path=rejects, strict=strict,
                                 dry_run=dry_run, reload=reload, progress=_progress())  # fmt: skip
        finally:
            if db is not None:
                db.close()
    if json_summary:
        sys.stdout.write(json.dumps(summary.as_dict(), indent=1) + "\n")
    else:
        print_summary(summary)


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
    if summary.skipped:
        out.print(f"{len(summary.skipped)} file(s) skipped: loaded completely before (--reload to load them again).")
    if summary.rejects_path:
        out.print(f"Rejected records: {summary.rejects_path}", markup=False)
