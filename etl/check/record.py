"""A check run's rows into the graph: each row through the url-checks reader's own per-row code, under one LoadRun
(`check:<time>`, source the CSV file), so the graph after a check equals the graph after loading its CSV rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from etl.readers.swarmgraph_inputs import url_check_item
from etl.records import Reject
from etl.writer import Batch, GraphWriter
from graphdb.db import Database
from graphdb.schema import ensure_schema

if TYPE_CHECKING:
    from etl.check.run import Observation

VERSION = "0.1.0"
BATCH = 5_000  # rows per write transaction


def write_observations(db: Database, csv_path: Path, first_line: int, observations: list[Observation]) -> str:
    """Write the observations (the rows just appended at `first_line` of `csv_path`); returns the LoadRun id."""
    now = datetime.now(UTC)
    run_id = f"check:{now.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"
    ensure_schema(db)
    db.write(
        "MERGE (r:LoadRun {id: $id}) SET r.source = $source, r.format = 'check', r.started_at = datetime($now), "
        "r.status = 'running', r.swarmgraph_version = $version, r.loader = 'check'",
        {"id": run_id, "source": str(csv_path.resolve()), "now": now.isoformat(), "version": VERSION},
    )
    writer = GraphWriter(db, run_id)
    for start in range(0, len(observations), BATCH):
        batch = Batch()
        for n, obs in enumerate(observations[start : start + BATCH], start):
            item = url_check_item(obs.row(), str(csv_path), first_line + n)
            if isinstance(item, Reject):  # our own rows: a reject here is a bug, never data to drop silently
                raise AssertionError(f"check row rejected by the url-checks reader: {item.reason}")
            batch.extend(item.nodes, item.rels)
        writer.flush(batch)
    db.write(
        "MATCH (r:LoadRun {id: $id}) SET r.ended_at = datetime($now), r.status = 'complete', r.records = $n, "
        "r.rejected = 0",
        {"id": run_id, "now": datetime.now(UTC).isoformat(), "n": len(observations)},
    )
    return run_id
