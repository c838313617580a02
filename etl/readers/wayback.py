"""Wayback Machine CDX answers (JSON and text) and the availability API -> availability observations
(docs/formats.md, "Wayback Machine").

Each capture is a UrlCheck of its `original` URL at its 14-digit UTC timestamp (source `cdx`, or `wayback` for the
availability API), its status decided by the removal rules (etl/availability.py) from the captured status code alone:
2xx alive (unknown on hosts that serve removal notices with 200), 404/410 removed, 3xx unknown but kept with its
status, a revisit whose status is `-` unknown. Duplicate rows are one observation (the same uid). Each UrlCheck links
back to the capture (`capture_url`). A paged answer's trailing resumeKey line is not a capture.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson
import orjson

from etl.availability import decide
from etl.readers.common import excerpt, open_binary
from etl.readers.evidence import iter_top_level, observation
from etl.readers.telegram_stream import open_json
from etl.records import Fragment, ReaderItem, Reject
from etl.urls import InvalidUrl

CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_TIMESTAMP = re.compile(r"^\d{14}$")
_STATUS = re.compile(r"^[1-5]\d\d$")
_CAPTURE_URL = re.compile(r"^https?://web\.archive\.org/web/(\d{14})[a-z_]*/(.+)$")
MAX_LINE_BYTES = 64 * 1024  # a CDX line longer than this is no capture row (a URL is at most 8 KB here)


def wayback_time(stamp: str) -> datetime:
    """'20010410213930' -> 2001-04-10T21:39:30Z (ValueError when it is not 14 digits of a real time)."""
    if not _TIMESTAMP.match(stamp):
        raise ValueError(f"timestamp {stamp[:20]!r} is not 14 digits")
    return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def capture(original: str, stamp: str, statuscode: str, source: str, **extra: Any) -> ReaderItem | str:
    """One capture as a Fragment, or the reason it is not one."""
    try:
        checked_at = wayback_time(stamp)
    except ValueError as exc:
        return str(exc)
    http_status = int(statuscode) if _STATUS.match(statuscode) else None
    # '-' (a revisit) records no status at all: that is not a missing answer, and it decides nothing.
    status, rule = "unknown", None
    if http_status is not None:
        verdict = decide(original, http_status)
        status, rule = verdict.status, verdict.rule
    try:
        return observation(original, checked_at, status, source, http_status=http_status, rule=rule,
                           capture_url=f"https://web.archive.org/web/{stamp}/{original}", **extra)  # fmt: skip
    except InvalidUrl as exc:
        return f"invalid original URL: {exc}"


def read_cdx_text(path: Path) -> Iterator[ReaderItem]:
    """The CDX server's default text answer: `urlkey timestamp original mimetype statuscode digest length` per line."""
    file = str(path)
    with open_binary(path) as fh:
        blank_seen = False
        for lineno, raw in enumerate(fh, start=1):
            line = raw[:MAX_LINE_BYTES].decode("utf-8", "replace").strip()
            if not line:
                blank_seen = True
                continue
            fields = line.split(" ")
            if blank_seen and len(fields) == 1:
                continue  # the resumeKey of a paged answer (showResumeKey=true)
            if len(fields) != len(CDX_FIELDS):
                yield Reject(file, lineno, f"a CDX row has {len(CDX_FIELDS)} space-separated fields, this one "
                                           f"{len(fields)}", excerpt(line))  # fmt: skip
                continue
            row = dict(zip(CDX_FIELDS, fields, strict=True))
            yield _row(row, file, lineno)


def read_cdx_json(path: Path) -> Iterator[ReaderItem]:
    """The CDX server's `output=json` answer: an array of arrays, the first row naming the fields (any `fl=`)."""
    file = str(path)
    header: list[str] | None = None
    try:
        with open_json(path) as fh:
            for index, row in enumerate(ijson.items(fh, "item", use_float=True)):
                if header is None:
                    if not isinstance(row, list) or not {"timestamp", "original"} <= set(map(str, row)):
                        yield Reject(file, 1, "the first row must name the fields (timestamp, original, ...)",
                                     excerpt(orjson.dumps(row)))  # fmt: skip
                        return
                    header = [str(h) for h in row]
                    continue
                if row == []:
                    continue  # paged answers end with [] and then [resumeKey]
                if not isinstance(row, list) or len(row) != len(header) or not all(isinstance(v, str) for v in row):
                    if isinstance(row, list) and len(row) == 1 and index > 1:
                        continue  # the resumeKey row
                    yield Reject(file, index + 1, f"a capture row has {len(header)} strings", excerpt(str(row)))
                    continue
                yield _row(dict(zip(header, row, strict=True)), file, index + 1)
    except ijson.JSONError as exc:
        yield Reject(file, 1, f"CDX JSON cut short: {exc}", "")


def _row(row: dict[str, str], file: str, line: int) -> ReaderItem:
    extra = {"mimetype": row.get("mimetype"), "digest": row.get("digest")}
    if row.get("mimetype") == "warc/revisit":
        extra["revisit"] = True
    item = capture(row.get("original", ""), row.get("timestamp", ""), row.get("statuscode", "-"), "cdx", **extra)
    return Reject(file, line, item, excerpt(" ".join(row.values()))) if isinstance(item, str) else item


def read_wayback_available(path: Path) -> Iterator[ReaderItem]:
    """The availability API (`archive.org/wayback/available?url=...`): the closest capture, or nothing archived."""
    file = str(path)
    try:
        answer = dict(iter_top_level(path, frozenset({"url", "archived_snapshots"})))
    except (ijson.JSONError, ValueError) as exc:
        yield Reject(file, 1, f"not a Wayback availability answer: {exc}", "")
        return
    yield _available(answer, file, 1)


def _available(answer: Any, file: str, line: int) -> ReaderItem:
    snapshots = answer.get("archived_snapshots") if isinstance(answer, dict) else None
    if not isinstance(snapshots, dict):
        return Reject(file, line, "archived_snapshots must be an object", excerpt(str(answer)))
    closest = snapshots.get("closest")
    if closest is None or (isinstance(closest, dict) and closest.get("available") is False):
        return Fragment(warnings=[f"{file}:{line}: nothing archived for {str(answer.get('url'))[:200]!r}"])
    if not isinstance(closest, dict) or not isinstance(closest.get("timestamp"), str):
        return Reject(file, line, "closest needs a timestamp", excerpt(str(answer)))
    original = answer.get("url")
    match = _CAPTURE_URL.match(closest.get("url") or "") if isinstance(closest.get("url"), str) else None
    if match:
        original = match.group(2)  # the capture's own URL; `url` echoes the query, often without a scheme
    if not isinstance(original, str):
        return Reject(file, line, "no URL: neither url nor closest.url names one", excerpt(str(answer)))
    status = closest.get("status")
    item = capture(original, closest["timestamp"], str(status) if status is not None else "-", "wayback")
    return Reject(file, line, item, excerpt(str(answer))) if isinstance(item, str) else item
