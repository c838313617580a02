"""Analysis runs as nodes: `(:AnalysisRun {id, analysis, started_at, ended_at, status, load_runs})` records which
LoadRuns an analysis saw, so whatever reads its results can tell when data was loaded after it (stale) or when it
never ran (absent), and say which command brings it up to date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphdb.db import Database

COMPLETE_LOAD_RUNS = "MATCH (l:LoadRun {status: 'complete'}) RETURN collect(l.id) AS ids"

BEGIN = """
MERGE (r:AnalysisRun {id: $run})
SET r.analysis = $analysis, r.started_at = datetime($at), r.status = 'running', r.load_runs = $load_runs,
    r.parameters = $parameters
"""

# The run is complete; the analysis's earlier runs (whose results the new one replaced) go.
END = """
MATCH (r:AnalysisRun {id: $run})
SET r.status = 'complete', r.ended_at = datetime($at), r.results = $results
WITH r
MATCH (old:AnalysisRun {analysis: r.analysis}) WHERE old.id <> r.id
DELETE old
"""

LATEST = """
OPTIONAL MATCH (r:AnalysisRun {analysis: $analysis, status: 'complete'})
WITH r ORDER BY r.ended_at DESC LIMIT 1
OPTIONAL CALL (r) {
  MATCH (l:LoadRun) WHERE NOT l.id IN r.load_runs
  RETURN count(l) AS newer, collect(l.source)[..3] AS sources
}
RETURN r.id AS run, r.ended_at AS ended_at, size(r.load_runs) AS covered, newer, sources
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


def begin_run(db: Database, run: str, analysis: str, parameters: str = "") -> list[str]:
    """Record a run of `analysis` starting now over the LoadRuns complete now; returns their ids."""
    _, rows = db.read(COMPLETE_LOAD_RUNS)
    load_runs = sorted(rows[0]["ids"]) if rows else []
    db.write(BEGIN, {"run": run, "analysis": analysis, "at": _now(), "load_runs": load_runs,
                     "parameters": parameters})  # fmt: skip
    return load_runs


def end_run(db: Database, run: str, results: int) -> None:
    db.write(END, {"run": run, "at": _now(), "results": results})


@dataclass(frozen=True)
class Freshness:
    analysis: str
    state: str  # "current", "stale" or "absent"
    run: str | None
    message: str | None  # what to tell the reader, None when current

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def freshness(db: Database, analysis: str, command: str) -> Freshness:
    """Whether the latest complete run of `analysis` covers every LoadRun in the graph; `command` fills it."""
    _, rows = db.read(LATEST, {"analysis": analysis})
    row = rows[0] if rows else {}
    if not row.get("run"):
        return Freshness(analysis, "absent", None,
                         f"the {analysis} analysis has not run on this graph: `{command}` fills it")  # fmt: skip
    if row.get("newer"):
        n, sources = int(row["newer"]), ", ".join(str(s) for s in row["sources"])
        return Freshness(
            analysis, "stale", row["run"],
            f"stale: {n} file{'s' if n != 1 else ''} loaded after the {analysis} analysis ran ({row['run']}; "
            f"e.g. {sources}): `{command}` brings it up to date",
        )  # fmt: skip
    return Freshness(analysis, "current", row["run"], None)
