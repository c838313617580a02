"""`swarmgraph load` end to end: the online loader into any database (etl/load.py), or with --bulk the offline
importer into the local runtime's empty one (etl/bulk.py); the caller renders the summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from etl.load import LoadSummary

Say = Callable[[str], None]
Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class LoadRequest:
    """The load command's options (cli/load.py documents each)."""

    paths: list[Path]
    fmt: str | None = None
    batch_size: int | None = None  # rows per write batch; with bulk, rows a parse worker dedupes before spilling
    rejects: Path | None = None
    strict: bool = False
    dry_run: bool = False
    reload: bool = False
    bulk: bool = False
    workers: int | None = None
    keep_files: bool = False


def run_load(req: LoadRequest, uri: str | None, username: str | None, database: str | None, *,
             say: Say = lambda _m: None, progress: Progress | None = None) -> LoadSummary:  # fmt: skip
    """Load as asked; a dry run reads and validates without a database (online) or without importing (bulk)."""
    from etl.bulk import DEFAULT_CHUNK_ROWS, bulk_load, check_bulk_target
    from etl.load import DEFAULT_BATCH_SIZE, load_paths
    from graphdb.db import connect

    if req.bulk:
        from graphdb.runtime import LocalRuntime

        check_bulk_target(uri, database)
        return bulk_load(LocalRuntime(), req.paths, fmt=req.fmt, rejects_path=req.rejects, strict=req.strict,
                         dry_run=req.dry_run, chunk_rows=req.batch_size or DEFAULT_CHUNK_ROWS, workers=req.workers,
                         keep_files=req.keep_files, say=say)  # fmt: skip
    db = None if req.dry_run else connect(uri, username, database, say=say)
    try:
        return load_paths(db, req.paths, fmt=req.fmt, batch_size=req.batch_size or DEFAULT_BATCH_SIZE,
                          rejects_path=req.rejects, strict=req.strict, dry_run=req.dry_run, reload=req.reload,
                          progress=progress)  # fmt: skip
    finally:
        if db is not None:
            db.close()
