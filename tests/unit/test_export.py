"""Subgraph exports: every format reads back (networkx, csv, json) with the same nodes, edges and attributes."""

from __future__ import annotations

import copy
import csv
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graphdb.export import FORMATS, ExportError, defang_text, defang_url, export_graph

T0 = datetime(2015, 11, 14, 9, 30, tzinfo=UTC)
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = "</script><script>alert(1)</script>"
ARCHIVE_URL = "https://archive.org/details/release-fr"
PASTE_URL = "https://justpaste.it/abc1"
MANIFEST = {
    "selection": {"seed": f"Url:{ARCHIVE_URL}", "hops": 2},
    "database": "neo4j://localhost:7687/neo4j",
    "exported_at": T0,
}


def swarm_subgraph() -> nx.MultiDiGraph:
    """A small cross-platform swarmcast: accounts, posts (hostile text), urls, a video, parallel edges."""
    g = nx.MultiDiGraph()

    def node(label: str, key: str, **props: Any) -> str:
        g.add_node(f"{label}:{key}", label=label, key=key, **props)
        return f"{label}:{key}"

    tw, tg = node("Platform", "twitter", name="twitter", kind="social"), node("Platform", "telegram", name="telegram")
    archive = node("Platform", "archive.org", name="archive.org", kind="hosting")
    a1 = node(
        "Account", "twitter:1001", uid="twitter:1001", handle="relay_one", name="Relay One", platform="twitter",
        created_at=T0 - timedelta(days=30), suspended_at=T0 + timedelta(days=6), aliases=["relay1", "relay_1"],
        followers=120, verified=False, bio=None,
    )  # fmt: skip
    a2 = node(
        "Account", "twitter:1002", handle="relay_two", platform="twitter", created_at="2015-11-13T22:10:00+00:00",
        followers="1.2k",
    )  # fmt: skip
    ch = node("Account", "telegram:placeholder_channel", handle="placeholder_channel", platform="telegram")
    p1 = node(
        "Post", "twitter:5001", platform="twitter", created_at=T0,
        text=f"{HOSTILE_IMG} new placeholder release {ARCHIVE_URL} #release",
    )  # fmt: skip
    p2 = node(
        "Post", "twitter:5002", platform="twitter", created_at=T0 + timedelta(seconds=12),
        text=f'{HOSTILE_SCRIPT} & "quoted" \x07bell',
    )  # fmt: skip
    p3 = node(
        "Post", "telegram:77", platform="telegram", created_at=T0 + timedelta(minutes=5),
        text=f'=HYPERLINK("{PASTE_URL}") mirror list, also www.example.org/x',
    )  # fmt: skip
    tag = node("Hashtag", "release", tag="release")
    u1 = node(
        "Url", ARCHIVE_URL, url=ARCHIVE_URL, domain="archive.org", platform="archive.org",
        first_seen=T0, removed_at=T0 + timedelta(days=11),
    )  # fmt: skip
    u2 = node("Url", PASTE_URL, url=PASTE_URL, domain="justpaste.it", platform="justpaste.it", first_seen=T0)
    video = node("Video", "release-1", uid="release-1", title="Release 1 (placeholder)", language="fr")

    for account, platform in ((a1, tw), (a2, tw), (ch, tg)):
        g.add_edge(account, platform, type="ON")
    for account, post in ((a1, p1), (a2, p2), (ch, p3)):
        g.add_edge(account, post, type="POSTED", created_at=g.nodes[post]["created_at"])
    g.add_edge(p2, p1, type="REPOSTS")
    g.add_edge(p2, p1, type="QUOTES")  # parallel, another type
    g.add_edge(p1, tag, type="TAGS")
    g.add_edge(p1, u1, type="LINKS_TO")
    g.add_edge(p3, u2, type="LINKS_TO")
    g.add_edge(p2, a1, type="MENTIONS")
    g.add_edge(u1, archive, type="HOSTED_ON")
    g.add_edge(u2, u1, type="LISTS", seen_at=T0 + timedelta(minutes=7))
    g.add_edge(u1, video, type="SERVES", views=12000)
    g.add_edge(a1, a2, type="COORDINATED_WITH", window_s=10, repeats=3)
    g.add_edge(a1, a2, type="COORDINATED_WITH", window_s=60, repeats=7)  # parallel, same type
    g.add_edge(a2, a1, type="SAME_ACTOR_AS", evidence=["same avatar", "handle pattern"])
    return g


# ---------------------------------------------------------------------------------------------- expectations


def flat(value: Any) -> Any:
    """The documented Gephi-facing value: ISO datetimes, lists joined with '|'."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "|".join(value)
    return value


def expected_node_attrs(data: dict[str, Any], *, xml: bool) -> dict[str, str]:
    out = {"node_type": data["label"]}
    out.update({k: as_text(flat(v)) for k, v in data.items() if k != "label" and v is not None})
    if xml:
        out = {k: v.replace("\x07", "\ufffd") for k, v in out.items()}
    return out


def as_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def edge_signature(u: str, v: str, attrs: dict[str, Any], ignore: tuple[str, ...]) -> tuple[str, str, frozenset]:
    return u, v, frozenset((k, as_text(x)) for k, x in attrs.items() if k not in ignore)


def expected_edges(g: nx.MultiDiGraph) -> Counter:
    return Counter(
        edge_signature(u, v, {"rel_type": d["type"], **{k: flat(x) for k, x in d.items() if k != "type"}}, ())
        for u, v, d in g.edges(data=True)
    )


def read_manifest(path: Path) -> dict[str, Any]:
    return json.loads(Path(f"{path}.manifest.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------- formats


@pytest.mark.parametrize("fmt, reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_gephi_xml_reads_back_with_same_nodes_edges_and_attributes(tmp_path: Path, fmt: str, reader: Any) -> None:
    g = swarm_subgraph()
    path = tmp_path / f"swarm.{fmt}"
    files = export_graph(g, path, fmt, manifest=MANIFEST)  # type: ignore[arg-type]
    assert files == [path, Path(f"{path}.manifest.json")]

    h = reader(path)
    assert isinstance(h, nx.MultiDiGraph)
    assert set(h.nodes) == set(g.nodes)
    assert h.number_of_edges() == g.number_of_edges()
    for node, data in g.nodes(data=True):
        got = {k: as_text(v) for k, v in h.nodes[node].items() if k not in ("label", "start", "end")}
        assert got == expected_node_attrs(data, xml=True), node
    assert h.nodes["Account:twitter:1001"]["label"] == "relay_one"
    assert h.nodes["Hashtag:release"]["label"] == "#release"
    assert "bio" not in h.nodes["Account:twitter:1001"]  # None dropped
    assert h.nodes["Account:twitter:1001"]["verified"] is False
    assert h.nodes["Post:twitter:5001"]["text"].startswith(HOSTILE_IMG)
    assert h.nodes["Post:twitter:5002"]["text"] == f'{HOSTILE_SCRIPT} & "quoted" \ufffdbell'

    got_edges = Counter(edge_signature(u, v, d, ("label", "edge_key", "id", "start")) for u, v, d in h.edges(data=True))
    assert got_edges == expected_edges(g)
    assert all(d["label"] == d["rel_type"] for *_, d in h.edges(data=True))


def test_gexf_is_dynamic_1_2_with_node_intervals_for_gephi_timeline(tmp_path: Path) -> None:
    path = tmp_path / "swarm.gexf"
    export_graph(swarm_subgraph(), path, "gexf", manifest=MANIFEST)

    root = ET.parse(path).getroot()
    assert root.get("version") == "1.2"
    graph = root.find("{http://www.gexf.net/1.2draft}graph")
    assert graph is not None and graph.get("mode") == "dynamic"
    edge_ids = [e.get("id") for e in root.iter("{http://www.gexf.net/1.2draft}edge")]
    assert len(edge_ids) == len(set(edge_ids))  # Gephi drops edges whose id repeats

    h = nx.read_gexf(path)
    account = h.nodes["Account:twitter:1001"]
    assert account["start"] == (T0 - timedelta(days=30)).isoformat()
    assert account["end"] == (T0 + timedelta(days=6)).isoformat()
    url = h.nodes[f"Url:{ARCHIVE_URL}"]
    assert (url["start"], url["end"]) == (T0.isoformat(), (T0 + timedelta(days=11)).isoformat())
    assert "start" not in h.nodes["Hashtag:release"]  # never seen at a known time: always present
    lists = [d for *_, d in h.edges(data=True) if d["rel_type"] == "LISTS"]
    assert lists[0]["start"] == (T0 + timedelta(minutes=7)).isoformat()


def test_graphml_edge_ids_are_unique_across_the_document(tmp_path: Path) -> None:
    path = tmp_path / "swarm.graphml"
    export_graph(swarm_subgraph(), path, "graphml", manifest=MANIFEST)
    ids = [e.get("id") for e in ET.parse(path).getroot().iter("{http://graphml.graphdrawing.org/xmlns}edge")]
    assert len(ids) == len(set(ids)) == swarm_subgraph().number_of_edges()


def test_json_is_node_link_data_of_the_in_memory_model(tmp_path: Path) -> None:
    g = swarm_subgraph()
    path = tmp_path / "swarm.json"
    export_graph(g, path, "json", manifest=MANIFEST)

    doc = json.loads(path.read_text(encoding="utf-8"))
    h = nx.node_link_graph(doc, edges="edges")
    assert h.is_multigraph() and h.is_directed()
    assert set(h.nodes) == set(g.nodes)
    for node, data in g.nodes(data=True):
        want = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items() if v is not None}
        assert h.nodes[node] == want
    assert sorted((u, v, k, d["type"]) for u, v, k, d in h.edges(keys=True, data=True)) == sorted(
        (u, v, k, d["type"]) for u, v, k, d in g.edges(keys=True, data=True)
    )
    assert h.edges["Url:" + ARCHIVE_URL, "Video:release-1", 0]["views"] == 12000


def test_csv_writes_gephi_spreadsheet_nodes_and_edges(tmp_path: Path) -> None:
    g = swarm_subgraph()
    path = tmp_path / "swarm.csv"
    files = export_graph(g, path, "csv", manifest=MANIFEST)
    nodes_path, edges_path = tmp_path / "swarm.nodes.csv", tmp_path / "swarm.edges.csv"
    assert files == [nodes_path, edges_path, Path(f"{path}.manifest.json")]

    with nodes_path.open(encoding="utf-8", newline="") as f:
        nodes = {row["Id"]: row for row in csv.DictReader(f)}
    with edges_path.open(encoding="utf-8", newline="") as f:
        edges = list(csv.DictReader(f))
    assert set(nodes) == set(g.nodes)
    for node, data in g.nodes(data=True):
        row = {k: v for k, v in nodes[node].items() if v != "" and k not in ("Id", "Label")}
        want = expected_node_attrs(data, xml=False)
        if want.get("text", "").startswith("="):
            want["text"] = "'" + want["text"]  # a spreadsheet must not run it as a formula
        assert row == want, node
    assert nodes["Post:twitter:5002"]["text"] == f'{HOSTILE_SCRIPT} & "quoted" \x07bell'
    assert nodes["Account:twitter:1001"]["Label"] == "relay_one"

    assert len(edges) == g.number_of_edges()
    assert {e["Type"] for e in edges} == {"Directed"}
    ignore = ("Source", "Target", "Type", "Label", "edge_key")
    got = Counter(edge_signature(e["Source"], e["Target"], {k: v for k, v in e.items() if v}, ignore) for e in edges)
    assert got == expected_edges(g)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_writes_a_manifest_with_counts(tmp_path: Path, fmt: str) -> None:
    g = swarm_subgraph()
    path = tmp_path / f"swarm.{fmt}"
    files = export_graph(g, path, fmt, manifest=MANIFEST)  # type: ignore[arg-type]

    manifest = read_manifest(path)
    assert files[-1] == Path(f"{path}.manifest.json")
    assert manifest["selection"] == MANIFEST["selection"]
    assert manifest["database"] == MANIFEST["database"]
    assert manifest["exported_at"] == T0.isoformat()
    assert manifest["swarmgraph_version"]
    assert manifest["format"] == fmt and manifest["defanged"] is False
    assert manifest["files"] == [p.name for p in files[:-1]]
    counts = manifest["counts"]
    assert (counts["nodes"], counts["edges"]) == (g.number_of_nodes(), g.number_of_edges())
    assert counts["nodes_by_label"] == {"Account": 3, "Hashtag": 1, "Platform": 3, "Post": 3, "Url": 2, "Video": 1}
    assert counts["edges_by_type"]["COORDINATED_WITH"] == 2
    assert sum(counts["edges_by_type"].values()) == g.number_of_edges()


def test_export_leaves_the_graph_and_the_manifest_untouched(tmp_path: Path) -> None:
    g, manifest = swarm_subgraph(), copy.deepcopy(MANIFEST)
    before = (list(g.nodes(data=True)), list(g.edges(keys=True, data=True)))
    for fmt in FORMATS:
        export_graph(g, tmp_path / f"swarm.{fmt}", fmt, manifest=manifest, defang=True)  # type: ignore[arg-type]
    assert (list(g.nodes(data=True)), list(g.edges(keys=True, data=True))) == before
    assert manifest == MANIFEST


def test_unknown_format_is_an_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown export format 'dot'"):
        export_graph(swarm_subgraph(), tmp_path / "x.dot", "dot", manifest={})  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------- defang


@pytest.mark.parametrize(
    "url, defanged",
    [
        ("https://example.org/x", "hxxps://example[.]org/x"),
        ("http://sub.example.org/a.b?c=d.e", "hxxp://sub[.]example[.]org/a.b?c=d.e"),
        ("HTTPS://Example.ORG:8443/x", "hxxps://Example[.]ORG:8443/x"),
        ("ftp://files.example.org/f.zip", "fxp://files[.]example[.]org/f.zip"),
        ("justpaste.it/abc", "justpaste[.]it/abc"),
        ("archive.org", "archive[.]org"),
        ("hxxps://example[.]org/x", "hxxps://example[.]org/x"),  # idempotent
    ],
)
def test_defang_url(url: str, defanged: str) -> None:
    assert defang_url(url) == defanged
    assert defang_url(defanged) == defanged


def test_defang_text_rewrites_every_link_and_leaves_other_text() -> None:
    text = "see https://a.example.org/x.html, (http://b.example.net) and www.example.com/p; v1.2 stays"
    assert defang_text(text) == (
        "see hxxps://a[.]example[.]org/x.html, (hxxp://b[.]example[.]net) and www[.]example[.]com/p; v1.2 stays"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_defang_rewrites_urls_in_every_output_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"swarm.{fmt}"
    files = export_graph(swarm_subgraph(), path, fmt, manifest=MANIFEST, defang=True)  # type: ignore[arg-type]

    for file in files:
        # XML namespace names are URIs of the format, not data
        text = re.sub(r'(xmlns(:\w+)?|xsi:schemaLocation)="[^"]*"', "", file.read_text(encoding="utf-8")).lower()
        for live in ("https://", "http://", "archive.org", "justpaste.it", "www.example.org"):
            assert live not in text, (file.name, live)
    assert "Url:hxxps://archive[.]org/details/release-fr" in files[0].read_text(encoding="utf-8")
    assert read_manifest(path)["selection"]["seed"] == "Url:hxxps://archive[.]org/details/release-fr"
    assert read_manifest(path)["defanged"] is True


@pytest.mark.parametrize("fmt, reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_defanged_graph_keeps_its_shape_and_defangs_ids_keys_and_attributes(
    tmp_path: Path, fmt: str, reader: Any
) -> None:
    g = swarm_subgraph()
    path = tmp_path / f"swarm.{fmt}"
    export_graph(g, path, fmt, manifest=MANIFEST, defang=True)  # type: ignore[arg-type]

    h = reader(path)
    assert (h.number_of_nodes(), h.number_of_edges()) == (g.number_of_nodes(), g.number_of_edges())
    url = h.nodes["Url:hxxps://archive[.]org/details/release-fr"]
    assert url["key"] == url["url"] == "hxxps://archive[.]org/details/release-fr"
    assert url["domain"] == "archive[.]org"
    assert h.nodes["Post:twitter:5001"]["text"] == (
        f"{HOSTILE_IMG} new placeholder release hxxps://archive[.]org/details/release-fr #release"
    )
    assert h.has_edge("Url:hxxps://justpaste[.]it/abc1", "Url:hxxps://archive[.]org/details/release-fr")
