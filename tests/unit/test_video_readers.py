"""yt-dlp info.json, archive.org and YouTube Data API readers on real samples and the hand-made case files
(tests/fixtures/SOURCES.md); facts worked out by hand from the files. Damaged input: property tests at the end."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.readers.archive_org import read_archive_org_item, read_archive_org_search
from etl.readers.youtube_api import iso_duration, read_youtube_api
from etl.readers.ytdlp import read_ytdlp_info
from etl.records import Fragment, Node, Reject, Rel

FIXTURES = Path(__file__).parents[1] / "fixtures"
CASE = FIXTURES / "case-evidence"


def frags(items: list[Fragment | Reject]) -> list[Fragment]:
    assert not [i for i in items if isinstance(i, Reject)]
    return [i for i in items if isinstance(i, Fragment)]


def nodes(frag: Fragment, label: str) -> list[Node]:
    return [n for n in frag.nodes if n.label == label]


def rels(frag: Fragment, rel_type: str) -> list[Rel]:
    return [r for r in frag.rels if r.type == rel_type]


# ------------------------------------------------------------------------------------------------------ yt-dlp


def test_ytdlp_info_json_of_a_youtube_video() -> None:
    (frag,) = frags(list(read_ytdlp_info(FIXTURES / "yt-dlp" / "ytdlp_test_AeonCo_2_emyi4z-O0ls.info.json")))
    (serves,) = rels(frag, "SERVES")
    assert (serves.start.key, serves.end.key, serves.props) == (
        "https://youtube.com/watch?v=emyi4z-O0ls", "video:youtube:emyi4z-O0ls", {"views": 4715694})  # fmt: skip
    video = nodes(frag, "Video")[0].props
    assert (video["title"], video["duration"], video["availability"]) == (
        "How to outsmart the Prisoner’s Dilemma - Lucas Husted", 344, "public")  # fmt: skip
    assert video["uploaded_at"] == datetime(2020, 8, 27, 15, 0, 36, tzinfo=UTC)  # timestamp 1598540436
    (check,) = nodes(frag, "UrlCheck")
    # epoch 1750469073: when yt-dlp fetched the page, which answered
    assert (check.props["checked_at"], check.props["status"], check.props["source"]) == (
        datetime(2025, 6, 21, 1, 24, 33, tzinfo=UTC), "alive", "info.json")  # fmt: skip
    (account,) = nodes(frag, "Account")
    assert (account.key, account.props["handle"], account.props["name"]) == (
        "youtube:UCsooa4yRKGN_zEE8iknghZA", "TEDEd", "TED-Ed")  # fmt: skip
    assert {(r.start.key, r.end.key) for r in rels(frag, "POSTED")} == {
        ("youtube:UCsooa4yRKGN_zEE8iknghZA", "video:youtube:emyi4z-O0ls"),
        ("youtube:UCsooa4yRKGN_zEE8iknghZA", "youtube:video:emyi4z-O0ls"),
    }
    assert [(r.start.key, r.end.key) for r in rels(frag, "LINKS_TO")] == [
        ("youtube:video:emyi4z-O0ls", "https://youtube.com/watch?v=emyi4z-O0ls")]  # fmt: skip
    # 47 formats and a top-level `url` of signed googlevideo.com media links: none reaches the graph
    assert b"googlevideo" not in orjson.dumps([n.props for n in frag.nodes], default=str)
    assert [n.key for n in nodes(frag, "Url")] == ["https://youtube.com/watch?v=emyi4z-O0ls"]


def test_an_old_youtube_dl_info_json_without_epoch() -> None:
    (frag,) = frags(list(read_ytdlp_info(FIXTURES / "youtube-dl" / "youtube-dl_YcAQlkx.info.json")))
    assert [n.key for n in nodes(frag, "Url")] == ["https://imgur.com/gallery/YcAQlkx"]
    assert nodes(frag, "Video")[0].key == "video:imgur.com:YcAQlkx"
    assert nodes(frag, "UrlCheck") == [] and nodes(frag, "Account") == []  # no epoch; imgur is no hosting platform


def test_a_playlist_gives_one_copy_per_entry(tmp_path: Path) -> None:
    playlist = {"_type": "playlist", "id": "PL0", "title": "Placeholder list", "epoch": 1447500000,
                "webpage_url": "https://www.youtube.com/playlist?list=PL0", "extractor_key": "YoutubeTab",
                "entries": [
                    {"_type": "url", "ie_key": "Youtube", "id": "AbCdEfGhIjK", "title": "Placeholder one",
                     "url": "https://www.youtube.com/watch?v=AbCdEfGhIjK"},
                    {"_type": "url", "ie_key": "Youtube", "id": "ZyXwVuTsRqP", "title": "[Deleted video]",
                     "url": "https://www.youtube.com/watch?v=ZyXwVuTsRqP"},
                    "not an entry",
                ]}  # fmt: skip
    path = tmp_path / "list.info.json"
    path.write_text(json.dumps(playlist))
    items = list(read_ytdlp_info(path))
    assert [(i.line, i.reason) for i in items if isinstance(i, Reject)] == [(3, "a playlist entry must be an object")]
    head, live, gone = [i for i in items if isinstance(i, Fragment)]
    assert [n.key for n in nodes(head, "Url")] == ["https://youtube.com/playlist?list=PL0"]
    listed_at = datetime(2015, 11, 14, 11, 20, tzinfo=UTC)
    assert [(r.start.key, r.end.key, r.props["seen_at"]) for r in rels(live, "LISTS")] == [
        ("https://youtube.com/playlist?list=PL0", "https://youtube.com/watch?v=AbCdEfGhIjK", listed_at)]  # fmt: skip
    assert nodes(live, "UrlCheck") == []  # a listed entry proves nothing about the video itself
    (check,) = nodes(gone, "UrlCheck")  # a '[Deleted video]' entry does
    assert (check.props["status"], check.props["checked_at"]) == ("removed", listed_at)
    assert "title" not in {k for k, v in nodes(gone, "Video")[0].props.items() if v is not None}


# ------------------------------------------------------------------------------------------------ archive.org


def test_archive_org_item_metadata() -> None:
    (frag,) = frags(list(read_archive_org_item(CASE / "archive-org" / "release7-ar.json")))
    video = nodes(frag, "Video")[0]
    assert video.key == "video:archive.org:release7-ar"
    # the original mp4's hashes; not the _meta.xml bookkeeping file, not the ogv derivative
    assert video.props["hashes"] == ["md5:00112233445566778899aabbccddeeff",
                                     "sha1:0123456789abcdef0123456789abcdef01234567"]  # fmt: skip
    assert (video.props["language"], video.props["duration"]) == ("ar", 610.52)  # 'ara'
    assert video.props["added_at"] == datetime(2015, 11, 14, 8, tzinfo=UTC)
    (check,) = nodes(frag, "UrlCheck")
    assert check.props["checked_at"] == datetime(2015, 11, 14, 12, tzinfo=UTC)  # the answer's `created`
    assert (check.props["status"], check.props["rule"], check.props["captured_by"]) == (
        "alive", "archive-metadata-item", "created")  # fmt: skip


def test_an_empty_answer_is_a_removal_at_its_capture_time(tmp_path: Path) -> None:
    (frag,) = frags(list(read_archive_org_item(CASE / "archive-org" / "release7-ar-mirror.json")))
    (check,) = nodes(frag, "UrlCheck")
    assert check.props["url"] == "https://archive.org/details/release7-ar-mirror"  # from the file name
    assert (check.props["status"], check.props["rule"], check.props["captured_by"]) == (
        "removed", "archive-metadata-empty", "sidecar")  # fmt: skip
    assert check.props["checked_at"] == datetime(2015, 11, 16, 13, tzinfo=UTC)
    dark = tmp_path / "answer.json"
    dark.write_text('{"is_dark": true, "metadata": {"identifier": "some-item"}}')
    os.utime(dark, (1447761600, 1447761600))  # no created, no sidecar: the file's time, 2015-11-17 12:00
    (frag,) = frags(list(read_archive_org_item(dark)))
    (check,) = nodes(frag, "UrlCheck")
    assert (check.props["status"], check.props["rule"], check.props["checked_at"]) == (
        "removed", "archive-metadata-dark", datetime(2015, 11, 17, 12, tzinfo=UTC))  # fmt: skip
    (frag,) = frags(list(read_archive_org_item(dark, captured_at="2015-11-18T00:00:00Z")))
    assert nodes(frag, "UrlCheck")[0].props["captured_by"] == "option"
    nameless = tmp_path / "saved answer (1).json"
    nameless.write_text("{}")
    (reject,) = list(read_archive_org_item(nameless))
    assert isinstance(reject, Reject) and reject.reason.startswith("no item identifier")


def test_archive_org_search_downloads_are_views() -> None:
    first, second = frags(list(read_archive_org_search(CASE / "archive-org" / "search.json")))
    assert [(r.start.key, r.props["views"]) for r in rels(first, "SERVES")] == [
        ("https://archive.org/details/release7-ar", 1234)]  # fmt: skip
    assert rels(second, "SERVES")[0].props["views"] == 56
    assert nodes(first, "UrlCheck") == []  # a search answer observes nothing


def test_archive_org_scrape_api(tmp_path: Path) -> None:
    path = tmp_path / "scrape.json"
    path.write_text(json.dumps({"items": [{"identifier": "a-b", "downloads": "17"}, {"title": "no id"}],
                                "count": 2, "total": 2}))  # fmt: skip
    items = list(read_archive_org_search(path))
    assert isinstance(items[1], Reject) and items[1].line == 2
    assert rels(items[0], "SERVES")[0].props["views"] == 17  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- YouTube Data API


def test_videos_list() -> None:
    (frag,) = frags(list(read_youtube_api(FIXTURES / "python-youtube" / "pythonyoutube_video_api_response.json")))
    video = nodes(frag, "Video")[0]
    assert video.key == "video:youtube:D-lhorsDlUQ"
    assert (video.props["duration"], video.props["language"], video.props["availability"]) == (1267, "en", "public")
    assert video.props["uploaded_at"] == datetime(2019, 3, 21, 20, 37, 49, tzinfo=UTC)
    assert rels(frag, "SERVES")[0].props == {"views": 7920}  # "7920", a string
    assert [n.key for n in nodes(frag, "Account")] == ["youtube:UC_x5XG1OV2P6uZZ5FSM9Ttw"]
    assert nodes(frag, "UrlCheck") == []  # no capture time known but the file's: no observation
    multi = frags(list(read_youtube_api(FIXTURES / "python-youtube" / "pythonyoutube_videos_info_multi.json")))
    assert [nodes(f, "Video")[0].key for f in multi] == ["video:youtube:D-lhorsDlUQ", "video:youtube:ovdbrdCIP7U"]
    assert rels(multi[0], "SERVES")[0].props == {"views": None}  # no statistics part requested


def test_comment_threads() -> None:
    path = FIXTURES / "python-youtube" / "pythonyoutube_comment_threads_by_video_paged_1.json"
    threads = frags(list(read_youtube_api(path)))
    assert len(threads) == 5
    first = threads[0]
    comment = next(n for n in nodes(first, "Post") if n.key.startswith("youtube:comment:"))
    assert comment.key == "youtube:comment:UgyZ1jqkHKYvi1-ruOZ4AaABAg"
    assert (comment.props["text"], comment.props["created_at"]) == (
        "Google.com", datetime(2019, 11, 26, 15, 51, 44, tzinfo=UTC))  # fmt: skip
    assert [(r.start.key, r.end.key) for r in rels(first, "REPLIES_TO")] == [
        (comment.key, "youtube:video:F1UP7wRCPH8")]  # fmt: skip
    assert [r.start.key for r in rels(first, "POSTED")] == ["youtube:UCzj-CjKYmGlZ7vTL-vOe57A"]
    # textOriginal has no scheme; the link is in textDisplay's anchor
    assert [r.end.key for r in rels(first, "LINKS_TO") if r.start == comment.ref] == ["https://google.com/"]
    last = threads[4]
    # '#ChromeDevSummit' is a hashtag, and its youtube.com/results link is YouTube's own, not a shared URL
    assert [r.end.key for r in rels(last, "TAGS")] == ["chromedevsummit"]
    assert [r.end.key for r in rels(last, "LINKS_TO") if r.start.key.startswith("youtube:comment:")] == []


def test_iso_durations() -> None:
    assert [iso_duration(v) for v in ("PT21M7S", "PT1H", "P1DT2S", "PT0S", "PT1.5S", "P", "21:07", None)] == [
        1267, 3600, 86402, 0, 1.5, None, None, None]  # fmt: skip


# ------------------------------------------------------------------------------------------ malformed records

_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                     max_leaves=12)  # fmt: skip
_KEYS = st.sampled_from(["id", "title", "webpage_url", "epoch", "timestamp", "duration", "view_count", "_type",
                         "entries", "channel_id", "uploader_id", "availability", "metadata", "files", "is_dark",
                         "created", "items", "kind", "snippet", "response", "docs", "identifier"])  # fmt: skip
_KINDS = st.sampled_from(["youtube#videoListResponse", "youtube#commentThreadListResponse", "other"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(_KEYS, _JSON, max_size=8), kind=_KINDS, items=st.lists(_JSON, max_size=3),
       cut=st.integers(min_value=0, max_value=400))  # fmt: skip
def test_damaged_documents_never_crash(tmp_path: Path, doc: dict, kind: str, items: list, cut: int) -> None:
    """Random, half-valid and truncated documents: Fragments or Rejects naming the file, never an exception."""
    docs = [
        doc,
        {**doc, "kind": kind, "items": items},
        {**doc, "_type": "playlist", "entries": items},
        {"response": {"docs": items}},
        {**doc, "metadata": {"identifier": "x-y", **doc}, "files": items},
    ]
    for i, body in enumerate(docs):
        path = tmp_path / f"doc{i}.json"
        raw = json.dumps(body, default=str)
        for text in (raw, raw[:cut]):
            path.write_text(text)
            for reader in (read_ytdlp_info, read_archive_org_item, read_archive_org_search, read_youtube_api):
                for item in reader(path):
                    assert isinstance(item, Fragment | Reject)
                    if isinstance(item, Reject):
                        assert item.file == str(path) and item.line >= 1 and item.reason
