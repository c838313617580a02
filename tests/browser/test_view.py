"""The HTML view as a page: its structure from the HTML itself, its behaviour in headless Chromium
(tests/browser/conftest.py: Debian's chromium, skipped when absent unless SWARMGRAPH_REQUIRE_BROWSER is set)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from viz.html import render_html

T0 = datetime(2015, 11, 14, 9, 30, tzinfo=UTC)
CANARY = "window.__pwned=1;alert(1)"
IMG_TEXT = f"<img src=x onerror={CANARY}>"
SCRIPT_TEXT = f"</script><script>{CANARY}</script>"
TITLE = f"Spread of {SCRIPT_TEXT}"
NOTICE = f"Showing 9 of 12,000 nodes {IMG_TEXT}"
HOSTILE_PLATFORM = f'"><svg onload="{CANARY}">'
COMMENT_TEXT = "<!-- <script> \u2028 line separator & amp; \u2029 </script>"


def hostile_subgraph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()

    def node(label: str, key: str, **props: Any) -> str:
        g.add_node(f"{label}:{key}", label=label, key=key, **props)
        return f"{label}:{key}"

    a1 = node("Account", "twitter:1", handle="relay_one", platform="twitter", created_at=T0 - timedelta(days=3))
    a2 = node("Account", "telegram:c", handle=IMG_TEXT, platform=HOSTILE_PLATFORM)
    p1 = node("Post", "twitter:10", text=IMG_TEXT, platform="twitter", created_at=T0)
    p2 = node("Post", "twitter:11", text=SCRIPT_TEXT, platform="twitter", created_at=T0 + timedelta(seconds=9))
    p3 = node("Post", "telegram:5", text=COMMENT_TEXT, platform=HOSTILE_PLATFORM, created_at=T0)
    url = node("Url", "https://archive.org/details/x", url="https://archive.org/details/x", platform="archive.org")
    video = node("Video", "v1", title=SCRIPT_TEXT, language="en")
    tag = node("Hashtag", f"{SCRIPT_TEXT}", tag=SCRIPT_TEXT)
    node("Platform", "twitter", name="twitter")
    g.add_edges_from([(a1, p1), (a1, p2), (a2, p3)], type="POSTED")
    g.add_edge(p2, p1, type="REPOSTS")
    g.add_edge(p2, p1, type="QUOTES")
    g.add_edge(p1, url, type="LINKS_TO")
    g.add_edge(url, video, type="SERVES", views=500)
    g.add_edge(p2, tag, type="TAGS")
    g.add_edge(a1, "Platform:twitter", type="ON")
    g.add_edge(a1, a2, type=SCRIPT_TEXT)
    return g


@pytest.fixture(scope="module")
def page_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("view") / "view.html"
    path.write_text(render_html(hostile_subgraph(), title=TITLE, notice=NOTICE, size_by="views"), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------- the page as HTML


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            key = self._open[-1]
            self.text[key] = self.text.get(key, "") + data


def test_page_has_no_remote_resource_and_a_strict_policy(page_path: Path) -> None:
    parsed = _Structure()
    parsed.feed(page_path.read_text(encoding="utf-8"))
    tags = [t for t, _ in parsed.tags]
    assert "link" not in tags and "img" not in tags and "iframe" not in tags and "svg" not in tags
    scripts = [a for t, a in parsed.tags if t == "script"]
    assert [s.get("type") for s in scripts] == ["application/json", None, None]
    assert not any("src" in s for s in scripts)
    csp = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and "default-src 'none'" in csp and "img-src data:" in csp
    assert parsed.text["title"] == TITLE
    assert parsed.text["h1"] == TITLE


def test_embedded_data_is_json_with_every_node_and_edge(page_path: Path) -> None:
    text = page_path.read_text(encoding="utf-8")
    marker = '<script type="application/json" id="swarmgraph-data">'
    raw = text[text.index(marker) + len(marker) : text.index("</script>", text.index(marker))]
    assert "<" not in raw and ">" not in raw and "&" not in raw and "\u2028" not in raw
    data = json.loads(raw)
    g = hostile_subgraph()
    assert {n["id"] for n in data["nodes"]} == set(g.nodes)
    assert len(data["edges"]) == g.number_of_edges()
    assert all(e["arrows"] == "to" for e in data["edges"])
    post = next(n for n in data["nodes"] if n["id"] == "Post:twitter:11")
    assert SCRIPT_TEXT in post["title"] and post["shape"] == "square"
    video = next(n for n in data["nodes"] if n["id"] == "Video:v1")
    assert video["size"] > next(n for n in data["nodes"] if n["id"] == "Post:twitter:11")["size"]  # by views


def _page_data(html: str) -> dict[str, Any]:
    marker = '<script type="application/json" id="swarmgraph-data">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


def test_betweenness_sizes_the_bridge_between_two_communities_like_their_hubs() -> None:
    g = nx.MultiDiGraph()
    for side in ("a", "b"):
        hub = f"Account:{side}"
        g.add_node(hub, label="Account", key=side, platform="twitter" if side == "a" else "telegram")
        for i in range(6):
            g.add_node(f"Post:{side}{i}", label="Post", key=f"{side}{i}", text="placeholder")
            g.add_edge(hub, f"Post:{side}{i}", type="POSTED")
    g.add_node("Url:https://example.org/x", label="Url", key="https://example.org/x", url="https://example.org/x")
    g.add_edge("Post:a0", "Url:https://example.org/x", type="LINKS_TO")
    g.add_edge("Post:b0", "Url:https://example.org/x", type="LINKS_TO")
    url = "Url:https://example.org/x"
    sizes = {n["id"]: n["size"] for n in _page_data(render_html(g, title="t", size_by="betweenness"))["nodes"]}
    by_degree = {n["id"]: n["size"] for n in _page_data(render_html(g, title="t"))["nodes"]}
    assert set(sorted(sizes, key=lambda k: -sizes[k])[:5]) == {"Post:a0", "Post:b0", url, "Account:a", "Account:b"}
    assert sizes[url] > sizes["Account:a"] * 0.9 and by_degree[url] < by_degree["Account:a"] * 0.7
    assert sizes["Post:a1"] == min(sizes.values())


def test_size_by_must_be_a_known_metric() -> None:
    with pytest.raises(ValueError, match="size_by"):
        render_html(hostile_subgraph(), title="t", size_by="pagerank")  # type: ignore[arg-type]


def synthetic_swarm(n: int) -> nx.MultiDiGraph:
    """A scale-free graph of n accounts and posts (~2 edges per node), plus a small separate component."""
    g = nx.MultiDiGraph()
    skeleton = nx.barabasi_albert_graph(n - 5, 2, seed=3)
    kinds = ("Account", "Post")
    for i in skeleton.nodes:
        g.add_node(f"{kinds[i % 2]}:{i}", label=kinds[i % 2], key=str(i), platform="twitter", text=f"placeholder {i}")
    for u, v in skeleton.edges:
        g.add_edge(f"{kinds[max(u, v) % 2]}:{max(u, v)}", f"{kinds[min(u, v) % 2]}:{min(u, v)}", type="REPOSTS")
    for i in range(n - 5, n):
        g.add_node(f"Hashtag:{i}", label="Hashtag", key=str(i), tag=f"tag{i}")
        if i > n - 5:
            g.add_edge(f"Hashtag:{i}", f"Hashtag:{i - 1}", type="TAGS")
    return g


def test_large_graph_starts_from_a_python_layout_with_every_node_apart() -> None:
    from viz.layout import EDGE_PX, pivot_mds_layout

    g = synthetic_swarm(1500)
    positions = pivot_mds_layout(g)
    assert set(positions) == set(g.nodes)
    assert len(set(positions.values())) == g.number_of_nodes()
    lengths = sorted(
        ((positions[u][0] - positions[v][0]) ** 2 + (positions[u][1] - positions[v][1]) ** 2) ** 0.5
        for u, v in g.edges()
    )
    assert lengths[len(lengths) // 2] == pytest.approx(EDGE_PX, rel=0.05)
    data = _page_data(render_html(g, title="large"))
    assert all("x" in n and "y" in n for n in data["nodes"])
    assert pivot_mds_layout(nx.Graph()) == {}


# -------------------------------------------------------------------------------------- the page in Chromium


@pytest.fixture
def opened(open_page: Any, page_path: Path) -> Any:
    return open_page(page_path)


@pytest.mark.browser
def test_network_renders_every_node_and_edge_and_freezes(opened: Any) -> None:
    g = hostile_subgraph()
    counts = opened.page.evaluate(
        """() => {
            const s = window.swarmgraphNetwork;
            return {nodes: s.nodes.length, edges: s.edges.length,
                    placed: Object.keys(s.network.getPositions()).length,
                    physics: s.network.physics.options.enabled,
                    canvas: document.querySelectorAll('#graph canvas').length,
                    stableAt: window.swarmgraphStableAt};
        }"""
    )
    assert counts["nodes"] == counts["placed"] == g.number_of_nodes()
    assert counts["edges"] == g.number_of_edges()
    assert counts["physics"] is False
    assert counts["canvas"] == 1
    assert 0 < counts["stableAt"] < 30_000


@pytest.mark.browser
def test_page_is_quiet_and_offline(opened: Any) -> None:
    opened.page.wait_for_timeout(300)
    assert opened.errors == []
    assert opened.requests == [opened.url]


@pytest.mark.browser
def test_hostile_text_is_shown_as_text_and_runs_nothing(opened: Any) -> None:
    state = opened.page.evaluate(
        """() => ({
            pwned: window.__pwned,
            images: document.images.length,
            svgs: document.querySelectorAll('svg').length,
            scripts: document.scripts.length,
            title: document.title,
            h1: document.querySelector('h1').textContent,
            notice: document.querySelector('.notice').textContent,
            legend: document.getElementById('legend').textContent,
            post: window.swarmgraphNetwork.nodes.get('Post:twitter:10'),
            comment: window.swarmgraphNetwork.nodes.get('Post:telegram:5').title,
            edge: window.swarmgraphNetwork.edges.get({filter: e => e.to === 'Account:telegram:c'})[0].label,
        })"""
    )
    assert state["pwned"] is None and opened.dialogs == []
    assert (state["images"], state["svgs"], state["scripts"]) == (0, 0, 3)
    assert state["title"] == state["h1"] == TITLE
    assert state["notice"] == NOTICE
    assert HOSTILE_PLATFORM in state["legend"]
    assert state["post"]["label"] == IMG_TEXT[:27] + "…"
    assert f"text: {IMG_TEXT}" in state["post"]["title"]
    assert "text: <!-- <script> line separator & amp; </script>" in state["comment"]
    assert state["edge"] == SCRIPT_TEXT


@pytest.mark.browser
@pytest.mark.parametrize("node_id, text", [("Post:twitter:10", IMG_TEXT), ("Post:twitter:11", SCRIPT_TEXT)])
def test_hovering_a_node_shows_its_hostile_text_literally(opened: Any, node_id: str, text: str) -> None:
    page = opened.page
    x, y = page.evaluate(
        """(id) => {
            const net = window.swarmgraphNetwork.network;
            net.moveTo({position: net.getPosition(id), scale: 2.0, animation: false});
            const p = net.canvasToDOM(net.getPosition(id));
            const box = document.getElementById('graph').getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""",
        node_id,
    )
    page.mouse.move(x - 30, y - 30)
    page.mouse.move(x, y, steps=5)
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert text in tooltip.inner_text()
    assert tooltip.evaluate("t => t.querySelectorAll('*').length - t.querySelectorAll('br').length") == 0
    assert page.evaluate("window.__pwned") is None and opened.dialogs == []
    assert opened.requests == [opened.url]


@pytest.mark.browser
@pytest.mark.parametrize("n", [0, 1500])
def test_empty_and_large_graphs_settle_quietly_offline(open_page: Any, tmp_path: Path, n: int) -> None:
    path = tmp_path / f"view-{n}.html"
    notice = f"showing {n} of 40,000 nodes"
    path.write_text(render_html(synthetic_swarm(n) if n else nx.MultiDiGraph(), title="t", notice=notice))
    view = open_page(path)
    counts = view.page.evaluate(
        "[window.swarmgraphNetwork.nodes.length, window.swarmgraphNetwork.edges.length, window.swarmgraphStableAt]"
    )
    assert counts[:2] == ([n, synthetic_swarm(n).number_of_edges()] if n else [0, 0])
    assert counts[2] < 15_000
    assert view.errors == [] and view.requests == [view.url]


# ------------------------------------------------------------------------------------- time: slider and timeline

HOUR = timedelta(hours=1)


def timed_subgraph() -> nx.MultiDiGraph:
    """Worked out by hand: @a (created long before) posts p1 at T0 and p2 at T0+2h; channel b posts p3 at T0+1h;
    p1 and p3 link u (first seen T0, removed T0+3h), which serves v; p2 tags h. So a appears at T0 (its first post),
    b at T0+1h, v at T0 (with u), h at T0+2h (with p2); the slider runs from T0 to T0+3h."""
    g = nx.MultiDiGraph()
    g.add_node("Account:a", label="Account", key="a", handle="a", platform="twitter", created_at=T0 - 400 * 24 * HOUR)
    g.add_node("Account:b", label="Account", key="b", handle="b", platform="telegram")
    g.add_node("Post:p1", label="Post", key="p1", text="one", platform="twitter", created_at=T0)
    g.add_node("Post:p2", label="Post", key="p2", text="two", platform="twitter", created_at=T0 + 2 * HOUR)
    g.add_node("Post:p3", label="Post", key="p3", text="three", platform="telegram", created_at=T0 + HOUR)
    g.add_node("Url:u", label="Url", key="u", url="https://archive.org/details/u", platform="archive.org",
               first_seen=T0, removed_at=T0 + 3 * HOUR)  # fmt: skip
    g.add_node("Video:v", label="Video", key="v", title="placeholder")
    g.add_node("Hashtag:h", label="Hashtag", key="h", tag="h")
    g.add_edges_from([("Account:a", "Post:p1"), ("Account:a", "Post:p2"), ("Account:b", "Post:p3")], type="POSTED")
    g.add_edges_from([("Post:p1", "Url:u"), ("Post:p3", "Url:u")], type="LINKS_TO")
    g.add_edge("Url:u", "Video:v", type="SERVES")
    g.add_edge("Post:p2", "Hashtag:h", type="TAGS")
    return g


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


@pytest.mark.browser
@pytest.mark.parametrize("layout", ["force", "timeline"])
def test_the_slider_shows_what_existed_at_each_time(open_page: Any, tmp_path: Path, layout: str) -> None:
    path = tmp_path / f"timed-{layout}.html"
    path.write_text(render_html(timed_subgraph(), title="timed", layout=layout), encoding="utf-8")  # type: ignore[arg-type]
    view = open_page(path)
    state = """(t) => {
        const s = window.swarmgraphNetwork, shown = s.time.set(t), body = s.network.body;
        return {shown: shown, nodes: body.nodeIndices.slice().sort(), edges: body.edgeIndices.length,
                url: body.nodes['Url:u'].options.color.background,
                label: document.querySelector('.sg-count').textContent};
    }"""  # what vis-network draws: its visible-node and visible-edge indices
    early = view.page.evaluate(state, ms(T0 + HOUR / 2))
    assert early["nodes"] == ["Account:a", "Post:p1", "Url:u", "Video:v"] and early["edges"] == 3
    assert early["shown"] == 4 and early["label"] == "4 of 8 nodes" and early["url"] == "#8c564b"
    middle = view.page.evaluate(state, ms(T0 + 1.5 * HOUR))
    assert middle["nodes"] == ["Account:a", "Account:b", "Post:p1", "Post:p3", "Url:u", "Video:v"]
    assert middle["edges"] == 5
    end = view.page.evaluate(state, ms(T0 + 3 * HOUR))
    assert end["shown"] == 8 and end["edges"] == 7
    assert end["url"] == "#e3e3e3"  # removed at T0+3h: grey from then on
    assert view.page.evaluate("window.swarmgraphNetwork.time.min") == ms(T0)
    assert view.errors == [] and view.requests == [view.url]


@pytest.mark.browser
def test_playback_runs_from_the_start_to_the_end(open_page: Any, tmp_path: Path) -> None:
    path = tmp_path / "timed.html"
    path.write_text(render_html(timed_subgraph(), title="timed"), encoding="utf-8")
    view = open_page(path)
    page = view.page
    page.evaluate("window.swarmgraphNetwork.time.set(window.swarmgraphNetwork.time.max)")
    page.evaluate("window.swarmgraphNetwork.time.playMs = 3000")
    page.click(".sg-timebar button")  # at the end, play starts again from the beginning
    view.wait_for("window.swarmgraphNetwork.time.playing === true", timeout_s=5)
    assert page.evaluate("window.swarmgraphNetwork.time.current") < ms(T0 + 3 * HOUR)
    view.wait_for("window.swarmgraphNetwork.time.playing === false", timeout_s=20)
    end = page.evaluate("[window.swarmgraphNetwork.time.current, window.swarmgraphNetwork.time.frames.length]")
    assert end[0] == ms(T0 + 3 * HOUR) and end[1] > 3  # frames come slower on a busy machine; the time does not
    assert page.locator(".sg-timebar button").get_attribute("aria-label") == "Play"
    assert view.errors == []


def test_timeline_lanes_run_from_telegram_to_hosts_to_twitter_with_x_as_time() -> None:
    data = _page_data(render_html(timed_subgraph(), title="t", layout="timeline"))
    lanes = [lane["name"] for lane in data["timeline"]["lanes"]]
    assert lanes == ["telegram", "archive.org", "twitter", "videos", "hashtags"]
    x = {n["id"]: n["x"] for n in data["nodes"]}
    y = {n["id"]: n["y"] for n in data["nodes"]}
    assert x["Post:p1"] == x["Url:u"] < x["Post:p3"] < x["Post:p2"]  # T0, T0, T0+1h, T0+2h
    assert x["Post:p3"] - x["Post:p1"] == pytest.approx(x["Post:p2"] - x["Post:p3"], abs=0.2)
    for lane in data["timeline"]["lanes"]:
        members = {"telegram": ["Post:p3", "Account:b"], "twitter": ["Post:p1", "Post:p2", "Account:a"],
                   "archive.org": ["Url:u"], "videos": ["Video:v"], "hashtags": ["Hashtag:h"]}  # fmt: skip
        members = members[lane["name"]]
        assert all(lane["top"] <= y[m] <= lane["bottom"] for m in members), lane
    assert data["options"]["physics"]["enabled"] is False
    assert "label" not in data["edges"][0]
    assert [t["label"] for t in data["timeline"]["ticks"]][:2] == ["11-14 09:30", "11-14 09:45"]
