"""What every command shares: connection options, error handling, progress and record rendering."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from graphdb.db import Database, connect
from graphdb.errors import SwarmgraphError
from graphdb.values import to_plain

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


UriOpt = Annotated[
    str | None,
    typer.Option(
        "--uri", envvar="NEO4J_URI", help="Neo4j URI (bolt://, neo4j://, neo4j+s://). Default: the local runtime."
    ),
]
UserOpt = Annotated[str | None, typer.Option("--username", envvar="NEO4J_USERNAME", help="Neo4j user.")]
DatabaseOpt = Annotated[str | None, typer.Option("--database", envvar="NEO4J_DATABASE", help="Database name.")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="name=value; the value is parsed as JSON when it parses, else a string."),
]


def say(msg: str) -> None:
    err.print(msg, markup=False)


@contextmanager
def handled() -> Iterator[None]:
    """Turn swarmgraph's errors into one clear message on stderr and exit code 1 (never a traceback)."""
    try:
        yield
    except SwarmgraphError as exc:
        err.print(f"Error: {exc}", markup=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("Interrupted.")
        raise typer.Exit(130) from None


def open_database(uri: str | None, username: str | None, database: str | None) -> Database:
    """Connect to NEO4J_URI when given, else to the local runtime (started when not running)."""
    return connect(uri, username, database, say=say)


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs or []:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise SwarmgraphError(f"Bad --param {pair!r}: use name=value.")
        try:
            params[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[name.strip()] = raw
    return params


def render_records(keys: list[str], records: list[dict[str, Any]], fmt: OutputFormat) -> None:
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
        err.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
