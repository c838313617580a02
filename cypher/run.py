"""Running a prepared query: its parameters bound by its header, read-only unless the header says write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cypher.catalogue import get_query
from cypher.header import PreparedQuery
from graphdb.errors import SwarmgraphError

if TYPE_CHECKING:  # only what talks to the database imports the driver
    from graphdb.db import Database


def run_query(
    db: Database, query: PreparedQuery | str, params: Mapping[str, Any] | None = None, *, limit: int | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Run a prepared query (or the one called `query`) with typed parameters; returns (columns, records).

    `limit` sets the query's `limit` parameter when it has one, else cuts the rows. An error names the query and
    keeps its kind (a ReadOnlyViolation stays one).
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
    return keys, rows
