"""The materialised reports (`analyze reports`) answer exactly as the live whole-graph queries they replace, on the
real fixtures and on a simulated world, for every kind of parameter; and the queries say when the materialised
figures are stale or absent (or, for the summaries, computed live until the analysis runs).

The live queries are the versions before materialisation, kept beside this file (live_reports/*.cypher); a query
rewritten for speed alone answers as its earlier version (slower/*.cypher) on the same graphs.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from cypher import get_query, parse_query_file, run_query
from etl.load import load_paths
from graphdb.analytics.reports import materialise_reports
from graphdb.analytics.runs import freshness
from graphdb.analytics.successors import suggest_successors
from graphdb.casefile import Scope, gather_case, whole_graph
from graphdb.db import Database
from graphdb.values import to_plain
from simulator import simulate
from viz.report import render_report

pytestmark = pytest.mark.neo4j
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LIVE = Path(__file__).parent / "live_reports"
SLOWER = Path(__file__).parent / "slower"
runner = CliRunner()


def wipe(db: Database) -> None:
    db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")


@pytest.fixture(scope="module", params=["fixtures", "simulated"])
def graph(request: pytest.FixtureRequest, session_db: Database,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:  # fmt: skip
    wipe(session_db)
    out = tmp_path_factory.mktemp(f"reports-{request.param}")
    if request.param == "fixtures":
        source = FIXTURES
    else:
        source = out / "sim"
        simulate(source, seed=3, scale="small")
    load_paths(session_db, [source], rejects_path=out / "rejects.jsonl")
    suggest_successors(session_db)  # SAME_ACTOR_AS suggestions feed same_actor_elsewhere
    materialise_reports(session_db)
    yield session_db


def both(db: Database, name: str, params: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    live = parse_query_file(LIVE / f"{name}.cypher")
    live_keys, live_rows = run_query(db, live, params)
    keys, rows = run_query(db, name, params)
    assert keys == live_keys  # the same columns, in the same order
    return [to_plain(r) for r in rows], [to_plain(r) for r in live_rows]


def some(db: Database, query: str) -> Any:
    _, rows = db.read(query)
    return rows[0]["v"] if rows else None


def test_hashtag_lifecycle_equals_the_live_query(graph: Database) -> None:
    tag = some(graph, "MATCH (h:Hashtag)<-[:TAGS]-(p) WITH h, count(p) AS n ORDER BY n DESC, h.tag "
                      "RETURN h.tag AS v LIMIT 1")  # fmt: skip
    assert tag is not None
    cases: list[dict[str, Any]] = [
        {}, {"min_posts": 1, "limit": 10_000}, {"tag": tag}, {"tag": tag, "min_posts": 1},
        {"min_posts": 1, "event_max_span_hours": 24.0, "event_min_peak_day_share": 0.5, "limit": 10_000},
        {"min_posts": 2, "limit": 3}, {"tag": "no-such-tag"},
    ]  # fmt: skip
    for params in cases:
        rows, live = both(graph, "hashtag_lifecycle", params)
        assert rows == live, params
    assert both(graph, "hashtag_lifecycle", {"min_posts": 1})[0]  # the comparison is not between two empty lists


def test_amplifiers_equal_the_live_query(graph: Database) -> None:
    hub = some(graph, "MATCH (a:Account) WHERE a.amplifies IS NOT NULL WITH a.amplifies AS t, count(*) AS n "
                      "ORDER BY n DESC, t RETURN t AS v LIMIT 1")  # fmt: skip
    assert hub is not None
    cases: list[dict[str, Any]] = [
        {}, {"min_engagements": 1, "min_amplifiers": 1, "limit": 10_000}, {"account": hub},
        {"account": hub, "min_engagements": 1, "min_amplifiers": 1}, {"min_engagements": 3, "limit": 2},
        {"account": "twitter:none"},
    ]  # fmt: skip
    for params in cases:
        rows, live = both(graph, "amplifiers", params)
        assert rows == live, params
    assert both(graph, "amplifiers", {"min_engagements": 1, "min_amplifiers": 1})[0]


def test_cross_platform_bridges_equal_the_live_query(graph: Database) -> None:
    cases: list[dict[str, Any]] = [
        {}, {"limit": 10_000}, {"kind": "account", "limit": 10_000}, {"kind": "url", "limit": 10_000},
        {"role": "aggregator", "limit": 100}, {"role": "store", "limit": 100}, {"role": "beacon", "limit": 100},
        {"role": "shortener"}, {"min_flow": 5, "limit": 10_000}, {"kind": "url", "role": "beacon"},
    ]  # fmt: skip
    for params in cases:
        rows, live = both(graph, "cross_platform_bridges", params)
        assert rows == live, params
    assert both(graph, "cross_platform_bridges", {"limit": 10_000})[0]


def test_case_counts_equal_the_live_query(graph: Database) -> None:
    rows, live = both(graph, "case_counts", {})
    assert rows == live and rows
    assert some(graph, "MATCH (s:Summary {report: 'case_counts'}) RETURN count(s) AS v") == len(rows)  # read from them
    assert {r["label"] for r in rows} >= {"Post", "Account", "Url"} and "Summary" not in {r["label"] for r in rows}


def test_activity_over_time_equals_the_live_query(graph: Database) -> None:
    posts = some(graph, "MATCH (p:Post) WHERE p.created_at IS NOT NULL WITH p ORDER BY p.uid LIMIT 40 "
                        "RETURN collect(p.uid) AS v")  # fmt: skip
    accounts = some(graph, "MATCH (a:Account) WHERE a.suspended_at IS NOT NULL RETURN collect(a.uid)[..3] AS v")
    urls = some(graph, "MATCH (u:Url) WHERE u.removed_at IS NOT NULL RETURN collect(u.url)[..3] AS v")
    cases: list[dict[str, Any]] = [
        {}, {"bucket": "hour"}, {"bucket": "day"}, {"posts": posts}, {"posts": posts, "bucket": "hour"},
        {"accounts": accounts, "bucket": "hour"}, {"urls": urls}, {"posts": [], "accounts": [], "urls": []},
        {"posts": posts, "accounts": accounts, "urls": urls},
    ]  # fmt: skip
    for params in cases:
        rows, live = both(graph, "activity_over_time", params)
        assert rows == live, params
    rows = both(graph, "activity_over_time", {"bucket": "hour"})[0]
    assert sum(r["count"] for r in rows if r["kind"] == "posts") == some(
        graph, "MATCH (p:Post) WHERE p.created_at IS NOT NULL RETURN count(p) AS v")  # fmt: skip
    assert some(graph, "MATCH (s:Summary {report: 'activity'}) RETURN count(s) AS v")  # read from them


def test_hashtag_volume_equals_the_live_query(graph: Database) -> None:
    tags = some(graph, "MATCH (h:Hashtag)<-[:TAGS]-(p) WITH h, count(p) AS n ORDER BY n DESC, h.tag "
                       "RETURN collect(h.tag)[..4] AS v")  # fmt: skip
    assert tags
    cases: list[dict[str, Any]] = [
        {"tags": tags[:1]}, {"tags": tags}, {"tags": tags, "bucket": "day"}, {"tags": [tags[0], tags[0]]},
        {"tags": ["no-such-tag"] + tags[1:]}, {"tags": []},
    ]  # fmt: skip
    for params in cases:
        rows, live = both(graph, "hashtag_volume", params)
        assert rows == live, params
    assert both(graph, "hashtag_volume", {"tags": tags})[0]
    stored = some(graph, f"MATCH (h:Hashtag {{tag: '{tags[0]}'}}) RETURN size(h.lifecycle_hours) AS v")
    assert stored  # read from the curve on the Hashtag


def test_the_materialised_times_keep_their_zone(graph: Database) -> None:
    """The hours written back keep the posts' own time zone, so they print as the live computation does."""
    tag = some(graph, "MATCH (h:Hashtag)<-[:TAGS]-(p) WITH h, count(p) AS n ORDER BY n DESC, h.tag "
                      "RETURN h.tag AS v LIMIT 1")  # fmt: skip
    _, rows = graph.read(
        "MATCH (h:Hashtag {tag: $tag}) CALL (h) { MATCH (h)<-[:TAGS]-(p:Post) WHERE p.created_at IS NOT NULL "
        "WITH DISTINCT datetime.truncate('hour', p.created_at) AS hour ORDER BY hour "
        "RETURN collect(toString(hour)) AS live } RETURN live, [x IN h.lifecycle_hours | toString(x)] AS stored",
        {"tag": tag},
    )  # fmt: skip
    assert rows[0]["stored"] == rows[0]["live"] and rows[0]["live"]


def test_dissemination_paths_answer_as_before_each_mirror_was_taken_once(graph: Database) -> None:
    slower = parse_query_file(SLOWER / "dissemination_paths.cypher")
    seeds = {
        "video": "MATCH (v:Video)<-[:SERVES]-(u:Url) WITH v, count(u) AS n ORDER BY n DESC, v.uid "
                 "RETURN collect(v.uid)[..4] AS v",
        "post": "MATCH (p:Post)-[:LINKS_TO]->(:Url)-[:LISTS]->() WITH DISTINCT p ORDER BY p.created_at, p.uid "
                "RETURN collect(p.uid)[..4] AS v",
        "url": "MATCH (u:Url)<-[:LISTS]-() WITH DISTINCT u ORDER BY u.url RETURN collect(u.url)[..3] AS v",
        "account": "MATCH (a:Account)-[:POSTED]->(:Post)-[:LINKS_TO]->(:Url)-[:LISTS]->() WITH DISTINCT a "
                   "ORDER BY a.uid RETURN collect(a.uid)[..3] AS v",
    }  # fmt: skip
    compared = through_pages = 0
    for kind, statement in seeds.items():
        for seed in some(graph, statement) or []:
            for extra in ({}, {"cross_only": False, "starts": 10, "max_paths": 200},
                          {"min_confidence": 0.5, "include_versions": True, "cross_only": False}):  # fmt: skip
                if kind != "video" and "min_confidence" in extra:
                    continue
                params = {kind: seed, **extra}
                _, before = run_query(graph, slower, params)
                _, now = run_query(graph, "dissemination_paths", params)
                assert [to_plain(r) for r in now] == [to_plain(r) for r in before], params
                compared += len(now)
                through_pages += sum("LISTS" in r["steps"] for r in now)
    assert compared >= 20 and through_pages  # paths were compared, some of them through aggregator pages


def test_the_run_records_the_load_runs_it_covers(graph: Database) -> None:
    _, rows = graph.read("MATCH (r:AnalysisRun {analysis: 'reports'}) RETURN r.id AS id, r.status AS status, "
                         "r.load_runs AS covered")  # fmt: skip
    _, loads = graph.read("MATCH (l:LoadRun {status: 'complete'}) RETURN collect(l.id) AS ids")
    assert len(rows) == 1 and rows[0]["status"] == "complete"
    assert sorted(rows[0]["covered"]) == sorted(loads[0]["ids"]) and rows[0]["covered"]
    _, stamped = graph.read("MATCH (n) WHERE n.reports_run IS NOT NULL RETURN collect(DISTINCT n.reports_run) AS r")
    assert stamped[0]["r"] == [rows[0]["id"]]


# --------------------------------------------------------------------------------------- stale and absent


def load_first_of_two(db: Database, tmp_path: Path, first: str, second: str) -> Path:
    """An empty graph with the first fixture loaded; returns a folder holding the second, to load later."""
    wipe(db)
    for name, fixture in (("a", first), ("b", second)):
        (tmp_path / name).mkdir()
        shutil.copy(FIXTURES / fixture, tmp_path / name / Path(fixture).name)
    load_paths(db, [tmp_path / "a"], rejects_path=tmp_path / "r1.jsonl")
    return tmp_path / "b"


def test_absent_then_current_then_stale_with_the_command_that_fills_it(session_db: Database, tmp_path: Path) -> None:
    db = session_db
    second = load_first_of_two(db, tmp_path, "coordination-network-toolkit/sample_data.csv",
                               "telegram-edge/legacy_channel.json")  # fmt: skip
    notes: list[str] = []
    _, rows = run_query(db, "amplifiers", {}, notice=notes.append)
    assert rows == [] and notes == ["amplifiers: the reports analysis has not run on this graph: "
                                    "`swarmgraph analyze reports` fills it"]  # fmt: skip
    materialise_reports(db)
    assert freshness(db, "reports", "x").state == "current"
    notes.clear()
    run_query(db, "hashtag_lifecycle", {}, notice=notes.append)
    assert notes == []
    load_paths(db, [second], rejects_path=tmp_path / "r2.jsonl")
    stale = freshness(db, "reports", "swarmgraph analyze reports")
    assert stale.state == "stale" and stale.message is not None
    assert stale.message.startswith("stale: 1 file loaded after the reports analysis ran")
    assert "legacy_channel.json" in stale.message
    assert stale.message.endswith("`swarmgraph analyze reports` brings it up to date")
    res = runner.invoke(app, ["query", "cross_platform_bridges", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert "cross_platform_bridges: stale: 1 file loaded" in res.stderr
    res = runner.invoke(app, ["analyze", "reports", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert freshness(db, "reports", "x").state == "current"
    _, runs = db.read("MATCH (r:AnalysisRun {analysis: 'reports'}) RETURN count(r) AS n")
    assert runs[0]["n"] == 1  # the newer run replaced the older one
    assert get_query("amplifiers").materialised == "reports"


def test_until_the_analysis_runs_the_summaries_are_counted_live(session_db: Database, tmp_path: Path) -> None:
    """case_counts, activity_over_time and hashtag_volume answer (live) before `analyze reports`, say so, and after
    a later load compute what it has not seen (a new hashtag) live while saying the rest is stale."""
    db = session_db
    second = load_first_of_two(db, tmp_path, "isis-fanboy/AboutIsis_sample.csv", "tags-archive/tags_archive_sample.csv")
    old_tag = some(db, "MATCH (h:Hashtag)<-[:TAGS]-() RETURN h.tag AS v ORDER BY v LIMIT 1")
    assert old_tag
    for name, params in (("case_counts", {}), ("activity_over_time", {}), ("hashtag_volume", {"tags": [old_tag]})):
        notes: list[str] = []
        rows, live = both(db, name, params)
        assert rows == live and rows, name
        run_query(db, name, params, notice=notes.append)
        assert notes == [f"{name}: computed live (the reports analysis has not run on this graph; `swarmgraph analyze "
                         "reports` materialises it, faster on a large graph)"]  # fmt: skip
    notes = []
    run_query(db, "activity_over_time", {"posts": ["twitter:1"]}, notice=notes.append)
    assert notes == []  # a selection is always counted from itself
    materialise_reports(db)
    load_paths(db, [second], rejects_path=tmp_path / "r2.jsonl")
    new_tag = "vote2015"
    assert some(db, f"MATCH (h:Hashtag {{tag: '{new_tag}'}}) RETURN h.lifecycle_hours IS NULL AS v")
    rows, live = both(db, "hashtag_volume", {"tags": [old_tag, new_tag]})
    assert rows == live and {r["tag"] for r in rows} == {old_tag, new_tag}  # the new hashtag counted live
    notes = []
    _, counts = run_query(db, "case_counts", {}, notice=notes.append)
    assert notes and notes[0].startswith("case_counts: stale: 1 file loaded after the reports analysis ran")
    assert counts != both(db, "case_counts", {})[1]  # the stale rows, as the notice says
    case = gather_case(db, Scope())
    assert case["stale_analyses"]["reports"].startswith("stale: 1 file loaded after the reports analysis ran")
    meta = {"selection_text": "the whole graph", "generated_at": "now", "version": "x", "database": "local",
            "defang": False}  # fmt: skip
    page = render_report(case, whole_graph(db, 50), title="t", meta=meta)
    assert "What the reports analysis wrote (hashtags, bridges, amplifiers, whole-graph counts) is stale" in page
    materialise_reports(db)
    rows, live = both(db, "case_counts", {})
    assert rows == live
    assert gather_case(db, Scope())["stale_analyses"] == {}


def answers_as_before(graph: Database, name: str, cases: list[dict[str, Any]]) -> int:
    """Run the prepared query and its earlier version (slower/<name>.cypher) on each case; returns rows compared."""
    slower = parse_query_file(SLOWER / f"{name}.cypher")
    compared = 0
    for params in cases:
        before_keys, before = run_query(graph, slower, params)
        keys, now = run_query(graph, name, params)
        assert keys == before_keys and [to_plain(r) for r in now] == [to_plain(r) for r in before], params
        compared += len(now)
    return compared


def busiest_videos(graph: Database) -> list[str]:
    """Videos with the most copies or versions, and those listed on the aggregator pages most posts link."""
    return list(dict.fromkeys(
        some(graph, "MATCH (v:Video)<-[:SERVES]-(u:Url) WITH v, count(u) AS n ORDER BY n DESC, v.uid "
                    "RETURN collect(v.uid)[..3] AS v")
        + some(graph, "MATCH (v:Video)-[:SAME_WORK_AS|VERSION_OF|SUGGESTED_VERSION_OF]-(w:Video) "
                      "WITH v, count(w) AS n ORDER BY n DESC, v.uid RETURN collect(v.uid)[..3] AS v")
        + some(graph, "MATCH (v:Video)<-[:SERVES]-(:Url)<-[:LISTS]-(pg:Url) WITH v, COUNT { (pg)<-[:LINKS_TO]-() } "
                      "AS n ORDER BY n DESC, v.uid RETURN collect(v.uid)[..3] AS v")))  # fmt: skip


def test_first_sharers_answer_as_before_the_details_were_read_for_the_earliest_only(graph: Database) -> None:
    videos = busiest_videos(graph)
    urls = some(graph, "MATCH (u:Url)<-[:LINKS_TO]-(p) WITH u, count(p) AS n ORDER BY n DESC, u.url "
                       "RETURN collect(u.url)[..3] AS v")  # fmt: skip
    cases: list[dict[str, Any]] = [{"video": "video:none"}, {"url": "https://example.org/none"}]
    for video in videos:
        cases += [{"video": video}, {"video": video, "per_platform": 0}, {"video": video, "per_platform": 50},
                  {"video": video, "via_pages": False},
                  {"video": video, "include_versions": True, "min_confidence": 0.5, "per_platform": 5}]  # fmt: skip
    cases += [{"url": url, "per_platform": 10} for url in urls]
    assert videos and urls and answers_as_before(graph, "first_sharers", cases) >= 6


def test_video_reach_answers_as_before_each_copy_was_read_once(graph: Database) -> None:
    videos = busiest_videos(graph)
    cases: list[dict[str, Any]] = [{"video": "video:none"}]
    for video in videos:
        cases += [{"video": video}, {"video": video, "include_versions": True},
                  {"video": video, "include_versions": True, "min_confidence": 0.5}]  # fmt: skip
    assert videos and answers_as_before(graph, "video_reach", cases) >= 2 * len(videos)
    works = some(graph, "MATCH (:Video)-[:SAME_WORK_AS|VERSION_OF|SUGGESTED_VERSION_OF]-(w:Video) RETURN count(w) AS v")
    if works:  # the fixtures' videos have versions (the simulated ones do not): a total over several copies
        assert max(len(run_query(graph, "video_reach", params)[1]) for params in cases) >= 3


def test_successors_answer_as_before_the_posts_were_read_after_the_limit(graph: Database) -> None:
    _, gone = graph.read("MATCH (s:Account) WHERE s.suspended_at IS NOT NULL OR s.suspended = true "
                         "RETURN collect(s.uid)[..2] AS v")  # fmt: skip
    cases: list[dict[str, Any]] = [
        {}, {"limit": 1}, {"limit": 3}, {"limit": 10_000}, {"with_candidates": True},
        {"with_candidates": True, "limit": 2}, {"min_confidence": 0.6, "limit": 5}, {"account": "twitter:none"},
    ] + [{"account": uid} for uid in gone[0]["v"]]  # fmt: skip
    assert answers_as_before(graph, "successors", cases) >= 3
