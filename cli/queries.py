"""`swarmgraph queries` and `swarmgraph query NAME`: the prepared query catalogue (cypher/*.cypher)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from cli.common import (
    DatabaseOpt,
    FormatOpt,
    OutputFormat,
    UriOpt,
    UserOpt,
    handled,
    open_database,
    out,
    render_records,
    say,
)
from cypher import get_query, load_catalogue, parse_assignments, run_query

QueryParamOpt = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="name=value, typed by the query's header (lists: a,b or JSON)."),
]


def queries(fmt: FormatOpt = OutputFormat.table) -> None:
    """List the prepared queries with their parameters."""
    with handled():
        catalogue = load_catalogue()
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps([q.as_dict() for q in catalogue.values()], indent=1) + "\n")
        return
    table = Table("name", "description", "parameters", show_lines=True)
    for q in catalogue.values():
        table.add_row(q.name, q.description, "\n".join(p.signature() for p in q.params))
    out.print(table)


def query(
    name: Annotated[str, typer.Argument(help="A prepared query (`swarmgraph queries` lists them).")],
    param: QueryParamOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many rows.", min=1)] = None,
    uri: UriOpt = None,
    username: UserOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Run a prepared query (read-only unless its header says write)."""
    with handled():
        prepared = get_query(name)
        params = prepared.bind(parse_assignments(param))  # refuse bad parameters before connecting
        with open_database(uri, username, database) as db:
            keys, records = run_query(db, prepared, params, limit=limit, notice=say)
    render_records(keys, records, fmt)
