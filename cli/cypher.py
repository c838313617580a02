"""`swarmgraph cypher`: one ad hoc statement, read-only unless --write."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import (
    DatabaseOpt,
    FormatOpt,
    OutputFormat,
    ParamOpt,
    UriOpt,
    UserOpt,
    handled,
    open_database,
    parse_params,
    render_records,
)


def cypher(
    query: Annotated[str, typer.Argument(help="One Cypher statement. Values belong in --param, not in the text.")],
    param: ParamOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    write: Annotated[bool, typer.Option("--write", help="Allow the statement to change the graph.")] = False,
    uri: UriOpt = None,
    username: UserOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Run one Cypher statement and print its records (read-only unless --write)."""
    with handled():
        params = parse_params(param)
        with open_database(uri, username, database) as db:
            keys, records = db.write(query, params) if write else db.read(query, params)
        render_records(keys, records, fmt)
