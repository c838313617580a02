"""What every command shares: the consoles, progress messages, error handling (one line, or the whole chain with
--debug), and opening the database. Only typer and rich are imported here; the rest waits until a command runs.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from graphdb.db import Database

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)
DEBUG_ENV = "SWARMGRAPH_DEBUG"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def say(msg: str) -> None:
    err.print(msg, markup=False)


def debugging() -> bool:
    """--debug (which sets SWARMGRAPH_DEBUG for the run) or SWARMGRAPH_DEBUG=1."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def scrub(text: str) -> str:
    """The text with every secret swarmgraph knows of (NEO4J_PASSWORD, the local runtime's password) masked."""
    from graphdb.errors import SwarmgraphError
    from graphdb.runtime import LocalRuntime

    secrets = {os.environ.get("NEO4J_PASSWORD") or ""}
    try:
        rt = LocalRuntime()
        if rt.password_file.is_file():
            secrets.add(rt.password())
    except (OSError, RuntimeError, UnicodeError, SwarmgraphError):
        pass  # no readable local password: nothing of it to mask
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "********")
    return text


def _report(exc: BaseException, headline: str) -> None:
    err.print(scrub(headline), markup=False)
    if debugging():  # otherwise the one line is all: `swarmgraph --help` tells of --debug
        chain = "".join(traceback.format_exception(exc))
        err.print(scrub(chain).rstrip(), markup=False, highlight=False)


@contextmanager
def handled() -> Iterator[None]:
    """Turn errors into one clear message on stderr and an exit code (never a traceback, unless --debug). SIGTERM
    is handled like Ctrl-C: the work unwinds and cleans up (runtime/lifeline.py), then exit 143 (130 for Ctrl-C)."""
    from graphdb.errors import SwarmgraphError
    from graphdb.runtime.lifeline import Terminated, sigterm_as_interrupt

    try:
        with sigterm_as_interrupt():
            yield
    except (typer.Exit, typer.Abort, typer.TyperException):  # the CLI's own way out (usage errors, exit codes)
        raise
    except SwarmgraphError as exc:
        _report(exc, f"Error: {exc}")
        raise typer.Exit(1) from exc
    except KeyboardInterrupt as exc:
        err.print("Terminated." if isinstance(exc, Terminated) else "Interrupted.")
        raise typer.Exit(143 if isinstance(exc, Terminated) else 130) from exc
    except Exception as exc:  # noqa: BLE001 - the boundary: a bug is reported as one line and exit 1, never a default
        _report(exc, f"Error: unexpected {type(exc).__name__}: {exc} (a bug: please report it with --debug output)")
        raise typer.Exit(1) from exc


@dataclass(frozen=True)
class Connection:
    """--uri / --username / --database as given (each also from its NEO4J_* variable)."""

    uri: str | None = None
    username: str | None = None
    database: str | None = None

    def open(self) -> Database:
        """Connect to NEO4J_URI when given, else to the local runtime (started when not running)."""
        from graphdb.db import connect

        return connect(self.uri, self.username, self.database, say=say)
