"""Rendering results: one renderer of records for every command (a table, JSON or CSV, with Neo4j values made
plain), and the summaries that go with them.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.table import Table

from cli.common import OutputFormat, err, out, say

if TYPE_CHECKING:
    from etl.load import LoadSummary


def render_records(keys: list[str], records: Sequence[Mapping[str, Any]], fmt: OutputFormat, *,
                   count: bool = True) -> None:  # fmt: skip
    """Records in the given columns. JSON keeps types (times as ISO strings, nodes as {labels, properties}); CSV is
    quoted properly (a value holding a comma stays one cell); a table says how many rows (on stderr) when `count`."""
    from graphdb.values import to_plain

    rows = [{k: to_plain(r.get(k)) for k in keys} for r in records]
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    elif fmt is OutputFormat.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    else:
        table = Table(*keys, show_lines=False)
        for row in rows:
            table.add_row(*(_cell(row[k]) for k in keys))
        out.print(table)
        if count:
            err.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


def render_result(result: Mapping[str, Any], rows_key: str | None, fmt: OutputFormat) -> None:
    """An analysis result. JSON: the whole result. Table/CSV: the other fields as lines on stderr, then the rows."""
    from graphdb.values import to_plain

    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(to_plain(dict(result)), indent=1, default=str) + "\n")
        return
    rows = list(result.get(rows_key) or []) if rows_key else []
    for key, value in result.items():
        if key != rows_key:
            plain = to_plain(value)
            say(f"{key}: {json.dumps(plain, default=str) if isinstance(plain, list | dict) else plain}")
    if rows:
        render_records(list(rows[0]), rows, fmt, count=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def print_load_summary(summary: LoadSummary) -> None:
    if err.is_terminal:
        err.print()
    title = "Load summary" + (" (dry run)" if summary.dry_run else "")
    table = Table("file", "format", "records", "rejected", "seconds", title=title)
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
    if summary.rejects_path and summary.rejected:
        noun = "record" if summary.rejected == 1 else "records"
        out.print(f"{summary.rejected:,} rejected {noun} in {summary.rejects_path} (run {summary.rejects_run})",
                  markup=False)  # fmt: skip
