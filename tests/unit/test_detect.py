"""Format sniffing on every fixture (real and our own), on synthetic edge cases, and the directory walk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.detect import SNIFF_BYTES, detect_format, iter_source_files
from etl.errors import SourceFormatError
from etl.readers import FORMATS
from etl.records import Fragment

FIXTURES = Path(__file__).parents[1] / "fixtures"

EXPECTED = {
    "coordination-network-toolkit/coretweet_test_input.csv": "qut-csv",
    "coordination-network-toolkit/sample_data.csv": "qut-csv",
    "isis-twitter/how_isis_uses_twitter_sample_from_xlsx.csv": "isis-kaggle",
    "isis-fanboy/AboutIsis_sample.csv": "isis-fanboy",
    "x-io-archive/exampleop_tweets_csv_hashed.csv": "twitter-io",
    "x-io-archive/exampleop_users_csv_hashed.csv": "twitter-io",
    "fivethirtyeight-ira/IRAhandle_tweets_sample.csv": "fivethirtyeight-ira",
    "fivethirtyeight-ira/IRAhandle_tweets_sample_resaved.csv": "fivethirtyeight-ira",
    "tags-archive/tags_archive_sample.csv": "tags-archive",
    "langchain-community/result.json": "telegram",
    "langchain-community/telegram_legacy.json": "telegram",
    "python-twitter/3.2/extended_tweet_in_compat_mode.json": "twitter-v1",
    "python-twitter/3.2/extended_tweet_in_extended_mode.json": "twitter-v1",
    "python-twitter/get_search_geocode.json": "twitter-v1",
    "python-twitter/get_status_promoted_video_tweet.json": "twitter-v1",
    "python-twitter/models/status_quoted_tweet_with_media.json": "twitter-v1",
    "python-twitter/post_retweet.json": "twitter-v1",
    "python-twitter/streaming/streaming_extended_tweet.json": "twitter-v1",
    "tweet_parser/original_format_missing_user.json": "twitter-v1",
    "gnip/original_format_examples.json": "twitter-v1",
    "gnip/activity_streams_examples.json": "gnip-activity-streams",
    "bluesky/marshalx_thread_view_post_with_embed_media.json": "bluesky",
    "bluesky/jetstream_golden_v1.jsonl": "bluesky-jetstream",
    "twarc-csv/generated/media_tweet.csv": "twarc-csv",
    "twarc-csv/generated/quoted_edit.csv": "twarc-csv",
    "twarc-csv/many_urls.jsonl": "twarc2",
    "twarc-csv/media_tweet.jsonl": "twarc2",
    "twarc-csv/quoted_edit.jsonl": "twarc2",
    "twarc-csv/streaming_output_with_error.jsonl": "twarc2",
    "twarc-csv/two_tweets.jsonl": "twarc2",
    "telegram-edge/full_export.json": "telegram",
    "telegram-edge/legacy_channel.json": "telegram",
    "telegram-edge/messages_before_id.json": "telegram",
    "telethon/bdakts_public_group_messages_britishnewspatriot_1799276919.txt": "telethon",
    "telethon/bdakts_examples_bloomberg.txt": "telethon",
    "telethon-made/tracker_dump.json": "telethon",
    "telethon-made/array.json": "telethon",
    "telethon-made/fourcat.ndjson": "4cat-telegram",
    "telethon-made/tgdataset.json": "tgdataset",
    "swarmgraph/videos.csv": "videos",
    "swarmgraph/url_checks.csv": "url-checks",
    "swarmgraph/snapshots.jsonl": "snapshots",
    "swarmgraph/accounts.csv": "accounts",
    "yt-dlp/ytdlp_test_AeonCo_2_emyi4z-O0ls.info.json": "ytdlp",
    "youtube-dl/youtube-dl_YcAQlkx.info.json": "ytdlp",
    "python-youtube/pythonyoutube_video_api_response.json": "youtube-api",
    "python-youtube/pythonyoutube_videos_info_multi.json": "youtube-api",
    "python-youtube/pythonyoutube_comment_threads_by_video_paged_1.json": "youtube-api",
    "edgi-wayback/edgi_cdx_cnn_2001_page1.txt": "cdx",
    "edgi-wayback/edgi_cdx_dw_revisits_page1.txt": "cdx",
    "edgi-wayback/edgi_cdx_nasa_1996_duplicate_rows.txt": "cdx",
    "pgark/pgark_available-true.json": "wayback-available",
    "pgark/pgark_available-false.json": "wayback-available",
    "warcio/warcio_example.warc.gz": "warc",
    "warcio/warcio_example-iana.org-chunked.warc": "warc",
    "py-wacz/pywacz_valid_signed_example_1.wacz": "warc",
}
FOLDERS = sorted({name.split("/")[0] for name in EXPECTED})


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_every_fixture_is_detected(name: str, expected: str) -> None:
    assert detect_format(FIXTURES / name) == expected


def test_expectations_cover_the_fixture_folders() -> None:
    """A data file added to these folders needs its expected format here."""
    found = {p.relative_to(FIXTURES).as_posix() for p in iter_source_files([FIXTURES / f for f in FOLDERS])}
    assert found == set(EXPECTED)


def test_registry_names() -> None:
    assert list(FORMATS) == [
        "twarc2",
        "twarc2-flat",
        "twarc-csv",
        "twitter-v1",
        "gnip-activity-streams",
        "bluesky",
        "bluesky-jetstream",
        "telegram",
        "telethon",
        "4cat-telegram",
        "tgdataset",
        "qut-csv",
        "isis-kaggle",
        "isis-fanboy",
        "twitter-io",
        "fivethirtyeight-ira",
        "tags-archive",
        "videos",
        "url-checks",
        "snapshots",
        "accounts",
        "ytdlp",
        "archive-org",
        "archive-org-search",
        "youtube-api",
        "cdx",
        "cdx-json",
        "wayback-available",
        "warc",
    ]


def test_registry_reads_lazily_and_passes_options() -> None:
    items = list(FORMATS["telegram"](FIXTURES / "langchain-community/telegram_legacy.json", assume_tz="Asia/Baghdad"))
    post = next(n for i in items if isinstance(i, Fragment) for n in i.nodes if n.label == "Post")
    assert post.props["created_at"].isoformat() == "2019-12-31T21:00:02+00:00"


# --------------------------------------------------------------------------------------- synthetic edge cases


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # twarc2 flatten: one tweet per line with inline author
        ('{"id": "1", "text": "x", "author_id": "2", "author": {"id": "2"}, "__twarc": {}}\n', "twarc2-flat"),
        # v1.1 stream: a limit notice first, then a tweet
        (
            '{"limit": {"track": 3}}\n{"id_str": "1", "created_at": "Wed Jun 08 15:23:27 +0000 2017", "user": {}}\n',
            "twitter-v1",
        ),
        # a twarc2 line that only carries errors, then a page
        ('{"errors": [{"title": "Not Found Error"}]}\n{"data": [{"id": "1", "text": "x"}], "meta": {}}\n', "twarc2"),
        # an array of v1.1 tweets, pretty-printed
        ('[\n  {\n  "id_str": "1",\n  "user": {"id_str": "2"}\n  }\n]\n', "twitter-v1"),
        # snapshots
        ('{"page_url": "https://justpaste.it/a", "captured_at": "2015-11-15T10:00:00Z", "content": ""}\n', "snapshots"),
        # QUT with its own header names (names are free, order fixed)
        ("id,author,handle,rt,re,body,time,links\n1,u,h,,,x,1447491600,\n", "qut-csv"),
        ("id,author,handle,rt,re,body,time,links\n1,u,h,,,x,2015-11-14T09:00:00Z,\n", "qut-csv"),
        # own formats: order free, header case-insensitive, BOM
        ("\ufeffstatus,URL,checked_at\nalive,https://e.example/,2015-11-20T08:00:00Z\n", "url-checks"),
        ("uid,same_actor_as\ntwitter:1,twitter:2\n", "accounts"),
    ],
)
def test_synthetic_detection(tmp_path: Path, content: str, expected: str) -> None:
    assert detect_format(write(tmp_path, "input", content)) == expected


def test_long_first_line_is_judged_by_its_streamed_keys(tmp_path: Path) -> None:
    tweets = [{"id": str(i), "text": "Release 3 (fr): mirror list " * 20, "author_id": "7"} for i in range(400)]
    line = json.dumps({"data": tweets, "includes": {}, "meta": {}})
    assert len(line) > SNIFF_BYTES
    assert detect_format(write(tmp_path, "page.jsonl", line + "\n")) == "twarc2"


def test_full_telegram_export_with_a_long_contact_list(tmp_path: Path) -> None:
    contacts = [{"first_name": f"Contact {i}", "phone_number": "+10000000000"} for i in range(3000)]
    export = {"about": "x", "personal_information": {"user_id": 1}, "contacts": {"list": contacts}, "chats": {}}
    path = write(tmp_path, "result.json", json.dumps(export, indent=1))
    assert path.stat().st_size > SNIFF_BYTES
    assert detect_format(path) == "telegram"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        (b"PK\x03\x04\x00\x00binary", "a binary file"),
        ("id,tweet_url,created_at,parsed_created_at,user_screen_name\n", "looks like twarc v1 CSV"),
        ("Page Name,User Name,Facebook Id,Post Created\n", "looks like a CrowdTangle export"),
        ("a,b,c\n1,2,3\n", "no known format matches"),
        ('{"something": "else"}\n', "no known format matches"),
        ('[{"id_str": "1"}]', "no known format matches"),
        ('[{"data": [{"id": "1", "text": "x"}], "meta": {}}]', "no known format matches"),
    ],
)
def test_unknown_formats_name_what_was_tried(tmp_path: Path, content: str | bytes, message: str) -> None:
    with pytest.raises(SourceFormatError, match=message) as info:
        detect_format(write(tmp_path, "input", content))
    if "matches" in message or "looks like" in message:
        assert ", ".join(FORMATS) in str(info.value)


# ------------------------------------------------------------------------------------------------ directories


def test_iter_source_files_walks_sorted_and_skips(tmp_path: Path) -> None:
    for name in [
        "b/z.jsonl",
        "b/a.csv",
        "a.json",
        "c/photos/photo_1.jpg",
        "c/messages.html",
        ".hidden.jsonl",
        ".git/objects.json",
        "ground_truth.json",
        "rejects.jsonl",
        "load-2024.rejects.jsonl",
        "README.md",
        "notes.md",
        "manifest.json",
        "LICENSE.csv",
        "d/e.NDJSON",
    ]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_source_files([tmp_path])]
    assert found == ["a.json", "b/a.csv", "b/z.jsonl", "d/e.NDJSON"]


def test_iter_source_files_named_files_and_duplicates(tmp_path: Path) -> None:
    truth = write(tmp_path, "ground_truth.json", "{}")
    data = write(tmp_path, "data.csv", "a,b\n")
    # A file named explicitly is read even if a directory walk would skip it; each file once.
    assert list(iter_source_files([truth, data, tmp_path])) == [truth, data]
    with pytest.raises(SourceFormatError, match="no such file or directory"):
        list(iter_source_files([tmp_path / "missing.jsonl"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.binary(max_size=300)
    | st.text(max_size=300).map(lambda t: ("{" + t).encode("utf-8", "surrogatepass"))
    | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))
)
def test_any_bytes_give_a_format_or_a_source_format_error(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, "input", content)
    try:
        assert detect_format(path) in FORMATS
    except SourceFormatError as exc:
        assert str(path) in str(exc)
