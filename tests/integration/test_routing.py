"""The same commands against a routing URI (neo4j://), and writes that survive the server going away mid-load (what a
cluster's leader change looks like to a client: the connection drops, the routing table is fetched again, the
transaction is retried), against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from etl.load import count_graph, load_paths
from graphdb.db import Database
from graphdb.runtime import USERNAME, LocalRuntime
from graphdb.settings import ConnectionSettings
from simulator import simulate

pytestmark = pytest.mark.neo4j
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
runner = CliRunner()


def wipe(db: Database) -> None:
    db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")


def routing_env(settings: ConnectionSettings) -> dict[str, str]:
    return {"NEO4J_URI": settings.uri.replace("bolt://", "neo4j://"), "NEO4J_USERNAME": settings.username,
            "NEO4J_PASSWORD": settings.password}  # fmt: skip


def cli(env: dict[str, str], *args: str) -> Any:
    res = runner.invoke(app, list(args), env=env)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout) if "--format" in args or "--json" in args else res.stdout


def test_load_query_and_analyses_through_a_routing_uri(session_db: Database, settings: ConnectionSettings,
                                                        tmp_path: Path) -> None:  # fmt: skip
    wipe(session_db)
    env = routing_env(settings)
    assert env["NEO4J_URI"].startswith("neo4j://127.0.0.1:")
    summary = cli(env, "load", str(FIXTURES / "coordination-network-toolkit"), "--json", "--rejects",
                  str(tmp_path / "rejects.jsonl"))  # fmt: skip
    assert summary["records"] > 0
    via_bolt = count_graph(session_db)
    assert sum(via_bolt["nodes"].values()) > 0  # what the routed load wrote, read back over bolt://
    groups = cli(env, "analyze", "coordination", "--format", "json")["groups"]
    assert groups[0]["members"] == [f"twitter:{i}" for i in range(10)]  # the QUT toolkit's planted group
    assert cli(env, "analyze", "bridging", "--format", "json")["nodes"] > 0
    cli(env, "analyze", "reports", "--format", "json")
    rows = cli(env, "query", "coordinated_link_sharing", "--format", "json")
    assert sorted(rows[0]["members"]) == [f"twitter:{i}" for i in range(10)]
    _, direct = session_db.read("MATCH ()-[r:COORDINATED_WITH]->() RETURN count(r) AS n")
    assert direct[0]["n"] > 0


def test_a_load_survives_the_server_restarting_under_it(session_db: Database, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A load over neo4j:// while its server stops and starts again ends in the graph a quiet load gives."""
    world = tmp_path / "world"
    simulate(world, seed=5, posts=3000)
    monkeypatch.setenv("SWARMGRAPH_RETRY_SECONDS", "180")  # a restart on a busy 2-core machine can take a while
    rt = LocalRuntime(tmp_path / "home")
    rt.start(bolt_port=0, http_port=0, heap="1g", pagecache="256m")
    uri = (rt.bolt_uri() or "").replace("bolt://", "neo4j://")
    db = Database(ConnectionSettings(uri, USERNAME, rt.password(), None, False))
    errors: list[BaseException] = []
    batches: list[int] = []

    def load() -> None:
        try:
            load_paths(db, [world], batch_size=300, rejects_path=tmp_path / "r.jsonl",
                       progress=lambda done, _name: batches.append(done))  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 (handed to the test thread)
            errors.append(exc)

    loader = threading.Thread(target=load)
    try:
        loader.start()
        while not batches and loader.is_alive():  # let the load get going before pulling the server away
            loader.join(0.2)
        assert rt.stop() is True
        assert rt.start() is True  # same home, same ports: what the routing table names again
        loader.join(600)
        assert not loader.is_alive() and errors == []
        restarted = count_graph(db)
        _, runs = db.read("MATCH (r:LoadRun) RETURN collect(DISTINCT r.status) AS s")
    finally:
        db.close()
        rt.stop()
    assert runs[0]["s"] == ["complete"]
    wipe(session_db)
    load_paths(session_db, [world], rejects_path=tmp_path / "quiet.jsonl")
    assert restarted == count_graph(session_db)
