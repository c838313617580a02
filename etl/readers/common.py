"""Shared plumbing for readers: opening inputs (files, compressed files, archive members, encodings), numbered
JSONL lines, CSV rows, rejects and UTC times."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from etl import limits
from etl.containers import (
    ContainerError,
    content_name,
    member_path,
    normalise_member_name,
    open_stored,
    split_member,
    stored_member,
)
from etl.json_records import RecordError, loads_record
from etl.readers.csv_rows import iter_guarded_cells, iter_guarded_rows, open_csv_text
from etl.records import Fragment, Node, NodeRef, ReaderItem, Reject, Rel
from etl.streams import decoded

EXCERPT_CHARS = 200


def read_guarded(read: Callable[[Path], Iterator[ReaderItem]], path: Path) -> Iterator[ReaderItem]:
    """A reader's items under the limits of etl/limits.py; a compressed input or archive member that breaks while
    being read (damaged, cut short, expanding like a bomb) ends the file with a Reject at the uncompressed byte where
    it broke: what came before stays loaded, as with a truncated JSON line. Both loaders read through this.

    Text properties longer than SWARMGRAPH_MAX_TEXT_CHARS are cut (`<property>_truncated = true`, and a warning);
    an integer beyond 64 bits is left out with a warning; warnings noted while parsing join the next fragment."""
    max_text = limits.current().max_text_chars
    limits.take_notes()
    try:
        for item in read(path):
            if isinstance(item, Fragment):
                _hold_limits(item, max_text, str(path))
            yield item
    except ContainerError as exc:
        if exc.offset is None:
            raise
        yield Reject(str(path), exc.offset, str(exc).removeprefix(f"{path}: "), "", unit="byte")


def _hold_limits(frag: Fragment, max_text: int, file: str) -> None:
    notes = limits.take_notes()
    low, high = limits.INT64_MIN, limits.INT64_MAX
    for node in frag.nodes:
        props = node.props
        flagged = None
        for key, value in props.items():
            kind = type(value)
            if (kind is str and len(value) > max_text) or (kind is int and not low <= value <= high):
                flagged = [*(flagged or ()), key]
        for key in flagged or ():
            value = props[key]
            if type(value) is int:
                notes.append(f"{file}: {node.key}: {key} is beyond 64 bits and is left out")
                continue
            props[key] = value[:max_text]
            props[f"{key}_truncated"] = True
            notes.append(f"{file}: {node.key}: {key} cut to {max_text:,} characters (SWARMGRAPH_MAX_TEXT_CHARS)")
    if notes:
        frag.warnings.extend(notes)


def excerpt(raw: str | bytes) -> str:
    """A short, single-line excerpt of a raw record for the rejects file."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = " ".join(text.split())
    return text[:EXCERPT_CHARS]


__all__ = [
    "ContainerError",
    "content_name",
    "read_guarded",
    "read_head",
    "open_binary",
    "open_stored",
    "open_text",
    "iter_json_lines",
    "iter_csv_rows",
    "source_id",
    "source_mtime",
    "source_size",
]


def open_binary(path: Path, *, keep_gzip: bool = False) -> BinaryIO:
    """Open an input for reading its content as bytes. Every reader opens its input through this function or the
    text helpers below (never open() directly), so that what they accept is decided in one place (etl/containers.py):
    `path` may be a file or an archive member (`case.zip!/dir/result.json`); gzip, bzip2, xz and zstd are
    decompressed by their first bytes; a UTF-8 BOM is passed over and UTF-16 with a BOM is transcoded to UTF-8.
    keep_gzip leaves gzip compressed (WARC files are gzipped record by record, and warcio reads them so)."""
    return decoded(open_stored(path), str(path), keep_gzip=keep_gzip)


def read_head(path: Path, size: int) -> tuple[bytes, bool]:
    """The first `size` bytes of an input's content, and whether that is all of it (what detection judges). A
    compressed input damaged after its first bytes gives what came before (its reader rejects where it breaks)."""
    head = bytearray()
    try:
        with open_binary(path) as fh:
            step = getattr(fh, "read1", fh.read)  # one read at a time: what came before a cut is kept
            while len(head) < size and (chunk := step(size - len(head))):
                head += chunk
            return bytes(head), not fh.read(1)
    except ContainerError as exc:
        if exc.offset is None or not head:
            raise
        return bytes(head), False


def source_mtime(path: Path) -> datetime:
    """When the input was last modified, in UTC (an archive member's own time): the capture time of evidence files
    that carry none."""
    member = stored_member(path)
    seconds = member.mtime if member is not None else path.stat().st_mtime
    return datetime.fromtimestamp(seconds, tz=UTC)


def source_size(path: Path) -> int:
    """Bytes of the input as stored (an archive member: its uncompressed size)."""
    member = stored_member(path)
    return member.size if member is not None else path.stat().st_size


def source_id(path: Path) -> str:
    """The input's name in load runs: the absolute file path, or `<absolute archive path>!/<member>`."""
    split = split_member(path) if not path.exists() else None
    if split is not None:
        return str(member_path(split[0].resolve(), normalise_member_name(split[1])))
    return str(path.resolve())


def open_text(path: Path) -> io.TextIOWrapper:
    """Open a text export as UTF-8, tolerating a BOM and replacing undecodable bytes rather than failing."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8-sig", errors="replace", newline="")


def iter_lines(fh: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, raw line) per physical line, never holding more than `max_bytes` of one line: a longer line
    comes as (line number, None) and is skipped unread (SWARMGRAPH_MAX_RECORD_BYTES)."""
    lineno = 0
    while raw := fh.readline(max_bytes + 1):
        lineno += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield lineno, None
            continue
        yield lineno, raw


Salvage = Callable[[bytes, str, int], "tuple[Any, list[Reject]] | None"]


def iter_json_lines(path: Path, salvage: Salvage | None = None) -> Iterator[tuple[int, Any] | Reject]:
    """Yield (line number, parsed object) per non-blank line, or a Reject for a line that is not JSON, nested too
    deep or too long (etl/limits.py; bad UTF-8 and absurd numbers are kept with a warning: etl/json_records.py).

    A truncated last line (an interrupted stream) becomes a Reject like any other bad line; the rest still loads.
    `salvage` may keep part of a line that does not parse whole: its object, and Rejects for the parts lost.
    """
    lim = limits.current()
    file = str(path)
    with open_binary(path) as fh:
        for lineno, raw in iter_lines(fh, lim.max_record_bytes):
            if raw is None:
                yield Reject(file, lineno, f"a line longer than {lim.max_record_bytes:,} bytes "
                             "(SWARMGRAPH_MAX_RECORD_BYTES) is skipped", "")  # fmt: skip
                continue
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                yield lineno, loads_record(raw, file, line=lineno, limits=lim)
            except RecordError as exc:
                kept = salvage(raw, file, lineno) if salvage is not None and raw.lstrip()[:1] == b"{" else None
                if kept is None:
                    yield Reject(file, lineno, str(exc), excerpt(raw))
                else:
                    yield from kept[1]
                    yield lineno, kept[0]


def iter_csv_rows(
    path: Path, fold: Callable[[str], str] | None = None, on_header: Callable[[list[str]], None] | None = None
) -> Iterator[tuple[int, dict[str, str]] | Reject]:
    """Yield (physical line number of the row's start, row dict) for a CSV with a header (BOM tolerated), or a
    Reject for a row that cannot be read; the guards are etl/readers/csv_rows.py's. `fold` folds the header's
    names; `on_header` sees the folded header first (and may refuse the file)."""
    with open_csv_text(open_binary(path)) as fh:
        yield from iter_guarded_rows(fh, str(path), fold, on_header)


def iter_csv_cells(path: Path) -> Iterator[tuple[int, list[str]] | Reject]:
    """Like iter_csv_rows for a CSV read by column position: (line, cells) per row, the header first."""
    with open_csv_text(open_binary(path)) as fh:
        yield from iter_guarded_cells(fh, str(path))


def fold_header(name: str) -> str:
    """A CSV header name as the readers match it: blanks and a stray BOM stripped, lower case."""
    return name.strip().lstrip("\ufeff").lower()


def utc_from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_iso_utc(value: str) -> datetime:
    """Parse an ISO 8601 time ('2015-11-14T09:00:00Z', '+00:00' or naive) into an aware UTC datetime.

    A naive time is taken as UTC; readers whose source writes local times document their assumption themselves.
    """
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


TWITTER_V1_TIME = "%a %b %d %H:%M:%S %z %Y"


def parse_twitter_v1_time(value: str) -> datetime:
    """'Wed Jun 08 15:23:27 +0000 2017' -> aware UTC datetime."""
    return datetime.strptime(value, TWITTER_V1_TIME).astimezone(UTC)


# URLs in free text: an http(s) scheme, or a bare www./t.me start; trailing punctuation is not part of the URL.
_URL_IN_TEXT = re.compile(r"(?:https?://|www\.|(?<![\w.])t\.me/)[^\s<>\"'«»“”‘’]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\"*"


def find_urls(text: str) -> list[str]:
    """URL-looking tokens of a plain text, in order, without trailing punctuation; an unbalanced ')' is trimmed.

    A token ending in '…' was cut by the platform (a truncated retweet) and names no real address: it is dropped.
    """
    found: list[str] = []
    for match in _URL_IN_TEXT.finditer(text):
        url = match.group(0)
        if url.endswith("…"):
            continue
        while url and url[-1] in _URL_TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break  # a balanced ')' belongs to the URL (Wikipedia style)
            url = url[:-1]
        if url and url not in found:
            found.append(url)
    return found


def normalise_tag(tag: str) -> str:
    """A hashtag's identity: NFKC, no leading '#', lower-case ('#Paris' and '＃paris' are one tag)."""
    return unicodedata.normalize("NFKC", tag).lstrip("#").lower()


def stable_hash(*parts: str, length: int = 16) -> str:
    """First `length` hex chars of the sha1 of the parts joined by newlines: a deterministic key for id-less records."""
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:length]


def add_account(frag: Fragment, uid: str, props: dict[str, Any], *, placeholder: bool = False) -> NodeRef:
    """Append an Account and its (Account)-[:ON]->(Platform {name: props['platform']}) edge; return its ref."""
    node = Node("Account", uid, props, placeholder=placeholder)
    frag.nodes.append(node)
    frag.rels.append(Rel("ON", node.ref, NodeRef("Platform", props["platform"])))
    return node.ref
