"""Telethon messages -> Fragments: `Message.to_dict()` / `to_json()` output, telegram-tracker dumps and 4CAT NDJSON.

Shapes (all streamed: memory stays flat however large the file; docs/formats.md, telethon):
* JSON lines, one message per line (custom scripts, BDA-KTS collectors; often named `.txt`): line numbers are real.
* A JSON array of messages: walked message by message (etl/json_stream.py), each damaged one rejected at its physical
  line and the walk going on at the next.
* Whole messages pretty-printed one after another: positions are the value's index + 1; damage ends the file.
* A dump `{"messages": [...], "chats": [...], "users": [...]}` (telegram-tracker): the `chats` and `users` entities
  (names, usernames, channel or group) are read in a first pass, the messages in a second, walked as an array is.
* 4CAT's Telegram NDJSON (`4cat-telegram`): the same messages with the type under `_type` instead of `"_"`, times
  as float Unix seconds, `_chat` / `_sender` entities added, and peers sometimes "resolved" into full entity objects
  that keep their `channel_id` / `user_id`.

Identity is Telegram Desktop's (etl/readers/telegram_common.py): the chat's peer key from `peer_id`
(`PeerChannel.channel_id` -> `channel<id>`, `PeerChat.chat_id` -> `chat<id>`, `PeerUser.user_id` -> `user<id>`; ids
are bare, and a marked `-100<id>` met in a collector's own field is undone), post uid `telegram:<peer key>/<id>`. So a
Desktop export and a Telethon dump of one channel give the same Posts, Accounts and edges.

Poster: the chat itself for a channel post (`post: true`) or a message without `from_id`; else the `from_id` peer
(a user, or a channel posting in a group). FORWARDS when `fwd_from` names the origin chat and `channel_post`, else
FORWARDED_FROM the origin Account (`from_id`) or the display name (`from_name`: a user hiding their account).
Entities are sliced by UTF-16 code units, as Telegram counts them, into Desktop-style parts, so hashtags, mentions
and links come out exactly as from a Desktop export. `MessageService` (joins, pins, title edits) is not a post: the
number skipped is one warning per file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import ijson
import orjson

from etl.errors import SourceFormatError
from etl.json_head import iter_head_events
from etl.json_stream import iter_document
from etl.readers.common import add_account, iter_json_lines, open_binary
from etl.readers.telegram_common import (
    PLATFORM,
    account_uid,
    add_forward,
    add_poster,
    add_reply,
    add_text_entities,
    dump,
    int_or_none,
    marked_peer_key,
    post_uid,
    str_or_none,
)
from etl.readers.telegram_stream import open_json
from etl.readers.telethon_content import button_urls, media_urls, message_time, restrictions, text_parts, type_of
from etl.records import Fragment, Node, NodeRef, ReaderItem, Reject

_SNIFF_BYTES = 64 * 1024
_MESSAGE_TYPES = frozenset({"Message"})
_SKIPPED_TYPES = frozenset({"MessageService", "MessageEmpty"})
_PEER_FIELDS = (("channel_id", "channel"), ("chat_id", "chat"), ("user_id", "user"))
_PEER_TYPES = {
    "PeerChannel": "channel",
    "InputPeerChannel": "channel",
    "PeerChat": "chat",
    "InputPeerChat": "chat",
    "PeerUser": "user",
    "InputPeerUser": "user",
}


@dataclass
class _State:
    file: str
    unit: str = "line"  # how Reject lines count: physical lines (JSON lines) or positions (a document)
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)  # peer key -> entity facts (dump, 4CAT)
    announced: set[str] = field(default_factory=set)  # chats whose Account was yielded
    skipped: dict[str, int] = field(default_factory=dict)


def read_telethon(path: Path) -> Iterator[ReaderItem]:
    """Yield a Fragment per chat (its Account, once) and per message, a Reject per unusable record."""
    state = _State(str(path))
    shape = _shape(path)
    state.unit = "position" if shape == "values" else "line"
    if shape == "lines":
        for item in iter_json_lines(path):
            if isinstance(item, Reject):
                yield item
            else:
                yield from _message_items(item[1], item[0], state)
    elif shape == "dump":
        yield from _read_dump(path, state)
    else:
        yield from _read_messages(path, state, dump=False) if shape == "array" else _read_values(path, "", state)
    if state.skipped:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(state.skipped.items()))
        yield Fragment(warnings=[f"{state.file}: skipped non-post messages ({counts})"])


def read_4cat_telegram(path: Path) -> Iterator[ReaderItem]:
    """4CAT's Telegram NDJSON: the Telethon reader reads both spellings of the type (`"_"` and `_type`)."""
    return read_telethon(path)


def _shape(path: Path) -> str:
    """ "lines" (one JSON value per line), "dump" ({messages, chats, users}), "array", or "values" (a document, or
    pretty-printed values one after another), judged from the first 64 KB only: a dump written on one line can be
    gigabytes long and is never read whole here."""
    with open_binary(path) as fh:
        head = fh.read(_SNIFF_BYTES)
        complete = not fh.read(1)
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if head[:1] == b"[":
        return "array"
    lines = head.split(b"\n")
    whole = [line for line in (lines if complete else lines[:-1]) if line.strip()]
    for raw in whole[:2]:
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue  # a broken first line (try the next), or a pretty-printed document
        if isinstance(obj, dict) and "messages" in obj and "_" not in obj and "_type" not in obj:
            return "dump"
        return "lines"
    keys = _top_keys(head)
    if keys & {"messages", "chats", "users"} and not keys & {"_", "_type", "peer_id"}:
        return "dump"
    return "lines" if not whole else "values"  # no whole line in 64 KB: one long JSON line per message


def _top_keys(head: bytes) -> set[str]:
    keys: set[str] = set()
    for prefix, event, value in iter_head_events(head):  # bounded; ends where the sniffed bytes end
        if event == "map_key" and prefix == "":
            keys.add(value)
        elif event == "end_map" and prefix == "":
            break
    return keys


def _read_values(path: Path, prefix: str, state: _State) -> Iterator[ReaderItem]:
    """Pretty-printed values one after another (or one document): ijson, which ends at the first damage."""
    index = 0
    try:
        with open_json(path) as fh:
            for value in ijson.items(fh, prefix, multiple_values=True, use_float=True):
                index += 1
                yield from _message_items(value, index, state)
    except (ijson.JSONError, SourceFormatError) as exc:
        yield Reject(state.file, index + 1, f"JSON malformed or truncated after {index} messages: {exc}", "")


def _read_messages(path: Path, state: _State, *, dump: bool) -> Iterator[ReaderItem]:
    """The messages of an array or of a dump's `messages`, walked one by one (etl/json_stream.py): a message that is
    damaged, too deep or too large is rejected at its physical line and the walk goes on at the next one."""
    descend, targets = (frozenset({""}), frozenset({"messages"})) if dump else (frozenset(), frozenset({""}))
    index = 0
    with open_json(path, depth_guard=False) as fh:
        for kind, _prefix, found in iter_document(fh, state.file, descend=descend, targets=targets):
            if kind == "element" and found.error is None:
                index += 1
                yield from _message_items(found.value, found.line, state)
            elif kind == "element" and not found.error.startswith("truncated"):
                index += 1
                why = f"message #{found.index} (byte {found.offset:,}) cannot be read: {found.error}"
                yield Reject(state.file, found.line, why, found.excerpt)
            elif kind in ("element", "damaged"):
                why = f"JSON malformed or truncated after {index} messages: {found.error}"
                yield Reject(state.file, found.line, why, found.excerpt)


def _read_dump(path: Path, state: _State) -> Iterator[ReaderItem]:
    for prefix, kind in (("chats.item", "channel"), ("users.item", "user")):  # C-backed passes: fast, flat
        try:
            with open_json(path) as fh:
                for entity in ijson.items(fh, prefix, use_float=True):
                    _remember(entity, state, kind)
        except (ijson.JSONError, SourceFormatError):
            pass  # the message pass reports where the document breaks
    yield from _read_messages(path, state, dump=True)


# ------------------------------------------------------------------------------------------------- entities


def _remember(entity: Any, state: _State, default_kind: str) -> str | None:
    """Keep a chat's or user's facts (dump `chats`/`users`, 4CAT `_chat`/`_sender`) by peer key; return the key."""
    if not isinstance(entity, dict):
        return None
    etype = type_of(entity)
    if etype.startswith("User") or "first_name" in entity or "bot" in entity:
        kind = "user"
    elif etype.startswith("Channel") or "broadcast" in entity or "megagroup" in entity:
        kind = "channel"
    elif etype.startswith("Chat"):
        kind = "chat"
    else:
        kind = default_kind
    bare = int_or_none(entity.get("id"))
    if bare is None or bare == 0:
        return None
    key = f"{kind}{bare}"
    facts = state.entities.setdefault(key, {})
    if kind == "user":
        name = " ".join(p for p in (str_or_none(entity.get("first_name")), str_or_none(entity.get("last_name"))) if p)
        facts["name"] = name or facts.get("name")
        facts["chat_type"] = "bot_chat" if entity.get("bot") is True else "personal_chat"
    else:
        facts["name"] = str_or_none(entity.get("title")) or facts.get("name")
        if kind == "chat":
            facts["chat_type"] = "private_group"
        else:
            public = "public" if str_or_none(entity.get("username")) else "private"
            if entity.get("broadcast") is True:
                facts["chat_type"] = f"{public}_channel"
            elif entity.get("megagroup") is True or entity.get("gigagroup") is True:
                facts["chat_type"] = f"{public}_supergroup"
    handle = str_or_none(entity.get("username"))
    if handle:
        facts["handle"] = handle.lower()
    return key


def _peer_key(value: Any, bare_kind: str = "user") -> str | None:
    """A Peer object (or a 4CAT-resolved entity that kept `channel_id`/`user_id`) -> peer key; a marked integer."""
    if isinstance(value, dict):
        kind = _PEER_TYPES.get(type_of(value))
        for name, field_kind in _PEER_FIELDS:
            if (kind is None or kind == field_kind) and name in value:
                bare = int_or_none(value[name])
                return f"{field_kind}{bare}" if bare else None
        return None
    return marked_peer_key(value, bare_kind)


def _account_props(key: str, state: _State, name: str | None = None) -> dict[str, Any]:
    facts = state.entities.get(key, {})
    props: dict[str, Any] = {"platform": PLATFORM, "name": facts.get("name") or name}
    if facts.get("handle"):
        props["handle"] = facts["handle"]
    return props


def _chat_fragment(key: str, state: _State) -> Fragment:
    state.announced.add(key)
    props = _account_props(key, state)
    props["chat_type"] = state.entities.get(key, {}).get("chat_type")
    props["peer_key"] = key
    frag = Fragment()
    add_account(frag, account_uid(key), props)
    return frag


# -------------------------------------------------------------------------------------------------- messages


def _message_items(msg: Any, line: int, state: _State) -> Iterator[ReaderItem]:
    where = f"message at {state.unit} {line}"
    if not isinstance(msg, dict):
        yield Reject(state.file, line, f"{where} is not an object", dump(msg))
        return
    mtype = type_of(msg)
    if mtype in _SKIPPED_TYPES:
        state.skipped[mtype] = state.skipped.get(mtype, 0) + 1
        return
    if mtype and mtype not in _MESSAGE_TYPES:
        yield Reject(state.file, line, f"{where} is a {mtype[:40]!r}, not a Telethon Message", dump(msg))
        return
    msg_id = int_or_none(msg.get("id"))
    if msg_id is None:
        yield Reject(state.file, line, f"{where} has no message id", dump(msg))
        return
    chat_from_4cat = _remember(msg.get("_chat"), state, "channel")
    chat_key = _peer_key(msg.get("peer_id"), "channel") or chat_from_4cat
    if chat_key is None:
        yield Reject(state.file, line, f"{where}, id {msg_id}, has no chat (peer_id)", dump(msg))
        return
    created = message_time(msg.get("date"))
    if created is None:
        yield Reject(state.file, line, f"{where}, id {msg_id}, has no usable date", dump(msg))
        return
    if chat_key not in state.announced:
        yield _chat_fragment(chat_key, state)
    yield _post_fragment(msg, msg_id, chat_key, created, state)


def _post_fragment(msg: dict[str, Any], msg_id: int, chat_key: str, created: datetime, state: _State) -> Fragment:
    frag = Fragment()
    chat_uid = account_uid(chat_key)
    post = NodeRef("Post", post_uid(chat_key, msg_id))
    text = str_or_none(msg.get("message")) or ""
    props: dict[str, Any] = {
        "platform": PLATFORM,
        "message_id": msg_id,
        "chat_uid": chat_uid,
        "created_at": created,
        "text": text,
        "edited_at": message_time(msg.get("edit_date")),
        "author_signature": str_or_none(msg.get("post_author")),
        "view_count": int_or_none(msg.get("views")),
        "forward_count": int_or_none(msg.get("forwards")),
        "grouped_id": int_or_none(msg.get("grouped_id"), signed=True),
        "noforwards": msg.get("noforwards") if isinstance(msg.get("noforwards"), bool) else None,
    }
    replies = msg.get("replies")
    if isinstance(replies, dict):
        props["reply_count"] = int_or_none(replies.get("replies"))
    reasons = restrictions(msg.get("restriction_reason"))
    if reasons:
        props["restriction_reason"] = reasons
    reactions = msg.get("reactions")
    if isinstance(reactions, dict) and isinstance(reactions.get("results"), list):
        props["reactions"] = sum(int_or_none(r.get("count")) or 0 for r in reactions["results"] if isinstance(r, dict))
    extra_urls = media_urls(msg.get("media"), props)
    frag.nodes.append(Node("Post", post.key, props))

    sender = _peer_key(msg.get("from_id"))
    sender_4cat = _remember(msg.get("_sender"), state, "user")
    if sender is None and msg.get("post") is not True and sender_4cat is not None and sender_4cat != chat_key:
        sender = sender_4cat
    poster = chat_uid if msg.get("post") is True or sender is None else account_uid(sender)
    add_poster(frag, post, poster, chat_uid, _account_props(sender or chat_key, state))
    reply_to = msg.get("reply_to")
    if isinstance(reply_to, dict):
        reply_chat = _peer_key(reply_to.get("reply_to_peer_id"), "channel") or chat_key
        add_reply(frag, post, reply_chat, int_or_none(reply_to.get("reply_to_msg_id")))
    fwd = msg.get("fwd_from")
    if isinstance(fwd, dict):
        _forward(fwd, post, props, state, frag)
    extra_urls.extend(button_urls(msg.get("reply_markup")))
    add_text_entities(text_parts(text, msg.get("entities")), extra_urls, post, props, created, frag)
    return frag


def _forward(fwd: dict[str, Any], post: NodeRef, props: dict[str, Any], state: _State, frag: Fragment) -> None:
    origin = fwd.get("from_id")
    origin_key = _peer_key(origin)
    if isinstance(origin, dict) and origin_key:
        resolved = origin.get("chats")
        for entity in resolved if isinstance(resolved, list) else []:  # 4CAT resolved it into a full channel
            if isinstance(entity, dict) and f"channel{int_or_none(entity.get('id'))}" == origin_key:
                _remember(entity, state, "channel")
    name = str_or_none(fwd.get("from_name"))
    if origin_key and not name:
        name = state.entities.get(origin_key, {}).get("name")
    props["forwarded_from_date"] = message_time(fwd.get("date"))
    channel_post = int_or_none(fwd.get("channel_post"))
    add_forward(
        frag,
        post,
        props,
        name=name,
        origin_key=origin_key,
        origin_message_id=channel_post if origin_key and origin_key.startswith("channel") else None,
    )
