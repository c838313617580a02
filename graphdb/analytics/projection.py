"""The dissemination projection: accounts and URLs joined by how content flows between them.

Edges point the way content travels:
  repost / quote / reply / forward   author of the original -> author of the post that amplifies it
  mention                            the mentioning account -> the mentioned (attention, not content: structure only)
                                     (a Telegram forward whose origin is known by name only is credited to the one
                                     channel of that name, when there is one)
  share                              a Url -> an account that posted it (reposts and forwards are not shares)
  redirect                           the target Url -> the short link that leads to it
  listing                            a mirror Url -> the aggregator page that lists it
  source                             an account -> a link to its own post (t.me/<channel>/<n>, twitter status links)
The GDS analyses read it undirected (one relationship per pair, weighted by the number of observations); the
resilience analysis follows it directed, from a video's copies to its audience.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from graphdb.db import Database

# One row per observed flow: (source node, target node, kind). Statements share the output columns.
_FLOWS: dict[str, str] = {
    "amplify": """
MATCH (b:Account)-[:POSTED]->(p:Post)-[r:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]->(:Post)<-[:POSTED]-(a:Account)
WHERE a <> b
RETURN a AS source, b AS target,
       CASE type(r) WHEN 'REPOSTS' THEN 'repost' WHEN 'QUOTES' THEN 'quote' WHEN 'REPLIES_TO' THEN 'reply'
            ELSE 'forward' END AS kind, count(*) AS n""",
    "forwarded_from": """
MATCH (b:Account)-[:POSTED]->(:Post)-[:FORWARDED_FROM]->(a0:Account)
WITH a0, b, count(*) AS n
OPTIONAL CALL (a0) {
  MATCH (a1:Account {platform: a0.platform})
  WHERE a0.placeholder AND a0.name IS NOT NULL AND a1 <> a0 AND a1.placeholder IS NULL
    AND toLower(a1.name) = toLower(a0.name)
  RETURN a1 ORDER BY a1.uid LIMIT 1
}
WITH coalesce(a1, a0) AS a, b, n
WHERE a <> b
RETURN a AS source, b AS target, 'forward' AS kind, sum(n) AS n""",
    "mention": """
MATCH (a:Account)-[:POSTED]->(:Post)-[:MENTIONS]->(b:Account)
WHERE a <> b
RETURN a AS source, b AS target, 'mention' AS kind, count(*) AS n""",
    "share": """
MATCH (b:Account)-[:POSTED]->(p:Post)-[:LINKS_TO]->(u:Url)
WHERE NOT EXISTS { (p)-[:REPOSTS|FORWARDS|FORWARDED_FROM]->() }
RETURN u AS source, b AS target, 'share' AS kind, count(*) AS n""",
    "redirect": """
MATCH (s:Url)-[:REDIRECTS_TO]->(t:Url)
RETURN t AS source, s AS target, 'redirect' AS kind, 1 AS n""",
    "listing": """
MATCH (page:Url)-[:LISTS]->(mirror:Url)
RETURN mirror AS source, page AS target, 'listing' AS kind, 1 AS n""",
    "telegram_source": """
MATCH (u:Url {domain: 't.me'})
WITH u, split(u.url, '/') AS parts
WHERE size(parts) = 5
MATCH (a:Account {platform: 'telegram'}) WHERE toLower(a.handle) = parts[3]
RETURN a AS source, u AS target, 'source' AS kind, 1 AS n""",
    "twitter_source": """
MATCH (u:Url {domain: 'twitter.com'}) WHERE u.url STARTS WITH 'https://twitter.com/i/web/status/'
MATCH (a:Account)-[:POSTED]->(:Post {uid: 'twitter:' + split(u.url, '/')[-1]})
RETURN a AS source, u AS target, 'source' AS kind, 1 AS n""",
}

FLOW_KINDS = ("repost", "quote", "reply", "forward", "share", "redirect", "listing", "source")
STRUCTURE_ONLY = ("mention",)


def _union(names: list[str]) -> str:
    """These flow statements as one UNION ALL of (source, target, kind, n) rows."""
    return "\nUNION ALL\n".join(f"CALL () {{{_FLOWS[name]}\n}}\nRETURN source, target, kind, n" for name in names)


_UNION = _union(list(_FLOWS))

# Undirected, one relationship per unordered pair, weight = observations; node labels kept for filtering.
GDS_PROJECT = f"""
CALL () {{
{_UNION}
}}
WITH CASE WHEN elementId(source) < elementId(target) THEN source ELSE target END AS a,
     CASE WHEN elementId(source) < elementId(target) THEN target ELSE source END AS b, n
WITH a, b, sum(n) AS weight
WITH gds.graph.project($graph, a, b,
       {{sourceNodeLabels: labels(a), targetNodeLabels: labels(b),
         relationshipProperties: {{weight: toFloat(weight)}}}},
       {{undirectedRelationshipTypes: ['*']}}) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
"""

# The flows for Python, grouped by target and kind: one row per target with its sources in lists. Row by row, the
# driver's per-record work was most of the read (about 45 us a row; 440k rows at 1M posts); lists cost a few us per
# element. Kinds pick statements (`_KINDS`), so an analysis that needs only some flows does not read the rest.
_READ_GROUPED = """
WITH coalesce(source.uid, source.url) AS source, source:Account AS source_account, target, kind, n
WITH target, kind, collect(source) AS sources, collect(source_account) AS source_accounts, collect(n) AS ns
RETURN coalesce(target.uid, target.url) AS target, target:Account AS target_account, kind, sources,
       source_accounts, ns
"""
# The kinds each statement yields.
_KINDS: dict[str, tuple[str, ...]] = {
    "amplify": ("repost", "quote", "reply", "forward"), "forwarded_from": ("forward",), "mention": ("mention",),
    "share": ("share",), "redirect": ("redirect",), "listing": ("listing",), "telegram_source": ("source",),
    "twitter_source": ("source",),
}  # fmt: skip


def read_flows_query(kinds: tuple[str, ...] | None = None) -> str:
    """The statement reading the flows of these kinds (every kind when None), grouped as `_READ_GROUPED` says."""
    names = [name for name in _FLOWS if kinds is None or set(_KINDS[name]) & set(kinds)]
    if not names:
        raise ValueError(f"no flow statement yields {kinds!r}")
    only = "WITH source, target, kind, n WHERE $kinds IS NULL OR kind IN $kinds"
    return f"CALL () {{\n{_union(names)}\n}}\n{only}\n{_READ_GROUPED}"


DROP = "CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName"


@dataclass
class Flow:
    source: str
    target: str
    kind: str
    n: int


def project(db: Database, graph: str) -> dict[str, Any]:
    """(Re)create the named GDS in-memory graph of the dissemination projection; returns its size."""
    db.run_autocommit(DROP, {"graph": graph})
    rows = db.run_autocommit(GDS_PROJECT, {"graph": graph})
    return rows[0] if rows else {"graph": graph, "nodes": 0, "relationships": 0}


def drop(db: Database, graph: str) -> None:
    db.run_autocommit(DROP, {"graph": graph})


@contextmanager
def projected(db: Database, graph: str = "swarmgraph-dissemination") -> Iterator[dict[str, Any]]:
    """The projection as a GDS graph for the duration of a block; dropped afterwards, also on errors."""
    info = project(db, graph)
    try:
        yield info
    finally:
        drop(db, graph)


def read_flows(db: Database, kinds: tuple[str, ...] | None = None) -> tuple[list[Flow], set[str]]:
    """The flow edges of these kinds (every kind when None) by node key (Account uid or Url url), and the keys among
    them that are accounts."""
    _, rows = db.read(read_flows_query(kinds), {"kinds": list(kinds) if kinds is not None else None})
    flows: list[Flow] = []
    accounts: set[str] = set()
    for r in rows:
        target, kind = r["target"], r["kind"]
        if r["target_account"]:
            accounts.add(target)
        for source, is_account, n in zip(r["sources"], r["source_accounts"], r["ns"], strict=True):
            flows.append(Flow(source, target, kind, int(n)))
            if is_account:
                accounts.add(source)
    return flows, accounts
