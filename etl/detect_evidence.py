"""Detection of the evidence formats (docs/inputs.md): web archives, Wayback CDX answers, yt-dlp info.json, archive.org
and YouTube Data API answers, judged from a file's first bytes like every other format (etl/detect.py)."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from etl.containers import content_name
from etl.errors import SourceFormatError
from etl.json_head import iter_head_events
from etl.readers.common import open_binary

__all__ = ["content_name", "is_archive_file", "sniff_evidence"]

# File names a directory load reads besides .json/.jsonl/.csv: web archives and CDX answers.
ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".wacz", ".cdx", ".cdx.txt")
_CDX_ROW = re.compile(rb"^\S+ \d{14} \S+ \S+ (?:\d{3}|-) \S+ \S+\r?$")
_YOUTUBE_KINDS = frozenset({"youtube#videoListResponse", "youtube#commentThreadListResponse",
                            "youtube#commentListResponse"})  # fmt: skip
_YTDLP_KEYS = frozenset({"extractor", "extractor_key", "_version", "webpage_url_basename"})
# The item metadata answer's top-level keys (`files` can be long, so `metadata` may come after the sniffed bytes).
_ARCHIVE_ITEM_KEYS = frozenset({"created", "d1", "d2", "dir", "files", "files_count", "item_last_updated", "item_size",
                                "metadata", "is_dark", "server", "uniq", "workable_servers"})  # fmt: skip


def is_archive_file(path: Path) -> bool:
    """A web archive or CDX answer by its name (.warc, .warc.gz, .wacz, .cdx), or a .txt file whose first line is a
    CDX capture row (what `curl` of the CDX server saves): a directory load reads it."""
    name = content_name(path.name).lower()
    if name.endswith(ARCHIVE_SUFFIXES):
        return True
    if not name.endswith(".txt"):
        return False
    try:
        with open_binary(path) as fh:
            first = fh.read(4096).split(b"\n", 1)[0]
    except OSError:
        return False
    return _CDX_ROW.match(first) is not None


def sniff_evidence(path: Path, head: bytes, complete: bool) -> str | None:
    """The FORMATS name of an evidence file, None when it is none of them (the other detectors decide then);
    SourceFormatError for a Wayback server error saved in place of its answer."""
    if head.startswith(b"WARC/") or _gzip_starts_with(head, b"WARC/"):
        return "warc"
    if head.startswith(b"PK\x03\x04") and (path.name.lower().endswith(".wacz") or b"datapackage.json" in head):
        return "warc"
    text = head.lstrip()
    if text.startswith(b"org.archive.") and b"Exception" in text[:400]:
        first = text.split(b"\n", 1)[0].decode("utf-8", "replace")[:200]
        blocked = " (the Wayback Machine refuses this site: Blocked Site Error)" if b"Blocked Site" in text else ""
        raise SourceFormatError(f"{path}: a Wayback Machine server error saved in place of CDX captures{blocked}; "
                                f"it holds no captures: {first!r}")  # fmt: skip
    if _CDX_ROW.match(text.split(b"\n", 1)[0]):
        return "cdx"
    if text[:1] == b"[" and text[1:].lstrip()[:1] == b"[":
        return "cdx-json" if _cdx_json_header(text) else None
    if text[:1] == b"{":
        return _json_object_format(path, text, complete)
    return None


def _gzip_starts_with(head: bytes, prefix: bytes) -> bool:
    if not head.startswith(b"\x1f\x8b"):
        return False
    try:
        return zlib.decompressobj(31).decompress(head, len(prefix)).startswith(prefix)
    except zlib.error:
        return False


def _cdx_json_header(text: bytes) -> bool:
    row: list[str] = []
    for prefix, event, value in iter_head_events(text, 2000):  # bounded: a deep head costs nothing
        if prefix == "item.item" and event == "string":
            row.append(value)
        elif prefix == "item" and event == "end_array":
            break
    return {"timestamp", "original"} <= set(row)


def _json_object_format(path: Path, text: bytes, complete: bool) -> str | None:
    if complete and text.strip() == b"{}":
        return "archive-org"  # the metadata API's answer for an item that does not exist (any more)
    keys: set[str] = set()
    kind: str | None = None
    format_ids = False
    for prefix, event, value in iter_head_events(text):  # ends where the sniffed bytes end or stop being JSON
        if event == "map_key" and prefix == "":
            keys.add(value)
        elif prefix == "kind" and event == "string":
            kind = value
        elif prefix == "formats.item" and event == "map_key" and value == "format_id":
            format_ids = True
            break
        elif prefix == "" and event == "end_map":
            break
    if kind in _YOUTUBE_KINDS:
        return "youtube-api"
    if keys & _YTDLP_KEYS or format_ids or (content_name(path.name).lower().endswith(".info.json") and "id" in keys):
        return "ytdlp"
    if "archived_snapshots" in keys:
        return "wayback-available"
    if len(keys & _ARCHIVE_ITEM_KEYS) >= 2 or keys == {"is_dark"}:
        return "archive-org"
    if {"response", "responseHeader"} <= keys or ("items" in keys and keys & {"count", "total", "cursor"} and not kind):
        return "archive-org-search"
    return None
