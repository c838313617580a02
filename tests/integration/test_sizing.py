"""GDS analyses are sized by `gds.*.estimate` before they run, and refused with what to do when they would not fit."""

from __future__ import annotations

import pytest

from graphdb.analytics.sizing import Estimate, check_before_projecting, free_heap, projection_bounds, require_fit
from graphdb.db import Database
from graphdb.errors import AnalysisTooLarge

pytestmark = pytest.mark.neo4j


def test_bounds_come_from_the_count_store_and_estimates_from_gds(db: Database) -> None:
    db.write(
        "CREATE (a:Account {uid: 'x:a'}), (b:Account {uid: 'x:b'}), (u:Url {url: 'https://example.invalid/1'}), "
        "(p:Post {uid: 'x:1'}), (q:Post {uid: 'x:2'}), (a)-[:POSTED]->(p), (b)-[:POSTED]->(q), "
        "(q)-[:REPOSTS]->(p), (p)-[:LINKS_TO]->(u), (q)-[:TAGS]->(:Hashtag {tag: 'x'})"
    )
    # nodes: 2 accounts + 1 URL; pairs at most: 1 repost + 1 link + 1 "source" edge per URL (POSTED, TAGS: none)
    assert projection_bounds(db) == (3, 3)
    found = check_before_projecting(db, "bridging", "gds.betweenness.stream", {})
    assert (found.nodes, found.relationships) == (3, 3) and 0 < found.bytes_min <= found.bytes_max
    free, most = free_heap(db)
    assert 0 < free <= most


def test_an_analysis_that_would_not_fit_is_refused_with_what_to_do(db: Database) -> None:
    _, most = free_heap(db)
    huge = Estimate("gds.leiden.stream", 2 * most, 3 * most, 50_000_000, 900_000_000)
    with pytest.raises(AnalysisTooLarge) as refused:
        require_fit(db, "communities", huge)
    message = str(refused.value)
    assert message.startswith("`analyze communities` needs at least ")
    assert "(gds.leiden.stream estimate for 50,000,000 nodes and 900,000,000 relationships)" in message
    assert "swarmgraph db start --heap " in message and "\n" not in message
