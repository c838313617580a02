"""The commands as a user runs them: `demo`, `simulate`, `init`, errors for values Neo4j cannot take, outputs that
cannot be written, and --debug. Exit codes, exact messages and the database state afterwards."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from graphdb.db import Database
from graphdb.schema import schema_statements

pytestmark = pytest.mark.neo4j
runner = CliRunner()


# ----- simulate ----------------------------------------------------------------------------------------------------
def _world_facts(world: Path) -> dict[str, int]:
    """Counted from the written files themselves, not from what the simulator reports."""
    pages = [json.loads(line) for f in sorted((world / "twitter").glob("*.jsonl")) for line in f.open()]
    channels = sorted((world / "telegram").glob("*/result.json"))
    if (world / "videos.csv").is_file():  # --inputs csv
        with open(world / "videos.csv", newline="") as fh:
            copies = [(c["video_id"], c["url"]) for c in csv.DictReader(fh)]
        with open(world / "snapshots.jsonl") as fh:
            page_urls = {json.loads(line)["page_url"] for line in fh}
    else:  # the works by title (one per language version) over the info.json files and archive.org items
        from warcio.archiveiterator import ArchiveIterator

        infos = [json.loads(p.read_text()) for p in (world / "hosted").rglob("*.info.json")]
        items = [json.loads(p.read_text()) for p in (world / "archive.org" / "items").glob("*.json")]
        copies = [(i["title"], i["webpage_url"]) for i in infos]
        copies += [(i["metadata"]["title"], i["metadata"]["identifier"]) for i in items]
        with open(world / "warc" / "aggregator-pages.warc.gz", "rb") as fh:
            page_urls = {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)
                         if r.rec_type in ("response", "revisit")}  # fmt: skip
    return {
        "tweets": sum(len(p["data"]) for p in pages), "pages": len(pages),
        "messages": sum(len(json.loads(c.read_text())["messages"]) for c in channels), "channels": len(channels),
        "videos": len({work for work, _ in copies}), "copies": len(copies), "aggregators": len(page_urls),
    }  # fmt: skip


@pytest.mark.parametrize("inputs", ["real", "csv"])
def test_simulate_writes_what_it_says_and_the_same_seed_writes_the_same_bytes(tmp_path: Path, inputs: str) -> None:
    out = tmp_path / "world"
    args = ["simulate", "--posts", "300", "--seed", "7", "--days", "3", "--inputs", inputs]
    res = runner.invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    f = _world_facts(out)
    assert f["tweets"] > 0 and f["messages"] > 0 and f["videos"] > 0
    assert res.stderr.strip() == (
        f"Wrote {f['tweets']:,} tweets ({f['pages']:,} pages), {f['messages']:,} Telegram messages in "
        f"{f['channels']} channels, {f['videos']} videos with {f['copies']} copies, {f['aggregators']} aggregator "
        f"pages to {out} (ground truth: {out / 'ground_truth.json'})."
    )
    again = tmp_path / "again"
    assert runner.invoke(app, [*args, "--out", str(again)]).exit_code == 0
    written = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((out / p).read_bytes() == (again / p).read_bytes() for p in written)


def test_simulate_refuses_a_bad_option_with_one_line(tmp_path: Path) -> None:
    res = runner.invoke(app, ["simulate", "--out", str(tmp_path / "w"), "--posts", "5"])
    assert res.exit_code == 2 and "--posts" in res.output and "Traceback" not in res.output


# ----- init --------------------------------------------------------------------------------------------------------
def test_init_creates_a_missing_constraint_again(db: Database) -> None:
    db.run_autocommit("DROP CONSTRAINT account_uid_unique IF EXISTS")
    names = {r["name"] for r in db.read("SHOW CONSTRAINTS YIELD name RETURN name")[1]}
    assert "account_uid_unique" not in names
    res = runner.invoke(app, ["init"])
    assert res.exit_code == 0, res.output
    assert res.stderr.strip().splitlines()[-1] == f"Schema ready: {len(schema_statements())} constraints and indexes."
    names = {r["name"] for r in db.read("SHOW CONSTRAINTS YIELD name RETURN name")[1]}
    assert "account_uid_unique" in names


# ----- demo --------------------------------------------------------------------------------------------------------
def _most_viewed_video(world: Path) -> str:
    """From the files: the archive.org copies of one work count as one video (their items share a sha1, so analyze
    copies ties them for certain) under their lowest uid; every other copy is a video of its own (its info.json).
    The one whose views sum highest (ties: the lowest uid)."""
    truth = json.loads((world / "ground_truth.json").read_text())
    work_of = {uid: w["seed_video"] for w in truth["videos"].values() for uid in w["copy_videos"].values()}
    views: Counter[str] = Counter()
    for doc in json.loads((world / "archive.org" / "search.json").read_text())["response"]["docs"]:
        views[work_of[f"video:archive.org:{doc['identifier']}"]] += doc["downloads"]
    for info_path in (world / "hosted").rglob("*.info.json"):
        info = json.loads(info_path.read_text())
        views[f"video:{info_path.parent.name}:{info['id']}"] += info["view_count"]
    return min(views, key=lambda v: (-views[v], v))


def _world_files(world: Path) -> int:
    return sum(1 for p in world.rglob("*") if p.is_file() and p.name != "ground_truth.json")


@pytest.mark.slow
def test_demo_runs_the_whole_pipeline_and_reuses_its_world(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "--out", str(out), "--posts", "1000", "--seed", "3", "--rows", "2"])
    assert res.exit_code == 0, res.output
    world = out / "world-1000-seed3"
    video = _most_viewed_video(world)
    for step in ("1/5 Simulating a swarmcast of about 1,000 posts", "2/5 Connecting", "3/5 Loading", "4/5 Analyses",
                 "5/5 Writing an interactive view"):  # fmt: skip
        assert step in res.stderr
    for name in ("cross_platform_bridges", "hashtag_lifecycle", "takedown_survival", "coordinated_link_sharing"):
        assert f"\n== {name}: " in res.stdout
    assert f"== video_reach: Where {video}'s work is hosted and who spread it (question 1)" in res.stdout
    view = out / "view.html"
    assert f"Interactive view:  {view.resolve()}" in res.stdout and video in view.read_text()
    _, runs = db.read("MATCH (r:LoadRun {status: 'complete'}) RETURN count(r) AS n")
    assert runs == [{"n": _world_files(world)}]
    _, edges = db.read("MATCH ()-[r:COORDINATED_WITH]->() RETURN count(r) AS n")
    assert edges[0]["n"] > 0  # the analyses wrote their results
    _, same = db.read("MATCH ()-[r:SAME_WORK_AS {certain: true}]->() RETURN count(r) AS n")
    assert same[0]["n"] > 0  # analyze copies ran: the archive.org items of one work share a hash

    again = runner.invoke(app, ["demo", "--out", str(out), "--posts", "1000", "--seed", "3", "--rows", "2"])
    assert again.exit_code == 0, again.output
    assert f"1/5 Reusing the simulated world in {world}" in again.stderr
    assert f"0 records loaded, 0 rejected, {_world_files(world)} file(s) already loaded" in again.stderr


# ----- values and outputs that cannot be -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["cypher", "RETURN $n AS n", "--param", "n=9223372036854775808"],
        ["query", "hashtag_lifecycle", "--param", "min_posts=99999999999999999999"],
    ],
)
def test_an_integer_beyond_64_bits_is_one_clear_line(db: Database, args: list[str]) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 1
    (line,) = res.stderr.strip().splitlines()[:1]
    assert "does not fit in a 64-bit integer" in line or "expects int" in line
    assert "Traceback" not in res.output and "OverflowError" not in res.output


def test_a_view_that_cannot_be_written_is_one_clear_line(db: Database, tmp_path: Path) -> None:
    db.write("CREATE (:Post {uid: 'twitter:1'})-[:TAGS]->(:Hashtag {tag: 'probe'})")
    res = runner.invoke(app, ["viz", "--seed", "hashtag:probe", "-o", "/dev/full"])
    assert res.exit_code == 1
    assert res.stderr.strip() == "Error: cannot write the view /dev/full: No space left on device"
    res = runner.invoke(app, ["viz", "--seed", "hashtag:probe", "-o", str(tmp_path)])
    assert res.exit_code == 1
    assert res.stderr.strip() == f"Error: cannot write the view {tmp_path}: Is a directory"
    res = runner.invoke(app, ["export", "--seed", "hashtag:probe", "-o", "/dev/full", "-f", "json"])
    assert res.exit_code == 1
    assert res.stderr.strip() == "Error: cannot write json export /dev/full: No space left on device"


# ----- --debug -----------------------------------------------------------------------------------------------------
def _unreachable(debug: list[str], extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: nothing answers
        env = {**os.environ, "NEO4J_URI": f"bolt://127.0.0.1:{port}", "NEO4J_PASSWORD": "s3cret-pa55word",
               **extra_env}  # fmt: skip
        return subprocess.run([sys.executable, "-m", "cli.main", *debug, "cypher", "RETURN 1"], capture_output=True,
                              text=True, env=env, timeout=120)  # fmt: skip


def test_an_error_is_one_line_and_debug_shows_its_causes_without_secrets() -> None:
    plain = _unreachable([], {})
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    (line,) = plain.stderr.splitlines()
    assert line.startswith("Error: Cannot reach Neo4j at bolt://127.0.0.1:")
    for debug, env in (["--debug"], {}), ([], {"SWARMGRAPH_DEBUG": "1"}):
        shown = _unreachable(debug, env)
        assert shown.returncode == 1
        assert shown.stderr.splitlines()[0].startswith("Error: Cannot reach Neo4j at bolt://127.0.0.1:")
        assert "Traceback" in shown.stderr and "ServiceUnavailable" in shown.stderr
        assert "The above exception was the direct cause of the following exception" in shown.stderr
        assert "s3cret-pa55word" not in shown.stderr + shown.stdout
