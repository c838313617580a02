"""graphdb.db.retrying: statements the driver cannot retry (run outside a transaction) are retried like managed
transactions: on a lost connection or a transient error, with growing, jittered pauses, until the time is up."""

from __future__ import annotations

import pytest
from neo4j.exceptions import ClientError, ServiceUnavailable

from graphdb.db import retrying


def test_a_lost_connection_is_retried_with_growing_pauses() -> None:
    calls: list[int] = []
    naps: list[float] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ServiceUnavailable("connection lost")
        return "done"

    assert retrying(flaky, 60, sleep=naps.append) == "done"
    assert len(calls) == 3 and len(naps) == 2
    assert 0.8 <= naps[0] <= 1.2 and 1.6 <= naps[1] <= 2.4  # 1 s, then 2 s, each +-20 %


def test_a_refused_statement_is_not_run_again() -> None:
    calls: list[int] = []

    def refused() -> str:
        calls.append(1)
        raise ClientError("bad statement")

    with pytest.raises(ClientError):
        retrying(refused, 60, sleep=lambda _s: None)
    assert len(calls) == 1


def test_the_last_error_stands_when_the_time_is_up() -> None:
    def down() -> str:
        raise ServiceUnavailable("still down")

    with pytest.raises(ServiceUnavailable, match="still down"):
        retrying(down, 0, sleep=lambda _s: None)
