"""Wayback CDX (text, JSON), the availability API and WARC / WACZ readers on real samples (tests/fixtures/SOURCES.md)
and the hand-made case files; facts worked out by hand from the files. Damaged input: property tests at the end."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.detect import detect_format, iter_source_files
from etl.errors import SourceFormatError
from etl.readers.warc import read_warc
from etl.readers.wayback import read_cdx_json, read_cdx_text, read_wayback_available
from etl.records import Fragment, Node, Reject, Rel

FIXTURES = Path(__file__).parents[1] / "fixtures"
EDGI = FIXTURES / "edgi-wayback"
CASE = FIXTURES / "case-evidence"


def frags(items: list[Fragment | Reject]) -> list[Fragment]:
    assert not [i for i in items if isinstance(i, Reject)], items
    return [i for i in items if isinstance(i, Fragment)]


def checks(items: list[Fragment]) -> list[Node]:
    return [n for f in items for n in f.nodes if n.label == "UrlCheck"]


def rels(frag: Fragment, rel_type: str) -> list[Rel]:
    return [r for r in frag.rels if r.type == rel_type]


# ---------------------------------------------------------------------------------------------------- CDX


def test_cdx_text_with_duplicates_and_a_resume_key() -> None:
    got = checks(frags(list(read_cdx_text(EDGI / "edgi_cdx_cnn_2001_page1.txt"))))
    # 25 rows, 7 distinct timestamps (rows repeat 3 or 4 times); the trailing resumeKey is no capture
    assert len(got) == 25 and len({c.key for c in got}) == 7
    first = got[0].props
    assert (first["url"], first["checked_at"], first["http_status"], first["status"], first["source"]) == (
        "https://cnn.com/", datetime(2001, 4, 10, 21, 39, 30, tzinfo=UTC), 200, "alive", "cdx")  # fmt: skip
    assert first["capture_url"] == "https://web.archive.org/web/20010410213930/http://www.cnn.com:80/"
    assert got[-1].props["checked_at"] == datetime(2001, 4, 14, 0, 59, 39, tzinfo=UTC)
    nasa = checks(frags(list(read_cdx_text(EDGI / "edgi_cdx_nasa_1996_duplicate_rows.txt"))))
    assert len({c.key for c in nasa}) == 1  # three identical rows are one observation


def test_cdx_revisits_and_redirects() -> None:
    got = checks(frags(list(read_cdx_text(EDGI / "edgi_cdx_dw_revisits_page1.txt"))))
    assert len(got) == 1000
    revisit = got[0].props  # 'com,dw)/ 20191001012455 http://www.dw.com/ warc/revisit - ...'
    assert (revisit["status"], revisit.get("http_status"), revisit["rule"], revisit["revisit"]) == (
        "unknown", None, None, True)  # fmt: skip
    moved = got[2].props  # 'com,dw)/ 20191001032129 http://dw.com/ unk 301 ...'
    assert (moved["url"], moved["http_status"], moved["status"], moved["rule"]) == (
        "https://dw.com/", 301, "unknown", "redirect-other")  # fmt: skip
    assert {c.props["status"] for c in got} == {"unknown"}  # revisits and 301/302 only: nothing decided


def test_cdx_json_and_a_404() -> None:
    (frag,) = frags(list(read_cdx_json(CASE / "wayback" / "youtube-copy.json")))
    (check,) = checks([frag])
    # a 200 capture of a YouTube watch page decides nothing: YouTube answers 200 for removed videos too
    assert (check.props["url"], check.props["status"], check.props["rule"]) == (
        "https://youtube.com/watch?v=Rel7AbCdEf0", "unknown", "youtube-200-unrecognised")  # fmt: skip
    got = checks(frags(list(read_cdx_text(CASE / "wayback" / "release7-ar.cdx"))))
    assert [(c.props["http_status"], c.props["status"]) for c in got] == [
        (200, "alive"), (200, "alive"), (200, "alive"), (301, "unknown"), (404, "removed")]  # fmt: skip
    url = next(
        n for n in frags(list(read_cdx_text(CASE / "wayback" / "release7-ar.cdx")))[-1].nodes if n.label == "Url"
    )
    assert url.props["removed_at"] == datetime(2015, 11, 18, 10, tzinfo=UTC)


def test_a_blocked_site_error_is_refused_clearly() -> None:
    path = EDGI / "edgi_cdx_403_blocked_site_error.txt"
    with pytest.raises(SourceFormatError, match=r"a Wayback Machine server error .*Blocked Site Error.*no captures"):
        detect_format(path)
    assert path not in list(iter_source_files([EDGI]))  # a directory load passes over it (not a CDX answer)


def test_availability_api() -> None:
    (frag,) = frags(list(read_wayback_available(FIXTURES / "pgark" / "pgark_available-true.json")))
    (check,) = checks([frag])
    # `url` echoes the query without a scheme; the capture URL names the original
    assert (check.props["url"], check.props["checked_at"], check.props["status"], check.props["source"]) == (
        "https://whitehouse.gov/issues/immigration/",
        datetime(2020, 9, 3, 23, 0, 55, tzinfo=UTC),
        "alive",
        "wayback",
    )
    (empty,) = frags(list(read_wayback_available(FIXTURES / "pgark" / "pgark_available-false.json")))
    assert empty.nodes == [] and "nothing archived" in empty.warnings[0]


# ---------------------------------------------------------------------------------------------------- WARC


def test_warc_gz_with_a_revisit() -> None:
    first, revisit = frags(list(read_warc(FIXTURES / "warcio" / "warcio_example.warc.gz")))
    # response of http://example.com/ at 04:02:06 (gzip-encoded payload), revisit at 04:03:48 with status 200
    assert [(c.props["url"], c.props["checked_at"], c.props["status"], c.props["source"]) for c in checks([first])] == [
        ("https://example.com/", datetime(2017, 3, 6, 4, 2, 6, tzinfo=UTC), "alive", "warc")]  # fmt: skip
    assert checks([revisit])[0].props["checked_at"] == datetime(2017, 3, 6, 4, 3, 48, tzinfo=UTC)
    assert checks([first])[0].props["record_id"] == "<urn:uuid:a9c51e3e-0221-11e7-bf66-0242ac120005>"
    assert rels(first, "LISTS") == []  # its one link goes to iana.org: not a hosting platform


def test_chunked_warc_and_wacz() -> None:
    (iana,) = frags(list(read_warc(FIXTURES / "warcio" / "warcio_example-iana.org-chunked.warc")))
    assert [c.props["url"] for c in checks([iana])] == ["https://iana.org/"]
    page, favicon = frags(list(read_warc(FIXTURES / "py-wacz" / "pywacz_valid_signed_example_1.wacz")))
    assert checks([page])[0].props["checked_at"] == datetime(2022, 1, 18, 19, 0, 9, tzinfo=UTC)
    # the favicon answered 404 with an HTML body (sharing the page's payload digest)
    assert [(c.props["url"], c.props["status"], c.props["rule"]) for c in checks([favicon])] == [
        ("https://example.com/favicon.ico", "removed", "gone")]  # fmt: skip


def test_an_aggregator_page_in_a_warc_is_a_snapshot() -> None:
    page, missing, again = frags(list(read_warc(CASE / "warc" / "justpaste-rel7.warc.gz")))
    seen = datetime(2015, 11, 14, 11, 30, tzinfo=UTC)
    # navigation (/, /login) and the tracker image are no mirrors; the download link is the item; m.youtube is youtube
    assert [(r.end.key, r.props["seen_at"]) for r in rels(page, "LISTS")] == [
        ("https://archive.org/details/release7-ar", seen),
        ("https://archive.org/details/release7-ar-mirror", seen),
        ("https://youtube.com/watch?v=Rel7AbCdEf0", seen),
    ]
    assert [(c.props["url"], c.props["status"]) for c in checks([missing])] == [
        ("https://archive.org/details/release7-ar-mirror", "removed")]  # fmt: skip
    # the revisit (same payload) repeats the listing at its own date
    assert {r.props["last_seen_at"] for r in rels(again, "LISTS")} == {datetime(2015, 11, 17, 10, tzinfo=UTC)}


def test_a_shortener_redirect_in_a_warc(tmp_path: Path) -> None:
    record = (b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://archive.org/details/release7-ar\r\n"
              b"Content-Length: 0\r\n\r\n")  # fmt: skip
    path = tmp_path / "short.warc"
    path.write_bytes(_warc_record("https://bit.ly/rel7ar", record))
    (frag,) = frags(list(read_warc(path)))
    assert [(r.start.key, r.end.key) for r in rels(frag, "REDIRECTS_TO")] == [
        ("https://bit.ly/rel7ar", "https://archive.org/details/release7-ar")]  # fmt: skip
    assert checks([frag])[0].props["location"] == "https://archive.org/details/release7-ar"


def _warc_record(uri: str, http: bytes, date: str = "2015-11-14T10:00:00Z") -> bytes:
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: {date}\r\n"
            f"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n")  # fmt: skip
    return head.encode() + http + b"\r\n\r\n"


# ------------------------------------------------------------------------------------------ malformed records

_FIELD = st.sampled_from(
    [
        "-",
        "200",
        "404",
        "301",
        "20151114100000",
        "2015111410",
        "99999999999999",
        "https://archive.org/details/x",
        "http://[bad",
        "",
        "warc/revisit",
    ]
) | st.text(max_size=12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_FIELD, min_size=0, max_size=8), max_size=5), cut=st.integers(0, 600),
       blob=st.binary(max_size=200))  # fmt: skip
def test_damaged_captures_never_crash(tmp_path: Path, rows: list[list[str]], cut: int, blob: bytes) -> None:
    """Random CDX rows (text and JSON), availability answers and damaged WARCs: Rejects naming file and record."""
    header = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    good = _warc_record("https://justpaste.it/x", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<a href=x>")
    cases = {
        "a.cdx": ("\n".join(" ".join(r) for r in rows)).encode(),
        "b.json": json.dumps([header, *rows]).encode(),
        "c.json": json.dumps(
            {
                "url": rows[0][0] if rows and rows[0] else None,
                "archived_snapshots": {"closest": {"timestamp": (rows or [[""]])[-1][-1:] or None}},
            }
        ).encode(),  # fmt: skip
        "d.warc": good + blob + good,
        "e.warc.gz": gzip.compress(good)[:cut] + blob,
        "f.warc": good[:cut],
    }
    readers = {"a.cdx": read_cdx_text, "b.json": read_cdx_json, "c.json": read_wayback_available}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        for body in (data, data[:cut]):
            path.write_bytes(body)
            for item in readers.get(name, read_warc)(path):
                assert isinstance(item, Fragment | Reject)
                if isinstance(item, Reject):
                    assert item.file == str(path) and item.line >= 1 and item.reason
