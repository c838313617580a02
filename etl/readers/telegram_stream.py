"""Streaming Telegram Desktop JSON with ijson: chat headers and whole messages, never the whole document in memory.

A single-chat export written by Telegram Desktop puts `name`, `type` and `id` before `messages`; it takes the fast
path (ijson's C item builder over `messages.item`). Full-account exports (`chats.list`, `left_chats.list`) and files
in another key order go through iter_chat_events, one pass over ijson's parse events in Python (about 3x slower).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from etl.readers.common import open_binary

JSONError = ijson.JSONError

_CHAT_PREFIXES = ("", "chats.list.item", "left_chats.list.item")
_MESSAGE_PREFIXES = {(p + ".messages.item").lstrip("."): p for p in _CHAT_PREFIXES}
_CHAT_FIELDS = {(p + "." + k).lstrip("."): (p, k) for p in _CHAT_PREFIXES for k in ("name", "type", "id")}
_FULL_EXPORT_KEYS = frozenset({"about", "chats", "left_chats", "personal_information", "contacts"})
_SCALAR_EVENTS = frozenset({"string", "number", "null", "boolean"})
_HEADER_EVENTS = 1000  # Telegram Desktop writes three fields before `messages`; give up on the fast path after this


def open_json(path: Path) -> BinaryIO:
    """The file opened for ijson, positioned after a UTF-8 BOM if there is one (yajl rejects it)."""
    fh = open_binary(path)
    if fh.read(3) != b"\xef\xbb\xbf":
        fh.seek(0)
    return fh


def single_chat_header(path: Path) -> dict[str, Any] | None:
    """{name, type, id} of a single-chat export whose fields precede `messages`, else None (take the general path)."""
    header: dict[str, Any] = {}
    try:
        with open_json(path) as fh:
            for count, (prefix, event, value) in enumerate(ijson.parse(fh, use_float=True)):
                if prefix == "messages" and event == "start_array":
                    break
                if event in _SCALAR_EVENTS and prefix in ("name", "type", "id"):
                    header[prefix] = value
                elif count > _HEADER_EVENTS or (event == "map_key" and prefix == "" and value in _FULL_EXPORT_KEYS):
                    return None
            else:
                return None
    except ijson.JSONError:
        return None
    return header if header.get("id") is not None else None


def iter_single_chat_messages(fh: BinaryIO) -> Iterator[Any]:
    """Each item of the top-level `messages` array, built by ijson's C backend."""
    items: Iterator[Any] = ijson.items(fh, "messages.item", use_float=True)
    return items


def iter_chat_events(fh: BinaryIO) -> Iterator[tuple[str, str, Any, Any]]:
    """In document order: ("start"|"end", section, None, None) around each chat, ("field", section, key, value) for
    its name/type/id, and ("message", section, index, message) for each message (index: 1-based within the chat).
    section is "" for a single-chat export, "chats.list.item" or "left_chats.list.item" in a full-account export."""
    builder: ijson.ObjectBuilder | None = None
    depth = 0
    section = ""
    index = 0
    for prefix, event, value in ijson.parse(fh, use_float=True):
        if builder is not None:
            builder.event(event, value)
            if event == "start_map" or event == "start_array":
                depth += 1
            elif event == "end_map" or event == "end_array":
                depth -= 1
                if depth == 0:
                    yield "message", section, index, builder.value
                    builder = None
            continue
        if prefix in _MESSAGE_PREFIXES:
            section = _MESSAGE_PREFIXES[prefix]
            index += 1
            if event == "start_map" or event == "start_array":
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                depth = 1
            else:
                yield "message", section, index, value
        elif event in _SCALAR_EVENTS and prefix in _CHAT_FIELDS:
            chat_section, key = _CHAT_FIELDS[prefix]
            yield "field", chat_section, key, value
        elif prefix in _CHAT_PREFIXES and (event == "start_map" or event == "end_map"):
            index = 0
            yield ("start" if event == "start_map" else "end"), prefix, None, None
