"""TGDataset (the Sapienza research collection of Telegram channels) -> Fragments, streamed event by event.

Layout: one JSON object whose keys are channel ids, each `{username, title, description, scam, verified,
n_subscribers, creation_date, text_messages: {"<message id>": {message, date, author, is_forwarded,
forwarded_from_id, forwarded_message_date}}, generic_media: {...}}`. Files are tens of GB, so nothing larger than one
message is ever built: ijson's parse events are followed with a depth counter (keys are never split on dots, which a
hostile key could contain) and only a `text_messages` entry is assembled into an object.

Identity is Telegram Desktop's (etl/readers/telegram_common.py): channel keys are bare channel ids (a marked
`-100<id>` is undone), Account `telegram:channel<id>`, Post `telegram:channel<id>/<message id>`, posted by the
channel. Times are float Unix seconds (UTC). There are no entities: links are recovered from the text (URLs, `www.`
and `t.me/` starts; etl/readers/common.find_urls). A forward names its origin only by id: `forwarded_from_id` is read
as a channel (a marked id says otherwise) and gives FORWARDED_FROM, with no origin message id; a forward whose source
is null is marked `is_forward` and points nowhere. `author` is kept as the post's signature when it is text.
`generic_media` entries (media without text) are counted in a warning, not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from etl.readers.common import add_account, utc_from_timestamp
from etl.readers.telegram_common import (
    PLATFORM,
    account_uid,
    add_forward,
    add_text_entities,
    dump,
    int_or_none,
    marked_peer_key,
    post_uid,
    str_or_none,
)
from etl.readers.telegram_stream import open_json
from etl.records import Fragment, Node, NodeRef, ReaderItem, Reject, Rel

_SCALARS = frozenset({"string", "number", "null", "boolean"})
_OPEN = frozenset({"start_map", "start_array"})
_CLOSE = frozenset({"end_map", "end_array"})


@dataclass
class _Channel:
    raw_key: str
    key: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    media: int = 0


@dataclass
class _State:
    file: str
    messages: int = 0
    channels: int = 0


def read_tgdataset(path: Path) -> Iterator[ReaderItem]:
    """Yield a Fragment per channel (its Account, at the channel's end) and per text message; Rejects for the rest."""
    state = _State(str(path))
    with open_json(path) as fh:
        try:
            yield from _events(fh, state)
        except ijson.JSONError as exc:
            yield Reject(
                state.file,
                state.messages + 1,
                f"JSON malformed or truncated after {state.messages} messages of {state.channels} channels: {exc}",
                "",
            )


def _events(fh: BinaryIO, state: _State) -> Iterator[ReaderItem]:
    depth = 0
    channel: _Channel | None = None
    field_name = ""
    message_key = ""
    builder: ijson.ObjectBuilder | None = None
    built_depth = 0
    for count, (_prefix, event, value) in enumerate(ijson.parse(fh, use_float=True)):
        if count == 0 and event != "start_map":
            yield Reject(state.file, 1, f"not a TGDataset file: the document is a JSON {event.split('_')[-1]}", "")
            return
        if builder is not None:
            builder.event(event, value)
            if event in _OPEN:
                built_depth += 1
            elif event in _CLOSE:
                built_depth -= 1
            if built_depth == 0:
                if channel is not None:
                    yield from _message_items(builder.value, message_key, channel, state)
                builder = None
            continue
        if event == "map_key":
            if depth == 1:
                key = marked_peer_key(value, "channel")
                channel = _Channel(str(value), key if key and key.startswith("channel") else None)
                state.channels += 1
            elif depth == 2:
                field_name = value
            elif depth == 3 and field_name == "text_messages":
                message_key = value
            elif depth == 3 and field_name == "generic_media" and channel is not None:
                channel.media += 1
            continue
        if depth == 1 and channel is not None and event != "start_map":
            yield Reject(
                state.file, state.channels, f"channel #{state.channels} ({channel.raw_key[:40]!r}) is not an object", ""
            )
            channel = None
        elif depth == 2 and channel is not None and event in _SCALARS:
            channel.fields[field_name] = value
        elif depth == 3 and field_name == "text_messages" and channel is not None:
            if event in _OPEN:
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                built_depth = 1
                continue
            if event in _SCALARS:
                yield from _message_items(value, message_key, channel, state)  # a scalar where a message should be
        if event in _OPEN:
            depth += 1
        elif event in _CLOSE:
            depth -= 1
            if depth == 1 and channel is not None:
                yield from _end_channel(channel, state)
                channel = None


def _end_channel(channel: _Channel, state: _State) -> Iterator[ReaderItem]:
    if channel.key is None:
        reason = f"channel #{state.channels} ({channel.raw_key[:40]!r}): its key is not a channel id"
        yield Reject(state.file, state.channels, reason, "")
        return
    fields = channel.fields
    props: dict[str, Any] = {
        "platform": PLATFORM,
        "name": str_or_none(fields.get("title")),
        "handle": (str_or_none(fields.get("username")) or "").lower() or None,
        "description": str_or_none(fields.get("description")) or None,
        "created_at": _time(fields.get("creation_date")),
        "followers": int_or_none(fields.get("n_subscribers")),
        "scam": fields.get("scam") if isinstance(fields.get("scam"), bool) else None,
        "verified": fields.get("verified") if isinstance(fields.get("verified"), bool) else None,
        "peer_key": channel.key,
    }
    frag = Fragment()
    add_account(frag, account_uid(channel.key), props)
    if channel.media:
        frag.warnings.append(
            f"{state.file}: {account_uid(channel.key)}: {channel.media} generic_media entries (media without text) "
            "not read"
        )
    yield frag


def _message_items(msg: Any, message_key: str, channel: _Channel, state: _State) -> Iterator[ReaderItem]:
    state.messages += 1
    where = f"message #{state.messages} (key {message_key[:40]!r} of channel {channel.raw_key[:40]!r})"
    if channel.key is None:
        yield Reject(state.file, state.messages, f"{where}: the channel key is not a channel id", dump(msg))
        return
    if not isinstance(msg, dict):
        yield Reject(state.file, state.messages, f"{where} is not an object", dump(msg))
        return
    msg_id = int_or_none(message_key)
    if msg_id is None:
        yield Reject(state.file, state.messages, f"{where}: the key is not a message id", dump(msg))
        return
    created = _time(msg.get("date"))
    if created is None:
        yield Reject(state.file, state.messages, f"{where} has no usable date", dump(msg))
        return
    yield _post_fragment(msg, msg_id, channel.key, created)


def _post_fragment(msg: dict[str, Any], msg_id: int, chat_key: str, created: datetime) -> Fragment:
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
        "author_signature": str_or_none(msg.get("author")),
    }
    frag.nodes.append(Node("Post", post.key, props))
    frag.rels.append(Rel("POSTED", NodeRef("Account", chat_uid), post))
    if msg.get("is_forwarded") is True or msg.get("forwarded_from_id") is not None:
        props["forwarded_from_date"] = _time(msg.get("forwarded_message_date"))
        add_forward(
            frag,
            post,
            props,
            name=None,
            origin_key=marked_peer_key(msg.get("forwarded_from_id"), "channel"),
            origin_message_id=None,
        )
    add_text_entities([text], [], post, props, created, frag)
    return frag


def _time(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 32503680000:
        return utc_from_timestamp(value)
    if isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            return None
        return _time(seconds) if seconds == seconds else None
    return None
