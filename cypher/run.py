"""Running a prepared query: its parameters bound by its header, read-only unless the header says write."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cypher.catalogue import get_query
from cypher.header import PreparedQuery
from graphdb.errors import SwarmgraphError

if TYPE_CHECKING:  # only what talks to the database imports the driver
    from graphdb.db import Database


def run_query(
    db: Database, query: PreparedQuery | str, params: Mapping[str, Any] | None = None, *, limit: int | None = None,
    notice: Callable[[str], None] | None = None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Run a prepared query (or the one called `query`) with typed parameters; returns (columns, records).

    `limit` sets the query's `limit` parameter when it has one, else cuts the rows. An error names the query and
    keeps its kind (a ReadOnlyViolation stays one). For a query that reads what an analysis materialised, `notice`
    (when given) is told when that analysis never ran or data was loaded after it (see query_freshness).
    """
    q = get_query(query) if isinstance(query, str) else query
    given = dict(params or {})
    if limit is not None and q.param("limit") is not None:
        given["limit"] = limit
    bound = q.bind(given)
    run = db.write if q.mode == "write" else db.read
    try:
        keys, rows = run(q.statement, bound)
    except SwarmgraphError as exc:
        raise type(exc)(f"query {q.name!r}: {exc}") from exc
    if limit is not None and q.param("limit") is None:
        rows = rows[:limit]
    if notice is not None and (message := query_freshness(db, q, bound)) is not None:
        notice(message)
    return keys, rows


def query_freshness(db: Database, query: PreparedQuery, bound: Mapping[str, Any] | None = None) -> str | None:
    """For a query reading an analysis's results (`// materialised: <analysis>`): None when they cover every load
    (or the bound parameters make it compute from a selection: `live_with`), else what to tell the reader (stale,
    absent, or computed live) and which command fills them."""
    if query.materialised is None or any((bound or {}).get(p) is not None for p in query.live_with):
        return None
    from graphdb.analytics.runs import freshness  # imports the driver: only where a database is in use anyway

    command = f"swarmgraph analyze {query.materialised}"
    found = freshness(db, query.materialised, command)
    if found.state == "absent" and query.live_fallback:
        return (f"{query.name}: computed live (the {query.materialised} analysis has not run on this graph; "
                f"`{command}` materialises it, faster on a large graph)")  # fmt: skip
    return f"{query.name}: {found.message}" if found.message else None
