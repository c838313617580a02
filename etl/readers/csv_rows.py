"""CSV rows under guard (docs/inputs.md, "Limits and damaged records"): a header naming a column twice refuses the
file (which of the two would win is a guess); NUL bytes are removed with a warning; bytes that are not UTF-8 become
U+FFFD with a warning on the rows that hold them; a field longer than SWARMGRAPH_MAX_RECORD_BYTES and a last row cut
short (fewer cells than the header, the file ending without a newline) are rejected."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
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


class _Lines:
    """The file's lines with NULs removed (their numbers noted), with what the cut-row check needs: whether the
    last line seen ends a line, and the quotes seen since the last row was taken (odd: a quoted cell left open)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = lines
        self.nul_lines: list[int] = []
        self.ended = True
        self.quotes = 0

    def __iter__(self) -> Iterator[str]:
        for number, line in enumerate(self.lines, start=1):
            if "\x00" in line:
                self.nul_lines.append(number)
                line = line.replace("\x00", "")
            self.ended = line.endswith(("\n", "\r"))
            self.quotes += line.count('"')
            yield line


def iter_guarded_rows(
    fh: io.TextIOWrapper,
    file: str,
    fold: Callable[[str], str] | None = None,
    on_header: Callable[[list[str]], None] | None = None,
) -> Iterator[tuple[int, dict[str, str]] | Reject]:
    """(physical line of the row's start, row dict) per row of a CSV with a header, or a Reject (see above). With
    `fold`, header names are folded first (a name given twice after folding, "URL" and "url", refuses the file too);
    rows keep csv.DictReader's shape (missing cells None, extra cells under the key None)."""
    cells = iter_guarded_cells(fh, file)
    first = next(cells, None)
    if first is None:
        return
    if isinstance(first, Reject):
        yield first
        return
    header = [fold(h) for h in first[1]] if fold is not None else first[1]
    twice = sorted(name for name, n in Counter(header).items() if n > 1)
    if twice:
        raise SourceFormatError(f"{file}: the header names {', '.join(map(repr, twice))} more than once: which "
                                "column holds the value is a guess, so the file is not read (rename one)")  # fmt: skip
    if on_header is not None:
        on_header(header)
    width = len(header)
    for item in cells:
        if isinstance(item, Reject):
            yield item
            continue
        line, row = item
        named: dict[Any, Any] = dict(zip(header, row, strict=False))
        if len(row) < width:
            named.update(dict.fromkeys(header[len(row) :]))
        elif len(row) > width:
            named[None] = row[width:]
        yield line, named


def iter_guarded_cells(fh: io.TextIOWrapper, file: str) -> Iterator[tuple[int, list[str]] | Reject]:
    """(physical line of the row's start, cells) per row, the header first, blank rows left out, under the guards
    above (the last row is cut short when it has fewer cells than the first row and the file ends mid-line)."""
    max_bytes = limits.current().max_record_bytes
    csv.field_size_limit(max_bytes)
    _replaced[0] = 0
    lines = _Lines(fh)
    reader = csv.reader(lines)
    line = 1
    width: int | None = None
    last: tuple[int, list[str]] | None = None
    open_quote = False
    while True:
        lines.quotes = 0
        try:
            row = next(reader, None)
        except csv.Error as exc:
            yield Reject(file, line, f"CSV: {exc} (SWARMGRAPH_MAX_RECORD_BYTES is {max_bytes:,})", "")
            line = reader.line_num + 1
            continue
        if row is None:
            break
        if any(cell.strip() for cell in row):
            if last is not None:
                yield last
            _note_damage(file, line, row, lines.nul_lines)
            width = len(row) if width is None else width
            last = (line, row)
            open_quote = lines.quotes % 2 == 1
        line = reader.line_num + 1
    if last is not None and not lines.ended and width is not None and (len(last[1]) < width or open_quote):
        why = "a quoted cell is left open" if open_quote else "fewer cells than the header"
        yield Reject(file, last[0], f"the last row is cut short ({why}, no final newline)", ",".join(last[1])[:200])
    elif last is not None:
        yield last


def _note_damage(file: str, line: int, row: list[str], nul_lines: list[int]) -> None:
    if nul_lines:
        limits.note(f"{file}:{line}: NUL bytes removed")
        nul_lines.clear()
    if _replaced[0] and any("\ufffd" in v for v in row):
        limits.note(f"{file}:{line}: bytes that are not UTF-8 replaced by U+FFFD")


def open_csv_text(binary: Any) -> io.TextIOWrapper:
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="swarmgraph-replace", newline="")


__all__ = ["iter_guarded_cells", "iter_guarded_rows", "open_csv_text"]
