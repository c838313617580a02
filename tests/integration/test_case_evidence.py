"""The investigator's path end to end on a collection made only of real-format files (tests/fixtures/case-evidence):
a twarc2 page and a Telegram Desktop export that link to copies, a yt-dlp info.json, archive.org item metadata and
search answers, Wayback CDX captures and a WARC of the aggregator page. The four hosting-layer questions answer, and
the values below were worked out by hand from those files (the reasoning is in the comments).

The case: 'Release 7 (ar)' is uploaded to archive.org as release7-ar (added 2015-11-14 08:00) and release7-ar-mirror
(09:00, the same sha1 file), and to YouTube as Rel7AbCdEf0 (09:30). @placeholder_a tweets bit.ly/rel7ar (unwound to
release7-ar) at 10:00; the Telegram channel posts release7-ar at 10:30; @placeholder_b tweets justpaste.it/rel7 at
11:00; the WARC captures that page at 11:30 listing all three copies; the channel posts the page at 12:30;
@placeholder_a tweets youtu.be/Rel7AbCdEf0 on 11-15 at 09:00.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from cypher import run_prepared
from etl.load import load_paths
from graphdb.db import Database
from graphdb.values import to_plain

pytestmark = pytest.mark.neo4j
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASE = FIXTURES / "case-evidence"
C1 = "https://archive.org/details/release7-ar"
C2 = "https://archive.org/details/release7-ar-mirror"
C3 = "https://youtube.com/watch?v=Rel7AbCdEf0"
PAGE = "https://justpaste.it/rel7"
T1, T3 = "twitter:6660000000000000001", "twitter:6660000000000000003"
M1, M2 = "telegram:channel1700000001/11", "telegram:channel1700000001/12"


def at(day: int, hour: int, minute: int = 0) -> str:
    """A time as to_plain writes Neo4j's: nanoseconds and the offset."""
    return datetime(2015, 11, day, hour, minute, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.000000000+00:00")


@pytest.fixture(scope="module")
def case_db(session_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Database:
    session_db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
    summary = load_paths(session_db, [CASE], rejects_path=tmp_path_factory.mktemp("case") / "rejects.jsonl")
    assert summary.rejected == 0 and len(summary.files) == 10
    return session_db


def query(db: Database, name: str, **params: Any) -> list[dict[str, Any]]:
    _, rows = run_prepared(db, name, params)
    return [to_plain(r) for r in rows]


def test_video_reach_of_the_first_archive_copy(case_db: Database) -> None:
    rows = query(case_db, "video_reach", video="video:archive.org:release7-ar")
    total, copy = rows
    # T1 through the short link, M1 directly, M2 through the page (its 12:30 is after the 11:30 capture); T2 linked
    # the page at 11:00, before any capture showed it listing the copy, so it does not count.
    assert (copy["url"], copy["host"], copy["views"]) == (C1, "archive.org", 1234)  # downloads, from search.json
    assert copy["first_seen"] == at(14, 8)  # the item's addeddate, before any share
    assert copy["removed_at"] == at(18, 10)  # the CDX 404
    assert copy["pages"] == [PAGE]
    assert (copy["posts"], copy["accounts"], copy["first_share"]) == (3, 2, at(14, 10))
    assert copy["posts_by_platform"] == {"twitter": 1, "telegram": 2}
    assert copy["via"] == {"direct": 1, "short link": 1, "aggregator page": 1}
    assert (total["host"], total["posts"], total["views"], total["pages"]) == ("(total)", 3, 1234, [PAGE])


def test_first_sharers_per_platform(case_db: Database) -> None:
    rows = query(case_db, "first_sharers", video="video:archive.org:release7-ar")
    assert [(r["platform"], r["first_share"], r["lag_hours"], r["posts"]) for r in rows] == [
        ("twitter", at(14, 10), 0.0, 1),
        ("telegram", at(14, 10, 30), 0.5, 2),
    ]
    assert (rows[0]["first_account"], rows[0]["first_handle"]) == ("twitter:1001", "placeholder_a")
    assert [s["post"] for s in rows[1]["earliest_shares"]] == [M1, M2]


def test_the_upload_is_the_first_share_on_youtube(case_db: Database) -> None:
    rows = query(case_db, "first_sharers", video="video:youtube:Rel7AbCdEf0")
    # the info.json's uploader posted it at 09:30; M2 reached it through the page at 12:30, T3 on the 15th
    assert [(r["platform"], r["first_share"], r["first_account"]) for r in rows] == [
        ("youtube", at(14, 9, 30), "youtube:UC0000000000000000placeh"),
        ("telegram", at(14, 12, 30), "telegram:channel1700000001"),
        ("twitter", at(15, 9), "twitter:1001"),
    ]


def test_dissemination_paths_cross_platforms(case_db: Database) -> None:
    rows = query(case_db, "dissemination_paths", video="video:archive.org:release7-ar")
    # Starts: T1 (10:00), M1 (10:30), M2 (12:30). T1 reaches M1 through bit.ly -> release7-ar; M2 reaches T3 through
    # the page's listing of the YouTube copy (seen 11:30, T3 on the 15th at 09:00, 20.5 h later). M1 reaches nothing
    # on another platform after it (T1 was earlier).
    assert [(r["start"], r["reached"], r["hours"], r["length"], r["platforms"]) for r in rows] == [
        (T1, M1, 0.5, 3, ["twitter", "bit.ly", "archive.org", "telegram"]),
        (M2, T3, 20.5, 3, ["telegram", "justpaste.it", "youtube", "twitter"]),
    ]
    assert rows[1]["steps"] == ["LINKS_TO", "LISTS", "LINKS_TO"]


def test_takedown_survival_from_cdx_warc_and_archive_answers(case_db: Database) -> None:
    rows = {r["host"]: r for r in query(case_db, "takedown_survival")}
    # release7-ar: first seen 11-14 08:00, last alive 11-15 10:00 (CDX), removed 11-18 10:00 (CDX 404): removal dated
    # midway, 11-16 22:00, 62 h. release7-ar-mirror: first seen 09:00, last alive 11-14 13:00 (its metadata answer's
    # `created`), removed 11-16 12:00 (the WARC's 404, before the `{}` answer at 13:00): midway 11-15 12:30, 27.5 h.
    archive = rows["archive.org"]
    assert (archive["copies"], archive["removed"], archive["censored"]) == (2, 2, 0)
    assert archive["median_hours_to_removal"] == 27.5 and archive["followup_hours"] == 62.0
    assert (archive["alive_after_1d"], archive["alive_after_3d"], archive["alive_after_10d"]) == (1.0, 0.0, 0.0)
    # The YouTube copy: alive at the info.json's epoch; its 200 CDX capture on the 16th decides nothing (YouTube
    # answers 200 for removed videos too): censored at that last check, 48.5 h after the 09:30 upload.
    youtube = rows["youtube"]
    assert (youtube["copies"], youtube["removed"], youtube["followup_hours"]) == (1, 0, 48.5)
    # The page: alive in the WARC at 11:30 and in the revisit on the 17th at 10:00; first seen in T2 at 11:00.
    assert (rows["justpaste.it"]["copies"], rows["justpaste.it"]["followup_hours"]) == (1, 71.0)
    assert list(rows) == ["archive.org", "justpaste.it", "youtube"]


def test_after_analyze_copies_a_copy_stands_for_its_work(case_db: Database) -> None:
    """The tests above run before any analysis: each Video is only itself. After `analyze copies`, release7-ar and
    release7-ar-mirror are certainly one work (the same sha1), and the YouTube copy is suggested: the same title key
    'release 7' and durations 610.52 s and 610 s (title+duration 0.9), all three listed on justpaste.it/rel7 (pages
    0.4): 1 - 0.1 x 0.6 = 0.94; no channel in common (release7-ar's first linker is @placeholder_a, the YouTube
    copy's its uploader), no shared id token."""
    from graphdb.analytics.copies import suggest_copies

    suggest_copies(case_db)
    try:
        rows = query(case_db, "video_reach", video="video:archive.org:release7-ar")
        total, copies = rows[0], rows[1:]
        assert [(r["url"], r["joined"]) for r in copies] == [(C1, "self"), (C2, "same_work")]
        # C2 is reached only through the page, by M2 (12:30, after the 11:30 capture): T1, M1, M2 as before
        assert (total["posts"], total["accounts"], total["views"]) == (3, 2, 1234 + 56)
        rows = query(case_db, "video_reach", video="video:archive.org:release7-ar", min_confidence=0.9)
        total, copies = rows[0], sorted(rows[1:], key=lambda r: r["url"])
        assert [(r["url"], r["joined"]) for r in copies] == [(C1, "self"), (C2, "same_work"), (C3, "suggested")]
        # + the upload post (its uploader) and T3 (@placeholder_a, youtu.be on the 15th): 5 posts, 3 accounts
        assert (total["posts"], total["accounts"], total["views"]) == (5, 3, 1234 + 56 + 321)
        assert len(query(case_db, "video_reach", video="video:archive.org:release7-ar", min_confidence=0.95)) == 3
        rows = query(case_db, "first_sharers", video="video:youtube:Rel7AbCdEf0", min_confidence=0.9)
        # the work's first share is now T1 (10:00 the 14th, the short link to release7-ar), after the 09:30 upload
        assert [(r["platform"], r["first_share"]) for r in rows] == [
            ("youtube", at(14, 9, 30)), ("twitter", at(14, 10)), ("telegram", at(14, 10, 30))]  # fmt: skip
        assert [s["joined"] for s in rows[1]["earliest_shares"]] == ["suggested", "self"]  # T1 via C1, then T3
        timeline = query(case_db, "video_timeline", video="video:archive.org:release7-ar-mirror")
        assert {(r["url"], r["joined"]) for r in timeline if r["kind"] == "copy"} == {(C1, "same_work"),
                                                                                   (C2, "self")}  # fmt: skip
    finally:
        case_db.write("MATCH (:Video)-[r:SAME_WORK_AS|SUGGESTED_VERSION_OF]->(:Video) DELETE r")


def test_the_evidence_says_where_each_observation_came_from(case_db: Database) -> None:
    _, rows = case_db.read(
        "MATCH (u:Url)-[:CHECKED]->(c:UrlCheck) RETURN u.url AS url, c.checked_at AS at, c.status AS status, "
        "c.source AS source, c.rule AS rule ORDER BY at, url"
    )
    got = [(r["url"], to_plain(r["at"]), r["status"], r["source"], r["rule"]) for r in rows]
    assert got == [
        (C1, at(14, 10), "alive", "cdx", "answered"),
        (PAGE, at(14, 11, 30), "alive", "warc", "answered"),
        (C1, at(14, 12), "alive", "archive.org", "archive-metadata-item"),
        (C2, at(14, 13), "alive", "archive.org", "archive-metadata-item"),
        (C3, at(14, 15), "alive", "info.json", None),
        (C1, at(15, 10), "alive", "cdx", "answered"),  # two identical CDX rows, one observation
        (C1, at(16, 10), "unknown", "cdx", "redirect-other"),
        (C3, at(16, 10), "unknown", "cdx", "youtube-200-unrecognised"),
        (C2, at(16, 12), "removed", "warc", "gone"),
        (C2, at(16, 13), "removed", "archive.org", "archive-metadata-empty"),
        (PAGE, at(17, 10), "alive", "warc", "answered"),
        (C1, at(18, 10), "removed", "cdx", "gone"),
    ]
    _, same = case_db.read(
        "MATCH (a:Video), (b:Video) WHERE a.uid < b.uid AND any(h IN a.hashes WHERE h IN b.hashes) "
        "RETURN a.uid AS a, b.uid AS b, [h IN a.hashes WHERE h IN b.hashes] AS shared"
    )
    assert same == [{"a": "video:archive.org:release7-ar", "b": "video:archive.org:release7-ar-mirror",
                     "shared": ["md5:00112233445566778899aabbccddeeff",
                                "sha1:0123456789abcdef0123456789abcdef01234567"]}]  # fmt: skip
    _, signed = case_db.read("MATCH (n) WHERE apoc.convert.toJson(properties(n)) CONTAINS 'googlevideo' "
                             "RETURN count(n) AS n")  # fmt: skip
    assert signed == [{"n": 0}]  # the info.json's signed media URLs were never stored


def test_damaged_evidence_is_rejected_and_the_rest_loads(db: Database, tmp_path: Path) -> None:
    """Through the CLI: a bad CDX row, a WARC cut short and an info.json that is not JSON each give a reject naming
    file and record; everything else in the folder loads; no traceback reaches the user."""
    folder = tmp_path / "damaged"
    folder.mkdir()
    rows = (CASE / "wayback" / "release7-ar.cdx").read_text().splitlines()
    (folder / "captures.cdx").write_text("\n".join([rows[0], "not a capture row", rows[-1]]) + "\n")
    warc = (CASE / "warc" / "justpaste-rel7.warc.gz").read_bytes()
    (folder / "cut.warc.gz").write_bytes(warc[: len(warc) * 2 // 3])
    (folder / "broken.info.json").write_text('{"id": "AbCdEfGhIjK", "webpage_url": "https://youtu.be/AbCdEfGhIjK"')
    rejects = tmp_path / "rejects.jsonl"
    res = CliRunner().invoke(app, ["load", str(folder), "--rejects", str(rejects)])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    rows = [r for r in map(json.loads, rejects.read_text().splitlines()) if "reason" in r]  # not the run header
    got = sorted((Path(r["file"]).name, r["line"]) for r in rows)
    assert got[0] == ("broken.info.json", 1) and got[1] == ("captures.cdx", 2) and got[2][0] == "cut.warc.gz"
    _, checked = db.read("MATCH (c:UrlCheck) RETURN c.source AS source, count(*) AS n ORDER BY source")
    assert checked == [{"source": "cdx", "n": 2}, {"source": "warc", "n": 1}]  # both good rows; the one whole page
    blocked = FIXTURES / "edgi-wayback" / "edgi_cdx_403_blocked_site_error.txt"
    res = CliRunner().invoke(app, ["load", str(blocked), "--rejects", str(rejects)])
    assert res.exit_code == 1 and "Blocked Site Error" in res.output and "Traceback" not in res.output
