"""Streaming Telegram Desktop JSON: chat headers and whole messages, never the whole document in memory.

A single-chat export (`{"name", "type", "id", "messages": [...]}`) and a full-account export (`chats.list`,
`left_chats.list`) are walked by etl/json_stream.py: only the chat objects are descended into, each message is
found by a bounded scan and parsed on its own. A message that is damaged (a bad byte, a NUL, nested too deep, too
large, its structure broken) costs itself only: it comes out with its physical line, byte offset and the reason,
and the walk resynchronises at the next message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from etl.json_stream import Element, iter_document
from etl.readers.common import open_binary

_CHAT_PREFIXES = ("", "chats.list.item", "left_chats.list.item")
_MESSAGE_ARRAYS = {(p + ".messages").lstrip("."): p for p in _CHAT_PREFIXES}
_CHAT_FIELDS = {(p + "." + k).lstrip("."): (p, k) for p in _CHAT_PREFIXES for k in ("name", "type", "id")}
_DESCEND = frozenset({"", "chats", "chats.list", "chats.list.item", "left_chats", "left_chats.list",
                      "left_chats.list.item"})  # fmt: skip


def open_json(path: Path, *, depth_guard: bool = True) -> BinaryIO:
    """The file opened for a JSON parser, positioned after a UTF-8 BOM if there is one (parsers reject it). With
    depth_guard, the stream stops past SWARMGRAPH_MAX_DEPTH levels of nesting (etl/json_guard.py): what ijson needs;
    the walks of etl/json_stream.py bound depth themselves."""
    fh = open_binary(path)
    if fh.read(3) != b"\xef\xbb\xbf":
        fh.seek(0)
    if depth_guard:
        from etl.json_guard import guarded

        return guarded(fh, str(path))
    return fh


def iter_chat_events(fh: BinaryIO, where: str) -> Iterator[tuple[str, str, Any, Any]]:
    """In document order: ("start"|"end", section, None, None) around each chat, ("field", section, key, value) for
    its name/type/id, ("message", section, index, Element) for each message (index: 1-based within the chat; the
    Element holds the message or why it could not be read, and where it starts), and ("damaged", "", 0, Element)
    when the document's structure breaks outside a message (the walk ends there). section is "" for a single-chat
    export, "chats.list.item" or "left_chats.list.item" in a full-account export."""
    for kind, prefix, value in iter_document(fh, where, descend=_DESCEND, targets=frozenset(_MESSAGE_ARRAYS)):
        if kind == "element":
            element: Element = value
            yield "message", _MESSAGE_ARRAYS[prefix], element.index, element
        elif kind == "scalar":
            if prefix in _CHAT_FIELDS:
                section, key = _CHAT_FIELDS[prefix]
                yield "field", section, key, value
        elif kind in ("start", "end"):
            if prefix in _CHAT_PREFIXES:
                yield kind, prefix, None, None
        else:
            yield "damaged", "", 0, value
