"""Options several commands share, declared once: the connection, a subgraph selection, --param, --format.

`with_group` adds a group of options to a command's signature (what Typer reads) and hands them to the command as
one object, so `export` and `viz`, or every command that connects, declare them in one place.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import typer

from cli.common import Connection, OutputFormat

F = TypeVar("F", bound=Callable[..., Any])
Option = tuple[str, Any, Any]  # name, Annotated type, default

FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="name=value; a prepared query types it by its header (lists: a,b or JSON); "
                 "an ad hoc statement reads it as JSON when it parses, else as a string."),
]  # fmt: skip

CONNECTION: list[Option] = [
    ("uri", Annotated[str | None, typer.Option("--uri", envvar="NEO4J_URI", help="Neo4j URI (bolt://, neo4j://, "
                                              "neo4j+s://). Default: the local runtime.")], None),
    ("username", Annotated[str | None, typer.Option("--username", envvar="NEO4J_USERNAME", help="Neo4j user.")], None),
    ("database", Annotated[str | None, typer.Option("--database", envvar="NEO4J_DATABASE", help="Database name.")],
     None),
]  # fmt: skip


def selection_options(max_nodes: int) -> list[Option]:
    """What `export` and `viz` select: seeds expanded by hops and filtered, or a prepared query's entities."""
    return [
        ("seed", Annotated[list[str] | None, typer.Option("--seed", help="KIND:KEY, repeatable: hashtag:paris, "
                                                          "url:https://..., video:ID, account:UID, post:UID.")], None),
        ("hops", Annotated[int, typer.Option("--hops", min=0, max=6, help="How far to expand from the seeds.")], 2),
        ("rels", Annotated[str | None, typer.Option("--rels", help="Relationship types to follow, comma-separated "
                                                    "(default: all).")], None),
        ("since", Annotated[datetime | None, typer.Option("--since", help="Keep posts from this time on (UTC).")],
         None),
        ("until", Annotated[datetime | None, typer.Option("--until", help="Keep posts up to this time (UTC); "
                                                          "accounts and URLs that appear later go too.")], None),
        ("platform", Annotated[str | None, typer.Option("--platform", help="Keep accounts and posts of this "
                                                        "platform only.")], None),
        ("max_nodes", Annotated[int, typer.Option("--max-nodes", min=1, help="Keep the N most important nodes; "
                                                  "says what was cut.")], max_nodes),
        ("query", Annotated[str | None, typer.Option("--query", help="Instead of seeds: the entities a prepared "
                                                     "query returns.")], None),
        ("param", ParamOpt, None),
    ]  # fmt: skip


def with_group(name: str, options: list[Option], build: Callable[..., Any]) -> Callable[[F], F]:
    """Give the decorated command the `options` (after its own) and call it with `name=build(**their values)`."""

    def decorate(fn: F) -> F:
        sig = inspect.signature(fn, eval_str=True)
        own = [p for p in sig.parameters.values() if p.name != name]
        added = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a) for n, a, d in options]
        names = [n for n, _a, _d in options]

        @functools.wraps(fn)
        def command(**kwargs: Any) -> Any:
            group = build(**{n: kwargs.pop(n) for n in names})
            return fn(**kwargs, **{name: group})

        params = own + added  # what Typer reads; a command's return value means nothing to it
        command.__signature__ = sig.replace(parameters=params, return_annotation=None)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
        return command  # type: ignore[return-value]

    return decorate


def connected(fn: F) -> F:
    """The command takes --uri, --username and --database as `conn: Connection`."""
    return with_group("conn", CONNECTION, Connection)(fn)
