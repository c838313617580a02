"""The `swarmgraph` command: thin Typer commands over the library (one module per command group).

A command parses its options, calls one library function and renders what it returns; modules here import only
typer and rich at the top, so `swarmgraph --help` answers at once.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from cli import analyze as analyze_cmd
from cli import check as check_cmd
from cli import cypher as cypher_cmd
from cli import db as db_cmd
from cli import demo as demo_cmd
from cli import graph_out
from cli import load as load_cmd
from cli import queries as queries_cmd
from cli import simulate as simulate_cmd
from cli.common import DEBUG_ENV

app = typer.Typer(
    name="swarmgraph",
    help="Map cross-platform propaganda dissemination (swarmcasts) in Neo4j: load exports, query, export, view.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # a traceback could show locals; errors are reported as one line instead
)


@app.callback()
def options(
    debug: Annotated[
        bool, typer.Option("--debug", help="On an error, show its whole chain of causes (secrets masked). "
                           f"Also {DEBUG_ENV}=1.")
    ] = False,
) -> None:  # fmt: skip
    if debug:
        os.environ[DEBUG_ENV] = "1"


app.add_typer(db_cmd.app, name="db")
app.command("demo")(demo_cmd.demo)
app.command("cypher")(cypher_cmd.cypher)
app.command("queries")(queries_cmd.queries)
app.command("query")(queries_cmd.query)
app.add_typer(analyze_cmd.app, name="analyze")
app.command("load")(load_cmd.load)
app.command("init")(load_cmd.init)
app.command("export")(graph_out.export)
app.command("simulate")(simulate_cmd.simulate_command)
app.command("viz")(graph_out.viz)
app.command("check")(check_cmd.check)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
