"""Loading for real: every fixture, idempotency, provenance, rejects, and recovery from a server killed mid-load."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from etl.load import count_graph, load_paths
from graphdb.db import Database
from graphdb.runtime import LocalRuntime

pytestmark = pytest.mark.neo4j
FIXTURES = Path(__file__).parent.parent / "fixtures"
VOLATILE = {"runs", "loader", "started_at", "ended_at", "attempts", "seconds", "status"}


def fingerprint(db: Database) -> tuple[list[str], list[str]]:
    """Every node and relationship with its identity and properties (minus load bookkeeping), sorted."""
    _, nodes = db.read("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    _, rels = db.read(
        "MATCH (a)-[r]->(b) RETURN type(r) AS t, labels(a)[0] AS la, coalesce(a.uid, a.url, a.tag, a.name, a.id) AS a, "
        "labels(b)[0] AS lb, coalesce(b.uid, b.url, b.tag, b.name, b.id) AS b, properties(r) AS p"
    )

    def clean(p: dict) -> str:
        return json.dumps({k: str(v) for k, v in sorted(p.items()) if k not in VOLATILE}, sort_keys=True)

    return (
        sorted(f"{sorted(n['l'])}{clean(n['p'])}" for n in nodes),
        sorted(f"{r['t']}|{r['la']}:{r['a']}|{r['lb']}:{r['b']}|{clean(r['p'])}" for r in rels),
    )


def test_every_fixture_loads_and_loading_twice_changes_nothing(db: Database, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    first = load_paths(db, [FIXTURES], rejects_path=rejects)
    assert first.records > 700 and len(first.files) >= 25
    counts = count_graph(db)
    fp = fingerprint(db)
    skipped = load_paths(db, [FIXTURES], rejects_path=tmp_path / "skip.jsonl")
    assert len(skipped.skipped) == len(first.files) and not skipped.files  # complete runs are not redone
    again = load_paths(db, [FIXTURES], rejects_path=tmp_path / "again.jsonl", reload=True)
    assert count_graph(db) == counts
    assert fingerprint(db) == fp
    assert sum(again.counts.nodes_created.values()) == 0 and sum(again.counts.rels_created.values()) == 0
    # The known-bad records are set aside with file and line, and the rest of their files loaded.
    bad = [r for r in map(json.loads, rejects.read_text().splitlines()) if "reason" in r]  # not the run header
    where = {(Path(r["file"]).name, r.get("line", r.get("message"))) for r in bad}
    assert ("streaming_output_with_error.jsonl", 8) in where
    assert ("original_format_missing_user.json", 1) in where
    assert all(r["reason"] and r["excerpt"] is not None for r in bad)
    _, streamed = db.read("MATCH (r:LoadRun) WHERE r.source ENDS WITH 'streaming_output_with_error.jsonl' RETURN r")
    run = streamed[0]["r"]
    assert run["status"] == "complete" and run["rejected"] == 1 and run["records"] == 11


def test_twarc2_retweet_edge_and_provenance(db: Database, tmp_path: Path) -> None:
    path = FIXTURES / "twarc-csv" / "two_tweets.jsonl"
    load_paths(db, [path], rejects_path=tmp_path / "r.jsonl")
    _, rows = db.read(
        "MATCH (a:Account)-[:POSTED]->(rt:Post)-[:REPOSTS]->(orig:Post) "
        "RETURN a.uid AS account, rt.uid AS rt, orig.uid AS orig, orig.placeholder AS placeholder"
    )
    assert len(rows) == 1
    _, runs = db.read("MATCH (r:LoadRun) RETURN r.id AS id, r.format AS format, r.sha256 AS sha")
    assert len(runs) == 1 and runs[0]["format"] == "twarc2" and runs[0]["id"].startswith("twarc2:")
    # Every node and relationship says which run asserted it.
    _, missing = db.read(
        "MATCH (n) WHERE NOT n:LoadRun AND NOT $run IN coalesce(n.runs, []) RETURN count(n) AS n",
        {"run": runs[0]["id"]},
    )
    assert missing[0]["n"] == 0
    _, missing_r = db.read("MATCH ()-[r]->() WHERE NOT $run IN coalesce(r.runs, []) RETURN count(r) AS n",
                           {"run": runs[0]["id"]})  # fmt: skip
    assert missing_r[0]["n"] == 0


def test_overlapping_files_merge_and_keep_both_runs(db: Database, tmp_path: Path) -> None:
    a = FIXTURES / "twarc-csv" / "two_tweets.jsonl"
    b = tmp_path / "copy.jsonl"
    b.write_bytes(a.read_bytes() + b"\n")  # same records, another file (another sha): another run
    load_paths(db, [a], rejects_path=tmp_path / "r.jsonl")
    counts = count_graph(db)
    load_paths(db, [b], rejects_path=tmp_path / "r.jsonl")
    after = count_graph(db)
    assert after["nodes"]["LoadRun"] == 2
    assert after["nodes"] - Counter({"LoadRun": 2}) == counts["nodes"] - Counter({"LoadRun": 1})
    assert after["rels"] == counts["rels"]
    _, rows = db.read("MATCH (p:Post) RETURN min(size(p.runs)) AS lo, max(size(p.runs)) AS hi")
    assert rows[0] == {"lo": 2, "hi": 2}


def test_cli_load_strict_and_dry_run(db: Database, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = FIXTURES / "twarc-csv" / "streaming_output_with_error.jsonl"
    res = runner.invoke(app, ["load", str(bad), "--strict", "--rejects", str(tmp_path / "r.jsonl")])
    assert res.exit_code == 1
    assert "streaming_output_with_error.jsonl:8" in res.output and "--strict" in res.output
    before = count_graph(db)
    res = runner.invoke(app, ["load", str(FIXTURES / "twarc-csv"), "--dry-run", "--json",
                              "--rejects", str(tmp_path / "d.jsonl")])  # fmt: skip
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["dry_run"] and summary["records"] > 0 and summary["rejected"] == 1
    after = count_graph(db)
    assert after["nodes"]["Post"] == before["nodes"]["Post"]  # nothing written


def test_unknown_format_fails_naming_what_was_tried(tmp_path: Path) -> None:
    odd = tmp_path / "notes.txt"
    odd.write_text("just some words\nnot an export\n")
    res = CliRunner().invoke(app, ["load", str(odd), "--dry-run"])
    assert res.exit_code == 1
    assert "notes.txt" in res.output and "twarc2" in res.output


@pytest.mark.slow
def test_server_killed_mid_load_then_reload_gives_the_clean_graph(
    db: Database, runtime: LocalRuntime, tmp_path: Path
) -> None:
    from simulator import simulate

    world = tmp_path / "world"
    simulate(world, seed=7, posts=20_000)
    load_paths(db, [world], rejects_path=tmp_path / "r0.jsonl", batch_size=2000)
    clean = fingerprint(db)
    db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")

    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "load", str(world), "--batch-size", "2000",
         "--rejects", str(tmp_path / "r1.jsonl")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # Kill the server once some, but not all, of the data is in.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        _, rows = db.read("MATCH (p:Post) RETURN count(p) AS n")
        if rows[0]["n"] > 2000:
            break
        time.sleep(0.2)
    runtime.kill()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    bolt = runtime.bolt_uri()
    runtime.start()
    assert runtime.bolt_uri() == bolt  # the same ports again: clients reconnect as they were
    _, rows = db.read("MATCH (p:Post) RETURN count(p) AS n")
    assert 0 < rows[0]["n"]
    load_paths(db, [world], rejects_path=tmp_path / "r2.jsonl", batch_size=2000)
    assert fingerprint(db) == clean
