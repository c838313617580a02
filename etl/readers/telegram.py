"""Telegram Desktop JSON exports -> Fragments, streamed with ijson so a multi-gigabyte export keeps memory flat.

Reads a single chat or channel export (`{"name", "type", "id", "messages": [...]}`) and a full-account export
(`{"about", ..., "chats": {"list": [chat, ...]}, "left_chats": {"list": [...]}}`); see docs/formats.md (telegram).

Identity rules
* Peer keys are spelled like the export's own `from_id`: `user<id>`, `chat<id>` (basic group), `channel<id>`
  (broadcast channel or supergroup). Account uid = `telegram:<peer key>`, e.g. `telegram:channel1712345678`.
* A chat's own key comes from its `type` and bare `id`: public/private_channel and public/private_supergroup ->
  `channel`, private_group -> `chat`, personal_chat, bot_chat, saved_messages and replies -> `user`, anything else
  -> `peer` (an undetermined kind, kept apart rather than guessed).
* Exports before April 2021 write `from_id` as an integer; v2.4.1-v2.7.1 wrote tdesktop's internal peer id, which
  offsets channels by 2**33. An integer >= 2**33 is therefore read as `channel<id - 2**33>` (for `from_id`,
  `forwarded_from_id` and a channel-type chat's own `id`), any other integer as `user<id>`. The 2**32 offset of basic
  groups is NOT undone: it overlaps today's 64-bit group ids, and a basic group never appears as a sender.
* Post uid = `telegram:<chat peer key>/<message id>` (message ids are unique only within a chat), e.g.
  `telegram:channel1712345678/42`. A reply with `reply_to_peer_id` points into that other chat.
* A forward names its origin only by display name (`forwarded_from`; `saved_from` in Saved Messages). The origin is
  `telegram:<peer key>` when the message carries `forwarded_from_id` (newer and third-party exports), else
  `telegram:name:<name>` with the name NFKC-normalised, case-folded and its whitespace collapsed (a placeholder:
  display names are those current at export time). Only when the message also carries the origin message id
  (`forwarded_from_message_id`, written by some compatible tools, never by Telegram Desktop) does it become
  `(Post)-[:FORWARDS]->(Post)`; otherwise `(Post)-[:FORWARDED_FROM]->(Account)`.
* @mentions -> `telegram:handle:<username lower-cased, no @>`; `mention_name` entities -> `telegram:user<user_id>`.
* A sender without `from_id` (exports before December 2018) is keyed by name like a forward origin.

Graph: the chat Account (own fragment, once per chat); every Account -[:ON]->(Platform 'telegram');
`(Account)-[:POSTED]->(Post)` (in channels the channel itself; elsewhere the `from_id` sender);
`(Post)-[:IN_CHAT]->(Account)` when the sender is not the chat; REPLIES_TO; FORWARDS or FORWARDED_FROM; MENTIONS;
TAGS; LINKS_TO (from `link` and `text_link` entities, URLs in the rest of the text and URL buttons, deduplicated
per post). Media are never read: the post records `media_type` (photo, the export's `media_type`, or `document`),
mime type, duration and file name, and whether the file was included in the export.

Times: `date_unixtime` (UTC epoch seconds) when present and non-zero; otherwise `date`, the exporting computer's
local time without an offset, taken in `assume_tz` (default UTC, the module's `DEFAULT_ASSUME_TZ`), with a warning.
Service messages (`type: service`) and `unsupported` stubs are not posts: they are counted and reported in one
warning per chat. A message without id or date, or one that cannot be read (damaged, nested too deep, too large:
docs/inputs.md, "Limits and damaged records"), is a Reject at the physical line where the message starts, naming
its position in the chat's `messages` array and its byte offset; the messages after it still load. Streaming:
telegram_stream.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from etl.errors import SourceFormatError
from etl.json_stream import Element
from etl.readers.common import add_account, utc_from_timestamp
from etl.readers.telegram_common import PLATFORM, add_forward, add_poster, add_reply, add_text_entities, name_uid
from etl.readers.telegram_common import dump as _dump
from etl.readers.telegram_stream import iter_chat_events, open_json
from etl.records import Fragment, Node, NodeRef, ReaderItem, Reject

DEFAULT_ASSUME_TZ: tzinfo = UTC
_CHANNEL_OFFSET = 1 << 33  # tdesktop's internal PeerId offset for channels in v2.4.1-v2.7.1 exports

_CHAT_KIND = {
    "public_channel": "channel",
    "private_channel": "channel",
    "public_supergroup": "channel",
    "private_supergroup": "channel",
    "private_group": "chat",
    "personal_chat": "user",
    "bot_chat": "user",
    "saved_messages": "user",
    "replies": "user",
}
_BROADCAST = frozenset({"public_channel", "private_channel"})
_PEER_KEY = re.compile(r"(?:user|chat|channel)\d+\Z")


@dataclass
class _Chat:
    section: str  # "" (single-chat export), "chats.list.item" or "left_chats.list.item"
    name: str | None = None
    type: str | None = None
    raw_id: int | None = None
    key: str = ""
    uid: str = ""
    broadcast: bool = False
    announced: bool = False
    skipped: dict[str, int] = field(default_factory=dict)
    pending: list[tuple[int, int, Any]] = field(default_factory=list)  # (index, line, message) met before the id

    def set_field(self, key: str, value: Any) -> None:
        """Take the chat's name, type or id (an id that is not an integer counts as none)."""
        if key == "id":
            self.raw_id = _int_or_none(value)
        elif key == "name":
            self.name = _str(value)
        elif key == "type":
            self.type = _str(value)
        if self.raw_id is not None:
            self.resolve()

    def resolve(self) -> None:
        kind = _CHAT_KIND.get(self.type or "", "peer")
        bare = self.raw_id
        if bare is not None and kind == "channel" and bare >= _CHANNEL_OFFSET:
            bare -= _CHANNEL_OFFSET
        self.key = f"{kind}{bare}"
        self.uid = f"{PLATFORM}:{self.key}"
        self.broadcast = self.type in _BROADCAST


def read_telegram(path: Path, *, assume_tz: tzinfo | str | None = None) -> Iterator[ReaderItem]:
    """Yield a Fragment per chat (its Account) and per message, a Reject per unusable message."""
    state = _FileState(str(path), _as_tz(assume_tz))
    with open_json(path, depth_guard=False) as fh:
        yield from _read_stream(fh, state)


@dataclass
class _FileState:
    file: str
    tz: tzinfo
    warned_local_time: bool = False
    messages: int = 0
    seen: bool = False  # an event of the export's own (a chat, a field, a message) came


def _read_stream(fh: BinaryIO, state: _FileState) -> Iterator[ReaderItem]:
    chats: dict[str, _Chat] = {}
    for kind, section, a, b in iter_chat_events(fh, state.file):
        state.seen = state.seen or kind != "damaged"
        if kind == "start":
            chats[section] = _Chat(section)
            continue
        chat = chats.get(section) or chats.setdefault(section, _Chat(section))
        if kind == "field":
            chat.set_field(a, b)
            if chat.raw_id is not None:
                yield from _flush_pending(chat, state)
        elif kind == "message":
            state.messages += 1
            element: Element = b
            if element.error is not None:
                yield _unreadable(element, chat, state)
            elif chat.raw_id is None:
                chat.pending.append((a, element.line, element.value))  # a writer put `messages` before `id`
            else:
                if not chat.announced:
                    yield _chat_fragment(chat)
                yield from _message_items(element.value, a, element.line, chat, state)
        elif kind == "end":
            yield from _end_chat(chat, state)
            del chats[section]
        elif not state.seen:  # nothing of an export was seen: not one (the loaders report the file)
            raise SourceFormatError(f"{state.file}: not a Telegram Desktop export: {b.error} at byte {b.offset:,}")
        else:
            yield Reject(state.file, b.line, f"the document's structure is broken at byte {b.offset:,} after "
                         f"{state.messages} messages: {b.error}; the rest of the file is not read", b.excerpt)


def _unreadable(element: Element, chat: _Chat, state: _FileState) -> Reject:
    reason = f"{_where(element.index, chat)} (byte {element.offset:,}) cannot be read: {element.error}"
    return Reject(state.file, element.line, reason, element.excerpt)


def _flush_pending(chat: _Chat, state: _FileState) -> Iterator[ReaderItem]:
    if chat.pending:
        yield _chat_fragment(chat)
        for index, line, message in chat.pending:
            yield from _message_items(message, index, line, chat, state)
        chat.pending.clear()


def _end_chat(chat: _Chat, state: _FileState) -> Iterator[ReaderItem]:
    for index, line, message in chat.pending:
        yield Reject(state.file, line, f"{_where(index, chat)}: its chat has no id", _dump(message))
    if chat.raw_id is not None and not chat.announced:
        yield _chat_fragment(chat)
    if chat.skipped:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(chat.skipped.items()))
        yield Fragment(warnings=[f"{state.file}: {chat.uid or 'chat'}: skipped non-post messages ({counts})"])


def _where(index: int, chat: _Chat) -> str:
    return f"message #{index} of {chat.uid or 'a chat without id'}"


def _chat_fragment(chat: _Chat) -> Fragment:
    chat.announced = True
    props = {"platform": PLATFORM, "name": chat.name, "chat_type": chat.type or None, "peer_key": chat.key}
    frag = Fragment()
    add_account(frag, chat.uid, props)
    return frag


def _message_items(msg: Any, index: int, line: int, chat: _Chat, state: _FileState) -> Iterator[ReaderItem]:
    if not isinstance(msg, dict):
        yield Reject(state.file, line, f"{_where(index, chat)} is not an object", _dump(msg))
        return
    mtype = msg.get("type", "message")
    if not isinstance(mtype, str):
        yield Reject(state.file, line, f"{_where(index, chat)} has a type that is not a string", _dump(msg))
        return
    if mtype != "message":
        chat.skipped[mtype] = chat.skipped.get(mtype, 0) + 1
        return
    msg_id = _int_or_none(msg.get("id"))
    if msg_id is None:
        yield Reject(state.file, line, f"{_where(index, chat)} has no id", _dump(msg))
        return
    created, warning = _message_time(msg, state)
    if created is None:
        yield Reject(state.file, line, f"{_where(index, chat)}, id {msg_id}, has no date", _dump(msg))
        return
    yield _post_fragment(msg, msg_id, created, chat, warning)


def _post_fragment(msg: dict[str, Any], msg_id: int, created: datetime, chat: _Chat, warning: str | None) -> Fragment:
    frag = Fragment(warnings=[warning] if warning else [])
    post = NodeRef("Post", f"{PLATFORM}:{chat.key}/{msg_id}")
    text, parts = _flatten_text(msg)
    props: dict[str, Any] = {
        "platform": PLATFORM,
        "message_id": msg_id,
        "chat_uid": chat.uid,
        "created_at": created,
        "text": text,
        "edited_at": _unix_or_none(msg.get("edited_unixtime")),
        "author_signature": _str(msg.get("author")),
        "via_bot": _str(msg.get("via_bot")),
    }
    _media_props(msg, props)
    reactions = msg.get("reactions")
    if isinstance(reactions, list):
        props["reactions"] = sum(_int_or_none(r.get("count")) or 0 for r in reactions if isinstance(r, dict))
    frag.nodes.append(Node("Post", post.key, props))

    poster = chat.uid if chat.broadcast else _sender_uid(msg)
    add_poster(frag, post, poster, chat.uid, {"platform": PLATFORM, "name": _str(msg.get("from"))})
    _reply(msg, chat, post, frag)
    _forward(msg, post, props, frag)
    add_text_entities(parts, _button_urls(msg.get("inline_bot_buttons")), post, props, created, frag)
    return frag


def _sender_uid(msg: dict[str, Any]) -> str | None:
    key = _peer_key(msg.get("from_id"))
    if key is not None:
        return f"{PLATFORM}:{key}"
    name = _str(msg.get("from"))
    return name_uid(name) if name and name.strip() else None


def _reply(msg: dict[str, Any], chat: _Chat, post: NodeRef, frag: Fragment) -> None:
    reply_id = _int_or_none(msg.get("reply_to_message_id"))
    if reply_id is None:
        return
    add_reply(frag, post, _peer_key(msg.get("reply_to_peer_id")) or chat.key, reply_id)


def _forward(msg: dict[str, Any], post: NodeRef, props: dict[str, Any], frag: Fragment) -> None:
    if "forwarded_from" not in msg and "forwarded_from_id" not in msg and "saved_from" not in msg:
        return
    name = _str(msg.get("forwarded_from")) or _str(msg.get("saved_from"))
    add_forward(
        frag,
        post,
        props,
        name=name,
        origin_key=_peer_key(msg.get("forwarded_from_id")),
        origin_message_id=_int_or_none(msg.get("forwarded_from_message_id")),
    )


def _flatten_text(msg: dict[str, Any]) -> tuple[str, list[Any]]:
    """The message text and its parts: `text` is a string, or a list of strings and entity objects."""
    text = msg.get("text")
    if text is None:
        text = msg.get("text_entities", "")
    if isinstance(text, str):
        return text, [text]
    if not isinstance(text, list):
        return "", []
    pieces = [p if isinstance(p, str) else str(p.get("text", "")) for p in text if isinstance(p, str | dict)]
    return "".join(pieces), text


def _button_urls(rows: Any) -> list[str]:
    if not isinstance(rows, list):
        return []
    return [
        str(button["data"])
        for row in rows
        if isinstance(row, list)
        for button in row
        if isinstance(button, dict) and button.get("type") == "url" and button.get("data")
    ]


def _media_props(msg: dict[str, Any], props: dict[str, Any]) -> None:
    """Describe attached media from the export's fields only; the files themselves are never opened."""
    if "photo" in msg:
        media_type, location = "photo", msg.get("photo")
    elif "file" in msg:
        media_type, location = _str(msg.get("media_type")) or "document", msg.get("file")
    else:
        for key, kind in (("poll", "poll"), ("location_information", "location"), ("contact_information", "contact")):
            if key in msg:
                props["media_type"] = kind
        return
    included = isinstance(location, str) and bool(location) and not location.startswith("(")
    props["media_type"] = media_type
    props["media_included"] = included
    props["media_mime_type"] = _str(msg.get("mime_type"))
    props["media_duration_s"] = _int_or_none(msg.get("duration_seconds"))
    name = _str(msg.get("file_name")) or (
        location.rsplit("/", 1)[-1] if included and isinstance(location, str) else None
    )
    props["media_file_name"] = name


def _message_time(msg: dict[str, Any], state: _FileState) -> tuple[datetime | None, str | None]:
    created = _unix_or_none(msg.get("date_unixtime"))
    if created is not None:
        return created, None
    raw = msg.get("date")
    if not isinstance(raw, str) or not raw.strip():
        return None, None
    try:
        local = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None, None
    if local.tzinfo is None:
        local = local.replace(tzinfo=state.tz)
    warning = None
    if not state.warned_local_time:
        state.warned_local_time = True
        warning = (
            f"{state.file}: messages without date_unixtime: their local `date` is taken as {state.tz} "
            "(pass assume_tz to change)"
        )
    return local.astimezone(UTC), warning


def _unix_or_none(value: Any) -> datetime | None:
    seconds = _int_or_none(value)
    # "0000000000" appears in hand-edited exports: no real Telegram message is dated at the epoch.
    return utc_from_timestamp(seconds) if seconds else None


def _peer_key(value: Any) -> str | None:
    """`user123` / `channel123` / `chat123` as written, or a legacy integer decoded (see the module docstring)."""
    if isinstance(value, str):
        if _PEER_KEY.match(value):
            return value
        value = _int_or_none(value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return f"channel{value - _CHANNEL_OFFSET}" if value >= _CHANNEL_OFFSET else f"user{value}"
    return None


def _str(value: Any) -> str | None:
    """A string field, or None when the export (or a hand edit) put something else there."""
    return value if isinstance(value, str) else None


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _as_tz(value: tzinfo | str | None) -> tzinfo:
    if value is None:
        return DEFAULT_ASSUME_TZ
    return ZoneInfo(value) if isinstance(value, str) else value
