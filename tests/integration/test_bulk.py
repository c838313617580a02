"""The bulk loader for real: Neo4j's offline importer fed by our CSVs gives the same graph as the online loader.

A dedicated local runtime (stopped and restarted by every bulk load) on free ports; the session database loads the
same files online for comparison.
"""

from __future__ import annotations

import gzip
import json
import os
import pickle
import shutil
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_load import fingerprint  # pytest puts this directory on sys.path
from typer.testing import CliRunner

from cli.main import app
from etl.bulk import MARKER, BulkLoadError, _apply_fixups, bulk_load
from etl.load import count_graph, load_paths
from etl.staging import ARRAY_DELIMITER, MergeTask, join_parts, merge_bucket, spill_path
from etl.writer import FULL, PLACEHOLDER
from graphdb.db import Database
from graphdb.runtime import USERNAME, LocalRuntime
from graphdb.settings import ConnectionSettings
from simulator import simulate

pytestmark = pytest.mark.neo4j
FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def bulk_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    rt = LocalRuntime(tmp_path_factory.mktemp("bulk-home"))
    rt.start(bolt_port=0, http_port=0)
    yield rt
    rt.stop()


def _db(rt: LocalRuntime) -> Database:
    return Database(ConnectionSettings(rt.bolt_uri() or "", USERNAME, rt.password(), None, local=True))


def _wipe(rt: LocalRuntime) -> None:
    with _db(rt) as db:
        db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")


def _reject_rows(path: Path) -> list[str]:
    """The rejects of a file's one load section, without its run id (each load has its own)."""
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return sorted(json.dumps({k: v for k, v in r.items() if k != "run"}) for r in rows if "reason" in r)


def _runs(db: Database) -> list[str]:
    _, rows = db.read(
        "MATCH (n) WHERE NOT n:LoadRun RETURN labels(n)[0] + ':' + coalesce(n.uid, n.url, n.tag, n.name) "
        "+ '=' + apoc.text.join(n.runs, ',') AS r UNION ALL "
        "MATCH (a)-[r]->(b) RETURN type(r) + ':' + coalesce(a.uid, a.url, a.tag, a.name) + '>' + "
        "coalesce(b.uid, b.url, b.tag, b.name) + '=' + apoc.text.join(r.runs, ',') AS r"
    )
    return sorted(row["r"] for row in rows)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bulk-world") / "world"
    simulate(out, seed=5, posts=3000)
    return out


def test_bulk_load_gives_the_online_loaders_graph(
    bulk_runtime: LocalRuntime, db: Database, world: Path, tmp_path: Path
) -> None:
    paths = [FIXTURES, world]
    online = load_paths(db, paths, rejects_path=tmp_path / "online.jsonl")
    bulk = bulk_load(bulk_runtime, paths, rejects_path=tmp_path / "bulk.jsonl", workers=2, chunk_rows=500)
    with _db(bulk_runtime) as bdb:
        assert fingerprint(bdb) == fingerprint(db)  # every node and relationship with every property
        assert _runs(bdb) == _runs(db)  # the same provenance, in the same order
        assert count_graph(bdb) == count_graph(db)
        _, runs = bdb.read("MATCH (r:LoadRun) RETURN r.status AS s, r.loader AS l, count(*) AS n")
    assert runs == [{"s": "complete", "l": "bulk", "n": len(online.files)}]
    assert (bulk.records, bulk.rejected) == (online.records, online.rejected) and bulk.rejected > 0
    assert _reject_rows(tmp_path / "bulk.jsonl") == _reject_rows(tmp_path / "online.jsonl")
    assert bulk.counts.nodes_created == online.counts.nodes_created
    assert bulk.counts.rels_created == online.counts.rels_created
    assert set(bulk.phases) >= {"parse", "merge", "import", "start server", "constraints and indexes"}
    assert not (bulk_runtime.run_dir / MARKER).exists()
    assert not list((bulk_runtime.home / "import").glob("bulk-*"))  # staged files removed


EVIDENCE = ["case-evidence", "yt-dlp", "youtube-dl", "edgi-wayback", "pgark", "warcio", "py-wacz", "python-youtube"]


def test_bulk_load_of_every_evidence_format(bulk_runtime: LocalRuntime, db: Database, tmp_path: Path) -> None:
    """Each evidence format (info.json, archive.org, YouTube API, CDX text and JSON, availability API, WARC/WACZ)
    with the platform exports that link to them: the same graph from both loaders."""
    paths = [FIXTURES / name for name in EVIDENCE]
    _wipe(bulk_runtime)
    online = load_paths(db, paths, rejects_path=tmp_path / "online.jsonl")
    assert {f.format for f in online.files} >= {"ytdlp", "archive-org", "archive-org-search", "youtube-api", "cdx",
                                                 "cdx-json", "wayback-available", "warc"}  # fmt: skip
    bulk_load(bulk_runtime, paths, rejects_path=tmp_path / "bulk.jsonl", workers=2)
    with _db(bulk_runtime) as bdb:
        assert fingerprint(bdb) == fingerprint(db)
        assert _runs(bdb) == _runs(db)


TWITTER_ARCHIVES = ["x-io-archive", "fivethirtyeight-ira", "tags-archive", "isis-fanboy"]


def test_bulk_load_of_the_twitter_archive_formats(bulk_runtime: LocalRuntime, db: Database, tmp_path: Path) -> None:
    """X's Information Operations archives, FiveThirtyEight's IRA tweets, TAGS and Kaggle's "Tweets targeting ISIS"
    (with their rejects): the same graph from both loaders."""
    paths = [FIXTURES / name for name in TWITTER_ARCHIVES]
    _wipe(bulk_runtime)
    online = load_paths(db, paths, rejects_path=tmp_path / "online.jsonl")
    assert {f.format for f in online.files} == {"twitter-io", "fivethirtyeight-ira", "tags-archive", "isis-fanboy"}
    bulk = bulk_load(bulk_runtime, paths, rejects_path=tmp_path / "bulk.jsonl", workers=2)
    with _db(bulk_runtime) as bdb:
        assert fingerprint(bdb) == fingerprint(db)
        assert _runs(bdb) == _runs(db)
    assert (bulk.records, bulk.rejected) == (online.records, online.rejected) and bulk.rejected == 7


PLATFORM_EXPORTS = ["gnip", "bluesky", "bluesky-made"]
# Properties the Activity Streams shape does not carry (docs/formats.md, gnip-activity-streams); Account created_at
# differs only by the milliseconds Activity Streams adds (checked in tests/unit/test_gnip_reader.py).
AS_LACKS = {"Post": {"reply_count", "quote_count", "retweet_count"}, "Account": {"protected", "created_at"}}


def _graph_without(db: Database, lacks: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """Nodes (but LoadRuns) and relationships with their properties, less load bookkeeping and `lacks` by label."""
    _, nodes = db.read("MATCH (n) WHERE NOT n:LoadRun RETURN labels(n)[0] AS l, properties(n) AS p")
    _, rels = db.read(
        "MATCH (a)-[r]->(b) WHERE NOT a:LoadRun RETURN type(r) AS t, coalesce(a.uid, a.url, a.tag, a.name) AS a, "
        "coalesce(b.uid, b.url, b.tag, b.name) AS b"
    )
    skip = {"runs", "loader"}
    return (
        sorted(
            json.dumps(
                {k: str(v) for k, v in n["p"].items() if k not in skip | lacks.get(n["l"], set())}, sort_keys=True
            )
            for n in nodes
        ),  # fmt: skip
        sorted(f"{r['t']}|{r['a']}|{r['b']}" for r in rels),
    )


def test_bulk_load_of_gnip_and_bluesky(bulk_runtime: LocalRuntime, db: Database, tmp_path: Path) -> None:
    """Gnip Activity Streams, Bluesky API responses and Jetstream events: the same graph from both loaders. Then the
    Gnip pair apart (the same 25 tweets): original format online and Activity Streams in bulk give the same graph
    but for the properties Activity Streams does not carry."""
    paths = [FIXTURES / name for name in PLATFORM_EXPORTS]
    _wipe(bulk_runtime)
    online = load_paths(db, paths, rejects_path=tmp_path / "online.jsonl")
    assert {f.format for f in online.files} == {"twitter-v1", "gnip-activity-streams", "bluesky", "bluesky-jetstream"}
    bulk_load(bulk_runtime, paths, rejects_path=tmp_path / "bulk.jsonl", workers=2)
    with _db(bulk_runtime) as bdb:
        assert fingerprint(bdb) == fingerprint(db)
        assert _runs(bdb) == _runs(db)
    _wipe(bulk_runtime)
    db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
    load_paths(db, [FIXTURES / "gnip" / "original_format_examples.json"], rejects_path=tmp_path / "v1.jsonl")
    bulk_load(bulk_runtime, [FIXTURES / "gnip" / "activity_streams_examples.json"], rejects_path=tmp_path / "as.jsonl")
    with _db(bulk_runtime) as bdb:
        activity_streams = _graph_without(bdb, AS_LACKS)
    original = _graph_without(db, AS_LACKS)
    assert (len(original[0]), len(original[1])) == (29 + 5 + 4 + 3 + 2, 72)  # posts, accounts, tags, platforms, urls
    assert activity_streams == original


def test_bulk_load_refuses_a_database_that_is_not_empty(bulk_runtime: LocalRuntime, tmp_path: Path) -> None:
    path = FIXTURES / "twarc-csv" / "two_tweets.jsonl"
    _wipe(bulk_runtime)
    with _db(bulk_runtime) as bdb:
        bdb.write("CREATE (:Hashtag {tag: 'kept'})")
        before = fingerprint(bdb)
    res = CliRunner().invoke(app, ["load", "--bulk", str(path), "--rejects", str(tmp_path / "r.jsonl")],
                             env={"SWARMGRAPH_HOME": str(bulk_runtime.home)})  # fmt: skip
    assert res.exit_code == 1
    assert "holds 1 nodes; a bulk load only fills an empty database" in res.output
    assert "swarmgraph load` (without --bulk)" in res.output
    with _db(bulk_runtime) as bdb:
        assert fingerprint(bdb) == before
    with pytest.raises(BulkLoadError):
        bulk_load(bulk_runtime, [path], rejects_path=tmp_path / "r2.jsonl")
    res = CliRunner().invoke(app, ["load", "--bulk", str(path), "--uri", "bolt://127.0.0.1:1"])
    assert res.exit_code == 1 and "cannot load into --uri/NEO4J_URI" in res.output


def test_strict_and_dry_run_leave_the_database_alone(bulk_runtime: LocalRuntime, tmp_path: Path) -> None:
    _wipe(bulk_runtime)
    bad = FIXTURES / "twarc-csv" / "streaming_output_with_error.jsonl"
    with pytest.raises(Exception, match=r"streaming_output_with_error.jsonl:8: .*--strict"):
        bulk_load(bulk_runtime, [bad], rejects_path=tmp_path / "r.jsonl", strict=True)
    dry = bulk_load(bulk_runtime, [bad], rejects_path=tmp_path / "d.jsonl", dry_run=True)
    assert dry.records == 11 and dry.rejected == 1 and dry.dry_run
    with _db(bulk_runtime) as bdb:
        assert sum(count_graph(bdb)["nodes"].values()) == 0
    assert bulk_runtime.running_pid() is not None  # neither stopped the server


def test_an_interrupted_bulk_load_can_simply_be_run_again(bulk_runtime: LocalRuntime, db: Database,
                                                           tmp_path: Path) -> None:  # fmt: skip
    """What an interruption after the import leaves: a filled database and the marker. The rerun replaces it."""
    paths = [FIXTURES / "telegram-edge", FIXTURES / "twarc-csv"]
    _wipe(bulk_runtime)
    with _db(bulk_runtime) as bdb:
        bdb.write("CREATE (:Post {uid: 'twitter:half-done'})")  # a partial state the rerun must not keep
    (bulk_runtime.run_dir / MARKER).write_text("{}\n")
    bulk_load(bulk_runtime, paths, rejects_path=tmp_path / "b.jsonl")
    load_paths(db, paths, rejects_path=tmp_path / "o.jsonl")
    with _db(bulk_runtime) as bdb:
        assert fingerprint(bdb) == fingerprint(db)



def test_bulk_and_online_agree_on_the_telegram_collectors(bulk_runtime: LocalRuntime, db: Database,
                                                          tmp_path: Path) -> None:  # fmt: skip
    """Telethon JSON lines (.txt), a telegram-tracker dump, a JSON array, 4CAT NDJSON and TGDataset, beside Desktop
    exports of overlapping channels: one graph whichever loader builds it."""
    paths = [FIXTURES / "telethon", FIXTURES / "telethon-made", FIXTURES / "telegram-edge"]
    _wipe(bulk_runtime)
    online = load_paths(db, paths, rejects_path=tmp_path / "o.jsonl")
    bulk = bulk_load(bulk_runtime, paths, rejects_path=tmp_path / "b.jsonl")
    with _db(bulk_runtime) as bdb:
        assert fingerprint(bdb) == fingerprint(db)
        assert count_graph(bdb) == count_graph(db)
        _, formats = bdb.read("MATCH (r:LoadRun) RETURN r.format AS f, count(*) AS n ORDER BY f")
        _, forwards = bdb.read("MATCH (:Post)-[r:FORWARDS]->(:Post) RETURN count(r) AS n")
    assert {row["f"]: row["n"] for row in formats} == {"4cat-telegram": 1, "telegram": 3, "telethon": 4,
                                                        "tgdataset": 1}  # fmt: skip
    assert (bulk.records, bulk.rejected) == (online.records, online.rejected)
    assert forwards[0]["n"] >= 16 + 1 + 1  # the BDA-KTS channel's 16, the dump's and 4CAT's

def _odd_rows() -> tuple[list[tuple], list[tuple]]:
    hostile = 'quote " and "" twice, comma, semicolon; newline\nCRLF\r\nunit sep? no. tab\t back\\slash 🙂 "'
    nodes = [
        ("Post", "twitter:1", FULL, {"text": hostile, "lang": "", "like_count": 7, "text_truncated": False,
                                      "created_at": datetime(2015, 11, 14, 9, 30, 5, 123456, tzinfo=UTC),
                                      "cashtags": ["a;b", 'c"d', "e,f"]}),
        ("Post", "twitter:2", PLACEHOLDER, {"platform": "twitter", "media_keys": [],
                                            "emails": ["x" + ARRAY_DELIMITER + "y"], "text": "nul \x00 inside"}),
        ("Post", '"twitter:3",', FULL, {"reactions": 1 << 70, "video_views": 2.5, "media_duration_s": float("inf")}),
        ("Account", "twitter:9", FULL, {"handle": "  spaced  ", "followers": -3}),
    ]  # fmt: skip
    rels = [("POSTED", "Account", "Post", "twitter:9", "twitter:1", {"evidence": "x\ny"}),
            ("POSTED", "Account", "Post", "twitter:9", '"twitter:3",', {})]  # fmt: skip
    return nodes, rels


def test_the_importer_reads_hostile_values_back_exactly(bulk_runtime: LocalRuntime, tmp_path: Path) -> None:
    """Our CSV text through Neo4j's real importer: quotes, newlines, delimiters, empty strings, types, fix-ups."""
    nodes, rels = _odd_rows()
    spill = tmp_path / "spill"
    spill_path(spill, 0, 0).parent.mkdir(parents=True)
    with open(spill_path(spill, 0, 0), "wb") as fh:
        pickle.dump((nodes, rels), fh)
    res = merge_bucket(MergeTask(0, spill, tmp_path / "csv", ["run:x"]))
    # the empty lang, the empty list, the delimiter inside an item, NUL, infinity: set online after the import
    assert {fx[2] for fx in res.fixups if fx[0] == "node"} == {"twitter:1", "twitter:2", '"twitter:3",'}
    files = join_parts(res.files, tmp_path / "joined")
    assert {(f.name, f.multiline) for f in files} == {("Post", True), ("Account", False), ("POSTED", True)}
    bulk_runtime.stop()
    bulk_runtime.import_full(
        [(f.name, f.path) for f in files if f.kind == "nodes"],
        [(f.name, f.path) for f in files if f.kind == "relationships"],
        array_delimiter=ARRAY_DELIMITER, log=tmp_path / "import.log",
        multiline=[f.path for f in files if f.multiline],
    )  # fmt: skip
    bulk_runtime.start()
    with _db(bulk_runtime) as bdb:
        _apply_fixups(bdb, res.fixups)
        _, got = bdb.read("MATCH (n) RETURN n.uid AS uid, properties(n) AS p")
        _, edges = bdb.read("MATCH (a)-[r]->(b) RETURN a.uid AS a, b.uid AS b, properties(r) AS p")
    by_uid = {row["uid"]: row["p"] for row in got}
    for _label, key, mode, props in nodes:
        stored = by_uid[key]
        assert stored.pop("runs") == ["run:x"] and stored.pop("uid") == key
        assert stored.pop("placeholder", None) is (True if mode == PLACEHOLDER else None)
        created = stored.pop("created_at", None)
        assert stored == {k: v for k, v in props.items() if k not in ("created_at", "reactions")}
        assert "reactions" not in stored  # beyond 64 bits: left out, as the online writer does
        if created is not None:
            assert created.to_native() == datetime(2015, 11, 14, 9, 30, 5, 123000, tzinfo=UTC)
    assert sorted((e["a"], e["b"], e["p"].get("evidence")) for e in edges) == [
        ("twitter:9", '"twitter:3",', None), ("twitter:9", "twitter:1", "x\ny")]  # fmt: skip
    assert json.dumps(by_uid["twitter:1"]["cashtags"]) == json.dumps(["a;b", 'c"d', "e,f"])


def test_an_importer_failure_restarts_the_server_and_keeps_the_marker(
    bulk_runtime: LocalRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphdb.errors import RuntimeSetupError

    _wipe(bulk_runtime)

    def failing_import(*_args: object, **_kwargs: object) -> None:
        raise RuntimeSetupError("Neo4j's importer failed (exit 1)")

    monkeypatch.setattr(bulk_runtime, "import_full", failing_import)
    with pytest.raises(BulkLoadError, match=r"importer failed .*\nThe bulk load did not finish; run it again"):
        bulk_load(bulk_runtime, [FIXTURES / "twarc-csv"], rejects_path=tmp_path / "r.jsonl")
    assert bulk_runtime.running_pid() is not None  # running again, as before the load
    assert (bulk_runtime.run_dir / MARKER).is_file()  # so the next bulk load may replace what is there
    monkeypatch.undo()
    bulk_load(bulk_runtime, [FIXTURES / "twarc-csv"], rejects_path=tmp_path / "r2.jsonl")
    assert not (bulk_runtime.run_dir / MARKER).exists()
    with _db(bulk_runtime) as bdb:
        assert count_graph(bdb)["nodes"]["Post"] > 0


def test_a_failed_restart_after_an_importer_failure_is_reported_not_swallowed(
    bulk_runtime: LocalRuntime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphdb.errors import RuntimeSetupError

    _wipe(bulk_runtime)

    def failing_import(*_args: object, **_kwargs: object) -> None:
        raise RuntimeSetupError("Neo4j's importer failed (exit 1)")

    def failing_start(*_args: object, **_kwargs: object) -> bool:
        raise RuntimeSetupError("Neo4j exited during start-up (exit code 1).")

    monkeypatch.setattr(bulk_runtime, "import_full", failing_import)
    monkeypatch.setattr(bulk_runtime, "start", failing_start)
    with pytest.raises(BulkLoadError) as caught:
        bulk_load(bulk_runtime, [FIXTURES / "twarc-csv"], rejects_path=tmp_path / "r.jsonl")
    message = str(caught.value)
    assert message.startswith("Neo4j's importer failed (exit 1)\nThe bulk load did not finish; run it again")
    assert "The local Neo4j could not be started again either: Neo4j exited during start-up (exit code 1)." in message
    assert "The bulk load run again starts it" in message  # `db start` refuses the database the import left
    assert isinstance(caught.value.__cause__, RuntimeSetupError)  # the importer's error is kept as the cause
    monkeypatch.undo()
    assert bulk_runtime.start(allow_unfinished=True) is True  # as a bulk load run again does; the next tests find it
    # running (the marker stays: their bulk loads replace the database)


def test_bulk_load_of_compressed_and_archived_files_gives_the_plain_files_graph(
    bulk_runtime: LocalRuntime, db: Database, tmp_path: Path
) -> None:
    """The same fixtures, plain and loaded online, then gzipped and zipped and loaded by the bulk loader (its parse
    workers open archive members by their `archive.zip!/member` names): the same graph, apart from the LoadRuns'
    sources."""
    mtime = 1_447_491_600  # an even second: zip keeps two-second times, and evidence without a capture time uses it
    plain, packed = tmp_path / "plain", tmp_path / "packed"
    for name in ("twarc-csv", "case-evidence", "langchain-community"):
        shutil.copytree(FIXTURES / name, plain / name)
    for path in plain.rglob("*"):
        os.utime(path, (mtime, mtime))
    packed.mkdir()
    for path in sorted((plain / "twarc-csv").glob("*.jsonl")):
        (packed / (path.name + ".gz")).write_bytes(gzip.compress(path.read_bytes()))
    with zipfile.ZipFile(packed / "case.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(plain.rglob("*")):
            rel = path.relative_to(plain)
            if path.is_file() and not (rel.parts[0] == "twarc-csv" and path.suffix == ".jsonl"):
                zf.writestr(zipfile.ZipInfo(str(rel), time.gmtime(mtime)[:6]), path.read_bytes())
    _wipe(bulk_runtime)
    online = load_paths(db, [plain], rejects_path=tmp_path / "online.jsonl")
    bulk = bulk_load(bulk_runtime, [packed], rejects_path=tmp_path / "bulk.jsonl", workers=2)
    assert len(bulk.files) == len(online.files) and bulk.records == online.records
    assert any(f.path.endswith("case.zip!/case-evidence/telegram/result.json") for f in bulk.files)
    with _db(bulk_runtime) as bdb:
        assert _without_load_runs(fingerprint(bdb)) == _without_load_runs(fingerprint(db))
        _, sources = bdb.read("MATCH (r:LoadRun) WHERE r.source CONTAINS '.zip!/' RETURN count(*) AS n")
    assert sources[0]["n"] == len([f for f in bulk.files if ".zip!/" in f.path]) > 10


def _without_load_runs(fp: tuple[list[str], list[str]]) -> tuple[list[str], list[str]]:
    return [n for n in fp[0] if not n.startswith("['LoadRun']")], fp[1]
