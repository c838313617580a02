"""Where to connect: an explicit server (NEO4J_URI and friends) or the local runtime. Resolving settings never
starts anything: starting the local server is the caller's explicit step (graphdb.db.connect does it when asked).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphdb.errors import DatabaseError
from graphdb.runtime.config import USERNAME

if TYPE_CHECKING:
    from graphdb.runtime import LocalRuntime


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


def explicit_uri(uri: str | None = None) -> str | None:
    """The server the user named (argument, else NEO4J_URI), or None: then the local runtime serves."""
    return uri or os.environ.get("NEO4J_URI") or None


def local_settings(runtime: LocalRuntime, database: str | None = None) -> ConnectionSettings:
    """How to reach a (running) local runtime: its Bolt port and the password from its 0600 file."""
    return ConnectionSettings(runtime.bolt_uri() or "", USERNAME, runtime.password(), database, local=True)


def resolve_settings(
    uri: str | None = None,
    username: str | None = None,
    password: str | None = None,
    database: str | None = None,
    *,
    runtime: LocalRuntime | None = None,
) -> ConnectionSettings:
    """Explicit values win, then the NEO4J_* environment; without a URI, the local runtime, which must be running."""
    uri = explicit_uri(uri)
    username = username or os.environ.get("NEO4J_USERNAME") or os.environ.get("NEO4J_USER") or USERNAME
    password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
    database = database or os.environ.get("NEO4J_DATABASE") or None
    if uri:
        return ConnectionSettings(uri, username, password or "", database, local=False)
    if runtime is None:
        from graphdb.runtime import LocalRuntime

        runtime = LocalRuntime()
    if runtime.running_pid() is None:
        raise DatabaseError(f"The local Neo4j in {runtime.home} is not running: run `swarmgraph db start`.")
    return local_settings(runtime, database)
