"""Loading files into the graph: detect each file's format, stream its records through a reader, set bad records
aside, and write the rest in batches while the next batch is being parsed.

A load is idempotent and restartable: a LoadRun's id is derived from the file's content and format, and every write
is a MERGE, so running the same load again (after an interruption, a crash or a server restart) ends in the same
graph as one clean run.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from etl.errors import SourceFormatError
from etl.readers.common import open_stored, read_guarded, source_id
from etl.records import Fragment, Reject
from etl.writer import Batch, GraphWriter, WriteCounts
from graphdb.schema import ensure_schema
from graphdb.version import swarmgraph_version

if TYPE_CHECKING:  # only the functions that write need the driver
    from graphdb.db import Database

DEFAULT_BATCH_SIZE = 20_000  # node and relationship rows per flush: large enough to amortise round trips
VERSION = swarmgraph_version()  # stamped on every LoadRun


class StrictReject(SourceFormatError):
    """--strict: the first bad record stops the load."""


@dataclass
class FileSummary:
    path: str
    format: str
    run_id: str
    records: int = 0
    rejected: int = 0
    warnings: int = 0
    seconds: float = 0.0


@dataclass
class LoadSummary:
    files: list[FileSummary] = field(default_factory=list)
    counts: WriteCounts = field(default_factory=WriteCounts)
    rejects_path: str | None = None  # the rejects file this load appended its section to
    rejects_run: str | None = None  # the run id heading that section
    seconds: float = 0.0
    dry_run: bool = False
    skipped: list[str] = field(default_factory=list)  # files loaded completely before
    phases: dict[str, float] = field(default_factory=dict)  # bulk loads: seconds per phase
    failed: list[str] = field(default_factory=list)  # files that could not be read at all: why, naming the file

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [vars(f) for f in self.files],
            "skipped_already_loaded": self.skipped,
            "records": self.records,
            "rejected": self.rejected,
            "nodes_created": dict(sorted(self.counts.nodes_created.items())),
            "relationships_created": dict(sorted(self.counts.rels_created.items())),
            "rejects_path": self.rejects_path,
            "rejects_run": self.rejects_run,
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
            "failed": self.failed,
            **({"phases": {k: round(v, 1) for k, v in self.phases.items()}} if self.phases else {}),
        }


# progress(records done so far, current file name)
Progress = Callable[[int, str], None]


def file_sha256(path: Path) -> str:
    """The sha256 of the input as stored (a file's bytes; an archive member's content): a LoadRun's identity."""
    h = hashlib.sha256()
    with open_stored(path) as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def default_rejects_path() -> Path:
    """$SWARMGRAPH_HOME/rejects.jsonl: one file every load appends to, never the working directory."""
    from graphdb.runtime.config import make_private_dirs, swarmgraph_home

    home = swarmgraph_home()
    make_private_dirs(home)  # rejects quote the investigation's records: the home is private (0700)
    return home / "rejects.jsonl"


class _Rejects:
    """The rejects file (docs/inputs.md, "The rejects file"): a load appends a run header, then one row per reject,
    each naming the run, so that earlier loads' rejects are kept and the last section is always the last load's."""

    def __init__(self, path: Path, inputs: list[Path], loader: str, *, dry_run: bool) -> None:
        self.path = path
        started = datetime.now(UTC)
        self.run = f"{started:%Y%m%dT%H%M%S.%fZ}-{os.getpid()}"
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # a new file is the user's alone
        self._fh: IO[str] = open(fd, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        header = {"run": self.run, "started_at": started.isoformat(), "loader": loader, "dry_run": dry_run,
                  "inputs": [str(p) for p in inputs], "swarmgraph_version": VERSION}  # fmt: skip
        self._write(header)

    def _write(self, row: dict[str, Any]) -> None:
        self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._fh.flush()  # an interrupted load keeps the rejects it met

    def write(self, reject: Reject) -> None:
        self.count += 1
        self._write({"run": self.run, "file": reject.file, reject.unit: reject.line, "reason": reject.reason,
                     "excerpt": reject.excerpt})  # fmt: skip

    def close(self, summary: LoadSummary) -> None:
        self._fh.close()
        summary.rejects_path, summary.rejects_run = str(self.path), self.run


def load_paths(
    db: Database | None,
    paths: list[Path],
    *,
    fmt: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    rejects_path: Path | None = None,
    strict: bool = False,
    dry_run: bool = False,
    reload: bool = False,
    progress: Progress | None = None,
) -> LoadSummary:
    """Load files and directories (a directory whole). With dry_run, parse and validate only (db may be None).

    A file whose LoadRun (same content, same format) completed before is skipped unless reload=True: loading it
    again would change nothing. An interrupted one is loaded again.
    """
    from etl.detect import iter_source_files
    from etl.readers import FORMATS

    if fmt is not None and fmt not in FORMATS:
        raise SourceFormatError(f"Unknown format {fmt!r}; known: {', '.join(sorted(FORMATS))}.")
    files = list(iter_source_files(paths))
    if not files:
        raise SourceFormatError(f"No input files found in {', '.join(str(p) for p in paths)}.")
    summary = LoadSummary(dry_run=dry_run)
    plan = _plan(files, fmt, summary)
    started = time.monotonic()
    if db is not None and not dry_run:
        ensure_schema(db)
    rejects = _Rejects(rejects_path or default_rejects_path(), paths, "online", dry_run=dry_run)
    done = 0
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="swarmgraph-writer") as pool:
            for path, name in plan:
                sha = file_sha256(path)
                run_id = f"{name}:{sha[:16]}"
                if db is not None and not dry_run and not reload and _already_loaded(db, run_id):
                    summary.skipped.append(str(path))
                    continue
                try:
                    fs = _load_file(db, path, name, run_id, sha, FORMATS[name], pool, summary.counts, batch_size,
                                    rejects, strict, dry_run, progress, done)  # fmt: skip
                except StrictReject:
                    raise
                except (SourceFormatError, OSError) as exc:
                    if len(files) == 1:
                        raise
                    summary.failed.append(failure_text(path, exc))
                    continue
                done += fs.records
                summary.files.append(fs)
    finally:
        rejects.close(summary)
    summary.seconds = time.monotonic() - started
    return summary


def failure_text(path: Path, exc: Exception) -> str:
    """Why a file could not be read, naming it once (for LoadSummary.failed)."""
    text = str(exc) if isinstance(exc, SourceFormatError) else f"{type(exc).__name__}: {exc}"
    return text if str(path) in text else f"{path}: {text}"


def _plan(files: list[Path], fmt: str | None, summary: LoadSummary) -> list[tuple[Path, str]]:
    """Every file's format, decided before anything is written. One file given alone that cannot be read fails the
    load; among several, it is reported in summary.failed and the others load (the CLI then exits 1)."""
    from etl.detect import detect_format

    plan: list[tuple[Path, str]] = []
    for f in files:
        try:
            plan.append((f, fmt or detect_format(f)))
        except (SourceFormatError, OSError) as exc:
            if len(files) == 1:
                raise
            summary.failed.append(failure_text(f, exc))
    return plan


def _load_file(
    db: Database | None,
    path: Path,
    fmt: str,
    run_id: str,
    sha: str,
    reader: Callable[[Path], Iterator[Fragment | Reject]],
    pool: ThreadPoolExecutor,
    totals: WriteCounts,
    batch_size: int,
    rejects: _Rejects,
    strict: bool,
    dry_run: bool,
    progress: Progress | None,
    done_before: int,
) -> FileSummary:
    t0 = time.monotonic()
    fs = FileSummary(str(path), fmt, run_id)
    writing = db is not None and not dry_run
    writer = GraphWriter(db, run_id) if writing and db is not None else None
    if writer is not None and db is not None:
        _start_run(db, run_id, path, sha, fmt)
    pending: Future[WriteCounts] | None = None
    batch = Batch()

    def hand_over(b: Batch) -> None:
        nonlocal pending
        if pending is not None:
            totals.add(pending.result())
        pending = pool.submit(writer.flush, b) if writer is not None else None

    for item in read_guarded(reader, path):
        if isinstance(item, Reject):
            fs.rejected += 1
            rejects.write(item)
            if strict:
                raise StrictReject(f"{item.where}: {item.reason} (--strict stops at the first reject)")
            continue
        fs.records += 1
        fs.warnings += len(item.warnings)
        batch.extend(item.nodes, item.rels)
        if batch.size >= batch_size:
            hand_over(batch)
            batch = Batch()
        if progress is not None and fs.records % 1000 == 0:
            progress(done_before + fs.records, path.name)
    hand_over(batch)
    hand_over(Batch())  # wait for the last flush
    fs.seconds = time.monotonic() - t0
    if writer is not None and db is not None:
        _end_run(db, fs)
    if progress is not None:
        progress(done_before + fs.records, path.name)
    return fs


def _already_loaded(db: Database, run_id: str) -> bool:
    _, rows = db.read("MATCH (r:LoadRun {id: $id}) RETURN r.status AS status", {"id": run_id})
    return bool(rows) and rows[0]["status"] == "complete"


def _start_run(db: Database, run_id: str, path: Path, sha: str, fmt: str) -> None:
    db.write(
        "MERGE (r:LoadRun {id: $id}) "
        "SET r.source = $source, r.sha256 = $sha, r.format = $fmt, r.started_at = datetime($now), "
        "r.status = 'running', r.swarmgraph_version = $version, r.attempts = coalesce(r.attempts, 0) + 1, "
        "r.loader = 'online'",
        {
            "id": run_id,
            "source": source_id(path),
            "sha": sha,
            "fmt": fmt,
            "now": _now(),
            "version": VERSION,
        },  # fmt: skip
    )


def _end_run(db: Database, fs: FileSummary) -> None:
    db.write(
        "MATCH (r:LoadRun {id: $id}) SET r.ended_at = datetime($now), r.status = 'complete', "
        "r.records = $records, r.rejected = $rejected, r.seconds = $seconds",
        {"id": fs.run_id, "now": _now(), "records": fs.records, "rejected": fs.rejected, "seconds": fs.seconds},
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


def count_graph(db: Database) -> dict[str, Counter[str]]:
    """Nodes per label and relationships per type: what tests and the summary compare. Read from Neo4j's count
    store through APOC (constant time), not by scanning the graph."""
    _, rows = db.read("CALL apoc.meta.stats() YIELD labels, relTypesCount RETURN labels, relTypesCount")
    stats = rows[0]
    return {
        "nodes": Counter({k: v for k, v in stats["labels"].items() if v}),
        "rels": Counter({k: v for k, v in stats["relTypesCount"].items() if v}),
    }
