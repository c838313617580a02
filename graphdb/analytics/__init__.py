"""Built-in analyses: each reads the graph, computes a measure from the research literature, and (most) writes the
result back as derived properties or derived edges, kept apart from observed data and stamped with a run id.

coordination  COORDINATED_WITH edges (CooRTweet / QUT coordinated link sharing)
bridging      betweenness, articulation points and bridges on the dissemination projection (GDS)
communities   Leiden / Louvain communities with in-community degree (GDS)
resilience    reach of each video before and after removing accounts (dismantling; writes nothing)
successors    SAME_ACTOR_AS suggestions from suspended accounts to candidate successors
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

from graphdb.db import Database

T = TypeVar("T")
WRITE_BATCH = 5_000


def new_run_id(kind: str) -> str:
    """`<analysis>:<UTC time>`: stamped on everything one analysis run writes."""
    return f"{kind}:{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"


def chunks(items: list[T], size: int = WRITE_BATCH) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def write_rows(db: Database, query: str, rows: Iterable[dict[str, Any]], **params: Any) -> int:
    """UNWIND $rows batches of one write statement; returns the rows written."""
    rows = list(rows)
    for batch in chunks(rows):
        db.write_counters(query, {"rows": batch, **params})
    return len(rows)
