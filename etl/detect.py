"""Which reader a file needs, judged from its first 64 KB (docs/formats.md), and which files a directory load reads.

Detection judges what parses: a few NULs or bytes that are not UTF-8 in the head are blanked out before judging
(the reader then rejects the records that hold them), and only a head that is mostly binary is refused as binary.
JSON events are read with a bounded depth and count (etl/json_head.py), so no head costs more than a few MB.

JSON is judged by the top-level keys of its first decisive object (JSONL: the first line that is not a stream notice
or an error-only page; a pretty-printed document or an over-long first line: the keys that fit in the sniffed
bytes). CSV is judged by its header. Layouts known but not read yet are named in the error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from etl.containers import is_archive_name, list_members
from etl.detect_evidence import content_name, is_archive_file, sniff_evidence
from etl.detect_telegram import is_collector_text_file, telegram_collector_format
from etl.errors import SourceFormatError
from etl.json_head import iter_head_events
from etl.readers import FORMATS
from etl.readers.common import read_head, source_id

SNIFF_BYTES = 64 * 1024

DATA_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson", ".csv"})
SKIPPED_NAMES = frozenset({"ground_truth.json", "sources.md"})
SKIPPED_STEMS = ("manifest", "readme", "license")

_TWARC2_ENVELOPE = frozenset({"includes", "meta", "__twarc", "errors", "matching_rules"})
_TELEGRAM_ACCOUNT_SECTIONS = frozenset(
    {"chats", "left_chats", "personal_information", "profile_pictures", "contacts", "frequent_contacts", "sessions"}
)
_STREAM_NOTICES = frozenset({"delete", "limit", "warning", "scrub_geo", "status_withheld", "user_withheld"})
_QUT_HEADER = ("message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls")
_ISIS_KAGGLE_HEADER = ("name", "username", "description", "location", "followers", "numberstatuses", "time", "tweets")
_ISIS_FANBOY_HEADER = ("name", "username", "tweetid", "time", "tweets")
_ACCOUNT_COLUMNS = frozenset(
    {"uid", "platform", "handle", "name", "created_at", "suspended_at", "same_actor_as", "evidence"}
)
# CSV layouts known but not read yet (docs/formats.md, Detection): a precise message beats "unknown format".
_UNSUPPORTED_CSV = ((("id", "tweet_url", "created_at", "parsed_created_at"), "twarc v1 CSV (json2csv)"),)


def detect_format(path: Path) -> str:
    """The FORMATS name of a file's format; SourceFormatError (naming every format tried) when none fits."""
    head, complete = read_head(path, SNIFF_BYTES)  # decompressed and transcoded: judged by content, whatever the name
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.strip():
        raise SourceFormatError(f"{path}: the file is empty")
    evidence = sniff_evidence(path, head, complete)  # web archives, CDX, yt-dlp, archive.org, YouTube API
    if evidence is not None:
        return evidence
    if mostly_binary(head):
        raise SourceFormatError(f"{path}: a binary file, not JSON or CSV ({_tried()})")
    head = tolerant_head(head)
    stripped = head.lstrip()
    collector = telegram_collector_format(stripped, complete)  # Telethon, 4CAT, TGDataset (etl/detect_telegram.py)
    if collector is not None:
        return collector
    if stripped[:1] == b"{":
        found = _json_format(stripped, complete)
    elif stripped[:1] == b"[":
        found = _json_array_format(stripped)
    else:
        try:
            found = _csv_format(head)
        except SourceFormatError as exc:
            raise SourceFormatError(f"{path}: {exc}") from exc
    if found is None:
        first = head.decode("utf-8", "replace").lstrip().split("\n", 1)[0][:120]
        raise SourceFormatError(f"{path}: no known format matches (tried {_tried()}); it starts: {first!r}")
    if found == _TWARC2_COUNTS:
        from etl.readers.twitter_v2 import TWARC2_COUNTS_REFUSAL

        raise SourceFormatError(f"{path}: {TWARC2_COUNTS_REFUSAL}")
    if found not in FORMATS:
        raise SourceFormatError(f"{path}: looks like {found}, which swarmgraph does not read yet ({_tried()})")
    return found


def _tried() -> str:
    return ", ".join(FORMATS)


_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\f")


def mostly_binary(head: bytes) -> bool:
    """More than 10% of the head is NULs, control bytes or bytes that are not UTF-8: not a text export."""
    controls = len(head) - len(head.translate(None, _CONTROL))
    if controls * 10 > len(head):
        return True
    bad = head.decode("utf-8", "replace").count("\ufffd") - head.decode("utf-8", "ignore").count("\ufffd")
    return (controls + bad) * 10 > len(head)


def tolerant_head(head: bytes) -> bytes:
    """The head with NULs blanked and bytes that are not UTF-8 replaced: what is left is judged."""
    if b"\x00" in head:
        head = head.replace(b"\x00", b" ")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut by the end of the head
            head = head.decode("utf-8", "replace").encode("utf-8")
    return head


# ---------------------------------------------------------------------------------------------------- JSON


def _json_format(head: bytes, complete: bool) -> str | None:
    lines = head.split(b"\n")
    whole_lines = lines if complete else lines[:-1]
    offset = 0
    for raw in whole_lines:
        offset += len(raw) + 1
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            # a pretty-printed document, a truncated last line or a damaged one: judge by the keys that stream
            keys, data_keys = _streamed_keys(head[offset - len(raw) - 1 :])
            return _by_keys(keys, data_keys) or None
        if not isinstance(obj, dict):
            return None
        found = _by_keys(list(obj), _first_item_keys(obj.get("data")))
        if found != "":
            return found
    keys, data_keys = _streamed_keys(head)
    return _by_keys(keys, data_keys) or None


def _json_array_format(head: bytes) -> str | None:
    """A JSON array is read only as an array of v1.1 tweets (some tools save a timeline so)."""
    keys, _ = _streamed_keys(head, "item")
    return "twitter-v1" if _by_keys(keys, []) == "twitter-v1" else None


def _first_item_keys(data: Any) -> list[str]:
    if isinstance(data, list):
        data = data[0] if data else None
    return list(data) if isinstance(data, dict) else []


def _streamed_keys(head: bytes, base: str = "") -> tuple[list[str], list[str]]:
    """Keys of the first object at `base` ('' = the first JSON value, 'item' = an array's first item) and of its
    first `data` item, as far as `head` reaches."""
    data_prefixes = tuple(f"{base}.{p}".lstrip(".") for p in ("data", "data.item"))
    keys: list[str] = []
    data_keys: list[str] = []
    data_done = False
    for prefix, event, value in iter_head_events(head):  # ends where the head ends or stops being JSON
        if event == "map_key":
            if prefix == base:
                keys.append(value)
            elif prefix in data_prefixes and not data_done:
                data_keys.append(value)
        elif event == "end_map":
            if prefix == base:
                break
            data_done = data_done or prefix in data_prefixes
    return keys, data_keys


def _by_keys(key_list: list[str], data_keys: list[str]) -> str | None:
    """A format name; '' for an object that decides nothing (a stream notice, an error-only page); None: unknown."""
    keys = set(key_list)
    more = _activity_or_atproto_format(keys, set(data_keys))
    if more is not None:
        return more
    if "messages" in keys and "type" in keys:
        return "telegram"
    if keys & _TELEGRAM_ACCOUNT_SECTIONS and ("about" in keys or keys & {"chats", "left_chats"}):
        return "telegram"
    if "data" in keys and (keys & _TWARC2_ENVELOPE or {"text", "author_id"} & set(data_keys)):
        return "twarc2"
    if keys == {"errors"} or keys <= _TWARC2_ENVELOPE and "errors" in keys:
        return ""
    if {"id", "text", "author_id"} <= keys and "id_str" not in keys:
        return "twarc2-flat"
    if "statuses" in keys or ("id_str" in keys and keys & {"user", "created_at"}):
        return "twitter-v1"
    if len(keys) == 1 and keys <= _STREAM_NOTICES:
        return ""
    if {"page_url", "content"} <= keys:
        return "snapshots"
    return None


_TWARC2_COUNTS = "twarc2-counts"  # recognised only to be refused with its own message
_GNIP_ACTIVITY_KEYS = frozenset({"verb", "actor", "objectType", "postedTime", "body", "object"})
_BLUESKY_RESPONSE_KEYS = frozenset({"feed", "posts", "thread"})


def _activity_or_atproto_format(keys: set[str], data_keys: set[str]) -> str | None:
    """Gnip Activity Streams, Bluesky API responses and Jetstream events, and twarc2 counts (docs/formats.md)."""
    if "data" in keys and "tweet_count" in data_keys:
        return _TWARC2_COUNTS
    if "verb" in keys and len(keys & _GNIP_ACTIVITY_KEYS) >= 3:
        return "gnip-activity-streams"
    if "results" in keys and keys <= {"results", "next", "requestParameters"}:
        return "gnip-activity-streams"  # a Gnip search page; its activities are checked by the reader
    if {"did", "time_us", "kind"} <= keys:
        return "bluesky-jetstream"
    if keys & _BLUESKY_RESPONSE_KEYS and keys <= _BLUESKY_RESPONSE_KEYS | {"cursor", "hitsTotal", "threadgate"}:
        return "bluesky"
    if {"uri", "cid", "author", "record"} <= keys:
        return "bluesky"  # one PostView per line
    return None


# ----------------------------------------------------------------------------------------------------- CSV


def _csv_format(head: bytes) -> str | None:
    text = head.decode("utf-8", "replace")
    try:
        rows = list(_first_rows(text, 2))
    except csv.Error:
        return None
    if not rows or len(rows[0]) < 2:
        return None
    header = tuple(h.strip().lstrip("\ufeff").lower() for h in rows[0])
    columns = set(header)
    if len(columns) < len(header):
        twice = sorted({h for h in header if header.count(h) > 1})
        raise SourceFormatError(f"the header names {', '.join(map(repr, twice))} more than once: which column holds "
                                "the value is a guess, so the file is not read (rename one)")  # fmt: skip
    if header == _ISIS_KAGGLE_HEADER:
        return "isis-kaggle"
    twitter_archive = _twitter_archive_format(header, columns)
    if twitter_archive is not None:
        return twitter_archive
    if "id" in columns and ("author_id" in columns or "author.id" in columns):
        if "conversation_id" in columns or any(c.startswith("referenced_tweets") for c in columns):
            return "twarc-csv"
    if {"url", "video_id"} <= columns:
        return "videos"
    if {"url", "checked_at", "status"} <= columns:
        return "url-checks"
    if "uid" in columns and len(columns & _ACCOUNT_COLUMNS) >= 2:
        return "accounts"
    if len(header) == len(_QUT_HEADER) and (header == _QUT_HEADER or _looks_like_qut_row(rows[1:])):
        return "qut-csv"
    for prefix, name in _UNSUPPORTED_CSV:
        if header[: len(prefix)] == prefix:
            return name
    if {"page name", "facebook id"} & columns or "followers at posting" in columns:
        return "a CrowdTangle export"
    return None


def _twitter_archive_format(header: tuple[str, ...], columns: set[str]) -> str | None:
    """X's Information Operations archives (tweets or users file), FiveThirtyEight's IRA tweets, TAGS, and Kaggle's
    "Tweets targeting ISIS"."""
    if {"tweetid", "userid", "tweet_time"} <= columns or (
        {"userid", "user_screen_name", "account_creation_date"} <= columns and "tweetid" not in columns
    ):
        return "twitter-io"
    if {"external_author_id", "author", "content", "publish_date"} <= columns:
        return "fivethirtyeight-ira"
    if header[:3] == ("id_str", "from_user", "text"):
        return "tags-archive"
    if header == _ISIS_FANBOY_HEADER:
        return "isis-fanboy"
    return None


def _first_rows(text: str, count: int) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text))
    for _ in range(count):
        row = next(reader, None)
        if row is None:
            return
        yield row


def _looks_like_qut_row(rows: list[list[str]]) -> bool:
    """Header names are free in the QUT layout: accept 8 columns whose data row has an id and a time in column 7."""
    if not rows or len(rows[0]) != len(_QUT_HEADER) or not rows[0][0].strip():
        return False
    stamp = rows[0][6].strip()
    try:
        float(stamp)
        return True
    except ValueError:
        return len(stamp) >= 10 and stamp[:4].isdigit() and stamp[4:5] == "-"


# ----------------------------------------------------------------------------------------------- directories


def is_skipped(path: Path) -> str | None:
    """Why a file met while walking a directory (or an archive) is not loaded, or None to load it. A compressed
    file counts by its name without .gz/.bz2/.xz/.zst; archives (.zip, .tar, .tar.gz ...) are walked in turn."""
    name = content_name(path.name).lower()
    if name.startswith("."):
        return "hidden"
    if is_archive_name(name):
        return None
    suffix = Path(name).suffix
    if suffix not in DATA_SUFFIXES and not is_archive_file(path):
        if suffix != ".txt" or not is_collector_text_file(path):  # a .txt is read only when its content decides
            return ("not a data file (.json, .jsonl, .ndjson, .csv, .warc, .warc.gz, .wacz, .cdx, a Telegram "
                    "collector's .txt; compressed or archived)")
    if name in SKIPPED_NAMES:
        return "an answer key or notes, not data"
    if "rejects" in name:
        return "a rejects file written by a load"
    if name.startswith(SKIPPED_STEMS):
        return "a manifest, readme or licence"
    return None


def iter_source_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files to load, in order. A file given by name is always read; a directory is walked recursively in sorted
    order, skipping hidden files and folders, files that are not .json/.jsonl/.ndjson/.csv or web archives and CDX
    answers (etl/detect_evidence.is_archive_file) or `.txt` files holding a Telegram collector's dump
    (etl/detect_telegram.is_collector_text_file) (media, HTML, notes),
    ground_truth.json, rejects files, and manifest*/readme*/licence* files (see is_skipped). An archive (given or met)
    is listed like a directory, member by member (etl/containers.py; limits checked, nothing unpacked); an archive
    inside an archive is not opened. A file is read once however often it is named."""
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            candidates: Iterable[Path] = (
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and is_skipped(p) is None
            )
        elif path.is_file():
            candidates = [path]
        else:
            raise SourceFormatError(f"{path}: no such file or directory")
        for candidate in candidates:
            for source in _expanded(candidate):
                key = source_id(source)
                if key not in seen:
                    seen.add(key)
                    yield source


def _expanded(path: Path) -> list[Path]:
    """A file as itself; an archive as its data members (a zip that is a WACZ web archive stays one file)."""
    if not is_archive_name(path.name):
        return [path]
    members = list_members(path, _member_is_data)
    return [path] if members is None else members


def _member_is_data(member: Path) -> bool:
    """What a directory walk would load, and no archive inside the archive (one level is read, never deeper)."""
    inner = str(member).split("!/", 1)[1]
    hidden = any(part.startswith(".") and part != ".." for part in inner.split("/"))
    return not hidden and not is_archive_name(member.name) and is_skipped(member) is None
