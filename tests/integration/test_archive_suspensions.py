"""X's Information Operations archives in a real graph: the analyses that read suspension see the archive's
accounts as suspended (resilience's `suspended` removal set, the successors analysis and query)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from cypher import run_query
from etl.load import load_paths
from graphdb.analytics.resilience import removal_set
from graphdb.analytics.successors import suggest_successors
from graphdb.db import Database

pytestmark = pytest.mark.neo4j
ARCHIVE = Path(__file__).parents[1] / "fixtures" / "x-io-archive"
HASHED = [
    "twitter:hashed:5e0c7a9b1d2f3e4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2",
    "twitter:hashed:9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "twitter:hashed:b3d6f0a1e4c29d7788a1f0e2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a4f3e",
]


def test_the_archives_accounts_are_suspended_for_the_analyses(db: Database, tmp_path: Path) -> None:
    summary = load_paths(db, [ARCHIVE], rejects_path=tmp_path / "rejects.jsonl")
    assert {f.format for f in summary.files} == {"twitter-io"} and summary.rejected == 2
    # the tweets file and the users file key each (hashed) account once
    _, rows = db.read(
        "MATCH (a:Account) WHERE a.suspended = true "
        "RETURN a.uid AS uid, a.suspension_evidence AS evidence, a.suspended_at AS at ORDER BY uid"
    )
    assert [r["uid"] for r in rows] == ["twitter:2882013788", *HASHED]
    assert {r["evidence"] for r in rows} == {"x-io-archive:exampleop"} and {r["at"] for r in rows} == {None}
    # resilience: `--remove suspended` removes exactly the archive's accounts
    assert sorted(removal_set(db, "suspended", nx.DiGraph(), set())) == ["twitter:2882013788", *HASHED]
    # successors: the three accounts that posted are suspended actors (dated by their last post)
    assert suggest_successors(db, write=False).suspended == 3
    _, listed = run_query(db, "successors")
    assert sorted(r["suspended"] for r in listed) == ["twitter:2882013788", HASHED[0], HASHED[2]]
    # account_profile says so, and why
    _, (profile,) = run_query(db, "account_profile", {"account": HASHED[2]})
    assert profile["suspended"] is True and profile["suspension_evidence"] == "x-io-archive:exampleop"
    assert profile["handle"] is None and profile["posts"] == 2 and profile["suspended_at"] is None
