"""The bulk loader: a first load into an empty local database through Neo4j's offline importer.

`swarmgraph load --bulk` reads the same files with the same readers as the online loader and ends in the same graph,
but instead of MERGE statements it (1) parses files in parallel worker processes, spilling deduplicated batches to
hash buckets on disk, (2) merges each bucket into the importer's CSV files, in parallel, (3) stops the local server,
runs `neo4j-admin database import full`, starts the server again, and (4) creates the schema, the LoadRun nodes and
the few values the CSV cannot carry. It only fills an empty database; incremental loads use the online loader.
"""

from __future__ import annotations

import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl.bulk_work import pause_for_tests, staging_folder, worker_pool
from etl.errors import SourceFormatError
from etl.load import (
    VERSION,
    FileSummary,
    LoadSummary,
    StrictReject,
    _Rejects,
    count_graph,
    default_rejects_path,
    failure_text,
    file_sha256,
)
from etl.readers.common import source_id, source_size
from etl.records import NODE_KEYS
from etl.staging import (
    ARRAY_DELIMITER,
    CsvFile,
    MergeTask,
    ParseResult,
    ParseTask,
    bucket_count,
    join_parts,
    merge_bucket,
    parse_file,
    read_rejects,
)
from graphdb.cypher_text import ident
from graphdb.errors import SwarmgraphError
from graphdb.runtime.guards import (
    MARKER,  # noqa: F401 - read from here by tests and callers
    check_no_unfinished_import,
    clear_import_marker,
    import_owner_alive,
    read_import_marker,
    write_import_marker,
)
from graphdb.runtime.lifeline import sigterm_as_interrupt
from graphdb.schema import ensure_schema

if TYPE_CHECKING:  # the driver is imported by the steps that talk to the server, not by the CLI's --help
    from graphdb.db import Database
    from graphdb.runtime import LocalRuntime

DEFAULT_CHUNK_ROWS = 20_000  # rows a parse worker dedupes in memory before spilling

Say = Callable[[str], None]


class BulkLoadError(SwarmgraphError):
    """A bulk load cannot run here (a database that is not empty, a remote server) or failed part-way."""


def check_bulk_target(uri: str | None, database: str | None) -> None:
    """A bulk load writes the local runtime's store files offline: a remote server or another database cannot be."""
    if uri or database:
        raise BulkLoadError(
            "--bulk writes the store files of the local runtime offline, so it cannot load into "
            f"{'--uri/NEO4J_URI' if uri else '--database/NEO4J_DATABASE'}; load without --bulk instead."
        )


def bulk_load(
    runtime: LocalRuntime,
    paths: list[Path],
    *,
    fmt: str | None = None,
    rejects_path: Path | None = None,
    strict: bool = False,
    dry_run: bool = False,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    workers: int | None = None,
    work_dir: Path | None = None,
    keep_files: bool = False,
    say: Say = lambda _m: None,
) -> LoadSummary:
    """Load files and directories into the runtime's empty database offline. With dry_run: parse and stage only.

    However it ends (an error, Ctrl-C, SIGTERM, SIGKILL) no worker or importer outlives it, and its staging folder is
    removed, unless keep_files (after a SIGKILL, by the next bulk load: etl/bulk_work.py); a database it leaves
    half-built is marked, and refused by other commands until a bulk load completes (runtime/guards.py)."""
    started = time.monotonic()
    summary = LoadSummary(dry_run=dry_run)
    plan = _plan(paths, fmt, summary)
    if not dry_run:
        _check_empty(runtime, say)
    workers = max(1, workers or os.cpu_count() or 1)
    with sigterm_as_interrupt(), staging_folder(runtime.import_dir, keep=keep_files, work_dir=work_dir,
                                                say=say) as work:  # fmt: skip
        spill_dir, csv_dir = work / "spill", work / "csv"
        spill_dir.mkdir()
        buckets = bucket_count(sum(source_size(p) for p, *_ in plan))
        clock = _Clock(summary.phases)
        with worker_pool(workers) as pool:
            parsed = _parse_all(pool, plan, spill_dir, buckets, chunk_rows, strict, workers, say)
            clock.lap("parse")
            runs = [run for _p, _n, run, _s in plan]  # by file index, failed files included (they staged nothing)
            plan, parsed = _drop_failed(plan, parsed, summary)
            _record_files(plan, parsed, summary, rejects_path or default_rejects_path(), paths, dry_run)
            say(f"Merging {buckets} buckets into CSV files ...")
            tasks = [MergeTask(b, spill_dir, csv_dir, runs) for b in range(buckets)]
            merged = list(pool.map(merge_bucket, tasks))
        shutil.rmtree(spill_dir, ignore_errors=True)
        clock.lap("merge")
        csv_files = join_parts([f for m in merged for f in m.files], csv_dir)
        fixups = [f for m in merged for f in m.fixups]
        clock.lap("join")
        if not dry_run:
            _import(runtime, csv_files, fixups, work, plan, paths, summary, clock, say)
    summary.seconds = time.monotonic() - started
    return summary


Plan = list[tuple[Path, str, str, str]]  # path, format, run id, sha256


def _plan(paths: list[Path], fmt: str | None, summary: LoadSummary) -> Plan:
    """Every input file with its format and LoadRun id. Files with the same content again go to summary.skipped;
    as in the online loader, a file whose format cannot be told fails the load when it is the only one, else goes
    to summary.failed and the others load."""
    from etl.detect import detect_format, iter_source_files
    from etl.readers import FORMATS

    if fmt is not None and fmt not in FORMATS:
        raise SourceFormatError(f"Unknown format {fmt!r}; known: {', '.join(sorted(FORMATS))}.")
    files = list(iter_source_files(paths))
    if not files:
        raise SourceFormatError(f"No input files found in {', '.join(str(p) for p in paths)}.")
    plan: Plan = []
    seen: set[str] = set()
    for path in files:
        try:
            name = fmt or detect_format(path)
            sha = file_sha256(path)
        except (SourceFormatError, OSError) as exc:
            if len(files) == 1:
                raise
            summary.failed.append(failure_text(path, exc))
            continue
        run_id = f"{name}:{sha[:16]}"
        if run_id in seen:  # the same content twice: the online loader would skip the second as loaded
            summary.skipped.append(str(path))
            continue
        seen.add(run_id)
        plan.append((path, name, run_id, sha))
    if not plan:
        raise SourceFormatError("No input file could be read:\n" + "\n".join(summary.failed))
    return plan


def _drop_failed(plan: Plan, parsed: list[ParseResult], summary: LoadSummary) -> tuple[Plan, list[ParseResult]]:
    """The files whose reader stopped with an error leave the plan (nothing of them was staged) for
    summary.failed; when that is every file, the load fails."""
    failed = [res.error for res in parsed if res.error is not None]
    if not failed:
        return plan, parsed
    summary.failed.extend(failed)
    if len(failed) == len(parsed):
        alone = len(summary.failed) == 1
        raise SourceFormatError(summary.failed[0] if alone else "No input file could be read:\n" +
                                "\n".join(summary.failed))  # fmt: skip
    kept = [(entry, res) for entry, res in zip(plan, parsed, strict=True) if res.error is None]
    return [entry for entry, _ in kept], [res for _, res in kept]


def _record_files(plan: Plan, parsed: list[ParseResult], summary: LoadSummary, rejects_path: Path,
                  inputs: list[Path], dry_run: bool) -> None:  # fmt: skip
    """Each file's counts into the summary, and the workers' rejects into the rejects file, in load order."""
    rejects = _Rejects(rejects_path, inputs, "bulk", dry_run=dry_run)
    try:
        for (path, name, run_id, _sha), res in zip(plan, parsed, strict=True):
            summary.files.append(FileSummary(str(path), name, run_id, res.records, res.rejected, res.warnings,
                                             res.seconds))  # fmt: skip
            if res.rejects_file is not None:
                for reject in read_rejects(res.rejects_file):
                    rejects.write(reject)
    finally:
        rejects.close(summary)


class _Clock:
    def __init__(self, phases: dict[str, float]) -> None:
        self.phases = phases
        self.t = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.phases[name] = now - self.t
        self.t = now


def _check_empty(runtime: LocalRuntime, say: Say) -> None:
    """Refuse a database holding anything, unless an unfinished bulk load of ours is all it holds."""
    marker = read_import_marker(runtime.run_dir)
    if marker is not None:
        if import_owner_alive(marker):
            check_no_unfinished_import(runtime.run_dir, runtime.home)  # refuses: another bulk load is importing
        say("An earlier bulk load did not finish; its database will be replaced.")
        return
    if runtime.running_pid() is None:
        say(f"Starting the local Neo4j in {runtime.home} to check that its database is empty ...")
        runtime.start(say=say)
    with _local_db(runtime) as db:
        _, rows = db.read("MATCH (n) RETURN count(n) AS n")
    if rows[0]["n"]:
        raise BulkLoadError(
            f"The local database holds {rows[0]['n']:,} nodes; a bulk load only fills an empty database. "
            "Load into it with `swarmgraph load` (without --bulk), or empty it first."
        )


def _local_db(runtime: LocalRuntime) -> Database:
    from graphdb.db import Database
    from graphdb.settings import local_settings

    return Database(local_settings(runtime))


def _parse_all(
    pool: ProcessPoolExecutor, plan: Plan, spill_dir: Path, buckets: int, chunk_rows: int,
    strict: bool, workers: int, say: Say,
) -> list[ParseResult]:  # fmt: skip
    tasks = [ParseTask(i, path, name, spill_dir, buckets, chunk_rows, strict) for i, (path, name, *_r) in
             enumerate(plan)]  # fmt: skip
    tasks.sort(key=lambda t: source_size(t.path), reverse=True)  # largest first: the workers finish together
    results: dict[int, ParseResult] = {}
    say(f"Parsing {len(tasks)} files with {workers} worker processes ...")
    records = 0
    pending: set[Future[ParseResult]] = {pool.submit(parse_file, t) for t in tasks}
    pause_for_tests("parse", say)
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            res = fut.result()
            results[res.index] = res
            if res.first_reject is not None:
                r = res.first_reject
                raise StrictReject(f"{r.where}: {r.reason} (--strict stops at the first reject)")
            if res.error is not None:
                say(f"  could not read {res.error}")
                continue
            records += res.records
            say(f"  parsed {plan[res.index][0].name}: {res.records:,} records "
                f"({len(results)}/{len(tasks)} files, {records:,} records)")  # fmt: skip
    return [results[i] for i in range(len(plan))]


def _import(
    runtime: LocalRuntime,
    files: list[CsvFile],
    fixups: list[tuple[Any, ...]],
    work: Path,
    plan: Plan,
    inputs: list[Path],
    summary: LoadSummary,
    clock: _Clock,
    say: Say,
) -> None:
    write_import_marker(runtime.run_dir, work_dir=work, inputs=inputs)  # the database is ours until the end
    t0 = datetime.now(UTC)
    say("Stopping the local Neo4j for the offline import ...")
    runtime.stop()
    clock.lap("stop server")
    rows = sum(f.rows for f in files)
    say(f"Importing {rows:,} nodes and relationships from {len(files)} CSV files ...")
    try:
        runtime.import_full(
            [(f.name, f.path) for f in files if f.kind == "nodes"],
            [(f.name, f.path) for f in files if f.kind == "relationships"],
            array_delimiter=ARRAY_DELIMITER, log=runtime.logs_dir / "bulk-import.log",
            multiline=[f.path for f in files if f.multiline],
        )  # fmt: skip
    except SwarmgraphError as exc:
        # Leave the server running, as it was; the marker lets the next bulk load replace what is there.
        restart = _restart_after_failure(runtime, say)
        raise BulkLoadError(f"{exc}\nThe bulk load did not finish; run it again once the cause is fixed.{restart}") \
            from exc
    clock.lap("import")
    say("Starting the local Neo4j ...")
    try:
        runtime.start(say=say, allow_unfinished=True)
    except SwarmgraphError as exc:
        raise BulkLoadError(f"The import finished but the local Neo4j did not start again: {exc}\nOnce the cause "
                            "is fixed, run the bulk load again: it starts the server and rebuilds the database.") \
            from exc
    clock.lap("start server")
    with _local_db(runtime) as db:
        say("Creating constraints and indexes ...")
        ensure_schema(db)
        clock.lap("constraints and indexes")
        _apply_fixups(db, fixups)
        _record_runs(db, plan, summary, t0)
        graph = count_graph(db)
    summary.counts.nodes_created.update({k: v for k, v in graph["nodes"].items() if k != "LoadRun"})
    summary.counts.rels_created.update(graph["rels"])
    clear_import_marker(runtime.run_dir)
    clock.lap("load runs and counts")


def _restart_after_failure(runtime: LocalRuntime, say: Say) -> str:
    """Start the server again after a failed import; '' when it runs, else what went wrong (said, not swallowed)."""
    try:
        runtime.start(say=say, allow_unfinished=True)
    except SwarmgraphError as exc:
        return (f"\nThe local Neo4j could not be started again either: {exc}\n"
                "The bulk load run again starts it (`swarmgraph db start` refuses the unfinished database).")
    return ""


def _apply_fixups(db: Database, fixups: list[tuple[Any, ...]]) -> None:
    """Values the importer's CSV cannot carry exactly, set online by key (parameters only)."""
    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rels: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for fx in fixups:
        if fx[0] == "node":
            _kind, label, key, props = fx
            nodes[label].append({"k": key, "p": props})
        else:
            _kind, rtype, slabel, elabel, a, b, props = fx
            rels[(rtype, slabel, elabel)].append({"a": a, "b": b, "p": props})
    for label, rows in nodes.items():
        db.write(f"UNWIND $rows AS row MATCH (n:{ident(label)} {{{ident(NODE_KEYS[label])}: row.k}}) SET n += row.p",
                 {"rows": rows})  # fmt: skip
    for (rtype, slabel, elabel), rows in rels.items():
        db.write(
            f"UNWIND $rows AS row MATCH (a:{ident(slabel)} {{{ident(NODE_KEYS[slabel])}: row.a}})"
            f"-[r:{ident(rtype)}]->(b:{ident(elabel)} {{{ident(NODE_KEYS[elabel])}: row.b}}) SET r += row.p",
            {"rows": rows},
        )


def _record_runs(db: Database, plan: Plan, summary: LoadSummary, t0: datetime) -> None:
    by_run = {f.run_id: f for f in summary.files}
    rows = [
        {"id": run_id, "source": source_id(path), "sha": sha, "fmt": name, "records": by_run[run_id].records,
         "rejected": by_run[run_id].rejected, "seconds": by_run[run_id].seconds}
        for path, name, run_id, sha in plan
    ]  # fmt: skip
    db.write(
        "UNWIND $rows AS row MERGE (r:LoadRun {id: row.id}) "
        "SET r.source = row.source, r.sha256 = row.sha, r.format = row.fmt, r.started_at = datetime($started), "
        "r.ended_at = datetime($ended), r.status = 'complete', r.swarmgraph_version = $version, r.attempts = 1, "
        "r.records = row.records, r.rejected = row.rejected, r.seconds = row.seconds, r.loader = 'bulk'",
        {"rows": rows, "started": t0.isoformat(), "ended": datetime.now(UTC).isoformat(), "version": VERSION},
    )
