"""Bluesky readers on the public samples (a getPostThread response, Jetstream events; tests/fixtures/SOURCES.md)
and on a hand-made getAuthorFeed page in the documented shape, with facts worked out by hand; damaged input.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_twitter_readers import load

from etl.detect import detect_format
from etl.errors import SourceFormatError
from etl.readers.bluesky import read_bluesky
from etl.readers.bluesky_jetstream import event_time, read_bluesky_jetstream
from etl.records import Fragment, Reject
from etl.urls import canonical_url, identify_url

FIXTURES = Path(__file__).parent.parent / "fixtures"
THREAD = FIXTURES / "bluesky" / "marshalx_thread_view_post_with_embed_media.json"
JETSTREAM = FIXTURES / "bluesky" / "jetstream_golden_v1.jsonl"
FEED = FIXTURES / "bluesky-made" / "author_feed.json"

MARSHAL = "did:plc:kvwvcn5iqfooopmyzvb4qzba"
ALICE, BOB, CAROL = (
    "did:plc:alicealicealicealice2222",
    "did:plc:bobbobbobbobbobbobbob222",
    "did:plc:carolcarolcarolcarol2222",
)


def post(did: str, rkey: str) -> str:
    return f"bluesky:at://{did}/app.bsky.feed.post/{rkey}"


def acc(did: str) -> str:
    return f"bluesky:{did}"


# ------------------------------------------------------------------------------------------ API responses


def test_thread_with_a_quote_inside_record_with_media() -> None:
    g = load(read_bluesky(THREAD))
    quote, quoted = post(MARSHAL, "3kaheyt6vpc22"), post(MARSHAL, "3kahesw26il2z")
    assert g.keys("Post") == {quote, quoted} and g.placeholders == set()
    assert g.accounts == {acc(MARSHAL)}
    assert g.rel_counts() == {"ON": 1, "POSTED": 2, "QUOTES": 1}
    assert g.of("QUOTES") == {(quote, quoted)}  # only inside embed.record.record (recordWithMedia)
    assert g.props[("Post", quote)]["text"] == ""  # an image quote with no words
    assert g.props[("Post", quoted)]["text"] == "test"  # from the view's viewRecord.value
    assert g.props[("Post", quote)]["created_at"] == datetime(2023, 9, 28, 12, 49, 36, 735000, tzinfo=UTC)
    assert g.props[("Post", quote)]["has_video"] is False  # images, not a video
    account = g.props[("Account", acc(MARSHAL))]
    assert (account["handle"], account["name"], account["platform"]) == ("test.marshal.dev", "Python SDK", "bluesky")
    assert g.rejects == [] and g.warnings == []


def test_author_feed_repost_reply_quote_facets_and_links() -> None:
    g = load(read_bluesky(FEED))
    first, reply, bobs, bobs_root, carols = (post(ALICE, "3kaaaaaaaaa21"), post(ALICE, "3kaaaaaaaaa23"),
                                            post(BOB, "3kbbbbbbbbb22"), post(BOB, "3kbbbbbbbbb21"),
                                            post(CAROL, "3kccccccccc22"))  # fmt: skip
    repost = f"bluesky:repost:{ALICE}:at://{BOB}/app.bsky.feed.post/3kbbbbbbbbb22"
    assert g.keys("Post") == {first, reply, bobs, bobs_root, carols, repost} and g.placeholders == set()
    assert g.accounts == {acc(ALICE), acc(BOB), acc(CAROL)}
    assert g.rel_counts() == {"ON": 3, "POSTED": 6, "REPOSTS": 1, "QUOTES": 1, "REPLIES_TO": 1, "MENTIONS": 1,
                              "TAGS": 1, "LINKS_TO": 4, "HOSTED_ON": 4}  # fmt: skip
    assert g.of("REPOSTS") == {(repost, bobs)} and (acc(ALICE), repost) in g.of("POSTED")
    assert g.props[("Post", repost)]["created_at"] == datetime(2024, 3, 2, 9, 0, tzinfo=UTC)  # reason.indexedAt
    assert g.of("REPLIES_TO") == {(reply, bobs_root)}
    assert g.props[("Post", bobs_root)]["text"] == "A question"  # the feed's reply context is a full post
    assert g.of("QUOTES") == {(bobs, carols)} and (acc(CAROL), carols) in g.of("POSTED")
    assert g.of("MENTIONS") == {(first, acc(BOB))} and g.of("TAGS") == {(first, "election")}
    assert (first, "https://example.org/report") in g.of("LINKS_TO")  # facet link, tracking parameter dropped
    assert (first, "https://news.example.net/story/1") in g.of("LINKS_TO")  # embed.external.uri
    # a handle-form bsky.app link: bob's handle is in the file, so the Url names his DID; nobody's is not
    resolved = f"https://bsky.app/profile/{BOB}/post/3kbbbbbbbbb22"
    assert g.of("LINKS_TO") >= {
        (reply, resolved),
        (reply, "https://bsky.app/profile/nobody.example.net/post/3kzzzzzzzzz22"),
    }
    assert g.props[("Url", resolved)]["raw_forms"] == ["https://bsky.app/profile/Bob.Example.com/post/3kbbbbbbbbb22"]
    assert g.props[("Url", resolved)]["platform"] == "bluesky"
    first_props = g.props[("Post", first)]
    assert (first_props["reply_count"], first_props["repost_count"], first_props["like_count"]) == (1, 2, 5)
    assert [r.reason for r in g.rejects] == ["feed[4]: post without an at:// uri: 'None'"]
    assert g.rejects[0].line == 1 and g.rejects[0].file == str(FEED)


def test_json_lines_of_search_pages_and_single_posts(tmp_path: Path) -> None:
    feed = json.loads(FEED.read_text(encoding="utf-8"))
    views = [entry["post"] for entry in feed["feed"][:3]]
    path = tmp_path / "search.jsonl"
    lines = ["{broken first", json.dumps({"posts": views[:2], "cursor": "1", "hitsTotal": 3}), "{broken",
             json.dumps(views[2])]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    clean = tmp_path / "clean.jsonl"
    clean.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")
    assert detect_format(clean) == "bluesky"  # (detection stops at a broken first line; --format reads on)
    g = load(read_bluesky(path))
    assert post(ALICE, "3kaaaaaaaaa23") in g.posts and post(CAROL, "3kccccccccc22") in g.posts
    assert [(r.line, r.reason[:12]) for r in g.rejects] == [(1, "invalid JSON"), (3, "invalid JSON")]
    # the handle of bob came from line 2: line 4's handle-form link resolves to his DID
    assert (post(ALICE, "3kaaaaaaaaa23"), f"https://bsky.app/profile/{BOB}/post/3kbbbbbbbbb22") in g.of("LINKS_TO")


def test_bsky_app_urls_canonicalise() -> None:
    assert canonical_url("http://www.bsky.app/profile/Alice.Example.COM/post/3kAbc22?ref_src=x") == (
        "https://bsky.app/profile/alice.example.com/post/3kAbc22"
    )  # the handle is case-insensitive, the record key is not
    assert canonical_url(f"https://bsky.app/profile/{BOB.replace(':', '%3A')}/post/3k2/") == (
        f"https://bsky.app/profile/{BOB}/post/3k2"
    )
    assert identify_url("https://bsky.app/profile/alice.example.com").platform == "bluesky"


def test_a_file_of_another_format_is_refused() -> None:
    with pytest.raises(SourceFormatError, match="line 1 is not a Bluesky API response or post"):
        list(read_bluesky(FIXTURES / "gnip" / "activity_streams_examples.json"))
    with pytest.raises(SourceFormatError, match="line 1 is not a Bluesky Jetstream event"):
        list(read_bluesky_jetstream(FIXTURES / "twarc-csv" / "two_tweets.jsonl"))


# ------------------------------------------------------------------------------------------------ Jetstream


def test_jetstream_sample_events() -> None:
    g = load(read_bluesky_jetstream(JETSTREAM))
    author, parent_did = "did:plc:q235v55g5unth4zjjdpacfdr", "did:plc:j76trmiofvaxxpvx2vnb2vwf"
    reposter, reposted_did = "did:plc:eizxoqcsvvvarxeb3pjkblrp", "did:plc:hjloomm2tkve3pmfgbxegl3v"
    reply, parent = post(author, "3mmoojp4cd223"), post(parent_did, "3mmojbrjwbs26")
    reposted = post(reposted_did, "3mmood3a6hc25")
    repost = f"bluesky:repost:{reposter}:at://{reposted_did}/app.bsky.feed.post/3mmood3a6hc25"
    # 10 events: a like, a follow, a block and two other apps' records are not in the model
    assert g.keys("Post") == {reply, repost} and g.placeholders == {parent, reposted}
    assert g.rel_counts() == {"ON": 6, "POSTED": 4, "REPLIES_TO": 1, "REPOSTS": 1}
    assert g.of("REPLIES_TO") == {(reply, parent)} and g.of("REPOSTS") == {(repost, reposted)}
    props = g.props[("Post", reply)]
    assert props["text"] == "Try RSV for a good time !!" and props["lang"] == "en"
    assert props["created_at"] == datetime(2026, 5, 25, 14, 23, 28, 757000, tzinfo=UTC)  # record.createdAt
    assert props["indexed_at"] == datetime(2026, 5, 25, 14, 23, 29, 157119, tzinfo=UTC)  # time_us, microseconds
    assert g.props[("Account", acc("did:plc:o6t5vwyr7ae73foww7bgye4r"))]["name"] == "Multiversal Lokis Unit🔞"
    assert g.props[("Account", acc("did:plc:g4ut2w5755qxi3fe7mfs72p4"))]["account_status"] == "active"
    assert g.rejects == []


def test_jetstream_deletes_takedowns_handles_and_damage(tmp_path: Path) -> None:
    did = "did:plc:zzzzzzzzzzzzzzzzzzzzzzzz"
    events = [
        {"did": did, "time_us": 1_700_000_000_000_000, "kind": "identity",
         "identity": {"did": did, "handle": "zed.example.com", "seq": 1, "time": "2023-11-14T22:13:20Z"}},
        {"did": did, "time_us": 1_700_000_001_000_000, "kind": "commit",
         "commit": {"operation": "delete", "collection": "app.bsky.feed.post", "rkey": "3kdel"}},
        {"did": did, "time_us": 1_700_000_002_000_000, "kind": "account",
         "account": {"active": False, "status": "takendown", "did": did, "time": "2023-11-14T22:13:22Z"}},
        {"did": did, "time_us": "soon", "kind": "commit", "commit": {}},
        {"did": did, "time_us": 1_700_000_003_000_000, "kind": "commit",
         "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "3knorec"}},
        {"did": ALICE, "time_us": 1_700_000_004_000_000, "kind": "commit",
         "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "3klink",
                    "record": {"$type": "app.bsky.feed.post", "text": "see", "createdAt": "2023-11-14T22:13:24Z",
                               "facets": [{"features": [{"$type": "app.bsky.richtext.facet#link",
                                                         "uri": "https://bsky.app/profile/zed.example.com/post/3kx"}]}]}}},
    ]  # fmt: skip
    path = tmp_path / "jetstream.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n", encoding="utf-8")
    assert detect_format(path) == "bluesky-jetstream"
    g = load(read_bluesky_jetstream(path))
    deleted = post(did, "3kdel")
    assert g.placeholders == {deleted}
    assert g.props[("Post", deleted)]["deleted_at"] == datetime(2023, 11, 14, 22, 13, 21, tzinfo=UTC)
    zed = g.props[("Account", acc(did))]
    assert (zed["handle"], zed["account_status"]) == ("zed.example.com", "takendown")
    assert zed["suspended_at"] == datetime(2023, 11, 14, 22, 13, 22, tzinfo=UTC)
    assert (post(ALICE, "3klink"), f"https://bsky.app/profile/{did}/post/3kx") in g.of("LINKS_TO")
    assert {r.line: r.reason for r in g.rejects} == {
        4: "commit event: time_us is not a time in microseconds: 'soon'",
        5: "commit event: create of app.bsky.feed.post without a record",
    }
    assert event_time(1_779_719_009_132_431) == datetime(2026, 5, 25, 14, 23, 29, 132431, tzinfo=UTC)


# ------------------------------------------------------------------------------------------ damaged input

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**62), 2**62) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_POST_KEYS = st.sampled_from(["uri", "author", "record", "embed", "replyCount", "indexedAt", "likeCount"])
_RECORD_KEYS = st.sampled_from(["text", "createdAt", "langs", "facets", "reply", "embed", "tags"])
_EVENT_KEYS = st.sampled_from(["did", "time_us", "kind", "commit", "identity", "account"])
_PLAIN = (str, int, float, bool, datetime)


def _plain_props(items: list[Fragment | Reject], path: Path) -> None:
    for item in items:
        if isinstance(item, Reject):
            assert item.file == str(path) and item.line >= 1 and item.reason
            continue
        for node in item.nodes:
            for value in node.props.values():
                assert (
                    value is None
                    or isinstance(value, _PLAIN)
                    or (isinstance(value, list) and all(isinstance(v, _PLAIN) for v in value))
                ), (node.key, value)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    posts=st.lists(st.dictionaries(_POST_KEYS, _JSON, max_size=5), max_size=3),
    records=st.lists(st.dictionaries(_RECORD_KEYS, _JSON, max_size=5), max_size=3),
)
def test_random_posts_never_crash(tmp_path: Path, posts: list[dict[str, object]], records: list[object]) -> None:
    base = json.loads(FEED.read_text(encoding="utf-8"))["feed"][0]["post"]
    damaged = [{**base, **p} for p in posts] + [{**base, "record": {**base["record"], **r}} for r in records]
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps({"posts": [base, *damaged]}), encoding="utf-8")
    items = list(read_bluesky(path))
    assert isinstance(items[0], Fragment) and len(items) == 1 + len(damaged)
    _plain_props(items, path)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(st.dictionaries(_EVENT_KEYS, _JSON, max_size=6), max_size=4), commit=_JSON)
def test_random_jetstream_events_never_crash(tmp_path: Path, events: list[dict[str, object]], commit: object) -> None:
    lines = JETSTREAM.read_text(encoding="utf-8").splitlines()[:2]
    base = json.loads(lines[1])
    records = [base, *({**base, **e} for e in events), {**base, "commit": commit}]
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    items = list(read_bluesky_jetstream(path))
    assert isinstance(items[0], Fragment)
    _plain_props(items, path)
