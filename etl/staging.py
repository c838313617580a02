"""Staging for the bulk loader: parsed fragments spilled to disk in hash buckets, then merged per bucket into CSV
files in the layout of Neo4j's offline importer (`neo4j-admin database import full`).

Memory stays bounded whatever the input size: a parse worker holds one batch, a merge worker one bucket, and the
number of buckets grows with the input. Merging follows the online writer's rules (etl/writer.py): a full record
beats a placeholder beats a bare reference, None never overwrites, first/last-seen keep the minimum/maximum, list
properties are sorted unions, and `runs` lists every LoadRun that asserted a node or relationship, in load order.
A value the importer's CSV cannot carry exactly (an empty list, a list item holding the array delimiter, mixed item
types, a NUL character, an out-of-range number) is kept aside as a fix-up and written online after the import.
"""

from __future__ import annotations

import csv
import math
import pickle
import shutil
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from etl.records import NODE_KEYS, Reject
from etl.writer import INT64_MAX, INT64_MIN, PLACEHOLDER, Batch, _merge_props, merge_assertion

ARRAY_DELIMITER = "\x1f"  # the ASCII unit separator: list items holding it go through the fix-up path
# Input bytes per bucket: a merge worker holds one bucket's rows. Measured at 1M posts (1.28 GB): a worker's peak RSS
# was 199 MB with 32 MB buckets, 169 MB with 16 MB and 155 MB with 8 MB (the parse phase's own peak), same times.
BUCKET_BYTES = 8 << 20
MAX_OPEN_SPILLS = 256  # beyond this many buckets a parse worker opens each spill file per write (file-handle limits)

NodeRow = tuple[str, str, int, dict[str, Any]]  # label, key, mode, props
RelRow = tuple[str, str, str, str, str, dict[str, Any]]  # type, start label, end label, start key, end key, props


def bucket_count(input_bytes: int) -> int:
    return max(2, math.ceil(input_bytes / BUCKET_BYTES))


def bucket_of(key: str, buckets: int) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % buckets


# ----- phase 1: parse one file, spill its batches by bucket ----------------------------------------------------------
@dataclass
class ParseTask:
    index: int  # position of the file in the load plan: merges replay files in this order
    path: Path
    fmt: str
    spill_dir: Path
    buckets: int
    chunk_rows: int
    strict: bool


@dataclass
class ParseResult:
    index: int
    records: int = 0
    rejected: int = 0
    warnings: int = 0
    seconds: float = 0.0
    first_reject: Reject | None = None  # set when strict stopped the file
    rejects_file: Path | None = None


def spill_path(spill_dir: Path, bucket: int, index: int) -> Path:
    return spill_dir / f"b{bucket:04d}" / f"f{index:06d}.pkl"


def parse_file(task: ParseTask) -> ParseResult:
    """Read one file with its reader, dedupe batches in memory and append them to the file's bucket spills."""
    from etl.readers import FORMATS

    t0 = time.monotonic()
    res = ParseResult(task.index)
    spills: dict[int, IO[bytes]] = {}
    rejects: IO[bytes] | None = None
    batch = Batch()
    try:
        for item in FORMATS[task.fmt](task.path):
            if isinstance(item, Reject):
                res.rejected += 1
                if rejects is None:
                    res.rejects_file = task.spill_dir / f"rejects-{task.index:06d}.pkl"
                    rejects = open(res.rejects_file, "wb")  # noqa: SIM115 - closed in finally
                pickle.dump(item, rejects)
                if task.strict:
                    res.first_reject = item
                    return res
                continue
            res.records += 1
            res.warnings += len(item.warnings)
            batch.extend(item.nodes, item.rels)
            if batch.size >= task.chunk_rows:
                _spill(batch, task, spills)
                batch = Batch()
        _spill(batch, task, spills)
    finally:
        for fh in spills.values():
            fh.close()
        if rejects is not None:
            rejects.close()
    res.seconds = time.monotonic() - t0
    return res


def _spill(batch: Batch, task: ParseTask, spills: dict[int, IO[bytes]]) -> None:
    n = task.buckets
    node_parts: list[list[NodeRow]] = [[] for _ in range(n)]
    rel_parts: list[list[RelRow]] = [[] for _ in range(n)]
    crc = zlib.crc32
    for label, by_key in batch.nodes.items():
        for key, row in by_key.items():
            node_parts[crc(key.encode("utf-8", "surrogatepass")) % n].append((label, key, row.mode, row.props))
    for (rtype, slabel, elabel), pairs in batch.rels.items():
        for (a, b), props in pairs.items():
            rel_parts[crc(a.encode("utf-8", "surrogatepass")) % n].append((rtype, slabel, elabel, a, b, props))
    for i in range(n):
        if node_parts[i] or rel_parts[i]:
            fh = spills.get(i)
            if fh is None:
                path = spill_path(task.spill_dir, i, task.index)
                path.parent.mkdir(parents=True, exist_ok=True)
                fh = open(path, "ab")  # noqa: SIM115 - closed below or by parse_file
                if n <= MAX_OPEN_SPILLS:
                    spills[i] = fh
            pickle.dump((node_parts[i], rel_parts[i]), fh, protocol=pickle.HIGHEST_PROTOCOL)
            if i not in spills:
                fh.close()


def read_rejects(path: Path) -> Iterator[Reject]:
    with open(path, "rb") as fh:
        while True:
            try:
                yield pickle.load(fh)
            except EOFError:
                return


# ----- phase 2: merge one bucket, write the importer's CSV files ------------------------------------------------------
@dataclass
class MergeTask:
    bucket: int
    spill_dir: Path
    csv_dir: Path
    run_ids: list[str]  # by file index


@dataclass
class CsvFile:
    kind: str  # "nodes" | "relationships"
    name: str  # label, or relationship type
    path: Path
    rows: int
    header: str = ""  # the importer's header line, for a part written without it
    group: str = ""  # relationships: start and end labels
    multiline: bool = False  # a value holds a line break (conservative: set for every sheet of a label and bucket)


@dataclass
class MergeResult:
    bucket: int
    files: list[CsvFile] = field(default_factory=list)
    fixups: list[tuple[Any, ...]] = field(default_factory=list)
    seconds: float = 0.0


def merge_bucket(task: MergeTask) -> MergeResult:
    t0 = time.monotonic()
    nodes: dict[str, dict[str, list[Any]]] = {}  # label -> key -> [mode, props, runs]
    rels: dict[tuple[str, str, str], dict[tuple[str, str], list[Any]]] = {}  # group -> (a, b) -> [props, runs]
    for index, run in enumerate(task.run_ids):
        path = spill_path(task.spill_dir, task.bucket, index)
        if not path.is_file():
            continue
        with open(path, "rb") as fh:
            while True:
                try:
                    node_rows, rel_rows = pickle.load(fh)
                except EOFError:
                    break
                _merge_nodes(nodes, node_rows, run)
                _merge_rels(rels, rel_rows, run)
    res = MergeResult(task.bucket)
    out = task.csv_dir
    for label, by_key in nodes.items():
        key_name = NODE_KEYS[label]
        header = [f"{key_name}:ID({label})"]
        records = (
            (key, props if key_name not in props else {k: v for k, v in props.items() if k != key_name}, runs,
             mode == PLACEHOLDER)
            for key, (mode, props, runs) in by_key.items()
        )  # fmt: skip
        res.files += _write_sheets(out, "nodes", label, header, records, ("node", label), res.fixups,
                                   task.bucket)  # fmt: skip
    for (rtype, slabel, elabel), pairs in rels.items():
        header = [f":START_ID({slabel})", f":END_ID({elabel})"]
        rel_records = (((a, b), props, runs, False) for (a, b), (props, runs) in pairs.items())
        res.files += _write_sheets(
            out, "relationships", rtype, header, rel_records,
            ("rel", rtype, slabel, elabel), res.fixups, task.bucket,
            group=f"{slabel}-{elabel}",
        )  # fmt: skip
    res.seconds = time.monotonic() - t0
    return res


def _merge_nodes(nodes: dict[str, dict[str, list[Any]]], rows: list[NodeRow], run: str) -> None:
    for label, key, mode, props in rows:
        by_key = nodes.get(label)
        if by_key is None:
            by_key = nodes[label] = {}
        row = by_key.get(key)
        if row is None:
            by_key[key] = [mode, props, [run]]
            continue
        if mode < row[0]:
            row[0] = mode
        merge_assertion(row[1], mode, props)
        if row[2][-1] != run:
            row[2].append(run)


def _merge_rels(
    rels: dict[tuple[str, str, str], dict[tuple[str, str], list[Any]]], rows: list[RelRow], run: str
) -> None:
    for rtype, slabel, elabel, a, b, props in rows:
        group = (rtype, slabel, elabel)
        pairs = rels.get(group)
        if pairs is None:
            pairs = rels[group] = {}
        row = pairs.get((a, b))
        if row is None:
            pairs[(a, b)] = [props, [run]]
            continue
        _merge_props(row[0], props)
        if row[1][-1] != run:
            row[1].append(run)


# ----- CSV: typed columns, one sheet per compatible set of property types --------------------------------------------
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
    rows: list[tuple[Any, dict[str, Any], list[str], bool]] = field(default_factory=list)
    placeholder: bool = False

    def accepts(self, typed: dict[str, str]) -> bool:
        return all(self.types.get(k, t) == t for k, t in typed.items())


def _write_sheets(
    out: Path,
    kind: str,
    name: str,
    id_header: list[str],
    records: Iterator[tuple[Any, dict[str, Any], list[str], bool]],
    fixup_prefix: tuple[str, ...],
    fixups: list[tuple[Any, ...]],
    bucket: int,
    group: str = "",
) -> list[CsvFile]:
    """Rows go to the first sheet whose column types agree with theirs; each sheet is one headerless CSV part (its
    header travels in the CsvFile, so parts with the same header can be joined into one importer input)."""
    sheets: list[_Sheet] = []
    sheet_multiline = False
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
                elif not sheet_multiline and ("\n" in v or "\r" in v):
                    sheet_multiline = True  # the importer parses such a file the slow way: say which ones
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
        sheet.placeholder |= placeholder
        sheet.rows.append((ident, props, runs, placeholder))
    files = []
    for i, sheet in enumerate(sheets):
        columns = sorted(sheet.types)
        header = id_header + [f"{c}:{sheet.types[c]}" for c in columns] + ["runs:string[]"]
        header += ["placeholder:boolean"] if sheet.placeholder else []
        path = out / "parts" / kind / f"{name}{'-' + group if group else ''}-b{bucket:04d}-s{i}.csv"
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
        files.append(CsvFile(kind, name, path, len(sheet.rows), ",".join(header), group, sheet_multiline))
    return files


def join_parts(parts: list[CsvFile], out: Path) -> list[CsvFile]:
    """One importer input per (kind, name, header): a header line, then every part's rows. Neo4j's importer pays a
    fixed cost per input file (measured: 480 files took 100 s where the same rows in 26 files took 27 s)."""
    groups: dict[tuple[str, str, str, str], list[CsvFile]] = {}
    for part in parts:
        groups.setdefault((part.kind, part.name, part.group, part.header), []).append(part)
    joined = []
    for n, ((kind, name, group, header), members) in enumerate(sorted(groups.items(), key=lambda g: g[0])):
        path = out / kind / f"{name}{'-' + group if group else ''}-{n:03d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as dst:
            dst.write(header.encode("utf-8") + b"\n")
            for part in members:
                with open(part.path, "rb") as src:
                    shutil.copyfileobj(src, dst, 1 << 20)
                part.path.unlink()
        multiline = any(p.multiline for p in members)
        joined.append(CsvFile(kind, name, path, sum(p.rows for p in members), header, group, multiline))
    return joined
