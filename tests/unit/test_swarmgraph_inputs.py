"""swarmgraph's own input formats (docs/inputs.md): videos, URL checks, page snapshots, account facts."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.errors import SourceFormatError
from etl.readers.swarmgraph_inputs import (
    ACCOUNT_COLUMNS,
    URL_CHECK_COLUMNS,
    VIDEO_COLUMNS,
    read_accounts_csv,
    read_snapshots_jsonl,
    read_url_checks_csv,
    read_videos_csv,
    snapshot_links,
    url_check_uid,
)
from etl.records import Fragment, Node, Reject, Rel

OWN = Path(__file__).parents[1] / "fixtures" / "swarmgraph"


def split(items: list[Fragment | Reject]) -> tuple[list[Fragment], list[Reject]]:
    return [i for i in items if isinstance(i, Fragment)], [i for i in items if isinstance(i, Reject)]


def only(frag: Fragment, label: str) -> list[Node]:
    return [n for n in frag.nodes if n.label == label]


def typed(frag: Fragment, rel_type: str) -> list[Rel]:
    return [r for r in frag.rels if r.type == rel_type]


def warnings(frags: list[Fragment]) -> list[str]:
    return [w for f in frags for w in f.warnings]


# ---------------------------------------------------------------------------------------------------- videos


def test_videos() -> None:
    frags, rejects = split(list(read_videos_csv(OWN / "videos.csv")))
    assert [(r.line, r.reason) for r in rejects] == [
        (5, "url and video_id are required"),
        (6, "url and video_id are required"),
    ]
    assert len(frags) == 4
    archive, youtube, english, work = frags
    video = only(archive, "Video")[0]
    assert video.key == "video:release-3-fr"
    assert video.props == {
        "video_id": "release-3-fr",
        "title": "Release 3 (fr)",
        "language": "fr",
        "duration": 610,
        "hash": "sha256:0000aaaa",
    }
    serves = typed(archive, "SERVES")[0]
    assert (serves.start.key, serves.end.key, serves.props) == (
        "https://archive.org/details/release3-fr",
        "video:release-3-fr",
        {"views": 1200},
    )
    version = typed(archive, "VERSION_OF")[0]
    assert (version.start.key, version.end.key, version.props) == (
        "video:release-3-fr",
        "video:release-3",
        {"language": "fr"},
    )
    assert only(archive, "Video")[1].placeholder is True
    # A second copy of the same work (canonical YouTube URL), with 'FR' lower-cased and no views.
    assert typed(youtube, "SERVES")[0].start.key == "https://youtube.com/watch?v=AbCdEfGhIjK"
    assert only(youtube, "Video")[0].props["language"] == "fr"
    assert typed(youtube, "SERVES")[0].props == {"views": None}
    # archive.org download link -> the item; a fractional duration stays; bad views are a warning, not a reject
    assert typed(english, "SERVES")[0].start.key == "https://archive.org/details/release3-en"
    assert only(english, "Video")[0].props["duration"] == 610.5
    assert english.warnings == [f"{OWN / 'videos.csv'}:4: views 'not-a-number' is not a number; left out"]
    # The work itself served somewhere: no VERSION_OF to itself
    assert typed(work, "VERSION_OF") == [] and typed(work, "SERVES")[0].props == {"views": 250}
    assert typed(work, "HOSTED_ON")[0].end.key == "videopress"


def test_videos_missing_column_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "videos.csv"
    path.write_text("url,title\nhttps://example.org/x,Release\n")
    with pytest.raises(SourceFormatError, match="header lacks video_id"):
        list(read_videos_csv(path))


# ------------------------------------------------------------------------------------------------ URL checks


def test_url_checks() -> None:
    frags, rejects = split(list(read_url_checks_csv(OWN / "url_checks.csv")))
    assert [(r.line, r.reason) for r in rejects] == [
        (6, "checked_at 'not-a-time' is not ISO 8601"),
        (8, "status 'deleted' is not alive, removed or unknown"),
    ]
    assert len(frags) == 5
    alive, removed, removed_again, unknown, bad_status = frags
    check = only(alive, "UrlCheck")[0]
    checked = datetime(2015, 11, 20, 8, tzinfo=UTC)
    expected_uid = hashlib.sha1(b"https://archive.org/details/release3-fr2015-11-20T08:00:00+00:00").hexdigest()[:20]
    assert check.key == expected_uid == url_check_uid("https://archive.org/details/release3-fr", checked)
    assert check.props == {
        "url": "https://archive.org/details/release3-fr",
        "checked_at": checked,
        "status": "alive",
        "http_status": 200,
        "source": "csv",
        "rule": None,
        "location": None,
    }
    assert [(r.start.key, r.end.key) for r in typed(alive, "CHECKED")] == [
        ("https://archive.org/details/release3-fr", check.key)
    ]
    assert only(alive, "Url")[0].props["last_alive_at"] == checked
    # The download link is the same Url; 'Removed' is case-insensitive; +01:00 is converted to UTC.
    assert only(removed, "Url")[0].key == "https://archive.org/details/release3-fr"
    assert only(removed, "Url")[0].props["removed_at"] == datetime(2015, 11, 25, 8, tzinfo=UTC)
    assert only(removed_again, "UrlCheck")[0].props["checked_at"] == datetime(2015, 11, 27, 8, tzinfo=UTC)
    # A naive time is UTC; 'unknown' sets neither removed_at nor last_alive_at; empty http_status is None.
    url = only(unknown, "Url")[0]
    assert "removed_at" not in url.props and "last_alive_at" not in url.props
    assert only(unknown, "UrlCheck")[0].props["checked_at"] == datetime(2015, 11, 21, 10, tzinfo=UTC)
    assert only(unknown, "UrlCheck")[0].props["http_status"] is None
    assert bad_status.warnings == [f"{OWN / 'url_checks.csv'}:7: http_status 'abc' is not a number; left out"]


def test_url_check_uid_is_spelling_independent() -> None:
    at = datetime(2015, 11, 20, 8, tzinfo=UTC)
    assert url_check_uid("http://www.archive.org/details/release3-fr/", at) != url_check_uid(
        "https://archive.org/details/release3-fr", datetime(2015, 11, 20, 9, tzinfo=UTC)
    )
    assert url_check_uid("http://archive.org/download/release3-fr/a.mp4", at) == url_check_uid(
        "https://archive.org/details/release3-fr", at
    )


# ------------------------------------------------------------------------------------------- page snapshots


def test_snapshots() -> None:
    frags, rejects = split(list(read_snapshots_jsonl(OWN / "snapshots.jsonl")))
    assert [r.line for r in rejects] == [3, 4]
    assert rejects[0].reason.startswith("invalid JSON")
    assert rejects[1].reason == "page_url, captured_at and content are required strings"
    first, text, later = frags
    captured = datetime(2015, 11, 15, 10, tzinfo=UTC)
    lists = typed(first, "LISTS")
    # Navigation (/, /login, /abc13, www.justpaste.it), '#top' and mailto: are not mirrors; the file link is the
    # same archive.org item as the details link: three mirrors.
    assert [(r.start.key, r.end.key) for r in lists] == [
        ("https://justpaste.it/abc12", "https://archive.org/details/release3-fr"),
        ("https://justpaste.it/abc12", "https://youtube.com/watch?v=AbCdEfGhIjK"),
        ("https://justpaste.it/abc12", "https://videopress.com/v/AbCd1234"),
    ]
    assert all(r.props == {"seen_at": captured, "last_seen_at": captured} for r in lists)
    assert [r.end.key for r in typed(text, "LISTS")] == [
        "https://archive.org/details/release3-en",
        "https://example.net/r3-en",
        "https://t.me/othermirror/42",
    ]
    assert [r.end.key for r in typed(later, "LISTS")] == [
        "https://archive.org/details/release3-fr",
        "https://drive.google.com/file/d/0B00000000000000000",
    ]
    assert typed(later, "LISTS")[0].props["seen_at"] == datetime(2015, 11, 18, 10, tzinfo=UTC)


def test_snapshot_links_html_resolves_relative_and_ignores_text() -> None:
    html = '<a href="/x">a</a><A HREF="mirror.html">b</A> https://example.net/plain <area href="https://e.example/m">'
    assert snapshot_links("https://justpaste.it/abc12", html, "html") == [
        "https://justpaste.it/x",
        "https://justpaste.it/mirror.html",
        "https://e.example/m",
    ]
    assert snapshot_links("https://p.example/", "see https://e.example/a, then (www.e.example/b).", "text") == [
        "https://e.example/a",
        "www.e.example/b",
    ]


# --------------------------------------------------------------------------------------------------- accounts


def test_accounts() -> None:
    frags, rejects = split(list(read_accounts_csv(OWN / "accounts.csv")))
    assert [(r.line, r.reason) for r in rejects] == [(5, "uid is required, in the graph's form (platform:id)")]
    one, two, channel, three = frags
    account = only(one, "Account")[0]
    assert (account.key, account.props) == (
        "twitter:1001",
        {
            "platform": "twitter",
            "handle": "mirror_one",
            "name": "Mirror One",
            "created_at": datetime(2015, 1, 2, tzinfo=UTC),
            "suspended_at": datetime(2015, 11, 20, tzinfo=UTC),
        },
    )
    same = typed(two, "SAME_ACTOR_AS")[0]
    assert (same.start.key, same.end.key) == ("twitter:1002", "twitter:1001")
    assert same.props == {"confidence": 1.0, "evidence": "same avatar and bio; announced as the new account"}
    assert only(two, "Account")[0].props["platform"] == "twitter"  # from the uid when the column is empty
    assert only(two, "Account")[1].placeholder is True
    assert only(two, "Account")[0].props["suspended_at"] == datetime(2015, 12, 1, tzinfo=UTC)
    assert [(r.start.key, r.end.key) for r in typed(channel, "ON")] == [("telegram:channel1712345678", "telegram")]
    assert only(three, "Account")[0].props["created_at"] is None
    assert warnings([three]) == [f"{OWN / 'accounts.csv'}:6: created_at 'yesterday' is not ISO 8601; left out"]


# ------------------------------------------------------------------------------------------ malformed records

_CELL = st.text(max_size=25) | st.sampled_from(
    ["", "https://e.example/x", "http://[bad", "nan", "-inf", "1e400", "2015-11-20T08:00:00Z", "removed", "a:b"]
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_CELL, max_size=9), max_size=4), lines=st.lists(st.text(max_size=60), max_size=4))
def test_random_records_never_crash(tmp_path: Path, rows: list[list[str]], lines: list[str]) -> None:
    readers = [
        (read_videos_csv, VIDEO_COLUMNS),
        (read_url_checks_csv, URL_CHECK_COLUMNS),
        (read_accounts_csv, ACCOUNT_COLUMNS),
    ]
    for reader, header in readers:
        path = tmp_path / "input.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([list(header), *rows])
        assert all(isinstance(item, Fragment | Reject) for item in reader(path))
    snapshots = tmp_path / "snapshots.jsonl"
    records = [json.dumps({"page_url": r[0], "captured_at": r[-1], "content": r[1]}) for r in rows if len(r) >= 2]
    snapshots.write_text("\n".join(records + [json.dumps(line) for line in lines] + lines), encoding="utf-8")
    assert all(isinstance(item, Fragment | Reject) for item in read_snapshots_jsonl(snapshots))
