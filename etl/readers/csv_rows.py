"""CSV rows under guard (docs/inputs.md, "Limits and damaged records"): a header naming a column twice refuses the
file (which of the two would win is a guess); NUL bytes are removed with a warning; bytes that are not UTF-8 become
U+FFFD with a warning on the rows that hold them; a field longer than SWARMGRAPH_MAX_RECORD_BYTES and a last row cut
short (fewer cells than the header, the file ending without a newline) are rejected."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from etl import limits
from etl.errors import SourceFormatError
from etl.records import Reject

_replaced = [0]  # bytes replaced by the decoder since the count was last read


def _replace_and_count(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _replaced[0] += 1
    return "\ufffd", exc.end


codecs.register_error("swarmgraph-replace", _replace_and_count)


def _without_nuls(lines: Iterable[str], nul_lines: list[int], ended: list[bool]) -> Iterator[str]:
    """The lines with NULs removed (their numbers noted); ended[0]: whether the last line seen ends a line."""
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            nul_lines.append(number)
            line = line.replace("\x00", "")
        ended[0] = line.endswith(("\n", "\r"))
        yield line


def iter_guarded_rows(fh: io.TextIOWrapper, file: str) -> Iterator[tuple[int, dict[str, str]] | Reject]:
    """(physical line of the row's start, row dict) per row of a CSV with a header, or a Reject (see above)."""
    max_bytes = limits.current().max_record_bytes
    csv.field_size_limit(max_bytes)
    _replaced[0] = 0
    nul_lines: list[int] = []
    ended = [True]
    reader = csv.DictReader(_without_nuls(fh, nul_lines, ended))
    header = reader.fieldnames or []
    twice = sorted(name for name, n in Counter(header).items() if n > 1)
    if twice:
        raise SourceFormatError(f"{file}: the header names {', '.join(map(repr, twice))} more than once: which "
                                "column holds the value is a guess, so the file is not read (rename one)")  # fmt: skip
    line = reader.line_num + 1
    last: tuple[int, dict[str, Any]] | None = None
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            yield Reject(file, line, f"CSV: {exc} (SWARMGRAPH_MAX_RECORD_BYTES is {max_bytes:,})", "")
            line = reader.line_num + 1
            continue
        if row is None:
            break
        if last is not None:
            yield last
        _note_damage(file, line, row, nul_lines)
        last = (line, row)
        line = reader.line_num + 1
    if last is not None and not ended[0] and any(v is None for v in last[1].values()):
        yield Reject(file, last[0], "the last row is cut short (fewer cells than the header, no final newline)",
                     ",".join(v for v in last[1].values() if isinstance(v, str))[:200])  # fmt: skip
    elif last is not None:
        yield last


def _note_damage(file: str, line: int, row: dict[str, Any], nul_lines: list[int]) -> None:
    if nul_lines:
        limits.note(f"{file}:{line}: NUL bytes removed")
        nul_lines.clear()
    if _replaced[0] and any(isinstance(v, str) and "\ufffd" in v for v in row.values()):
        limits.note(f"{file}:{line}: bytes that are not UTF-8 replaced by U+FFFD")


def open_csv_text(binary: Any) -> io.TextIOWrapper:
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="swarmgraph-replace", newline="")


__all__ = ["iter_guarded_rows", "open_csv_text"]
