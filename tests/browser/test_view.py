"""The HTML view as a page: its structure from the HTML itself, its behaviour in headless Chromium.

Browser tests need Debian's /usr/bin/chromium (playwright's own browser download cannot work here). They skip when
it is absent, unless SWARMGRAPH_REQUIRE_BROWSER is set (CI), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from viz.html import render_html

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("SWARMGRAPH_REQUIRE_BROWSER"):
            pytest.fail("SWARMGRAPH_REQUIRE_BROWSER is set but /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium); CI sets SWARMGRAPH_REQUIRE_BROWSER")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
        )
        yield context
        context.close()


class OpenedPage:
    """A page with its console messages, page errors, requests and dialogs recorded from before navigation."""

    def __init__(self, context: Any, path: Path) -> None:
        self.page = context.new_page()
        self.url = path.as_uri()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url)
        self.wait_for("window.swarmgraphStableAt !== undefined", timeout_s=30)

    def wait_for(self, expression: str, timeout_s: float) -> None:
        """Poll from outside: wait_for_function evaluates strings in the page, which its CSP forbids."""
        deadline = time.monotonic() + timeout_s
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"{expression} still false after {timeout_s}s")
            self.page.wait_for_timeout(25)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def opened(browser_context: Any, page_path: Path) -> Iterator[OpenedPage]:
    view = OpenedPage(browser_context, page_path)
    yield view
    view.page.close()


@pytest.mark.browser
def test_network_renders_every_node_and_edge_and_freezes(opened: OpenedPage) -> None:
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
def test_page_is_quiet_and_offline(opened: OpenedPage) -> None:
    opened.page.wait_for_timeout(300)
    assert opened.errors == []
    assert opened.requests == [opened.url]


@pytest.mark.browser
def test_hostile_text_is_shown_as_text_and_runs_nothing(opened: OpenedPage) -> None:
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
def test_hovering_a_node_shows_its_hostile_text_literally(opened: OpenedPage, node_id: str, text: str) -> None:
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
def test_empty_and_large_graphs_settle_quietly_offline(browser_context: Any, tmp_path: Path, n: int) -> None:
    path = tmp_path / f"view-{n}.html"
    notice = f"showing {n} of 40,000 nodes"
    path.write_text(render_html(synthetic_swarm(n) if n else nx.MultiDiGraph(), title="t", notice=notice))
    view = OpenedPage(browser_context, path)
    try:
        counts = view.page.evaluate(
            "[window.swarmgraphNetwork.nodes.length, window.swarmgraphNetwork.edges.length, window.swarmgraphStableAt]"
        )
        assert counts[:2] == ([n, synthetic_swarm(n).number_of_edges()] if n else [0, 0])
        assert counts[2] < 15_000
        assert view.errors == [] and view.requests == [view.url]
    finally:
        view.page.close()
