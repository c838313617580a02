"""Test session plumbing: a real local Neo4j in a temporary SWARMGRAPH_HOME on free ports, stopped at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from graphdb.db import Database
from graphdb.runtime import USERNAME, LocalRuntime
from graphdb.settings import ConnectionSettings

# CI (`.ci/run`) replays the same examples every run (a failure there is reproduced by the same command here);
# elsewhere Hypothesis draws new ones each time, which is how it keeps finding new damage.
settings.register_profile("ci", derandomize=True)
if os.environ.get("SWARMGRAPH_HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["SWARMGRAPH_HYPOTHESIS_PROFILE"])

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def neo4j_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Start the session's Neo4j once; every test that touches Cypher shares it (and cleans what it needs)."""
    home = tmp_path_factory.mktemp("swarmgraph-home")
    saved = {k: os.environ.get(k) for k in ("SWARMGRAPH_HOME", "NEO4J_URI", "NEO4J_PASSWORD", "NEO4J_USERNAME")}
    os.environ["SWARMGRAPH_HOME"] = str(home)
    for k in ("NEO4J_URI", "NEO4J_PASSWORD", "NEO4J_USERNAME"):
        os.environ.pop(k, None)
    runtime = LocalRuntime(home)
    runtime.start(bolt_port=0, http_port=0, heap=os.environ.get("SWARMGRAPH_TEST_HEAP", "1g"))
    try:
        yield home
    finally:
        runtime.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def runtime(neo4j_home: Path) -> LocalRuntime:
    return LocalRuntime(neo4j_home)


@pytest.fixture(scope="session")
def settings(runtime: LocalRuntime) -> ConnectionSettings:
    return ConnectionSettings(runtime.bolt_uri() or "", USERNAME, runtime.password(), None, local=True)


@pytest.fixture(scope="session")
def session_db(settings: ConnectionSettings) -> Iterator[Database]:
    db = Database(settings)
    yield db
    db.close()


@pytest.fixture
def db(session_db: Database) -> Database:
    """The session database, emptied before the test (schema kept)."""
    session_db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
    return session_db
