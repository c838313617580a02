"""The Telethon, 4CAT and TGDataset readers on real BDA-KTS dumps and hand-made files, and Desktop/Telethon parity."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.detect import detect_format, is_skipped, iter_source_files
from etl.readers.telegram import read_telegram
from etl.readers.telegram_common import marked_peer_key
from etl.readers.telethon import read_telethon
from etl.readers.tgdataset import read_tgdataset
from etl.records import Fragment, Node, ReaderItem, Reject

FIXTURES = Path(__file__).parents[1] / "fixtures"
PATRIOT = FIXTURES / "telethon" / "bdakts_public_group_messages_britishnewspatriot_1799276919.txt"
BLOOMBERG = FIXTURES / "telethon" / "bdakts_examples_bloomberg.txt"
MADE = FIXTURES / "telethon-made"


def split(items: list[ReaderItem]) -> tuple[list[Fragment], list[Reject]]:
    return [i for i in items if isinstance(i, Fragment)], [i for i in items if isinstance(i, Reject)]


def nodes(frags: list[Fragment], label: str, *, placeholders: bool = False) -> dict[str, Node]:
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


# ------------------------------------------------------------------------------------ real BDA-KTS samples


def test_real_channel_dump_posts_forwards_and_albums() -> None:
    frags, rejects = split(list(read_telethon(PATRIOT)))
    assert rejects == [] and warnings(frags) == []
    posts = nodes(frags, "Post")
    # 20 lines, ids 2464..2483, all in channel 1799276919 (peer_id.channel_id, bare: no -100 prefix)
    assert sorted(posts) == [f"telegram:channel1799276919/{i}" for i in range(2464, 2484)]
    first = posts["telegram:channel1799276919/2483"]
    # "2023-06-29 17:35:02.000000" is naive: Telethon's datetimes are UTC
    assert first.props["created_at"] == datetime(2023, 6, 29, 17, 35, 2, tzinfo=UTC)
    assert first.props["edited_at"] == datetime(2023, 6, 29, 17, 35, 5, tzinfo=UTC)
    assert first.props["view_count"] == 29 and first.props["forward_count"] == 0 and first.props["reply_count"] == 0
    # every post is a channel post (`post: true`, `from_id: null`): the channel posted it
    assert {s for s, _ in rels(frags, "POSTED") if s == "telegram:channel1799276919"} == {"telegram:channel1799276919"}
    assert len([1 for s, _ in rels(frags, "POSTED") if s == "telegram:channel1799276919"]) == 20
    assert rels(frags, "IN_CHAT") == set()
    # 17 forwards: 16 name their origin channel and `channel_post`, one ("Jordan") hides its sender
    forwards = rels(frags, "FORWARDS")
    assert len(forwards) == 16
    assert ("telegram:channel1799276919/2482", "telegram:channel1724102370/16072") in forwards
    assert len({end.split("/")[0] for _, end in forwards}) == 6  # six origin channels
    assert rels(frags, "FORWARDED_FROM") == {("telegram:channel1799276919/2476", "telegram:name:jordan")}
    assert sum(1 for p in posts.values() if p.props.get("is_forward")) == 17
    # an album of three photos forwarded together
    album = sorted(k for k, p in posts.items() if p.props.get("grouped_id") == 13474262262095404)
    assert album == [f"telegram:channel1799276919/{i}" for i in (2478, 2479, 2480)]
    assert posts["telegram:channel1799276919/2480"].props["media_type"] == "photo"
    assert rels(frags, "REPLIES_TO") == set()


def test_real_entities_are_sliced_in_utf16_units() -> None:
    """Message 2473 has emoji before its link: a naive Python slice gives 'ps://www.patreon.com/...'."""
    frags, _ = split(list(read_telethon(PATRIOT)))
    links = rels(frags, "LINKS_TO")
    assert len(links) == 9
    assert ("telegram:channel1799276919/2473", "https://patreon.com/awakenedspecies") in links
    mentions = rels(frags, "MENTIONS")
    assert len(mentions) == 4
    assert ("telegram:channel1799276919/2473", "telegram:handle:awakenedspecies") in mentions
    assert ("telegram:channel1799276919/2482", "telegram:handle:redpillboy") in mentions
    # the link preview's `webpage.url` is the text's link: one LINKS_TO, not two
    assert ("telegram:channel1799276919/2483", "https://vm.tiktok.com/ZGJXMAEsf") in links or (
        "telegram:channel1799276919/2483",
        "https://vm.tiktok.com/ZGJXMAEsf/",
    ) in links


def test_real_2025_layer_reactions_and_photos() -> None:
    frags, rejects = split(list(read_telethon(BLOOMBERG)))
    assert rejects == []
    posts = nodes(frags, "Post")
    assert sorted(posts) == ["telegram:channel1488156064/3185", "telegram:channel1488156064/3186",
                             "telegram:channel1488156064/3187"]  # fmt: skip
    post = posts["telegram:channel1488156064/3187"]
    assert post.props["reactions"] == 18 + 9 + 5 + 2 + 1
    assert post.props["view_count"] == 12068 and post.props["forward_count"] == 21
    assert post.props["media_type"] == "photo" and post.props["media_included"] is False
    assert ("telegram:channel1488156064/3187", "https://bloom.bg/4mXJXQH") in rels(frags, "LINKS_TO")
    assert not any(
        "file_reference" in str(v) or "AlizdaAAAA" in str(v) for p in posts.values() for v in p.props.values()
    )


# ------------------------------------------------------------------------------------ hand-made shapes


def test_tracker_dump_names_senders_replies_and_restrictions() -> None:
    frags, rejects = split(list(read_telethon(MADE / "tracker_dump.json")))
    assert rejects == []
    assert warnings(frags) == [f"{MADE / 'tracker_dump.json'}: skipped non-post messages (1 MessageService)"]
    posts = nodes(frags, "Post")
    assert sorted(posts) == [f"telegram:channel1500000001/{i}" for i in (10, 11, 13, 14)]
    chat = nodes(frags, "Account")["telegram:channel1500000001"]
    assert chat.props["name"] == "Free Speech Hub" and chat.props["chat_type"] == "public_supergroup"
    assert chat.props["handle"] == "freespeechhub"
    anna = nodes(frags, "Account")["telegram:user7001"]
    assert anna.props["name"] == "Anna K" and anna.props["handle"] == "anna_k"
    assert ("telegram:user7001", "telegram:channel1500000001/10") in rels(frags, "POSTED")
    assert ("telegram:channel1500000001/10", "telegram:channel1500000001") in rels(frags, "IN_CHAT")
    assert rels(frags, "REPLIES_TO") == {("telegram:channel1500000001/11", "telegram:channel1500000001/10")}
    # "🔥 Read https://..." : the URL starts at UTF-16 unit 8 (Python index 7)
    assert ("telegram:channel1500000001/10", "https://example.org/a?x=1") in rels(frags, "LINKS_TO")
    assert ("telegram:channel1500000001/10", "breaking") in rels(frags, "TAGS")
    assert rels(frags, "MENTIONS") == {
        ("telegram:channel1500000001/11", "telegram:handle:some_editor"),
        ("telegram:channel1500000001/11", "telegram:user7003"),
    }
    reply = posts["telegram:channel1500000001/11"]
    assert reply.props["noforwards"] is True
    assert reply.props["restriction_reason"] == ["android/porn: This message couldn't be displayed on your device."]
    # a forward of channel post 345 from "Origin News" (named by the dump's `chats`), with a link preview
    assert rels(frags, "FORWARDS") == {("telegram:channel1500000001/13", "telegram:channel1600000002/345")}
    fwd = posts["telegram:channel1500000001/13"]
    assert fwd.props["forwarded_from_name"] == "Origin News"
    assert fwd.props["forwarded_from_date"] == datetime(2024, 2, 28, 8, 0, tzinfo=UTC)
    assert fwd.props["reply_count"] == 2 and fwd.props["view_count"] == 120
    links13 = {u for p, u in rels(frags, "LINKS_TO") if p.endswith("/13")}
    assert links13 == {"https://source.example.net/x", "https://news.example.com/story"}
    hidden = posts["telegram:channel1500000001/14"]
    assert rels(frags, "FORWARDED_FROM") == {("telegram:channel1500000001/14", "telegram:name:hidden sender")}
    assert hidden.props["media_type"] == "video_file" and hidden.props["media_duration_s"] == 31
    assert hidden.props["media_file_name"] == "clip.mp4" and hidden.props["media_mime_type"] == "video/mp4"


def test_json_array_buttons_and_naive_dates() -> None:
    frags, rejects = split(list(read_telethon(MADE / "array.json")))
    assert rejects == []
    posts = nodes(frags, "Post")
    assert posts["telegram:channel1488156064/5"].props["created_at"] == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert {u for _, u in rels(frags, "LINKS_TO")} == {"https://t.me/somechannel/9", "https://pay.example.com/give"}
    assert rels(frags, "REPLIES_TO") == {("telegram:channel1488156064/6", "telegram:channel1488156064/5")}


def test_4cat_ndjson_float_times_chat_and_resolved_forward() -> None:
    frags, rejects = split(list(read_telethon(MADE / "fourcat.ndjson")))
    assert rejects == []
    posts = nodes(frags, "Post")
    assert sorted(posts) == ["telegram:channel1234567890/100", "telegram:channel1234567890/101"]
    post = posts["telegram:channel1234567890/100"]
    assert post.props["created_at"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # 1700000000.0
    assert post.props["edited_at"] == datetime(2023, 11, 14, 22, 18, 20, tzinfo=UTC)
    chat = nodes(frags, "Account")["telegram:channel1234567890"]
    assert chat.props["name"] == "Daily Truth" and chat.props["chat_type"] == "public_channel"
    assert ("telegram:channel1234567890/100", "truth") in rels(frags, "TAGS")
    assert ("telegram:channel1234567890/100", "https://bit.ly/3abcdef") in rels(frags, "LINKS_TO")
    # 4CAT replaced fwd_from.from_id by the full channel; its channel_id and title remain
    assert rels(frags, "FORWARDS") == {("telegram:channel1234567890/101", "telegram:channel1111111111/77")}
    assert posts["telegram:channel1234567890/101"].props["forwarded_from_name"] == "Source Channel"
    assert rels(frags, "IN_CHAT") == set()


def test_tgdataset_channels_forwards_and_links() -> None:
    frags, rejects = split(list(read_tgdataset(MADE / "tgdataset.json")))
    assert rejects == []
    posts = nodes(frags, "Post")
    assert sorted(posts) == ["telegram:channel1000000001/1", "telegram:channel1000000001/2",
                             "telegram:channel1000000001/3", "telegram:channel2000000002/7"]  # fmt: skip
    red = nodes(frags, "Account")["telegram:channel1000000001"]
    assert red.props["name"] == "Red News" and red.props["handle"] == "rednews" and red.props["followers"] == 5321
    assert red.props["created_at"] == datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC)  # 1600000000.0
    assert nodes(frags, "Account")["telegram:channel2000000002"].props["scam"] is True
    assert posts["telegram:channel1000000001/1"].props["created_at"] == datetime(2022, 4, 15, 5, 20, tzinfo=UTC)
    assert {u for p, u in rels(frags, "LINKS_TO") if p.endswith("01/1")} == {
        "https://rednews.example/about",
        "https://t.me/rednews_chat",
    }
    # -1002000000002 is the marked id of channel 2000000002; 1000000001 a bare channel id
    assert rels(frags, "FORWARDED_FROM") == {
        ("telegram:channel1000000001/2", "telegram:channel2000000002"),
        ("telegram:channel2000000002/7", "telegram:channel1000000001"),
    }
    assert posts["telegram:channel1000000001/3"].props["is_forward"] is True  # source null: no edge
    assert posts["telegram:channel1000000001/2"].props["author_signature"] == "Editor"
    assert any("1 generic_media entries" in w for w in warnings(frags))


def test_marked_ids_and_the_minus_100_rule() -> None:
    assert marked_peer_key(-1001234567890, "user") == "channel1234567890"
    assert marked_peer_key("-1001234567890", "user") == "channel1234567890"
    assert marked_peer_key(-4012345, "user") == "chat4012345"
    assert marked_peer_key(42, "user") == "user42"
    assert marked_peer_key("1000000001", "channel") == "channel1000000001"
    assert marked_peer_key(0, "user") is None and marked_peer_key("x1", "user") is None


def test_emoji_before_a_link_shifts_utf16_offsets(tmp_path: Path) -> None:
    # "👍🏽" is two astral characters = 4 UTF-16 units; with the space the URL starts at unit 5 (Python index 3)
    text = "👍🏽 https://x.example/y and #tag"
    msg = {"_": "Message", "id": 1, "peer_id": {"_": "PeerChannel", "channel_id": 5}, "date": 1700000000,
           "message": text, "entities": [{"_": "MessageEntityUrl", "offset": 5, "length": 20},
                                          {"_": "MessageEntityHashtag", "offset": 30, "length": 4}]}  # fmt: skip
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(msg) + "\n")
    frags, _ = split(list(read_telethon(path)))
    assert rels(frags, "LINKS_TO") == {("telegram:channel5/1", "https://x.example/y")}
    assert rels(frags, "TAGS") == {("telegram:channel5/1", "tag")}


# ------------------------------------------------------------------------------------ Desktop = Telethon

CHAT = 1500000009
# One hand-checked message set: (id, unix time, sender id, sender name, Desktop text parts, reply to, forward origin)
MESSAGES: list[tuple[int, int, int, str, list[Any], int | None, tuple[int | None, str] | None]] = [
    (1, 1709287200, 7001, "Anna K", ["🔥 Read ", {"type": "link", "text": "https://example.org/a?x=1"}, " now ",
                                     {"type": "hashtag", "text": "#Breaking"}], None, None),
    (2, 1709287500, 7002, "Bo", ["Ask ", {"type": "mention", "text": "@Some_Editor"}, " or ",
                                 {"type": "mention_name", "text": "Anna", "user_id": 7001}, " about ",
                                 {"type": "text_link", "text": "the leak", "href": "https://leak.example.net/doc"}],
     1, None),
    (3, 1709290800, 7001, "Anna K", ["see www.plain.example/x 💬"], None, (7005, "Carl")),
    (4, 1709292600, 7002, "Bo", ["hidden one"], 3, (None, "Hidden  Sender")),
]  # fmt: skip
_TELETHON_ENTITY = {"link": "MessageEntityUrl", "text_link": "MessageEntityTextUrl", "hashtag": "MessageEntityHashtag",
                    "mention": "MessageEntityMention", "mention_name": "MessageEntityMentionName"}  # fmt: skip
TELETHON_ONLY = {"view_count", "forward_count", "reply_count", "grouped_id", "noforwards", "restriction_reason",
                 "forwarded_from_date"}  # fmt: skip


def _desktop(path: Path) -> None:
    messages = []
    for mid, unix, sender, name, parts, reply, fwd in MESSAGES:
        msg: dict[str, Any] = {"id": mid, "type": "message", "date": "2024-03-01T10:00:00",
                               "date_unixtime": str(unix), "from": name, "from_id": f"user{sender}",
                               "text": parts}  # fmt: skip
        if reply is not None:
            msg["reply_to_message_id"] = reply
        if fwd is not None:
            msg["forwarded_from"] = fwd[1]
            if fwd[0] is not None:
                msg["forwarded_from_id"] = f"user{fwd[0]}"
        messages.append(msg)
    doc = {"name": "Equal Chat", "type": "private_supergroup", "id": CHAT, "messages": messages}
    path.write_text(json.dumps(doc, ensure_ascii=False))


def _telethon(path: Path) -> None:
    messages = []
    for mid, unix, sender, _name, parts, reply, fwd in MESSAGES:
        text, entities, units = "", [], 0
        for part in parts:
            piece = part if isinstance(part, str) else part["text"]
            length = len(piece.encode("utf-16-le")) // 2
            if isinstance(part, dict):
                entity = {"_": _TELETHON_ENTITY[part["type"]], "offset": units, "length": length}
                if "href" in part:
                    entity["url"] = part["href"]
                if "user_id" in part:
                    entity["user_id"] = part["user_id"]
                entities.append(entity)
            text, units = text + piece, units + length
        msg: dict[str, Any] = {"_": "Message", "id": mid, "peer_id": {"_": "PeerChannel", "channel_id": CHAT},
                               "date": datetime.fromtimestamp(unix, UTC).isoformat(), "message": text,
                               "post": False, "from_id": {"_": "PeerUser", "user_id": sender},
                               "entities": entities, "views": 3}  # fmt: skip
        if reply is not None:
            msg["reply_to"] = {"_": "MessageReplyHeader", "reply_to_msg_id": reply}
        if fwd is not None:
            origin = {"_": "PeerUser", "user_id": fwd[0]} if fwd[0] is not None else None
            msg["fwd_from"] = {"_": "MessageFwdHeader", "date": "2024-02-01T00:00:00+00:00", "from_id": origin,
                               "from_name": None if fwd[0] is not None else fwd[1], "channel_post": None}  # fmt: skip
        messages.append(msg)
    users = [{"_": "User", "id": 7001, "first_name": "Anna", "last_name": "K"},
             {"_": "User", "id": 7002, "first_name": "Bo"},
             {"_": "User", "id": 7005, "first_name": "Carl"}]  # fmt: skip
    chats = [{"_": "Channel", "id": CHAT, "title": "Equal Chat", "username": None, "megagroup": True}]
    path.write_text(json.dumps({"messages": messages, "chats": chats, "users": users}, ensure_ascii=False))


def _graph(frags: list[Fragment]) -> tuple[dict[tuple[str, str], dict[str, Any]], set[tuple[str, str, str]]]:
    """Nodes as the writer would leave them (full records win; None never stored) and the edge set."""
    found: dict[tuple[str, str], tuple[bool, dict[str, Any]]] = {}
    for frag in frags:
        for node in frag.nodes:
            props = {k: v for k, v in node.props.items() if v is not None}
            key = (node.label, node.key)
            if key not in found:
                found[key] = (node.placeholder, props)
            elif node.placeholder:
                found[key] = (found[key][0], {**props, **found[key][1]})  # a placeholder only fills gaps
            else:
                found[key] = (False, {**found[key][1], **props})  # a full record's values replace
    graph = {k: {**v, "placeholder": p} for k, (p, v) in found.items()}
    edges = {(r.type, r.start.key, r.end.key) for f in frags for r in f.rels}
    return graph, edges


def test_a_desktop_export_and_a_telethon_dump_of_one_chat_give_the_same_graph(tmp_path: Path) -> None:
    _desktop(tmp_path / "desktop.json")
    _telethon(tmp_path / "telethon.json")
    assert detect_format(tmp_path / "desktop.json") == "telegram"
    assert detect_format(tmp_path / "telethon.json") == "telethon"
    desk_frags, desk_rejects = split(list(read_telegram(tmp_path / "desktop.json")))
    tele_frags, tele_rejects = split(list(read_telethon(tmp_path / "telethon.json")))
    assert desk_rejects == tele_rejects == []
    desk_nodes, desk_edges = _graph(desk_frags)
    tele_nodes, tele_edges = _graph(tele_frags)
    assert tele_edges == desk_edges
    assert set(tele_nodes) == set(desk_nodes)
    for key, props in desk_nodes.items():
        assert {k: v for k, v in tele_nodes[key].items() if k not in TELETHON_ONLY} == props, key
    # the facts, worked out by hand from MESSAGES
    assert ("REPLIES_TO", f"telegram:channel{CHAT}/2", f"telegram:channel{CHAT}/1") in desk_edges
    assert ("FORWARDED_FROM", f"telegram:channel{CHAT}/3", "telegram:user7005") in desk_edges
    assert ("FORWARDED_FROM", f"telegram:channel{CHAT}/4", "telegram:name:hidden sender") in desk_edges
    assert ("LINKS_TO", f"telegram:channel{CHAT}/3", "https://plain.example/x") in desk_edges
    assert ("MENTIONS", f"telegram:channel{CHAT}/2", "telegram:user7001") in desk_edges
    assert ("TAGS", f"telegram:channel{CHAT}/1", "breaking") in desk_edges
    assert desk_nodes[("Account", f"telegram:channel{CHAT}")]["chat_type"] == "private_supergroup"
    assert sorted(k for label, k in desk_nodes if label == "Post") == [
        f"telegram:channel{CHAT}/{i}" for i in (1, 2, 3, 4)
    ]


# ------------------------------------------------------------------------------------ detection and .txt files


def test_txt_files_in_a_directory_load_only_when_their_content_decides(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("collected with telethon, see messages.txt\n")
    (tmp_path / "messages.txt").write_bytes(PATRIOT.read_bytes())
    (tmp_path / "data.ndjson").write_bytes((MADE / "fourcat.ndjson").read_bytes())
    assert is_skipped(tmp_path / "notes.txt") is not None
    assert [p.name for p in iter_source_files([tmp_path])] == ["data.ndjson", "messages.txt"]
    assert detect_format(tmp_path / "data.ndjson") == "4cat-telegram"


def test_a_4cat_line_longer_than_the_sniffed_bytes_is_judged_by_its_keys(tmp_path: Path) -> None:
    """4CAT writes `_type` last: a line of 100 KB hides it, the message's own keys still decide."""
    line = json.loads((MADE / "fourcat.ndjson").read_text().splitlines()[0])
    line["message"] = "x" * 100_000
    path = tmp_path / "long.ndjson"
    path.write_text(json.dumps(line) + "\n")
    assert detect_format(path) == "4cat-telegram"
    frags, rejects = split(list(read_telethon(path)))
    assert rejects == [] and "telegram:channel1234567890/100" in nodes(frags, "Post")


# ------------------------------------------------------------------------------------ damaged input


def test_bad_lines_are_rejected_with_their_line_and_the_rest_loads(tmp_path: Path) -> None:
    lines = PATRIOT.read_text().splitlines()
    damaged = [lines[0], "not json at all", json.dumps({"_": "Message", "id": 9}), json.dumps([1, 2]),
               json.dumps({"_": "Channel", "id": 3}), lines[1], lines[2][: len(lines[2]) // 2]]  # fmt: skip
    path = tmp_path / "damaged.jsonl"
    path.write_text("\n".join(damaged) + "\n")
    frags, rejects = split(list(read_telethon(path)))
    assert [r.line for r in rejects] == [2, 3, 4, 5, 7]
    assert all(r.file == str(path) for r in rejects)
    assert "no chat (peer_id)" in rejects[1].reason and "not an object" in rejects[2].reason
    assert "not a Telethon Message" in rejects[3].reason
    assert sorted(nodes(frags, "Post")) == ["telegram:channel1799276919/2482", "telegram:channel1799276919/2483"]


@pytest.mark.parametrize("name", ["array.json", "tracker_dump.json"])
@pytest.mark.parametrize("damage", [b"\x00", b'"', b'", "deep": ' + b"[" * 300 + b"]" * 300 + b', "x": "'])
def test_a_damaged_message_in_an_array_or_dump_costs_itself_only(tmp_path: Path, name: str, damage: bytes) -> None:
    """A control byte, a flipped quote or a value nested past the limit inside the first message's text: that
    message is rejected at the line of its `{`, every other one loads (ijson used to end the file there)."""
    data = (MADE / name).read_bytes()
    clean, _ = split(list(read_telethon(MADE / name)))
    at = data.index(b'"message": "') + len(b'"message": "') + 1
    (tmp_path / name).write_bytes(data[:at] + damage + data[at:])
    frags, rejects = split(list(read_telethon(tmp_path / name)))
    brace = data.rfind(b"{", 0, data.rfind(b'"_": "Message"', 0, at))
    assert [r.line for r in rejects] == [data[:brace].count(b"\n") + 1]
    assert len(nodes(frags, "Post")) == len(nodes(clean, "Post")) - 1


def test_a_truncated_dump_or_dataset_keeps_what_was_read(tmp_path: Path) -> None:
    dump = (MADE / "tracker_dump.json").read_bytes()
    (tmp_path / "dump.json").write_bytes(dump[: dump.index(b'"id": 13')])
    frags, rejects = split(list(read_telethon(tmp_path / "dump.json")))
    assert sorted(nodes(frags, "Post")) == ["telegram:channel1500000001/10", "telegram:channel1500000001/11"]
    assert len(rejects) == 1 and "truncated after 3 messages" in rejects[0].reason
    assert rejects[0].line == 102  # the physical line where the cut message begins (its `{`)
    data = (MADE / "tgdataset.json").read_bytes()
    (tmp_path / "tg.json").write_bytes(data[: data.index(b'"3"')])
    frags, rejects = split(list(read_tgdataset(tmp_path / "tg.json")))
    assert sorted(nodes(frags, "Post")) == ["telegram:channel1000000001/1", "telegram:channel1000000001/2"]
    assert len(rejects) == 1 and "truncated after 2 messages of 1 channels" in rejects[0].reason


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    ["_", "_type", "id", "peer_id", "date", "message", "post", "from_id", "fwd_from", "reply_to", "entities",
     "media", "views", "forwards", "replies", "grouped_id", "noforwards", "restriction_reason", "reactions",
     "reply_markup", "edit_date", "_chat", "_sender"]
)  # fmt: skip
_PEERS = st.fixed_dictionaries(
    {"_": st.sampled_from(["PeerChannel", "PeerUser", "X"]), "channel_id": _JSON},
    optional={"chats": _JSON, "from_id": _JSON, "user_id": _JSON, "channel_post": _JSON, "webpage": _JSON},
)
_PLAIN = (str, int, float, bool, datetime)


def _check_plain(items: list[ReaderItem], path: Path) -> None:
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
            if isinstance(node.props.get("message_id"), int):
                assert -(2**63) <= node.props["message_id"] < 2**63


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    messages=st.lists(st.dictionaries(_KEYS, _JSON | _PEERS, max_size=12) | _JSON, max_size=4),
    shape=st.sampled_from(["lines", "array", "dump"]),
)
def test_random_telethon_records_never_crash(tmp_path: Path, messages: list[Any], shape: str) -> None:
    path = tmp_path / "fuzz.json"
    if shape == "lines":
        path.write_text("".join(json.dumps(m) + "\n" for m in messages) + '{"_": "Message", "id": 1, "pee')
    elif shape == "array":
        path.write_text(json.dumps(messages))
    else:
        path.write_text(json.dumps({"messages": messages, "chats": messages, "users": [{"id": 1}]}))
    _check_plain(list(read_telethon(path)), path)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(channels=st.dictionaries(st.text(max_size=8), st.dictionaries(st.sampled_from(
    ["username", "title", "creation_date", "n_subscribers", "scam", "text_messages", "generic_media"]),
    _JSON | st.dictionaries(st.text(max_size=4), st.dictionaries(st.sampled_from(
        ["message", "date", "author", "is_forwarded", "forwarded_from_id", "forwarded_message_date"]), _JSON)),
    max_size=6), max_size=3))  # fmt: skip
def test_random_tgdataset_records_never_crash(tmp_path: Path, channels: dict[str, Any]) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(channels))
    _check_plain(list(read_tgdataset(path)), path)


@pytest.mark.parametrize("doc", ["[1, 2]", '"text"', "{}", '{"1": []}'])
def test_tgdataset_refuses_other_documents_quietly(tmp_path: Path, doc: str) -> None:
    path = tmp_path / "odd.json"
    path.write_text(doc)
    items = list(read_tgdataset(path))
    assert all(isinstance(i, Reject) for i in items)


def test_shapes_are_judged_from_the_first_bytes_only(tmp_path: Path) -> None:
    """A dump written on one line (longer than the 64 KB looked at), pretty-printed messages one after another, and
    JSON lines whose first line is longer than 64 KB each take their own path."""
    dump = json.loads((MADE / "tracker_dump.json").read_text())
    dump["messages"][0]["message"] += " " + "y" * 70_000
    (tmp_path / "one_line.json").write_text(json.dumps(dump))
    lines = PATRIOT.read_text().splitlines()
    pretty = "\n".join(json.dumps(json.loads(line), indent=2) for line in lines[:3])
    (tmp_path / "pretty.json").write_text(pretty)
    long_first = json.loads(lines[0])
    long_first["message"] += " " + "z" * 70_000
    (tmp_path / "long.jsonl").write_text(json.dumps(long_first) + "\n" + lines[1] + "\n")
    expected = {
        "one_line.json": [f"telegram:channel1500000001/{i}" for i in (10, 11, 13, 14)],
        "pretty.json": ["telegram:channel1799276919/2481", "telegram:channel1799276919/2482",
                        "telegram:channel1799276919/2483"],
        "long.jsonl": ["telegram:channel1799276919/2482", "telegram:channel1799276919/2483"],
    }  # fmt: skip
    for name, posts in expected.items():
        assert detect_format(tmp_path / name) == "telethon", name
        frags, rejects = split(list(read_telethon(tmp_path / name)))
        assert rejects == [] and sorted(nodes(frags, "Post")) == posts, name
    one_line, _ = split(list(read_telethon(tmp_path / "one_line.json")))
    assert nodes(one_line, "Account")["telegram:user7001"].props["name"] == "Anna K"  # from the dump's `users`


def _peak(items: Any) -> tuple[int, int]:
    import tracemalloc

    tracemalloc.start()
    try:
        posts = sum(1 for item in items if isinstance(item, Fragment) and any(n.label == "Post" for n in item.nodes))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return posts, peak


def test_memory_stays_flat_on_large_dumps_and_datasets(tmp_path: Path) -> None:
    """The same link in every message (the URL caches stay small): files of 2.5 and 7.5 MB read in the same memory
    (json.load peaks at 3-5x the file), a few MB at most: the dump's walk holds 1 MB chunks, ijson far less."""
    peaks: dict[str, list[int]] = {"dump": [], "tgdataset": []}
    for count in (10_000, 30_000):
        dump, tg = _large_files(tmp_path, count)
        assert dump.stat().st_size > count * 225 and tg.stat().st_size > count * 225
        for name, path, reader in (("dump", dump, read_telethon), ("tgdataset", tg, read_tgdataset)):
            posts, peak = _peak(reader(path))
            assert posts == count
            peaks[name].append(peak)
    for name, (small, large) in peaks.items():
        assert large < small * 1.25 + 200_000 and large < 6_000_000, (name, small, large)


def _large_files(tmp_path: Path, count: int) -> tuple[Path, Path]:
    msg = {"_": "Message", "peer_id": {"_": "PeerChannel", "channel_id": 7}, "date": "2023-05-29T04:13:27+00:00",
           "message": "#release mirror https://example.org/x " + "pad " * 40, "post": True}  # fmt: skip
    dump = tmp_path / f"dump-{count}.json"
    dump.write_text(json.dumps({"messages": [{**msg, "id": i} for i in range(1, count + 1)], "chats": [], "users": []}))
    tg = tmp_path / f"tg-{count}.json"
    text = {"message": "mirror https://example.org/x " + "pad " * 40, "date": 1685315607.0, "is_forwarded": False}
    tg.write_text(json.dumps({"7": {"title": "Beacon", "text_messages": {str(i): text for i in range(1, count + 1)}}}))
    return dump, tg
