"""Detection of the Telegram collectors' formats (Telethon, 4CAT, TGDataset), kept apart from etl/detect.py.

Judged by content only, never by the file's name: these files are often named `.txt` (BDA-KTS), `.ndjson` (4CAT)
or `.json`. Signals (docs/formats.md, Detection):
* a JSON object per line (or a JSON array, or pretty-printed objects) whose type `"_"` is `Message` or
  `MessageService` -> `telethon`; the same under `_type` -> `4cat-telegram`. 4CAT writes `_type` LAST, so a line
  longer than the sniffed bytes is judged by its other keys: `id`, `peer_id`, `date`, `message` make a Telethon
  message, and `_chat`, `_sender`, `4CAT_metadata` or a nested `_type` (`peer_id._type`) make it 4CAT's.
* one document with `messages` whose first item has a Telethon type, or `messages` beside `chats` and `users`
  (and no Telegram Desktop `type` or `about`) -> `telethon` (telegram-tracker's dumps).
* one document whose first key is a channel id (digits, possibly marked `-100...`) holding `text_messages`,
  `username`, `title`, `creation_date`, `n_subscribers` or `generic_media` -> `tgdataset`.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from etl.json_head import iter_head_events
from etl.readers.common import open_binary

SNIFF_BYTES = 64 * 1024
TELEGRAM_COLLECTOR_FORMATS = frozenset({"telethon", "4cat-telegram", "tgdataset"})

_MESSAGE_TYPES = frozenset({"Message", "MessageService", "MessageEmpty"})
_MESSAGE_KEYS = frozenset({"id", "peer_id", "date", "message"})
_4CAT_KEYS = frozenset({"_chat", "_sender", "4CAT_metadata", "_chat_peer"})
_TGDATASET_KEYS = frozenset({"text_messages", "username", "title", "creation_date", "n_subscribers", "generic_media"})
_CHANNEL_KEY = re.compile(r"-?\d{1,20}\Z")
_EVENTS = 20_000  # parse events looked at in the sniffed bytes


def telegram_collector_format(head: bytes, complete: bool) -> str | None:
    """`telethon`, `4cat-telegram` or `tgdataset` from a file's first bytes (BOM and leading blanks removed)."""
    if head[:1] == b"{":
        lines = head.split(b"\n")
        for raw in lines if complete else lines[:-1]:
            if not raw.strip():
                continue
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError:
                break  # pretty-printed or longer than the sniffed bytes: judge by the streamed keys
            return _object_format(obj) if isinstance(obj, dict) else None
    if head[:1] in (b"{", b"["):
        return _streamed_format(head)
    return None


def _object_format(obj: dict[str, object]) -> str | None:
    if obj.get("_") in _MESSAGE_TYPES:
        return "telethon"
    if obj.get("_type") in _MESSAGE_TYPES:
        return "4cat-telegram"
    messages = obj.get("messages")
    if isinstance(messages, list) and "type" not in obj and "about" not in obj:
        first = messages[0] if messages else None
        if isinstance(first, dict) and (first.get("_") in _MESSAGE_TYPES or first.get("_type") in _MESSAGE_TYPES):
            return "telethon"
        if not messages and {"chats", "users"} <= obj.keys():
            return "telethon"
    return None


def _streamed_format(head: bytes) -> str | None:
    """The same signals from parse events over a prefix (a document, or a line too long to parse whole)."""
    keys: set[str] = set()
    first_key: str | None = None
    nested_type = False  # `_type` met as a key at any depth: 4CAT's spelling (Telethon's own is `_`)
    array = head[:1] == b"["
    base = "item" if array else ""
    for prefix, event, value in iter_head_events(head, _EVENTS):  # bounded: ends where the head stops being JSON
        if event == "map_key" and value == "_type":
            nested_type = True
        if event == "map_key" and prefix == base:
            keys.add(value)
            first_key = value if first_key is None else first_key
        elif event == "string" and prefix in (f"{base}._".lstrip("."), "messages.item._"):
            if value in _MESSAGE_TYPES:
                return "telethon"
        elif event == "string" and prefix in (f"{base}._type".lstrip("."), "messages.item._type"):
            if value in _MESSAGE_TYPES:
                return "telethon" if prefix.startswith("messages") else "4cat-telegram"
        elif event == "map_key" and not array and first_key is not None and prefix == first_key:
            if _CHANNEL_KEY.match(first_key) and value in _TGDATASET_KEYS:
                return "tgdataset"
        elif event == "end_map" and prefix == base:
            break
    if _MESSAGE_KEYS <= keys:
        return "4cat-telegram" if keys & _4CAT_KEYS or nested_type else "telethon"
    return None


def is_collector_text_file(path: Path) -> bool:
    """A `.txt` met in a directory is loaded only when its content is one of these formats (never on its name)."""
    try:
        with open_binary(path) as fh:
            head = fh.read(SNIFF_BYTES)
            complete = not fh.read(1)
    except OSError:
        return False
    from etl.detect import mostly_binary, tolerant_head

    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return not mostly_binary(head) and telegram_collector_format(tolerant_head(head), complete) is not None
