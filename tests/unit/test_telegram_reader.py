"""The Telegram Desktop reader on real exports (langchain-community fixtures) and hand-made edge cases."""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.readers.telegram import read_telegram
from etl.records import Fragment, Node, Reject

FIXTURES = Path(__file__).parents[1] / "fixtures"
MODERN = FIXTURES / "langchain-community" / "result.json"
LEGACY = FIXTURES / "langchain-community" / "telegram_legacy.json"
EDGE = FIXTURES / "telegram-edge"


def read(path: Path, **options: object) -> tuple[list[Fragment], list[Reject]]:
    items = list(read_telegram(path, **options))  # type: ignore[arg-type]
    return [i for i in items if isinstance(i, Fragment)], [i for i in items if isinstance(i, Reject)]


def nodes(frags: list[Fragment], label: str, *, placeholders: bool = False) -> dict[str, Node]:
    """Nodes of one label by key; real records win over placeholders, as in the writer."""
    found: dict[str, Node] = {}
    for frag in frags:
        for node in frag.nodes:
            if node.label == label and (placeholders or not node.placeholder):
                if node.key not in found or found[node.key].placeholder:
                    found[node.key] = node
    return found


def rels(frags: list[Fragment], rel_type: str) -> set[tuple[str, str]]:
    return {(r.start.key, r.end.key) for f in frags for r in f.rels if r.type == rel_type}


def warnings(frags: list[Fragment]) -> list[str]:
    return [w for f in frags for w in f.warnings]


# ------------------------------------------------------------------------------------- langchain result.json


def test_modern_export_posts_authors_and_times() -> None:
    frags, rejects = read(MODERN)
    assert rejects == []
    posts = nodes(frags, "Post")
    assert sorted(posts) == [f"telegram:user5965280513/{i}" for i in range(1, 7)]
    chat = nodes(frags, "Account")["telegram:user5965280513"]
    assert chat.props["name"] == "Jimmeny" and chat.props["chat_type"] == "personal_chat"
    # date_unixtime "1692821483" is 2023-08-23 20:11:23 UTC (the naive `date` 13:11:23 is the exporter's local time)
    assert posts["telegram:user5965280513/1"].props["created_at"] == datetime(2023, 8, 23, 20, 11, 23, tzinfo=UTC)
    assert posts["telegram:user5965280513/1"].props["text"] == "i refuse to converse with you"
    assert posts["telegram:user5965280513/5"].props["text"] == "this is bold text: BOLD TEXT"
    assert posts["telegram:user5965280513/6"].props["emails"] == ["admin@example.com"]
    jimmeny, batman = "telegram:user123450513", "telegram:user6565661032"
    assert rels(frags, "POSTED") == {
        (jimmeny, "telegram:user5965280513/1"),
        (batman, "telegram:user5965280513/2"),
        (jimmeny, "telegram:user5965280513/3"),
        (jimmeny, "telegram:user5965280513/4"),
        (batman, "telegram:user5965280513/5"),
        (jimmeny, "telegram:user5965280513/6"),
    }
    assert nodes(frags, "Account")[batman].props["name"] == "Batman & Robin"
    # In a personal chat the senders are not the chat: every post is IN_CHAT of it.
    assert len(rels(frags, "IN_CHAT")) == 6
    assert rels(frags, "LINKS_TO") == set() and rels(frags, "TAGS") == set()
    assert warnings(frags) == []


def test_legacy_export_integer_ids_and_local_dates() -> None:
    frags, rejects = read(LEGACY)
    assert rejects == []
    posts = nodes(frags, "Post")
    assert sorted(posts) == [f"telegram:user2730825451/{i}" for i in (1980499, 1980500, 1980501)]
    assert rels(frags, "POSTED") == {
        ("telegram:user4325636679", "telegram:user2730825451/1980499"),
        ("telegram:user4325636679", "telegram:user2730825451/1980500"),
        ("telegram:user4720225552", "telegram:user2730825451/1980501"),
    }
    # No date_unixtime: the naive date is taken as UTC by default, and the reader says so once.
    assert posts["telegram:user2730825451/1980499"].props["created_at"] == datetime(2020, 1, 1, 0, 0, 2, tzinfo=UTC)
    assert len([w for w in warnings(frags) if "taken as UTC" in w]) == 1


def test_assume_tz_shifts_local_dates() -> None:
    frags, _ = read(LEGACY, assume_tz="Europe/Paris")
    post = nodes(frags, "Post")["telegram:user2730825451/1980499"]
    assert post.props["created_at"] == datetime(2019, 12, 31, 23, 0, 2, tzinfo=UTC)
    assert any("Europe/Paris" in w for w in warnings(frags))


# --------------------------------------------------------------------------------- full-account export (own)


@pytest.fixture(scope="module")
def full() -> tuple[list[Fragment], list[Reject]]:
    return read(EDGE / "full_export.json")


def test_full_export_reads_chats_and_left_chats(full: tuple[list[Fragment], list[Reject]]) -> None:
    frags, rejects = full
    chats = {k: n for k, n in nodes(frags, "Account").items() if "chat_type" in n.props}
    assert {k: n.props["chat_type"] for k, n in chats.items()} == {
        "telegram:channel1712345678": "public_channel",
        "telegram:channel1800000001": "private_supergroup",
        "telegram:channel1900000001": "private_channel",
    }
    assert sorted(nodes(frags, "Post")) == sorted(
        [f"telegram:channel1712345678/{i}" for i in (2, 3, 6, 7, 8, 9)]
        + [f"telegram:channel1800000001/{i}" for i in (10, 11, 12, 13)]
        + ["telegram:channel1900000001/1"]
    )
    # The personal_information and contacts sections are not chats: user 700001 appears only as a group sender.
    assert "telegram:user1000001" not in nodes(frags, "Account", placeholders=True)


def test_full_export_rejects_and_skips(full: tuple[list[Fragment], list[Reject]]) -> None:
    frags, rejects = full
    assert [(r.line, r.reason) for r in rejects] == [
        (166, "message #4 of telegram:channel1712345678, id 4, has no date"),  # the physical line of its `{`
        (224, "message #9 of telegram:channel1712345678 has no id"),
    ]
    assert rejects[0].file.endswith("full_export.json") and '"no date at all"' in rejects[0].excerpt
    skipped = [w for w in warnings(frags) if "skipped non-post" in w]
    assert skipped == [
        f"{EDGE / 'full_export.json'}: telegram:channel1712345678: skipped non-post messages (1 service, 1 unsupported)"
    ]


def test_entities_of_a_text_list(full: tuple[list[Fragment], list[Reject]]) -> None:
    frags, _ = full
    post_key = "telegram:channel1712345678/2"
    post = nodes(frags, "Post")[post_key]
    assert post.props["text"].startswith("#Release3 (fr): mirror list here and t.me/OtherMirror/42 also")
    assert post.props["author_signature"] == "Desk"
    assert post.props["reactions"] == 5
    assert post.props["emails"] == ["contact@example.org"]
    assert post.props["phones"] == ["+10000000000"]
    assert post.props["bank_cards"] == ["0000 0000 0000 0000"]
    assert post.props["cashtags"] == ["$TEST"]
    assert post.props["bot_commands"] == ["/start"]
    assert {end for start, end in rels(frags, "TAGS") if start == post_key} == {"release3"}
    assert {end for start, end in rels(frags, "MENTIONS") if start == post_key} == {
        "telegram:handle:someaccount",
        "telegram:user555001",
    }
    assert nodes(frags, "Account", placeholders=True)["telegram:user555001"].props["name"] == "Helper"
    # text_link href, link text without scheme, a URL in plain text (tracker dropped), a URL inside bold text,
    # a URL button; the archive.org download link is the same item as the text_link: one LINKS_TO.
    assert {end for start, end in rels(frags, "LINKS_TO") if start == post_key} == {
        "https://archive.org/details/release3-fr",
        "https://t.me/othermirror/42",
        "https://example.org/page",
        "https://example.net/a",
        "https://mirror.example.com/r3",
    }
    links = [r for f in frags for r in f.rels if r.type == "LINKS_TO" and r.start.key == post_key]
    assert len(links) == 5
    # Channel posts are posted by the channel, not IN_CHAT of it.
    assert ("telegram:channel1712345678", post_key) in rels(frags, "POSTED")
    assert not {s for s, _ in rels(frags, "IN_CHAT")} & {post_key}


def test_forwards_replies_and_media(full: tuple[list[Fragment], list[Reject]]) -> None:
    frags, _ = full
    posts = nodes(frags, "Post")
    channel = "telegram:channel1712345678"
    assert rels(frags, "FORWARDED_FROM") == {
        (f"{channel}/6", "telegram:name:other mirror"),  # name only: NFKC, case-folded, spaces collapsed
        (f"{channel}/7", "telegram:channel1600000001"),  # forwarded_from_id
    }
    assert rels(frags, "FORWARDS") == {(f"{channel}/8", "telegram:channel1600000002/99")}
    assert ("telegram:channel1600000002", "telegram:channel1600000002/99") in rels(frags, "POSTED")
    assert posts[f"{channel}/9"].props["is_forward"] is True  # forwarded_from: null -> no edge
    assert not [s for s, _ in rels(frags, "FORWARDED_FROM") | rels(frags, "FORWARDS") if s == f"{channel}/9"]
    assert rels(frags, "REPLIES_TO") == {
        (f"{channel}/8", f"{channel}/2"),
        ("telegram:channel1800000001/11", "telegram:channel1800000001/10"),
        ("telegram:channel1800000001/12", f"{channel}/2"),  # reply_to_peer_id points into the channel
    }
    photo, video, archive = posts[f"{channel}/6"].props, posts[f"{channel}/7"].props, posts[f"{channel}/8"].props
    assert (photo["media_type"], photo["media_included"], photo["media_file_name"]) == ("photo", False, None)
    assert (video["media_type"], video["media_included"], video["media_file_name"]) == (
        "video_file",
        True,
        "release3_fr.mp4",
    )
    assert (video["media_mime_type"], video["media_duration_s"]) == ("video/mp4", 41)
    assert (archive["media_type"], archive["media_included"]) == ("document", False)
    # A message without date_unixtime falls back to its local date, taken as UTC.
    assert posts[f"{channel}/3"].props["created_at"] == datetime(2023, 5, 1, 10, 6, tzinfo=UTC)


def test_group_senders(full: tuple[list[Fragment], list[Reject]]) -> None:
    frags, _ = full
    group = "telegram:channel1800000001"
    posted = {post: account for account, post in rels(frags, "POSTED") if post.startswith(group)}
    assert posted == {
        f"{group}/10": "telegram:user700001",
        f"{group}/11": group,  # an anonymous admin posts as the group itself
        f"{group}/12": "telegram:channel1712345678",  # the linked channel
        f"{group}/13": "telegram:user700002",  # from: null (deleted account) still has its from_id
    }
    assert {s for s, e in rels(frags, "IN_CHAT") if e == group} == {f"{group}/10", f"{group}/12", f"{group}/13"}
    accounts = nodes(frags, "Account")
    assert accounts["telegram:user700001"].props["name"] == "Member One"
    assert {(s, e) for s, e in rels(frags, "ON") if s == "telegram:user700001"} == {("telegram:user700001", "telegram")}


# ------------------------------------------------------------------------------------------- other edge cases


def test_legacy_channel_offset_ids_and_missing_from() -> None:
    frags, rejects = read(EDGE / "legacy_channel.json")
    assert rejects == []
    channel = "telegram:channel1494031694"  # 10083966286 - 2**33
    assert sorted(nodes(frags, "Post")) == [f"{channel}/100", f"{channel}/101"]
    assert rels(frags, "POSTED") == {(channel, f"{channel}/100"), (channel, f"{channel}/101")}
    assert rels(frags, "LINKS_TO") == {(f"{channel}/100", "https://justpaste.it/abc12")}
    assert any(w.endswith("skipped non-post messages (1 service)") for w in warnings(frags))


def test_messages_before_the_chat_id() -> None:
    frags, rejects = read(EDGE / "messages_before_id.json")
    assert rejects == []
    assert frags[0].nodes[0].key == "telegram:channel1234567"  # the chat is announced before its posts
    assert sorted(nodes(frags, "Post")) == ["telegram:channel1234567/1", "telegram:channel1234567/2"]


def test_truncated_export_keeps_what_was_read(tmp_path: Path) -> None:
    raw = MODERN.read_bytes()
    cut = tmp_path / "result.json"
    cut.write_bytes(raw[: raw.index(b'"id": 5,')])
    frags, rejects = read(cut)
    assert sorted(nodes(frags, "Post")) == [f"telegram:user5965280513/{i}" for i in range(1, 5)]
    line = raw[: raw.index(b'"id": 5,')].rstrip().rstrip(b"{").count(b"\n") + 1  # where message #5 starts
    assert [(r.line, r.unit) for r in rejects] == [(line, "line")]
    assert rejects[0].reason.startswith("message #5 of telegram:user5965280513 (byte ")
    assert "cannot be read: truncated at byte" in rejects[0].reason


def test_bom_and_zero_unixtime(tmp_path: Path) -> None:
    export = {
        "name": "Beacon",
        "type": "public_channel",
        "id": 42,
        "messages": [
            {"id": 1, "type": "message", "date": "2023-01-02T03:04:05", "date_unixtime": "0000000000", "text": "x"}
        ],
    }
    path = tmp_path / "result.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(export).encode())
    frags, rejects = read(path)
    assert rejects == []
    # "0000000000" (hand-edited exports) is no date: the local date is used instead.
    assert nodes(frags, "Post")["telegram:channel42/1"].props["created_at"] == datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_memory_stays_flat_on_a_large_export(tmp_path: Path) -> None:
    message = {
        "id": 0,
        "type": "message",
        "date": "2023-05-29T04:13:27",
        "date_unixtime": "1685315607",
        "from": "Beacon",
        "from_id": "channel7",
        "text": [
            {"type": "hashtag", "text": "#release"},
            " mirror ",
            {"type": "link", "text": "https://example.org/x"},
        ],
    }
    path = tmp_path / "big.json"
    count = 4000
    with open(path, "w") as fh:
        fh.write('{"name": "Beacon", "type": "public_channel", "id": 7, "messages": [')
        fh.write(",".join(json.dumps({**message, "id": i}) for i in range(1, count + 1)))
        fh.write("]}")
    assert path.stat().st_size > 900_000
    tracemalloc.start()
    try:
        posts = sum(1 for item in read_telegram(path) if isinstance(item, Fragment) and item.nodes[0].label == "Post")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert posts == count
    assert peak < 3_000_000  # json.load of this file alone peaks above 6 MB


# ------------------------------------------------------------------------------------------ malformed records

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    ["id", "type", "date", "date_unixtime", "from", "from_id", "text", "text_entities", "forwarded_from",
     "forwarded_from_id", "reply_to_message_id", "reply_to_peer_id", "photo", "file", "media_type", "mime_type",
     "duration_seconds", "reactions", "inline_bot_buttons", "author", "edited_unixtime"]
)  # fmt: skip
_PLAIN = (str, int, float, bool, datetime)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=st.lists(st.dictionaries(_KEYS, _JSON, max_size=10) | _JSON, max_size=4), chat_id=_JSON)
def test_random_messages_never_crash(tmp_path: Path, messages: list[object], chat_id: object) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps({"name": "Fuzz", "type": "public_channel", "id": chat_id, "messages": messages}))
    for item in read_telegram(path):
        if isinstance(item, Fragment):
            for node in item.nodes:
                for value in node.props.values():
                    assert (
                        value is None
                        or isinstance(value, _PLAIN)
                        or (isinstance(value, list) and all(isinstance(v, _PLAIN) for v in value))
                    ), (node.key, value)
