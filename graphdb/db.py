"""The one place that talks to the driver: sessions, read/write modes, batched writes and error translation."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, LiteralString, cast

from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, GraphDatabase, Query
from neo4j.exceptions import AuthError, ClientError, Neo4jError, ServiceUnavailable, SessionExpired

from graphdb.errors import DatabaseError, ReadOnlyViolation
from graphdb.settings import ConnectionSettings, explicit_uri, resolve_settings

Params = Mapping[str, Any]


class Database:
    """A connection to one Neo4j database. Reads run in read mode; writes only through `write`."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        try:
            self.driver: Driver = GraphDatabase.driver(
                settings.uri, auth=(settings.username, settings.password), connection_timeout=10.0,
                max_transaction_retry_time=15.0,
                notifications_min_severity="OFF",  # hints about unknown labels in an empty graph are noise here
            )  # fmt: skip
        except ValueError as exc:  # a malformed URI
            raise DatabaseError(f"Bad Neo4j URI {settings.uri!r}: {exc}") from exc

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(self) -> None:
        with self._translated("connecting"):
            self.driver.verify_connectivity()

    def read(self, query: str, params: Params | None = None) -> tuple[list[str], list[dict[str, Any]]]:
        """Run one statement in a read-only transaction; returns (column names, records as dicts)."""
        return self._run(query, params, READ_ACCESS)

    def write(self, query: str, params: Params | None = None) -> tuple[list[str], list[dict[str, Any]]]:
        return self._run(query, params, WRITE_ACCESS)

    def write_counters(self, query: str, params: Params) -> dict[str, int]:
        """Run one write statement (a batch) and return its update counters (nodes_created, ...)."""

        def work(tx: Any) -> dict[str, int]:
            counters = tx.run(cast(LiteralString, query), dict(params)).consume().counters
            return {k: v for k, v in vars(counters).items() if isinstance(v, int) and not k.startswith("_")}

        with self._translated("writing a batch"):
            with self.driver.session(database=self.settings.database) as s:
                return s.execute_write(work)

    def write_many(self, queries: list[str]) -> None:
        """Several parameterless write statements (schema commands) in one transaction."""

        def work(tx: Any) -> None:
            for query in queries:
                tx.run(cast(LiteralString, query)).consume()

        with self._translated("writing"), self.driver.session(database=self.settings.database) as s:
            s.execute_write(work)

    def run_autocommit(self, query: str, params: Params | None = None) -> list[dict[str, Any]]:
        """For statements that manage their own transactions (CALL { } IN TRANSACTIONS, schema, GDS writes)."""
        with self._translated("running a statement"), self.driver.session(database=self.settings.database) as s:
            result = s.run(Query(cast(LiteralString, query)), dict(params or {}))
            return [dict(r) for r in result]

    def _run(self, query: str, params: Params | None, mode: str) -> tuple[list[str], list[dict[str, Any]]]:
        def work(tx: Any) -> tuple[list[str], list[dict[str, Any]]]:
            result = tx.run(cast(LiteralString, query), dict(params or {}))
            keys = list(result.keys())
            return keys, [dict(r) for r in result]

        with self._translated("running a statement"):
            with self.driver.session(database=self.settings.database, default_access_mode=mode) as s:
                return s.execute_read(work) if mode == READ_ACCESS else s.execute_write(work)

    @contextmanager
    def _translated(self, doing: str) -> Iterator[None]:
        where = self.settings.describe()
        try:
            yield
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise DatabaseError(
                f"Cannot reach Neo4j at {where} while {doing}: {_first_line(exc)}. Is the server running? "
                "(`swarmgraph db status` for the local one; check NEO4J_URI otherwise.)"
            ) from exc
        except AuthError as exc:
            raise DatabaseError(
                f"Neo4j at {where} refused the credentials (check NEO4J_USERNAME / NEO4J_PASSWORD)."
            ) from exc
        except ClientError as exc:
            if _is_write_refusal(exc):
                raise ReadOnlyViolation(
                    "This statement writes, and queries run read-only by default. Re-run with --write if you "
                    "mean to change the graph."
                ) from exc
            raise DatabaseError(f"Neo4j refused the statement: {exc.code}: {_first_line(exc)}") from exc
        except Neo4jError as exc:
            raise DatabaseError(f"Neo4j error while {doing}: {exc.code}: {_first_line(exc)}") from exc


def connect(
    uri: str | None = None,
    username: str | None = None,
    database: str | None = None,
    *,
    start_local: bool = True,
    say: Callable[[str], None] = lambda _m: None,
) -> Database:
    """An open, verified connection: to `uri` / NEO4J_URI when given, else to the local runtime, which is started
    first when `start_local` and it is not running."""
    if start_local and explicit_uri(uri) is None:
        from graphdb.runtime import LocalRuntime

        runtime = LocalRuntime()
        if runtime.running_pid() is None:
            say(f"Starting the local Neo4j in {runtime.home} ...")
            runtime.start(say=say)
    db = Database(resolve_settings(uri, username, None, database))
    try:
        db.verify()
    except DatabaseError:
        db.close()
        raise
    return db


def _is_write_refusal(exc: Neo4jError) -> bool:
    return exc.code in {
        "Neo.ClientError.Statement.AccessMode",
        "Neo.ClientError.Cluster.NotALeader",
    } or "read access mode" in (exc.message or "")


def _first_line(exc: BaseException) -> str:
    msg = getattr(exc, "message", None) or str(exc)
    return msg.strip().splitlines()[0] if msg.strip() else type(exc).__name__
