"""The CSV files of Neo4j's offline importer: typed columns (`name:long`, `tags:string[]` ...), rows sorted into
sheets whose column types agree, and values the CSV cannot carry exactly kept aside as fix-ups (written online after
the import: an empty list, a list item holding the array delimiter, mixed item types, a NUL, a non-finite number).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphdb.cypher_text import INT64_MAX, INT64_MIN

ARRAY_DELIMITER = "\x1f"  # the ASCII unit separator: list items holding it go through the fix-up path
Record = tuple[Any, dict[str, Any], list[str], bool]  # identity (key, or start and end keys), props, runs, placeholder


@dataclass
class CsvFile:
    kind: str  # "nodes" | "relationships"
    name: str  # label, or relationship type
    path: Path
    rows: int
    header: str = ""  # the importer's header line, for a part written without it
    group: str = ""  # relationships: start and end labels
    multiline: bool = False  # a value holds a line break (conservative: set for every sheet of a label and bucket)



_SCALAR_TYPES: dict[type, str] = {str: "string", bool: "boolean", int: "long", float: "double", datetime: "datetime"}


def csv_type(value: Any) -> str | None:
    """The importer's column type for a value, or None when the CSV cannot carry it exactly (-> fix-up)."""
    t = _SCALAR_TYPES.get(type(value))
    if t == "string":
        # an empty string would read back as no property; NUL is not text the importer keeps
        return t if value and "\x00" not in value else None
    if t == "long":
        return t if INT64_MIN <= value <= INT64_MAX else None
    if t == "double":
        return t if math.isfinite(value) else None
    if t is not None:
        return t
    if isinstance(value, list) and value:
        types = {csv_type(v) for v in value}
        if len(types) != 1:
            return None
        (item,) = types
        if item == "string" and any(ARRAY_DELIMITER in v for v in value):
            return None  # an item holding the delimiter would not split back the same
        return f"{item}[]" if item is not None else None
    return None


def _datetime_text(value: datetime) -> str:
    # The online writer stores epoch milliseconds rebuilt as a UTC datetime: the same truncation here.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    ms = int(value.timestamp() * 1000)
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _bool_text(v: bool) -> str:
    return "true" if v else "false"


# How a value of each column type becomes CSV text; None: the csv module writes it as it is (quoting as needed).
_TEXT: dict[str, Callable[[Any], str] | None] = {
    "string": None,
    "long": None,
    "double": None,
    "boolean": _bool_text,
    "datetime": _datetime_text,
    "string[]": ARRAY_DELIMITER.join,
    "long[]": lambda v: ARRAY_DELIMITER.join(map(str, v)),
    "double[]": lambda v: ARRAY_DELIMITER.join(map(repr, v)),
    "boolean[]": lambda v: ARRAY_DELIMITER.join(map(_bool_text, v)),
    "datetime[]": lambda v: ARRAY_DELIMITER.join(map(_datetime_text, v)),
}


def field_text(value: Any, ctype: str) -> str:
    """A value's text in a column of the given type, before CSV quoting."""
    conv = _TEXT[ctype]
    return conv(value) if conv is not None else str(value) if ctype != "double" else repr(value)


@dataclass
class _Sheet:
    types: dict[str, str] = field(default_factory=dict)
    rows: list[Record] = field(default_factory=list)
    placeholder: bool = False

    def accepts(self, typed: dict[str, str]) -> bool:
        return all(self.types.get(k, t) == t for k, t in typed.items())


def write_sheets(
    out: Path,
    kind: str,
    name: str,
    id_header: list[str],
    records: Iterator[Record],
    fixup_prefix: tuple[str, ...],
    fixups: list[tuple[Any, ...]],
    bucket: int,
    group: str = "",
) -> list[CsvFile]:
    """Rows go to the first sheet whose column types agree with theirs; each sheet is one headerless CSV part (its
    header travels in the CsvFile, so parts with the same header can be joined into one importer input)."""
    sheets, multiline = _sort_into_sheets(records, fixup_prefix, fixups)
    files = []
    for i, sheet in enumerate(sheets):
        path = out / "parts" / kind / f"{name}{'-' + group if group else ''}-b{bucket:04d}-s{i}.csv"
        header = _write_sheet(path, id_header, sheet)
        files.append(CsvFile(kind, name, path, len(sheet.rows), header, group, multiline))
    return files


def _sort_into_sheets(records: Iterator[Record], fixup_prefix: tuple[str, ...],
                      fixups: list[tuple[Any, ...]]) -> tuple[list[_Sheet], bool]:  # fmt: skip
    """The sheets, and whether any value holds a line break. The loop is inlined on purpose: it runs per row."""
    sheets: list[_Sheet] = []
    multiline = False
    by_signature: dict[tuple[tuple[str, str], ...], _Sheet] = {}
    scalar = _SCALAR_TYPES
    isfinite = math.isfinite
    for ident, props, runs, placeholder in records:
        if not props:  # most relationships: no typing to do
            sheet = by_signature.get(())
            if sheet is None:
                sheet = by_signature[()] = sheets[0] if sheets else _Sheet()
                if not sheets:
                    sheets.append(sheet)
            sheet.placeholder |= placeholder
            sheet.rows.append((ident, props, runs, placeholder))
            continue
        typed: dict[str, str] = {}
        odd: dict[str, Any] | None = None
        for k, v in props.items():
            t = scalar.get(type(v))
            if t == "string":
                if not v or "\x00" in v:
                    t = None
                elif not multiline and ("\n" in v or "\r" in v):
                    multiline = True  # the importer parses such a file the slow way: say which ones
            elif t == "long":
                if not INT64_MIN <= v <= INT64_MAX:
                    continue  # beyond 64 bits: left out, as the online writer does
            elif t == "double":
                if not isfinite(v):
                    t = None
            elif t is None:
                t = csv_type(v)  # lists and other types
            if t is None:
                if odd is None:
                    odd = {}
                odd[k] = v
                continue
            typed[k] = t
        if odd:
            fixups.append((*fixup_prefix, *(ident if isinstance(ident, tuple) else (ident,)), odd))
            props = {k: props[k] for k in typed}
        sheet = _sheet_for(typed, sheets, by_signature)
        sheet.placeholder |= placeholder
        sheet.rows.append((ident, props, runs, placeholder))
    return sheets, multiline


def _sheet_for(typed: dict[str, str], sheets: list[_Sheet], by_signature: dict[tuple[tuple[str, str], ...], _Sheet]
               ) -> _Sheet:  # fmt: skip
    signature = tuple(typed.items())
    sheet = by_signature.get(signature)
    if sheet is None:
        for sheet in sheets:
            if sheet.accepts(typed):
                break
        else:
            sheet = _Sheet()
            sheets.append(sheet)
        sheet.types.update(typed)
        by_signature[signature] = sheet
    return sheet


def _write_sheet(path: Path, id_header: list[str], sheet: _Sheet) -> str:
    """One headerless CSV part; returns its importer header line."""
    columns = sorted(sheet.types)
    header = id_header + [f"{c}:{sheet.types[c]}" for c in columns] + ["runs:string[]"]
    header += ["placeholder:boolean"] if sheet.placeholder else []
    path.parent.mkdir(parents=True, exist_ok=True)
    width = len(id_header)
    converted = [(width + j, conv) for j, c in enumerate(columns) if (conv := _TEXT[sheet.types[c]]) is not None]
    join = ARRAY_DELIMITER.join
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")  # QUOTE_MINIMAL: None stays an empty, absent field
        batch: list[list[Any]] = []
        for ident, props, runs, placeholder in sheet.rows:
            row: list[Any] = [ident] if width == 1 else [ident[0], ident[1]]
            get = props.get
            row += [get(c) for c in columns]
            for j, conv in converted:
                v = row[j]
                if v is not None:
                    row[j] = conv(v)
            row.append(join(runs))
            if sheet.placeholder:
                row.append("true" if placeholder else None)
            batch.append(row)
            if len(batch) >= 10_000:
                writer.writerows(batch)
                batch.clear()
        writer.writerows(batch)
    return ",".join(header)
