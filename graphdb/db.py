"""The one place that talks to the driver: sessions, read/write modes, batched writes and error translation."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, LiteralString, TypeVar, cast

from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, GraphDatabase, Query
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    Neo4jError,
    NotALeader,
    ServiceUnavailable,
    SessionExpired,
)

from graphdb.errors import DatabaseError, ReadOnlyViolation
from graphdb.settings import ConnectionSettings, explicit_uri, resolve_settings

Params = Mapping[str, Any]
T = TypeVar("T")
# How long a transaction is retried after a lost connection, a cluster's leader change or a transient error: the
# driver's default, long enough for an election (SWARMGRAPH_RETRY_SECONDS to change it).
DEFAULT_RETRY_SECONDS = 30.0


def retry_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("SWARMGRAPH_RETRY_SECONDS", DEFAULT_RETRY_SECONDS)))
    except ValueError:
        return DEFAULT_RETRY_SECONDS


class Database:
    """A connection to one Neo4j database or cluster (bolt:// or neo4j:// routing). Reads run in read transactions
    (a cluster routes them to any member), writes in write transactions (to the leader); both are managed
    transactions that the driver retries, so a leader change or a lost connection is survived. Statements that
    must run outside a transaction go through `run_autocommit`, which retries them itself."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        self.retry_seconds = retry_seconds()
        try:
            self.driver: Driver = GraphDatabase.driver(
                settings.uri, auth=(settings.username, settings.password), connection_timeout=10.0,
                max_transaction_retry_time=self.retry_seconds,
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
        """For statements that manage their own transactions (CALL { } IN TRANSACTIONS, awaiting indexes, GDS).

        The driver never retries these, so they are retried here on the errors it retries managed transactions on.
        Only idempotent statements may come here (every caller's is: clear-then-write in batches, drop-then-project,
        streams): a statement cut off by a failure is run again whole."""

        def once() -> list[dict[str, Any]]:
            with self.driver.session(database=self.settings.database) as s:
                result = s.run(Query(cast(LiteralString, query)), dict(params or {}))
                return [dict(r) for r in result]

        with self._translated("running a statement"):
            return retrying(once, self.retry_seconds)

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
        except NotALeader as exc:
            raise DatabaseError(
                f"Neo4j at {where} had no leader to write to for {self.retry_seconds:.0f} s (a cluster electing "
                "one?). Try again, or wait longer with SWARMGRAPH_RETRY_SECONDS."
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

        LocalRuntime().start(say=say, announce=True)  # waits for a start in progress; refuses an unfinished import
    db = Database(resolve_settings(uri, username, None, database))
    try:
        db.verify()
    except DatabaseError:
        db.close()
        raise
    return db


def retrying(work: Callable[[], T], seconds: float, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run `work`, again after each retryable failure (as the driver's managed transactions do: lost connection,
    leader change, transient error), with jittered exponential back-off, until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    delay = 1.0
    while True:
        try:
            return work()
        except (Neo4jError, DriverError) as exc:
            if not exc.is_retryable() or time.monotonic() + delay > deadline:
                raise
        sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 (jitter, not a secret)
        delay = min(delay * 2, 8.0)


def _is_write_refusal(exc: Neo4jError) -> bool:
    # A write in a read transaction. (A cluster follower's refusal, NotALeader, is retried on the leader instead.)
    return exc.code == "Neo.ClientError.Statement.AccessMode" or "read access mode" in (exc.message or "")


def _first_line(exc: BaseException) -> str:
    msg = getattr(exc, "message", None) or str(exc)
    return msg.strip().splitlines()[0] if msg.strip() else type(exc).__name__
