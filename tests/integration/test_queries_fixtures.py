"""Every prepared query and analysis runs on the real fixture files (tests/fixtures, loaded once), and two samples
are checked exactly against values worked out by hand from the files themselves.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cypher import load_catalogue, parse_query_file, run_query
from cypher.examples import example_params
from etl.load import load_paths
from graphdb.analytics.bridging import compute_bridging
from graphdb.analytics.communities import detect_communities
from graphdb.analytics.coordination import detect_coordination
from graphdb.analytics.copies import suggest_copies
from graphdb.analytics.reports import materialise_reports
from graphdb.analytics.resilience import measure_resilience
from graphdb.analytics.successors import suggest_successors
from graphdb.db import Database
from graphdb.errors import ReadOnlyViolation
from graphdb.values import to_plain

pytestmark = pytest.mark.neo4j
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def fixtures_db(session_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Database:
    session_db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
    out = tmp_path_factory.mktemp("fixtures-load")
    load_paths(session_db, [FIXTURES], rejects_path=out / "rejects.jsonl")
    return session_db


@pytest.fixture(scope="module")
def analysed(fixtures_db: Database) -> dict[str, Any]:
    return {
        "coordination": detect_coordination(fixtures_db),
        "bridging": compute_bridging(fixtures_db),
        "communities": detect_communities(fixtures_db),
        "resilience": measure_resilience(fixtures_db, "top:degree:5"),
        "successors": suggest_successors(fixtures_db),
        "copies": suggest_copies(fixtures_db),
        "reports": materialise_reports(fixtures_db),  # hashtag_lifecycle, amplifiers, cross_platform_bridges read it
    }


# The fixtures are small and real: where a query's defaults find nothing in them, looser thresholds that still ask
# the same question (two single-minded amplifiers are more than these files hold; no path here changes platform).
LOOSER = {"amplifiers": {"min_amplifiers": 1, "min_engagements": 1}, "dissemination_paths": {"cross_only": False}}
# Queries with nothing to find in the fixtures (none at present); an empty answer is otherwise a failure.
NOTHING_IN_FIXTURES: set[str] = set()


@pytest.mark.parametrize("name", sorted(load_catalogue()))
def test_every_query_runs_on_the_real_fixtures(fixtures_db: Database, analysed: dict[str, Any], name: str) -> None:
    params = {**example_params(fixtures_db)[name], **LOOSER.get(name, {})}
    keys, rows = run_query(fixtures_db, name, params)
    assert keys, name
    if name in NOTHING_IN_FIXTURES:
        assert rows == []
        return
    assert rows, f"{name} {params} found nothing in the fixtures"  # an empty answer is no proof the query works
    assert all(set(r) == set(keys) for r in rows)
    assert any(v not in (None, [], {}, "") for r in rows for v in r.values())


def test_the_analyses_find_structure_in_the_real_fixtures(analysed: dict[str, Any]) -> None:
    assert analysed["bridging"].nodes > 100 and analysed["bridging"].articulation_points > 0
    assert analysed["communities"].communities > 1
    assert len(analysed["resilience"].removed) == 5
    # the QUT toolkit's own test input: ten accounts posting the same URLs at the same moments
    assert analysed["coordination"].groups[0] == [f"twitter:{i}" for i in range(10)]


def test_takedown_survival_on_the_hand_made_check_log(fixtures_db: Database) -> None:
    """tests/fixtures/swarmgraph: the archive.org copy is first listed on justpaste.it/abc12 at 2015-11-15T10:00Z,
    found alive 2015-11-20T08:00Z and removed 2015-11-25T08:00Z: its removal is dated midway, 2015-11-22T20:00Z,
    178 h after its first share. The two archive.org copies of tests/fixtures/case-evidence were removed 27.5 h and
    62 h after they were first seen (worked out in tests/integration/test_case_evidence.py): of the three, one is left
    after 27.5 h (2/3), after 62 h 1/3, so the median is 62 h and 1/3 is alive after 3 days; none is after 178 h.
    example.org/r3 was never shared: its clock starts at its first check (2015-11-21T10:00Z, status unknown) and,
    never found removed, it is censored at its last (alive, a day later)."""
    _, rows = run_query(fixtures_db, "takedown_survival", {})
    by_host = {r["host"]: to_plain(r) for r in rows}
    assert by_host["archive.org"] == {
        "host": "archive.org", "copies": 3, "removed": 3, "censored": 0, "median_hours_to_removal": 62.0,
        "alive_after_1d": 1.0, "alive_after_3d": 0.3333, "alive_after_10d": 0.0, "followup_hours": 178.0,
        "curve": [[27.5, 0.6667], [62.0, 0.3333], [178.0, 0.0]], "censored_hours": [],
    }  # fmt: skip
    assert by_host["example.org"] == {
        "host": "example.org", "copies": 1, "removed": 0, "censored": 1, "median_hours_to_removal": None,
        "alive_after_1d": 1.0, "alive_after_3d": None, "alive_after_10d": None, "followup_hours": 24.0,
        "curve": [], "censored_hours": [24.0],
    }  # fmt: skip


def test_hashtag_lifecycle_on_the_real_kaggle_isis_sample(fixtures_db: Database) -> None:
    """Worked out from tests/fixtures/isis-twitter/*.csv directly: 33 tweets carry #Syria (any case), from
    2015-08-29 20:42 to 2016-05-05 09:48; the busiest hours (2 tweets) are 2015-09-23 21:00 and 2015-09-25 12:00, the
    earlier wins; 3 tweets fall within 12 h of its middle; 25 come after it, their median 3662.38 h later; every
    #Syria poster also shares links, so nothing counts as flooding; spread over 8 months it is no event hashtag."""
    _, rows = run_query(fixtures_db, "hashtag_lifecycle", {"tag": "syria", "min_posts": 1})
    (row,) = [to_plain(r) for r in rows]
    assert row == {
        "tag": "syria", "posts": 33, "first_seen": "2015-08-29T20:42:00.000000000+00:00",
        "last_seen": "2016-05-05T09:48:00.000000000+00:00", "peak_hour": "2015-09-23T21:00:00.000000000+00:00",
        "peak_count": 2, "half_life_hours": 3662.38, "active_span_hours": row["active_span_hours"],
        "active_from": row["active_from"], "active_until": row["active_until"],
        "flooding_share": 0.0, "peak_day_share": round(3 / 33, 4), "platforms": ["twitter"], "event_hashtag": False,
    }  # fmt: skip
    assert row["active_span_hours"] > 24 * 120
    active = [datetime.fromisoformat(row[k]) for k in ("first_seen", "active_from", "active_until", "last_seen")]
    assert active == sorted(active)
    assert (active[2] - active[1]).total_seconds() / 3600 == pytest.approx(row["active_span_hours"], abs=0.05)


def test_queries_run_read_only_unless_their_header_says_write(fixtures_db: Database, tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.cypher"
    sneaky.write_text("// name: sneaky\n// description: Writes in read mode.\n// mode: read\nCREATE (:Scratch)\n")
    with pytest.raises(ReadOnlyViolation):
        run_query(fixtures_db, parse_query_file(sneaky), {})
    honest = tmp_path / "honest.cypher"
    honest.write_text(
        "// name: honest\n// description: Says it writes.\n// param: n int = 2  -- nodes\n"
        "// mode: write\nUNWIND range(1, $n) AS i CREATE (s:Scratch {i: i}) RETURN count(s) AS created\n"
    )
    assert run_query(fixtures_db, parse_query_file(honest), {"n": "3"})[1] == [{"created": 3}]
    fixtures_db.write("MATCH (s:Scratch) DELETE s")


def test_copy_suggestions_on_the_case_evidence(fixtures_db: Database, analysed: dict[str, Any]) -> None:
    """tests/fixtures/case-evidence/archive-org: the items release7-ar and release7-ar-mirror both hold the original
    file release7.mp4 with sha1 0123456789abcdef...: the same work, certain (confidence 1.0)."""
    _, rows = run_query(fixtures_db, "copy_suggestions", {"video": "video:archive.org:release7-ar"})
    same = [r for r in rows if r["other"] == "video:archive.org:release7-ar-mirror" and r["kind"] == "same_work"]
    assert len(same) == 1 and same[0]["certain"] is True and same[0]["confidence"] == 1.0
    assert "hash" in same[0]["basis"]
