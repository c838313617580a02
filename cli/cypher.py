"""`swarmgraph cypher`: one ad hoc statement, read-only unless --write."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import Connection, OutputFormat, handled
from cli.options import FormatOpt, ParamOpt, connected
from cli.render import render_records


@connected
def cypher(
    query: Annotated[str, typer.Argument(help="One Cypher statement. Values belong in --param, not in the text.")],
    param: ParamOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    write: Annotated[bool, typer.Option("--write", help="Allow the statement to change the graph.")] = False,
    *,
    conn: Connection,
) -> None:
    """Run one Cypher statement and print its records (read-only unless --write)."""
    from cypher import literal_values

    with handled():
        params = literal_values(param)
        with conn.open() as db:
            keys, records = db.write(query, params) if write else db.read(query, params)
        render_records(keys, records, fmt)
