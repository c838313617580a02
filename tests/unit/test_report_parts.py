"""The report's pieces without a database: a route worked out by hand, table cells, scopes, the SVG wrapper."""

from __future__ import annotations

import networkx as nx
import pytest

from graphdb.casefile import CaseOptions, Scope, selection_counts
from graphdb.errors import SwarmgraphError
from viz.report.html_parts import cell_text, rerun, table
from viz.report.route import delay_text, route_model
from viz.report.sections import bridges

T = "2015-11-14T10:00:00+00:00"


def entry() -> dict:
    """A video announced on Telegram at 10:00 (channel c), linking page j (justpaste.it) which lists copy a
    (archive.org, removed 12:00); a tweet at 10:30 links the page: one hop of 0.5 h through it."""
    return {
        "first_sharers": [
            {"platform": "telegram", "first_share": T, "lag_hours": 0.0,
             "earliest_shares": [{"post": "tg:1", "account": "c", "handle": "c_ch", "at": T}]},
            {"platform": "twitter", "first_share": "2015-11-14T10:30:00+00:00", "lag_hours": 0.5,
             "earliest_shares": [{"post": "tw:9", "account": "t", "handle": None, "at": "2015-11-14T10:30:00+00:00"}]},
        ],
        "paths": [{"start": "tg:1", "start_platform": "telegram", "started": T, "reached": "tw:9",
                   "reached_platform": "twitter", "arrived": "2015-11-14T10:30:00+00:00", "hours": 0.5,
                   "steps": ["LINKS_TO", "LINKS_TO"],
                   "hops": [{"node": "tg:1", "kind": "post", "platform": "telegram", "at": T, "account": "c"},
                            {"node": "https://justpaste.it/j", "kind": "url", "platform": "justpaste.it", "at": None,
                             "account": None},
                            {"node": "tw:9", "kind": "post", "platform": "twitter", "at": None, "account": "t"}]}],
        "timeline": [
            {"url": "https://archive.org/details/a", "kind": "copy", "platform": "archive.org", "first_seen": T,
             "listed_at": None, "removed_at": "2015-11-14T12:00:00+00:00", "views": 5},
            {"url": "https://justpaste.it/j", "kind": "page", "platform": "justpaste.it",
             "first_seen": "2015-11-13T10:00:00+00:00", "listed_at": "2015-11-14T11:00:00+00:00",
             "removed_at": None, "views": None},
        ],
    }  # fmt: skip


def test_route_model_places_everything_in_hours_after_the_first_share() -> None:
    model = route_model(entry())
    assert model["t0"] == T
    assert model["lanes"] == ["telegram", "justpaste.it", "archive.org", "twitter"]
    copy, page = model["lifelines"]
    assert (copy["start"], copy["removed"]) == (0.0, 2.0)
    assert (page["start"], page["listed"]) == (0.0, 1.0)  # shared a day before this version: drawn from T0
    (hop,) = model["hops"]
    assert hop["via"] == [("https://justpaste.it/j", "justpaste.it")] and hop["hours"] == hop["delay_hours"] == 0.5
    assert [(s["lane"], s["first"], s["lag_hours"]) for s in model["shares"]] == [
        ("telegram", True, 0.0),
        ("twitter", True, 0.5),
    ]
    assert route_model({"first_sharers": [], "paths": [], "timeline": []})["lanes"] == []


@pytest.mark.parametrize("hours, text", [(0.05, "+3 min"), (0.5, "+30 min"), (2.25, "+2.2 h"), (72.0, "+3.0 d")])
def test_delays_read_in_minutes_hours_or_days(hours: float, text: str) -> None:
    assert delay_text(hours) == text


def test_cells_keep_the_query_values_readable() -> None:
    assert cell_text(117.08) == "117.08" and cell_text(0.5) == "0.5" and cell_text(3e-9) == "3e-09"
    assert cell_text(12345) == "12,345" and cell_text(True) == "yes" and cell_text(None) == ""
    assert cell_text(["a", 1]) == "a, 1" and cell_text({"window": 60}) == '{"window": 60}'


def test_tables_escape_every_value_and_header() -> None:
    html = table([{"<b>": "<script>x</script>", "n": 2}], ["<b>", "n"], caption="<i>c</i>", table_id='t"x')
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<b>" not in html and "&lt;i&gt;c&lt;/i&gt;" in html and 'id="t&quot;x"' in html
    assert '<td class="num">2</td>' in html


def test_the_brokers_table_says_when_betweenness_was_sampled() -> None:
    def broker(sources: int | None) -> dict:
        return {"node": "twitter:1", "kind": "account", "label": "a", "platform": "twitter", "betweenness": 3.5,
                "sampled_sources": sources, "articulation_point": False, "bridge_edges": 0, "community": 1}

    def page(brokers: list[dict]) -> str:
        case = {"bridges": [], "missing_analyses": {}, "brokers": brokers, "groups": [], "successors": [],
                "queries": []}  # fmt: skip
        return bridges(case, {})

    assert "estimated from 960 sampled source nodes" in page([broker(960), broker(960)])
    assert "sampled source" not in page([broker(None)])
    assert "sampled source" not in page([])


def test_rerun_names_each_query_with_its_parameters() -> None:
    queries = [{"section": "s", "query": "top_videos", "params": {"videos": None, "limit": 3}},
               {"section": "s", "query": "hashtag_volume", "params": {"tags": ["a", "b"], "bucket": "hour"}},
               {"section": "other", "query": "x", "params": {}}]  # fmt: skip
    text = rerun(queries, "s")
    assert "swarmgraph query top_videos --param limit=3" in text
    assert "swarmgraph query hashtag_volume --param tags=a,b --param bucket=hour" in text and "query x" not in text


def test_a_scope_holds_the_keys_of_a_selection() -> None:
    g = nx.MultiDiGraph()
    g.add_node("Post:p", label="Post", key="p", platform="twitter", created_at="2015-11-14T10:00:00+00:00")
    g.add_node("Url:u", label="Url", key="u", platform="archive.org", first_seen="2015-11-14T09:00:00+00:00")
    g.add_node("Hashtag:h", label="Hashtag", key="h")
    scope = Scope.of_graph(g)
    assert (scope.posts, scope.urls, scope.tags, scope.accounts) == (["p"], ["u"], ["h"], [])
    assert scope.has("posts", "p") and not scope.has("posts", "q") and not scope.whole
    assert Scope().whole and Scope().has("accounts", "anything")
    rows = {r["label"]: r for r in selection_counts(g)}
    assert rows["Url"]["first"] == "2015-11-14T09:00:00+00:00" and rows["Hashtag"]["nodes"] == 1
    with pytest.raises(SwarmgraphError, match="bucket"):
        CaseOptions(bucket="week")
