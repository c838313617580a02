"""The graph's schema: a uniqueness constraint per identity key and the indexes the prepared queries lean on.

Created idempotently (IF NOT EXISTS) before every load; `swarmgraph init` runs it alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphdb.cypher_text import ident

if TYPE_CHECKING:  # the driver (and the pandas it imports) stays out of bulk-load workers
    from graphdb.db import Database

# label -> identity key: the one list of them (docs/model.md); etl.records.NODE_KEYS and subgraph reads use it.
KEYS: dict[str, str] = {
    "Platform": "name",
    "Account": "uid",
    "Post": "uid",
    "Hashtag": "tag",
    "Url": "url",
    "Video": "uid",
    "UrlCheck": "uid",
    "LoadRun": "id",
    "AnalysisRun": "id",
}

INDEXES: list[tuple[str, str]] = [
    ("Post", "created_at"),
    ("Post", "platform"),
    ("Account", "handle"),
    ("Account", "platform"),
    ("Url", "domain"),
    ("Url", "first_seen"),
    ("UrlCheck", "checked_at"),
    # written by the analyses, read by the prepared queries (cypher/)
    ("Account", "betweenness"),
    ("Url", "betweenness"),
    ("Account", "community"),
    ("Url", "community"),
    ("Account", "coordination_group"),
    ("Account", "suspended_at"),
    # materialised by `analyze reports` (graphdb/analytics/reports.py), read by the whole-graph reports
    ("Account", "amplifies"),
    ("Account", "bridge_cross"),
    ("Url", "bridge_cross"),
    ("AnalysisRun", "analysis"),
    ("Summary", "report"),
]


def schema_statements() -> list[str]:
    stmts = [
        f"CREATE CONSTRAINT {ident(f'{label.lower()}_{key}_unique')} IF NOT EXISTS "
        f"FOR (n:{ident(label)}) REQUIRE n.{ident(key)} IS UNIQUE"
        for label, key in KEYS.items()
    ]
    stmts += [
        f"CREATE INDEX {ident(f'{label.lower()}_{prop}')} IF NOT EXISTS FOR (n:{ident(label)}) ON (n.{ident(prop)})"
        for label, prop in INDEXES
    ]
    return stmts


def ensure_schema(db: Database) -> int:
    """Create every constraint and index that is missing and wait until they are online. Returns the count."""
    stmts = schema_statements()
    # One transaction: Neo4j then populates every new index in one scan of the store instead of one scan each.
    db.write_many(stmts)
    db.run_autocommit("CALL db.awaitIndexes(300)")
    return len(stmts)
