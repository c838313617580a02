"""Interactive HTML view of a subgraph: one self-contained page that works offline and makes no network request.

vis-network's JS and CSS are read from the installed pyvis package and inlined into our own template
(viz/assets/template.html): pyvis's template loads Bootstrap and vis from CDNs, which would reveal the investigator.
pyvis builds the node and edge option dicts (its Node and Edge classes; Network.add_node/add_edge scan lists on
every call and take seconds past a few thousand nodes). Every text from the data is hostile: it reaches the page
only as JSON inside <script type="application/json">, and vis-network shows labels on canvas and string tooltips
as plain text (innerText); text we put in HTML ourselves (title, notice, legend) is escaped.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import Counter
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import pyvis
from pyvis.edge import Edge
from pyvis.node import Node

from graphdb.defang import defang_graph
from viz.labels import TIME_FIELDS, as_time, edge_tooltip, number, platform_of, short_label, show, tooltip
from viz.layout import pivot_mds_layout
from viz.timeline import LANE_WIDTH_PX, UNDATED_X_PX, NodeTimes, node_times, timeline_layout

SizeBy = Literal["degree", "betweenness", "views"]
Layout = Literal["force", "timeline"]

# Fixed colours for the platforms of the domain; others take EXTRA_COLOURS in name order.
PLATFORM_COLOURS = {
    "twitter": "#1f77b4",
    "telegram": "#17becf",
    "bluesky": "#0085ff",
    "youtube": "#d62728",
    "archive.org": "#8c564b",
    "liveleak": "#ff7f0e",
    "videopress": "#9467bd",
    "justpaste.it": "#2ca02c",
    "shortwiki": "#bcbd22",
    "google-drive": "#e377c2",
    "isdarat": "#393b79",
    "facebook": "#3b5998",
    "dropbox": "#0061fe",
}
EXTRA_COLOURS = ("#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")
NO_PLATFORM_COLOUR = "#9e9e9e"
TYPE_SHAPES = {
    "Account": "dot",
    "Post": "square",
    "Hashtag": "triangle",
    "Url": "diamond",
    "Video": "star",
    "Platform": "hexagon",
}
OTHER_SHAPE = "triangleDown"
SHAPE_GLYPHS = {"dot": "●", "square": "■", "triangle": "▲", "diamond": "◆", "star": "★", "hexagon": "⬢"}

MIN_SIZE, MAX_SIZE = 8.0, 36.0
# Above this many nodes the browser's physics cannot untangle a random start within the budget: start it from a
# layout computed in Python (viz.layout) and let physics only polish.
PYTHON_LAYOUT_MIN_NODES = 1000
# Layout time the page allows itself before it freezes what it has: keeps 10,000 nodes usable on a slow machine.
STABILIZE_BUDGET_MS = 2500
EDGE_LABEL_LIMIT = 2000  # edge labels cost a text draw per edge and frame; past this, type shows on hover only
EXACT_BETWEENNESS_LIMIT = 1000  # above this many nodes betweenness is estimated from a sample of sources
BETWEENNESS_SAMPLE = 300
PLAY_MS = 20_000  # playback runs through the whole time span in this long

TEMPLATE = "template.html"
_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")
_SCRIPT_JSON_ESCAPES = (
    ("&", "\\u0026"),
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SOURCE_MAP = re.compile(r"^[ \t]*//# sourceMappingURL=.*$|/\*# sourceMappingURL=[^*]*\*/", re.MULTILINE)


def render_html(
    g: nx.MultiDiGraph,
    *,
    title: str,
    size_by: SizeBy = "degree",
    notice: str | None = None,
    layout: Layout = "force",
    defang: bool = False,
) -> str:
    """One self-contained HTML page drawing g: colour by platform, shape by node type, size by size_by.

    layout: "force" (physics, from a Python layout above PYTHON_LAYOUT_MIN_NODES) or "timeline" (x = time, one lane
    per platform). Either gets a time slider with playback when the graph has times. notice (e.g. "showing 2,000 of
    35,410 nodes") is shown in a banner; defang rewrites every URL in ids, labels and tooltips. The page exposes
    window.swarmgraphNetwork = {network, nodes, edges, time} (vis DataSets; time: the slider's controls) and
    window.swarmgraphStableAt (ms since navigation when the layout settled and physics froze) for tests and
    benchmarks.
    """
    if defang:
        g = defang_graph(g)
    values = {
        "TITLE": html.escape(title),
        "NOTICE": f'<div class="notice" role="status">{html.escape(notice)}</div>' if notice else "",
        "SUMMARY": html.escape(graph_summary(g)),
        "LEGEND": legend_html(g, platform_colours(g)),
        "DATA": script_json(view_payload(g, size_by=size_by, layout=layout)),
        "VIS_CSS": vis_asset("vis-network.css"),
        "VIS_JS": vis_asset("vis-network.min.js"),
        "VIEW_JS": view_js(),
    }
    page = _PLACEHOLDER.sub(lambda m: values[m.group(1)], _template())  # one pass: inserted text is not rescanned
    return _SURROGATE.sub("\ufffd", page)


def view_payload(g: nx.MultiDiGraph, *, size_by: SizeBy = "degree", layout: Layout = "force") -> dict[str, Any]:
    """What viz/assets/view.js draws: vis node and edge options (with their times), vis options, slider and lanes."""
    if size_by not in ("degree", "betweenness", "views"):
        raise ValueError(f"size_by must be degree, betweenness or views, not {size_by!r}")
    if layout not in ("force", "timeline"):
        raise ValueError(f"layout must be force or timeline, not {layout!r}")
    metric = node_metric(g, size_by)
    colours = platform_colours(g)
    times = node_times(g)
    timeline = timeline_layout(g, times) if layout == "timeline" else None
    if timeline is not None:
        positions = timeline.positions
    else:
        positions = pivot_mds_layout(g) if g.number_of_nodes() > PYTHON_LAYOUT_MIN_NODES else {}
    top = max(metric.values(), default=0.0)
    nodes = [
        _node_options(n, d, colours, _size(metric[n], top), f"{size_by}: {metric[n]:.4g}", positions.get(n))
        | _times(times.appear[n], times.removed[n])
        for n, d in g.nodes(data=True)
    ]
    edges = [e | _times(t, None) for e, t in zip(_edge_options(g), times.edges, strict=True)]
    options = vis_options(g.number_of_nodes(), positioned=bool(positions))
    payload: dict[str, Any] = {"nodes": nodes, "edges": edges, "options": options,
                               "stabilizeBudgetMs": STABILIZE_BUDGET_MS, "time": _slider(times)}  # fmt: skip
    if timeline is not None:
        options["physics"]["enabled"] = False
        for edge in edges:  # on a time axis the relationship type would cover the lanes: it shows on hover
            edge.pop("label", None)
        payload["timeline"] = {"lanes": timeline.lanes, "ticks": timeline.ticks,
                               "left": UNDATED_X_PX - 240, "right": LANE_WIDTH_PX + 120}  # fmt: skip
    return payload


def _times(appear: int | None, removed: int | None) -> dict[str, int]:
    return {k: v for k, v in (("t0", appear), ("t1", removed)) if v is not None}


def _slider(times: NodeTimes) -> dict[str, int] | None:
    span = times.span()
    if span is None or span[0] == span[1]:
        return None
    return {"min": span[0], "max": span[1], "playMs": PLAY_MS}


# ------------------------------------------------------------------------------------------------- options


def vis_options(n_nodes: int, *, positioned: bool = False) -> dict[str, Any]:
    """vis-network options: Barnes-Hut physics that stabilises in a bounded number of iterations, then freezes.

    Bigger graphs get a coarser Barnes-Hut approximation (theta 1.2 is Gephi's ForceAtlas2 default) and fewer
    iterations, reported in smaller batches so the page's time budget (STABILIZE_BUDGET_MS) can stop them.
    positioned: nodes carry a layout computed in Python; gentler forces polish it instead of redoing it.
    """
    big = n_nodes > 1500
    iterations, theta, batch = (
        (300, 0.5, 25) if n_nodes <= 1000 else (200, 1.0, 10) if n_nodes <= 5000 else (150, 1.2, 2)
    )
    return {
        "autoResize": True,
        "nodes": {"borderWidth": 1, "font": {"size": 12, "face": "sans-serif"}},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "color": {"color": "#aab2bd", "highlight": "#333333", "hover": "#333333", "opacity": 0.8},
            "font": {"size": 9, "align": "middle", "face": "sans-serif", "strokeWidth": 2},
            "smooth": False,
            "width": 1,
            "selectionWidth": 2,
        },
        "physics": {
            "enabled": True,
            "solver": "barnesHut",
            "barnesHut": {
                "theta": theta,
                "gravitationalConstant": -2000 if positioned else -6000,
                "centralGravity": 0.05 if positioned else 0.3,
                "springLength": 110,
                "springConstant": 0.04,
                "damping": 0.4,
                "avoidOverlap": 0,
            },
            "maxVelocity": 50,
            "minVelocity": 1.0,
            "timestep": 0.5,
            "stabilization": {"enabled": True, "iterations": iterations, "updateInterval": batch, "fit": True},
        },
        # improvedLayout clusters and runs Kamada-Kawai first: good for a few hundred nodes, slow beyond
        "layout": {"improvedLayout": n_nodes <= 150, "randomSeed": 7},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "navigationButtons": False,
            "keyboard": False,
        },
    }


def platform_colours(g: nx.MultiDiGraph) -> dict[str, str]:
    """Colour of every platform in g: the fixed palette (defanged names too), then EXTRA_COLOURS in name order."""
    present = sorted({p for _, d in g.nodes(data=True) if (p := platform_of(d))})
    fixed = {p: PLATFORM_COLOURS[p.replace("[.]", ".")] for p in present if p.replace("[.]", ".") in PLATFORM_COLOURS}
    unknown = [p for p in present if p not in fixed]
    colours = dict(fixed)
    colours.update({p: EXTRA_COLOURS[i % len(EXTRA_COLOURS)] for i, p in enumerate(unknown)})
    return colours


def node_metric(g: nx.MultiDiGraph, size_by: SizeBy) -> dict[Any, float]:
    """The value each node is sized by.

    degree: in + out relationships. betweenness: on the undirected simple graph (bridging between communities
    does not depend on who reposted whom), estimated from BETWEENNESS_SAMPLE sources above
    EXACT_BETWEENNESS_LIMIT nodes. views: the node's own `views`, else the sum of `views` on its relationships
    (SERVES carries the views of a hosted copy).
    """
    if size_by == "degree":
        return {n: float(d) for n, d in g.degree()}
    if size_by == "betweenness":
        simple = nx.Graph(g)
        k = BETWEENNESS_SAMPLE if simple.number_of_nodes() > EXACT_BETWEENNESS_LIMIT else None
        return {n: float(v) for n, v in nx.betweenness_centrality(simple, k=k, seed=7).items()}
    views: dict[Any, float] = {}
    for n, data in g.nodes(data=True):
        own = number(data.get("views"))
        if own is None:
            incident = [*g.in_edges(n, data="views"), *g.out_edges(n, data="views")]
            own = sum(v for *_, x in incident if (v := number(x)) is not None)
        views[n] = own
    return views


def _size(value: float, top: float) -> float:
    return MIN_SIZE if top <= 0 else round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(max(value, 0) / top), 2)


def _node_options(
    node: Any,
    data: Mapping[str, Any],
    colours: Mapping[str, str],
    size: float,
    metric: str,
    position: tuple[float, float] | None,
) -> dict[str, Any]:
    kind = str(data.get("label", ""))
    extra = {"x": position[0], "y": position[1]} if position else {}
    options: dict[str, Any] = Node(
        str(node),
        TYPE_SHAPES.get(kind, OTHER_SHAPE),
        label=short_label(data),
        color=colours.get(platform_of(data) or "", NO_PLATFORM_COLOUR),
        size=size,
        title=tooltip(data, metric),
        **extra,
    ).options
    return options


def _edge_options(g: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """Edge dicts with arrows; parallel edges of a node pair curve apart so each stays visible."""
    labelled = g.number_of_edges() <= EDGE_LABEL_LIMIT
    seen: Counter[frozenset[Any]] = Counter()
    edges = []
    for i, (u, v, data) in enumerate(g.edges(data=True)):
        rel = str(data.get("type", ""))
        options: dict[str, Any] = {"id": f"e{i}", "title": edge_tooltip(data)}
        if labelled:
            options["label"] = rel
        pair = frozenset((u, v))
        if seen[pair]:
            options["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.15 * seen[pair]}
        seen[pair] += 1
        edges.append(Edge(str(u), str(v), directed=True, **options).options)
    return edges


def graph_summary(g: nx.MultiDiGraph) -> str:
    times = [t for _, d in g.nodes(data=True) for f in TIME_FIELDS if (t := as_time(d.get(f))) is not None]
    span = f" · {show(min(times))} – {show(max(times))}" if times else ""
    return f"{g.number_of_nodes():,} nodes · {g.number_of_edges():,} relationships{span}"


def legend_html(g: nx.MultiDiGraph, colours: Mapping[str, str]) -> str:
    """Platform colours and node-type shapes present in g, with counts (all text escaped: names are data)."""
    platforms = Counter(p for _, d in g.nodes(data=True) if (p := platform_of(d)))
    kinds = Counter(str(d.get("label", "")) for _, d in g.nodes(data=True))
    rows = ['<h2>Platforms</h2><ul class="platforms">']
    for name, count in sorted(platforms.items(), key=lambda kv: (-kv[1], kv[0])):
        rows.append(
            f'<li><span class="swatch" style="background:{colours[name]}"></span>'
            f"{html.escape(name)} <small>{count:,}</small></li>"
        )
    if any(platform_of(d) is None for _, d in g.nodes(data=True)):
        rows.append(f'<li><span class="swatch" style="background:{NO_PLATFORM_COLOUR}"></span>unknown</li>')
    rows.append('</ul><h2>Node types</h2><ul class="types">')
    for kind, count in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        glyph = SHAPE_GLYPHS.get(TYPE_SHAPES.get(kind, OTHER_SHAPE), "▼")
        rows.append(f'<li><span class="glyph">{glyph}</span>{html.escape(kind)} <small>{count:,}</small></li>')
    rows.append("</ul>")
    return "".join(rows)


# ------------------------------------------------------------------------------------------------ values


def script_json(payload: Any) -> str:
    """JSON safe inside <script type="application/json">: no `<`, `>` or `&` (so no `</script>` or `<!--`), and
    U+2028/2029 escaped; JSON.parse reads it back unchanged."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=show)
    for raw, escaped in _SCRIPT_JSON_ESCAPES:
        text = text.replace(raw, escaped)
    return text


# ------------------------------------------------------------------------------------------------ assets


def _template() -> str:
    return resources.files("viz").joinpath("assets", TEMPLATE).read_text(encoding="utf-8")


def view_js() -> str:
    """viz/assets/view.js: swarmgraphView(root, data), which draws a view_payload inside root."""
    return resources.files("viz").joinpath("assets", "view.js").read_text(encoding="utf-8")


def vis_asset(name: str) -> str:
    """A vis-network file shipped inside pyvis, read at render time; no source-map comment (DevTools would fetch)."""
    root = Path(pyvis.__file__).parent / "templates" / "lib"
    candidates = sorted(root.glob(f"vis-*/{name}"), key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)])
    if not candidates:
        raise FileNotFoundError(f"vis-network asset {name} not found under {root}; is pyvis installed?")
    text = _SOURCE_MAP.sub("", candidates[-1].read_text(encoding="utf-8"))
    # inlined, these sequences would end (or re-mode) the <script>/<style> element early
    if re.search(r"</script|</style|<!--", text, re.IGNORECASE):
        raise ValueError(f"{candidates[-1]} cannot be inlined: it contains </script, </style or <!--")
    return text
