"""`swarmgraph queries` and `swarmgraph query NAME`: the prepared query catalogue (cypher/*.cypher)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from cli.common import Connection, OutputFormat, handled, out, say
from cli.options import FormatOpt, ParamOpt, connected
from cli.render import render_records


def queries(fmt: FormatOpt = OutputFormat.table) -> None:
    """List the prepared queries with their parameters."""
    from cypher import load_catalogue

    with handled():
        catalogue = load_catalogue()
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps([q.as_dict() for q in catalogue.values()], indent=1) + "\n")
        return
    table = Table("name", "description", "parameters", show_lines=True)
    for q in catalogue.values():
        table.add_row(q.name, q.description, "\n".join(p.signature() for p in q.params))
    out.print(table)


@connected
def query(
    name: Annotated[str, typer.Argument(help="A prepared query (`swarmgraph queries` lists them).")],
    param: ParamOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many rows.", min=1)] = None,
    *,
    conn: Connection,
) -> None:
    """Run a prepared query (read-only unless its header says write)."""
    from cypher import get_query, parse_assignments, run_query

    with handled():
        prepared = get_query(name)
        params = prepared.bind(parse_assignments(param))  # refuse bad parameters before connecting
        with conn.open() as db:
            keys, records = run_query(db, prepared, params, limit=limit, notice=say)
        render_records(keys, records, fmt)
