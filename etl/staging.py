"""Staging for the bulk loader: parsed fragments spilled to disk in hash buckets, then merged per bucket into CSV
files in the layout of Neo4j's offline importer (`neo4j-admin database import full`, written by etl/import_csv.py).

Memory stays bounded whatever the input size: a parse worker holds one batch, a merge worker one bucket, and the
number of buckets grows with the input. Merging follows the online writer's rules (etl/writer.py): a full record
beats a placeholder beats a bare reference, None never overwrites, first/last-seen keep the minimum/maximum, list
properties are sorted unions, and `runs` lists every LoadRun that asserted a node or relationship, in load order.
A value the importer's CSV cannot carry exactly (an empty list, a list item holding the array delimiter, mixed item
types, a NUL character, an out-of-range number) is kept aside as a fix-up and written online after the import.
"""

from __future__ import annotations

import math
import pickle
import shutil
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from etl.errors import SourceFormatError
from etl.import_csv import ARRAY_DELIMITER, CsvFile, csv_type, field_text, write_sheets
from etl.load import failure_text
from etl.readers.common import read_guarded
from etl.records import NODE_KEYS, Reject
from etl.writer import PLACEHOLDER, Batch, _merge_props, merge_assertion

__all__ = ["ARRAY_DELIMITER", "CsvFile", "csv_type", "field_text"]  # also read from here by the loader and tests

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
    error: str | None = None  # the file could not be read (naming it): nothing of it is staged


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
        for item in read_guarded(FORMATS[task.fmt], task.path):
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
    except (SourceFormatError, OSError) as exc:  # as the online loader: the file is reported, the others load
        res.error = failure_text(task.path, exc)
    finally:
        for fh in spills.values():
            fh.close()
        if rejects is not None:
            rejects.close()
    if res.error is not None:
        for bucket in range(task.buckets):
            spill_path(task.spill_dir, bucket, task.index).unlink(missing_ok=True)
    res.seconds = time.monotonic() - t0
    return res


def _spill(batch: Batch, task: ParseTask, spills: dict[int, IO[bytes]]) -> None:
    n = task.buckets
    node_parts: list[list[NodeRow]] = [[] for _ in range(n)]
    rel_parts: list[list[RelRow]] = [[] for _ in range(n)]
    # A node goes by its key, a relationship by its start key: the same bucket in every file, so one merge sees all
    # the assertions of a node or relationship.
    for label, by_key in batch.nodes.items():
        for key, row in by_key.items():
            node_parts[bucket_of(key, n)].append((label, key, row.mode, row.props))
    for (rtype, slabel, elabel), pairs in batch.rels.items():
        for (a, b), props in pairs.items():
            rel_parts[bucket_of(a, n)].append((rtype, slabel, elabel, a, b, props))
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
        res.files += write_sheets(out, "nodes", label, header, records, ("node", label), res.fixups,
                                   task.bucket)  # fmt: skip
    for (rtype, slabel, elabel), pairs in rels.items():
        header = [f":START_ID({slabel})", f":END_ID({elabel})"]
        rel_records = (((a, b), props, runs, False) for (a, b), (props, runs) in pairs.items())
        res.files += write_sheets(
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
