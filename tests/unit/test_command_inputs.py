"""What commands take from the user (seeds, relationship types, times, query parameters, bulk targets), checked
before any database is involved: workflows/selection.py and the bulk-load guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from graphdb.errors import SwarmgraphError
from workflows.outputs import check_request
from workflows.selection import SelectionRequest, parse_rel_types, parse_seeds, to_selection, utc


def test_seeds_are_parsed_and_url_seeds_canonicalised() -> None:
    seeds = parse_seeds(["hashtag:#Paris", "url:HTTPS://WWW.Example.org/a?utm_source=x", "video:release-1-ar",
                         "account: twitter:12 "])  # fmt: skip
    assert seeds == [("hashtag", "paris"), ("url", "https://example.org/a"), ("video", "video:release-1-ar"),
                     ("account", "twitter:12")]  # fmt: skip


def test_a_bad_seed_or_url_is_refused_with_its_text() -> None:
    with pytest.raises(SwarmgraphError, match=r"Bad seed 'place:x': use KIND:KEY"):
        parse_seeds(["place:x"])
    with pytest.raises(SwarmgraphError, match=r"Bad URL seed 'url:http://\[::1': "):
        parse_seeds(["url:http://[::1"])


def test_relationship_types_are_upper_cased_and_empty_means_all() -> None:
    assert parse_rel_types("posted, links_to,,") == ["POSTED", "LINKS_TO"]
    assert parse_rel_types(None) is None and parse_rel_types(" , ") is None


def test_times_without_a_zone_are_utc_and_others_converted() -> None:
    assert utc(datetime(2015, 11, 14, 9)) == datetime(2015, 11, 14, 9, tzinfo=UTC)
    paris = datetime(2015, 11, 14, 10, tzinfo=timezone(timedelta(hours=1)))
    assert utc(paris) == datetime(2015, 11, 14, 9, tzinfo=UTC)


def test_a_request_becomes_a_selection() -> None:
    req = SelectionRequest(seed=["hashtag:Event1"], hops=3, rels="tags", since=datetime(2015, 11, 14),
                           platform=" Telegram ", max_nodes=40)  # fmt: skip
    sel = to_selection(req, "views")
    assert sel.seeds == [("hashtag", "event1")] and sel.hops == 3 and sel.rels == ["TAGS"]
    assert sel.since == datetime(2015, 11, 14, tzinfo=UTC) and sel.platform == "telegram"
    assert sel.max_nodes == 40 and sel.metric == "views"


def test_bad_query_parameters_are_refused_before_connecting() -> None:
    with pytest.raises(SwarmgraphError, match="No prepared query named 'nope'"):
        check_request(SelectionRequest(query="nope"))
    with pytest.raises(SwarmgraphError, match="parameter 'min_posts' expects int"):
        check_request(SelectionRequest(query="hashtag_lifecycle", param=["min_posts=many"]))


def test_a_bulk_load_refuses_a_remote_server_or_another_database() -> None:
    from etl.bulk import BulkLoadError, check_bulk_target

    check_bulk_target(None, None)  # the local runtime's default database: fine
    with pytest.raises(BulkLoadError, match=r"cannot load into --uri/NEO4J_URI; load without --bulk instead\."):
        check_bulk_target("bolt://127.0.0.1:1", None)
    with pytest.raises(BulkLoadError, match=r"cannot load into --database/NEO4J_DATABASE"):
        check_bulk_target(None, "other")
