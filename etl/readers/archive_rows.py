"""Rows of the research archives' CSVs (etl/readers/twitter_archives.py): numbered rows with lower-cased columns,
a reject per row that cannot become facts, cells, times, list literals read without evaluating them, and ids a
spreadsheet rounded."""

from __future__ import annotations

import ast
import csv
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from etl.readers.common import excerpt, fold_header, iter_csv_rows, open_text, parse_iso_utc
from etl.records import Fragment, ReaderItem, Reject

DIGITS = re.compile(r"[0-9]{1,20}\Z")
# A number a spreadsheet rewrote: '9.06E+17', '9.06183548418310E+17', '1.2e18', '906183548418310000.0'.
_SCIENTIFIC = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+|\.0*)\Z")
# A hashed id of an Information Operations archive (hex or base64 digest characters).
HASH_ID = re.compile(r"[A-Za-z0-9+/=_-]{8,128}\Z")


class BadRow(ValueError):
    """A row that cannot become graph facts; its message is the reject reason."""


def parse_list_literal(value: str | None) -> list[str]:
    """A list cell as the archives write it: `[a, b]`, `['a', 'b']`, `["a, b"]`, `[]` or empty; never evaluated.

    Quoted items are read with ast.literal_eval (only when every item is a string literal); any other cell is split
    on commas with surrounding quotes and spaces removed, so unquoted numbers keep their exact digits."""
    value = (value or "").strip()
    if not value:
        return []
    if value.startswith("[") and ("'" in value or '"' in value) and len(value) < 1_000_000:
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, list | tuple) and all(isinstance(item, str) for item in parsed):
            return [item.strip() for item in parsed if item.strip()]
    inner = value[1:] if value.startswith("[") else value
    inner = inner[:-1] if inner.endswith("]") else inner
    items = (item.strip().strip("'\"").strip() for item in inner.split(","))
    return [item for item in items if item]


def row_excerpt(row: dict[Any, Any]) -> str:
    return excerpt(",".join(str(v) for v in row.values() if isinstance(v, str) and v))


def csv_header(path: Path) -> list[str]:
    with open_text(path) as fh:
        return [fold_header(h) for h in next(csv.reader(fh), [])]


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]] | Reject]:
    """Numbered rows with lower-cased column names; a Reject for a row with more or fewer cells than the header."""
    file = str(path)
    for item in iter_csv_rows(path, fold=fold_header):
        if isinstance(item, Reject):
            yield item
            continue
        line, row = item
        if None in row:
            yield Reject(file, line, "the row has more cells than the header has columns", row_excerpt(row))
        elif any(row.get(c) is None for c in row):
            yield Reject(file, line, "the row has fewer cells than the header has columns", row_excerpt(row))
        else:
            yield line, row


def read_rows(path: Path, build: Callable[[dict[str, str]], Fragment]) -> Iterator[ReaderItem]:
    """build() per non-blank row; a BadRow (or a value error a row provokes) becomes that row's Reject."""
    file = str(path)
    for item in _rows(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, row = item
        if not any(v.strip() for v in row.values()):
            continue
        try:
            yield build(row)
        except BadRow as exc:
            yield Reject(file, line, str(exc), row_excerpt(row))
        except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as exc:
            yield Reject(file, line, f"{type(exc).__name__}: {exc}", row_excerpt(row))


def cell(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def row_time(value: str, column: str, parse: Callable[[str], datetime], expected: str) -> datetime:
    if not value:
        raise BadRow(f"{column} is empty")
    try:
        parsed: datetime = parse(value)
    except (ValueError, OverflowError) as exc:
        raise BadRow(f"{column} {value[:40]!r} is not a time ({expected} expected)") from exc
    return parsed


def row_date(value: str) -> datetime | None:
    """An account creation date (`2014-05-13` or a full time); None when absent or unreadable."""
    try:
        return parse_iso_utc(value) if value else None
    except ValueError:
        return None


def is_rounded(value: str) -> bool:
    return bool(_SCIENTIFIC.match(value)) and not DIGITS.match(value)
