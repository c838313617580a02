"""Subgraph selection, export and view against a simulated world loaded once into the real Neo4j.

Selection semantics are checked against direct Cypher counts; `swarmgraph export` and `swarmgraph viz` run end to
end through the CLI, and every file they write is read back (networkx, csv, json, the page's embedded data).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from etl.load import load_paths
from graphdb.analytics.reports import materialise_reports
from graphdb.db import Database
from graphdb.errors import SwarmgraphError
from graphdb.subgraph import (
    SelectedGraph,
    Selection,
    graph_from_keys,
    parse_seed,
    result_keys,
    select_subgraph,
)
from simulator import simulate

pytestmark = pytest.mark.neo4j

TAG = "newrelease"  # a steady hashtag of the simulated world, tagged on both Twitter and Telegram
BIG = 100_000  # a --max-nodes that cuts nothing in this world


@dataclass(frozen=True)
class World:
    db: Database
    truth: dict[str, Any]


@pytest.fixture(scope="module")
def world(session_db: Database, tmp_path_factory: pytest.TempPathFactory) -> World:
    """One small simulated swarmcast, loaded once for the module (the `db` fixture would wipe it per test)."""
    session_db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
    out = tmp_path_factory.mktemp("world")
    simulate(out / "sim", seed=1, posts=3000)
    summary = load_paths(session_db, [out / "sim"], rejects_path=out / "rejects.jsonl")
    assert summary.rejected == 0
    materialise_reports(session_db)  # `export --query hashtag_lifecycle` reads the figures it writes
    truth = json.loads((out / "sim" / "ground_truth.json").read_text(encoding="utf-8"))
    assert TAG in truth["steady_hashtags"]
    return World(session_db, truth)


def select(world: World, *seeds: tuple[str, str], **options: Any) -> SelectedGraph:
    options.setdefault("max_nodes", BIG)
    return select_subgraph(world.db, Selection(list(seeds), **options))


def cypher_values(db: Database, query: str, **params: Any) -> list[Any]:
    _, rows = db.read(query, params)
    return [r["v"] for r in rows]


def labels(g: nx.MultiDiGraph) -> Counter[str]:
    return Counter(d["label"] for _, d in g.nodes(data=True))


def rel_types(g: nx.MultiDiGraph) -> Counter[str]:
    return Counter(d["type"] for *_, d in g.edges(data=True))


def of_label(g: nx.MultiDiGraph, label: str) -> dict[str, dict[str, Any]]:
    return {n: d for n, d in g.nodes(data=True) if d["label"] == label}


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


# ------------------------------------------------------------------------------------------ selection semantics


def test_hashtag_seed_one_hop_is_exactly_the_posts_tagging_it(world: World) -> None:
    g = select(world, ("hashtag", TAG), hops=1).graph
    tagged = cypher_values(world.db, "MATCH (:Hashtag {tag: $tag})<-[:TAGS]-(p:Post) RETURN p.uid AS v", tag=TAG)
    assert len(tagged) > 100
    assert set(of_label(g, "Post")) == {f"Post:{uid}" for uid in tagged}
    assert labels(g) == Counter({"Post": len(tagged), "Hashtag": 1})
    assert rel_types(g)["TAGS"] == len(tagged)
    # edges are the ones among the selected nodes: the reposts between tagged posts come along
    among = cypher_values(
        world.db,
        "MATCH (:Hashtag {tag: $tag})<-[:TAGS]-(a:Post)-[r]->(b:Post)-[:TAGS]->(:Hashtag {tag: $tag}) "
        "RETURN count(r) AS v",
        tag=TAG,
    )[0]
    assert g.number_of_edges() == len(tagged) + among


def test_hashtag_seed_is_normalised_like_the_loaders_do(world: World) -> None:
    assert parse_seed("hashtag:＃ＮｅｗＲｅｌｅａｓｅ") == ("hashtag", TAG)  # full-width, as NFKC folds it
    g = select(world, parse_seed("hashtag: #NewRelease "), hops=0).graph
    assert list(g.nodes) == [f"Hashtag:{TAG}"]


def test_rels_restricts_the_relationship_types_followed_and_drawn(world: World) -> None:
    full = select(world, ("hashtag", TAG), hops=2).graph
    g = select(world, ("hashtag", TAG), hops=2, rels=["TAGS", "POSTED"]).graph
    assert {"LINKS_TO", "REPOSTS"} <= set(rel_types(full))  # there was more to leave out
    assert set(rel_types(g)) == {"TAGS", "POSTED"}
    assert set(labels(g)) == {"Hashtag", "Post", "Account"}
    posters = cypher_values(
        world.db,
        "MATCH (:Hashtag {tag: $tag})<-[:TAGS]-(:Post)<-[:POSTED]-(a:Account) RETURN count(DISTINCT a) AS v",
        tag=TAG,
    )[0]
    assert labels(g)["Account"] == posters
    assert rel_types(g)["POSTED"] == rel_types(g)["TAGS"] == labels(g)["Post"]


def test_an_unknown_relationship_type_is_named_not_silently_empty(world: World) -> None:
    with pytest.raises(SwarmgraphError, match=r"No relationship of type TAGGED in the graph; it has: .*TAGS"):
        select(world, ("hashtag", TAG), rels=["TAGGED"])


def test_since_until_drop_the_posts_outside_the_window(world: World) -> None:
    since, until = datetime(2015, 11, 17, tzinfo=UTC), datetime(2015, 11, 21, 12, tzinfo=UTC)
    in_window = cypher_values(
        world.db,
        "MATCH (:Hashtag {tag: $tag})<-[:TAGS]-(p:Post) WHERE $since <= p.created_at <= $until RETURN p.uid AS v",
        tag=TAG, since=since, until=until,
    )  # fmt: skip
    tagged = cypher_values(world.db, "MATCH (:Hashtag {tag: $tag})<-[:TAGS]-(p:Post) RETURN count(p) AS v", tag=TAG)
    assert 0 < len(in_window) < tagged[0]
    one_hop = select(world, ("hashtag", TAG), hops=1, since=since, until=until).graph
    assert set(of_label(one_hop, "Post")) == {f"Post:{uid}" for uid in in_window}

    g = select(world, ("hashtag", TAG), hops=2, since=since, until=until).graph
    posts = of_label(g, "Post")
    assert posts and all(since <= d["created_at"] <= until for d in posts.values())
    # Accounts created long before the window still posted in it; URLs first seen before it were shared in it.
    accounts = of_label(g, "Account")
    assert any(d.get("created_at") and d["created_at"] < since for d in accounts.values())
    assert accounts and all(not d.get("created_at") or d["created_at"] <= until for d in accounts.values())
    urls = of_label(g, "Url")
    assert any(d["first_seen"] < since for d in urls.values())
    assert all(d["first_seen"] <= until for d in urls.values())


def test_platform_keeps_only_that_platforms_posts_and_accounts(world: World) -> None:
    g = select(world, ("hashtag", TAG), hops=2, platform="telegram").graph
    on = {d["platform"] for label in ("Post", "Account") for d in of_label(g, label).values()}
    assert on == {"telegram"}
    tagged_on_telegram = cypher_values(
        world.db,
        "MATCH (:Hashtag {tag: $tag})<-[:TAGS]-(p:Post {platform: 'telegram'}) RETURN p.uid AS v",
        tag=TAG,
    )
    assert tagged_on_telegram and {f"Post:{u}" for u in tagged_on_telegram} <= set(of_label(g, "Post"))
    # the copies and pages Telegram posts link to are hosted elsewhere, and stay
    hosts = {d["platform"] for d in of_label(g, "Url").values()}
    assert "archive.org" in hosts or "justpaste.it" in hosts


def test_max_nodes_cuts_and_says_how_many(world: World) -> None:
    full = select(world, ("hashtag", TAG), hops=2).graph
    capped = select(world, ("hashtag", TAG), hops=2, max_nodes=100)
    kept = capped.graph.number_of_nodes()
    # At most the cap: nodes left without a link after the cut are cut too, rather than float unconnected.
    assert 50 < kept <= 100
    assert capped.cut_nodes == full.number_of_nodes() - kept
    assert all(capped.graph.degree(n) > 0 for n in capped.graph)
    assert f"Hashtag:{TAG}" in capped.graph  # the seed survives the cut
    assert capped.notice() == f"{capped.cut_nodes:,} less important nodes were cut to keep the view to {kept}."
    assert select(world, ("hashtag", TAG), hops=2).notice() is None


def test_missing_seeds_are_reported_and_no_seed_is_an_error(world: World) -> None:
    partly = select(world, ("hashtag", TAG), ("hashtag", "no_such_tag"), hops=0)
    assert partly.missing_seeds == ["hashtag:no_such_tag"]
    assert list(partly.graph.nodes) == [f"Hashtag:{TAG}"]
    with pytest.raises(SwarmgraphError, match=r"^No seed was found in the graph: hashtag:no_such_tag\.$"):
        select(world, ("hashtag", "no_such_tag"))
    with pytest.raises(SwarmgraphError, match="at least one --seed"):
        select(world)


def test_graph_from_keys_takes_the_entities_of_nodes_and_paths_in_a_result(world: World) -> None:
    _, rows = world.db.read(
        "MATCH p = (:Account)-[:POSTED]->(:Post)-[:TAGS]->(:Hashtag {tag: $tag}) RETURN p LIMIT 5", {"tag": TAG}
    )
    keys = result_keys(rows)
    g = graph_from_keys(world.db, keys)
    assert f"Hashtag:{TAG}" in g and labels(g)["Post"] == 5 and labels(g)["Account"] >= 1
    induced = cypher_values(
        world.db,
        "MATCH (a)-[r]->(b) WHERE coalesce(a.uid, a.tag) IN $keys AND coalesce(b.uid, b.tag) IN $keys "
        "RETURN count(r) AS v",
        keys=keys,
    )[0]
    assert g.number_of_edges() == induced and rel_types(g)["TAGS"] == 5


# --------------------------------------------------------------------------------------------- the CLI: seeds


def test_cli_without_a_seed_fails_with_one_clear_line(world: World, tmp_path: Path) -> None:
    res = cli("export", "--format", "json", "-o", str(tmp_path / "x.json"))
    assert res.exit_code == 1
    assert res.stderr.strip() == "Error: Select a subgraph with at least one --seed KIND:KEY (or --query NAME)."
    assert list(tmp_path.iterdir()) == []
    res = cli("viz", "--seed", "colour:red", "-o", str(tmp_path / "x.html"))
    assert res.exit_code == 1 and "Error: Bad seed 'colour:red'" in res.stderr


def test_cli_reports_a_missing_seed_and_fails_when_none_is_found(world: World, tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    res = cli("export", "--seed", f"hashtag:{TAG}", "--seed", "hashtag:no_such_tag", "--hops", "0",
              "--format", "json", "-o", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Seed not found in the graph: hashtag:no_such_tag" in res.stderr
    assert [n["id"] for n in json.loads(out.read_text())["nodes"]] == [f"Hashtag:{TAG}"]
    res = cli("export", "--seed", "hashtag:no_such_tag", "--format", "json", "-o", str(tmp_path / "y.json"))
    assert res.exit_code == 1
    assert res.stderr.strip() == "Error: No seed was found in the graph: hashtag:no_such_tag."


def test_cli_finds_the_canonical_url_from_a_raw_form(world: World, tmp_path: Path) -> None:
    page = world.truth["bridge_pages"][0]  # https://justpaste.it/<id>
    copy = cypher_values(world.db, "MATCH (u:Url {platform: 'archive.org'}) RETURN u.url AS v ORDER BY v LIMIT 1")[0]
    item = copy.rsplit("/", 1)[1]
    raw_page = page.replace("https://", "http://www.") + "?utm_source=x#top"
    raw_copy = f"http://www.archive.org/download/{item}/{item}.mp4?utm_source=x"
    out = tmp_path / "x.json"
    res = cli("export", "--seed", f"url:{raw_page}", "--seed", f"url:{raw_copy}", "--hops", "0",
              "--format", "json", "-o", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "not found" not in res.stderr
    assert {n["id"] for n in json.loads(out.read_text())["nodes"]} == {f"Url:{page}", f"Url:{copy}"}
    manifest = json.loads(Path(f"{out}.manifest.json").read_text())
    assert manifest["selection"]["seeds"] == [f"url:{page}", f"url:{copy}"]


def test_cli_rels_and_platform_are_case_insensitive(world: World, tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    res = cli("export", "--seed", f"hashtag:{TAG}", "--hops", "2", "--rels", "tags, posted", "--platform", "Telegram",
              "--format", "json", "-o", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    expected = select(world, ("hashtag", TAG), hops=2, rels=["TAGS", "POSTED"], platform="telegram").graph
    assert {n["id"] for n in doc["nodes"]} == set(expected.nodes)
    assert {e["type"] for e in doc["edges"]} == {"TAGS", "POSTED"}


# ------------------------------------------------------------------------------------------- the CLI: export


def expected_export(world: World) -> nx.MultiDiGraph:
    """What `export --seed hashtag:TAG --hops 2` selects (export's default --max-nodes is 5000; nothing is cut)."""
    selected = select(world, ("hashtag", TAG), hops=2, max_nodes=5000)
    assert selected.cut_nodes == 0 and selected.graph.number_of_nodes() > 500
    return selected.graph


def iso(value: Any) -> str:
    assert isinstance(value, datetime)
    return value.astimezone(UTC).isoformat()


def assert_same_as_selection(read_back: nx.Graph, expected: nx.MultiDiGraph, type_attr: str, rel_attr: str) -> None:
    assert read_back.number_of_nodes() == expected.number_of_nodes()
    assert read_back.number_of_edges() == expected.number_of_edges()
    assert set(read_back.nodes) == set(expected.nodes)
    for n, want in expected.nodes(data=True):
        got = read_back.nodes[n]
        assert got[type_attr] == want["label"], n
        assert got["label"], n  # a readable label for every node
        assert got.get("platform") == want.get("platform"), n
        if want.get("created_at") is not None:
            assert got["created_at"] == iso(want["created_at"]), n
    assert Counter(d[rel_attr] for *_, d in read_back.edges(data=True)) == rel_types(expected)
    assert Counter((u, v) for u, v, *_ in read_back.edges) == Counter((u, v) for u, v, *_ in expected.edges)


def assert_manifest(path: Path, fmt: str, expected: nx.MultiDiGraph, world: World) -> dict[str, Any]:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest["format"] == fmt
    assert manifest["selection"]["seeds"] == [f"hashtag:{TAG}"] and manifest["selection"]["hops"] == 2
    assert manifest["database"] == world.db.settings.describe()
    assert manifest["counts"]["nodes"] == expected.number_of_nodes()
    assert manifest["counts"]["edges"] == expected.number_of_edges()
    assert manifest["counts"]["nodes_by_label"] == dict(labels(expected))
    assert manifest["swarmgraph_version"] == metadata.version("swarmgraph")
    exported_at = datetime.fromisoformat(manifest["exported_at"])
    assert abs((datetime.now(UTC) - exported_at).total_seconds()) < 300
    return manifest


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "csv"])
def test_cli_export_reads_back_with_the_selections_nodes_edges_and_attributes(
    world: World, tmp_path: Path, fmt: str
) -> None:
    expected = expected_export(world)
    out = tmp_path / f"swarm.{fmt}"
    res = cli("export", "--seed", f"hashtag:{TAG}", "--hops", "2", "--format", fmt, "-o", str(out))
    assert res.exit_code == 0, res.output
    n, m = expected.number_of_nodes(), expected.number_of_edges()
    assert f"Exported {n:,} nodes and {m:,} relationships." in res.stderr
    written = [Path(line) for line in res.stdout.split()]
    manifest_path = Path(f"{out}.manifest.json")
    assert written[-1] == manifest_path and all(p.is_file() for p in written)
    manifest = assert_manifest(manifest_path, fmt, expected, world)
    assert manifest["files"] == [p.name for p in written[:-1]]

    if fmt == "graphml":
        assert_same_as_selection(nx.read_graphml(out, force_multigraph=True), expected, "node_type", "rel_type")
    elif fmt == "gexf":
        g = nx.read_gexf(out)
        assert_same_as_selection(g, expected, "node_type", "rel_type")
        posts = [d for _, d in g.nodes(data=True) if d["node_type"] == "Post"]
        assert all(d["start"] == d["created_at"] for d in posts)  # the timeline interval starts at the post
    elif fmt == "json":
        doc = json.loads(out.read_text(encoding="utf-8"))
        g = nx.node_link_graph(doc, edges="edges")
        assert g.is_multigraph() and g.is_directed()
        assert_same_as_selection(g, expected, "label", "type")
    else:
        nodes_path, edges_path = tmp_path / "swarm.nodes.csv", tmp_path / "swarm.edges.csv"
        assert written[:-1] == [nodes_path, edges_path]
        with nodes_path.open(encoding="utf-8", newline="") as f:
            nodes = list(csv.DictReader(f))
        with edges_path.open(encoding="utf-8", newline="") as f:
            edges = list(csv.DictReader(f))
        g = nx.MultiDiGraph()
        g.add_nodes_from((r["Id"], {**r, "label": r["Label"], "platform": r["platform"] or None}) for r in nodes)
        g.add_edges_from((r["Source"], r["Target"], r) for r in edges)
        assert len(nodes) == g.number_of_nodes()  # no id twice
        assert all(r["Type"] == "Directed" for r in edges)
        assert_same_as_selection(g, expected, "node_type", "rel_type")


# Namespace and schema identifiers XML requires: names, not links, and never fetched by a reader.
_XML_NAMESPACES = re.compile(r'\s(?:xmlns(?::\w+)?|xsi:schemaLocation)="[^"]*"')


def test_cli_export_defang_leaves_no_live_url_in_any_written_file(world: World, tmp_path: Path) -> None:
    page = world.truth["bridge_pages"][0]
    for fmt in ("graphml", "gexf", "json", "csv"):
        res = cli("export", "--seed", f"hashtag:{TAG}", "--seed", f"url:{page}", "--hops", "2", "--format", fmt,
                  "-o", str(tmp_path / f"swarm.{fmt}"), "--defang")  # fmt: skip
        assert res.exit_code == 0, res.output
    files = sorted(tmp_path.iterdir())
    assert len(files) == 9  # graphml, gexf, json, nodes.csv, edges.csv and four manifests
    for path in files:
        text = _XML_NAMESPACES.sub("", path.read_text(encoding="utf-8"))
        assert not re.search(r"https?://", text, re.IGNORECASE), path.name
        assert "hxxps://" in text, path.name  # the URLs are still there, defanged
    manifest = json.loads((tmp_path / "swarm.json.manifest.json").read_text())
    assert manifest["defanged"] is True
    assert f"url:{page.replace('https://', 'hxxps://').replace('.', '[.]')}" in manifest["selection"]["seeds"]


# ---------------------------------------------------------------------------------------------- the CLI: viz


class _PageParser(HTMLParser):
    """The embedded data block, and every attribute that can make the browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.data_blocks: list[str] = []
        self.references: list[str] = []
        self._in_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self._in_data = tag == "script" and found.get("type") == "application/json"
        if self._in_data:
            self.data_blocks.append("")
        self.references += [v or "" for k, v in attrs if k in ("src", "href", "srcset", "action", "poster", "data")]

    def handle_endtag(self, tag: str) -> None:
        self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data_blocks[-1] += data


def read_page(path: Path) -> tuple[dict[str, Any], _PageParser, str]:
    text = path.read_text(encoding="utf-8")
    parser = _PageParser()
    parser.feed(text)
    assert len(parser.data_blocks) == 1
    return json.loads(parser.data_blocks[0]), parser, text


def assert_offline(parser: _PageParser, text: str) -> None:
    remote = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
    assert not [r for r in parser.references if remote.match(r)]
    assert not re.search(r"""url\(\s*['"]?\s*(?:https?:)?//|@import""", text, re.IGNORECASE)


def test_cli_viz_writes_an_offline_page_with_the_selected_nodes(world: World, tmp_path: Path) -> None:
    expected = select(world, ("hashtag", TAG), hops=2, max_nodes=2000).graph
    out = tmp_path / "view" / "x.html"
    res = cli("viz", "--seed", f"hashtag:{TAG}", "--hops", "2", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(out)
    data, parser, text = read_page(out)
    assert len(data["nodes"]) == expected.number_of_nodes()
    assert {n["id"] for n in data["nodes"]} == set(expected.nodes)
    assert len(data["edges"]) == expected.number_of_edges()
    assert_offline(parser, text)
    assert f"<title>swarmgraph: hashtag:{TAG}</title>" in text


def test_cli_viz_max_nodes_says_what_was_cut(world: World, tmp_path: Path) -> None:
    full = select(world, ("hashtag", TAG), hops=2).graph
    out = tmp_path / "x.html"
    res = cli("viz", "--seed", f"hashtag:{TAG}", "--hops", "2", "--max-nodes", "50", "-o", str(out))
    assert res.exit_code == 0, res.output
    data, parser, text = read_page(out)
    kept = len(data["nodes"])
    assert 25 < kept <= 50
    notice = f"{full.number_of_nodes() - kept:,} less important nodes were cut to keep the view to {kept}."
    assert notice in res.stderr
    assert notice in text
    assert_offline(parser, text)


# --------------------------------------------------------------------------------------- the CLI: --query NAME


def test_cli_query_draws_the_entities_a_prepared_query_returns(world: World, tmp_path: Path) -> None:
    out = tmp_path / "q.json"
    res = cli("export", "--query", "hashtag_lifecycle", "--param", f"tag={TAG}", "--param", "min_posts=1",
              "--format", "json", "-o", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    assert [n["id"] for n in json.loads(out.read_text())["nodes"]] == [f"Hashtag:{TAG}"]
    manifest = json.loads(Path(f"{out}.manifest.json").read_text())
    assert manifest["selection"]["query"] == "hashtag_lifecycle"
    assert manifest["selection"]["params"] == {"tag": TAG, "min_posts": 1}
    res = cli("export", "--query", "hashtag_lifecycle", "--seed", f"hashtag:{TAG}", "--format", "json",
              "-o", str(tmp_path / "both.json"))  # fmt: skip
    assert res.exit_code == 1 and res.stderr.strip() == "Error: Give either --seed or --query, not both."
