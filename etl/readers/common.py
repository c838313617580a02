"""Shared plumbing for readers: tolerant text opening, numbered JSONL lines, CSV rows, rejects and UTC times."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from etl.records import Reject

EXCERPT_CHARS = 200


def excerpt(raw: str | bytes) -> str:
    """A short, single-line excerpt of a raw record for the rejects file."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = " ".join(text.split())
    return text[:EXCERPT_CHARS]


def open_text(path: Path) -> io.TextIOWrapper:
    """Open a text export as UTF-8, tolerating a BOM and replacing undecodable bytes rather than failing."""
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


def iter_json_lines(path: Path) -> Iterator[tuple[int, Any] | Reject]:
    """Yield (line number, parsed object) per non-blank line, or a Reject for a line that is not JSON.

    A truncated last line (an interrupted stream) becomes a Reject like any other bad line; the rest still loads.
    """
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                yield lineno, orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                yield Reject(str(path), lineno, f"invalid JSON: {exc}", excerpt(raw))


def iter_csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (physical line number of the row's start, row dict) for a CSV with a header (BOM tolerated)."""
    csv.field_size_limit(1 << 27)
    with open_text(path) as fh:
        reader = csv.DictReader(fh)
        line = reader.line_num + 1
        for row in reader:
            yield line, row
            line = reader.line_num + 1


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
