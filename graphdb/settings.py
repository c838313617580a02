"""Where to connect: an explicit server (NEO4J_URI and friends) or the local runtime, started when needed."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from graphdb.runtime import USERNAME, LocalRuntime


@dataclass(frozen=True)
class ConnectionSettings:
    uri: str
    username: str
    password: str = field(repr=False)  # never in reprs, logs or tracebacks
    database: str | None = None
    local: bool = False

    def describe(self) -> str:
        where = f"{self.uri} (local runtime)" if self.local else self.uri
        return f"{where}, database {self.database or 'default'}"


def resolve_settings(
    uri: str | None = None,
    username: str | None = None,
    password: str | None = None,
    database: str | None = None,
    *,
    start_local: bool = True,
    say: Callable[[str], None] = lambda _m: None,
) -> ConnectionSettings:
    """Explicit values win, then the NEO4J_* environment; without a URI the local runtime serves (and is started)."""
    uri = uri or os.environ.get("NEO4J_URI") or None
    username = username or os.environ.get("NEO4J_USERNAME") or os.environ.get("NEO4J_USER") or USERNAME
    password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
    database = database or os.environ.get("NEO4J_DATABASE") or None
    if uri:
        return ConnectionSettings(uri, username, password or "", database, local=False)
    runtime = LocalRuntime()
    if runtime.running_pid() is None:
        if not start_local:
            from graphdb.errors import DatabaseError

            raise DatabaseError(f"The local Neo4j in {runtime.home} is not running: run `swarmgraph db start`.")
        say(f"Starting the local Neo4j in {runtime.home} ...")
        runtime.start(say=say)
    return ConnectionSettings(runtime.bolt_uri() or "", USERNAME, runtime.password(), database, local=True)
