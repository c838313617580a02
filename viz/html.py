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
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import pyvis
from pyvis.edge import Edge
from pyvis.node import Node

from viz.layout import pivot_mds_layout

SizeBy = Literal["degree", "betweenness", "views"]

# Fixed colours for the platforms of the domain; others take EXTRA_COLOURS in name order.
PLATFORM_COLOURS = {
    "twitter": "#1f77b4",
    "telegram": "#17becf",
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
LABEL_CHARS, TEXT_CHARS = 28, 280
# Above this many nodes the browser's physics cannot untangle a random start within the budget: start it from a
# layout computed in Python (viz.layout) and let physics only polish.
PYTHON_LAYOUT_MIN_NODES = 1000
# Layout time the page allows itself before it freezes what it has: keeps 10,000 nodes usable on a slow machine.
STABILIZE_BUDGET_MS = 2500
EDGE_LABEL_LIMIT = 2000  # edge labels cost a text draw per edge and frame; past this, type shows on hover only
EXACT_BETWEENNESS_LIMIT = 1000  # above this many nodes betweenness is estimated from a sample of sources
BETWEENNESS_SAMPLE = 300
TIME_FIELDS = ("created_at", "first_seen", "seen_at", "last_seen", "removed_at", "suspended_at")
FACT_FIELDS = ("handle", "name", "uid", "tag", "title", "url", "domain", "kind", "language", "views")

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


def render_html(g: nx.MultiDiGraph, *, title: str, size_by: SizeBy = "degree", notice: str | None = None) -> str:
    """One self-contained HTML page drawing g: colour by platform, shape by node type, size by size_by.

    notice (e.g. "showing 2,000 of 35,410 nodes") is shown in a banner. The page exposes
    window.swarmgraphNetwork = {network, nodes, edges} (vis DataSets) and window.swarmgraphStableAt (ms since
    navigation when the layout settled and physics froze) for tests and benchmarks.
    """
    if size_by not in ("degree", "betweenness", "views"):
        raise ValueError(f"size_by must be degree, betweenness or views, not {size_by!r}")
    metric = node_metric(g, size_by)
    colours = platform_colours(g)
    positions = pivot_mds_layout(g) if g.number_of_nodes() > PYTHON_LAYOUT_MIN_NODES else {}
    top = max(metric.values(), default=0.0)
    nodes = [
        _node_options(n, d, colours, _size(metric[n], top), f"{size_by}: {metric[n]:.4g}", positions.get(n))
        for n, d in g.nodes(data=True)
    ]
    edges = _edge_options(g)
    payload = {
        "nodes": nodes,
        "edges": edges,
        "options": vis_options(g.number_of_nodes(), positioned=bool(positions)),
        "stabilizeBudgetMs": STABILIZE_BUDGET_MS,
    }
    values = {
        "TITLE": html.escape(title),
        "NOTICE": f'<div class="notice" role="status">{html.escape(notice)}</div>' if notice else "",
        "SUMMARY": html.escape(_summary(g)),
        "LEGEND": _legend(g, colours),
        "DATA": script_json(payload),
        "VIS_CSS": _vis_asset("vis-network.css"),
        "VIS_JS": _vis_asset("vis-network.min.js"),
    }
    page = _PLACEHOLDER.sub(lambda m: values[m.group(1)], _template())  # one pass: inserted text is not rescanned
    return _SURROGATE.sub("\ufffd", page)


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
    """Colour of every platform in g: the fixed palette, then EXTRA_COLOURS in name order (cycled)."""
    present = sorted({p for _, d in g.nodes(data=True) if (p := _platform(d))})
    unknown = [p for p in present if p not in PLATFORM_COLOURS]
    colours = {p: PLATFORM_COLOURS[p] for p in present if p in PLATFORM_COLOURS}
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
        own = _number(data.get("views"))
        if own is None:
            incident = [*g.in_edges(n, data="views"), *g.out_edges(n, data="views")]
            own = sum(v for *_, x in incident if (v := _number(x)) is not None)
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
        label=_short_label(data),
        color=colours.get(_platform(data) or "", NO_PLATFORM_COLOUR),
        size=size,
        title=_tooltip(data, metric),
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
        options: dict[str, Any] = {"id": f"e{i}", "title": _edge_tooltip(data)}
        if labelled:
            options["label"] = rel
        pair = frozenset((u, v))
        if seen[pair]:
            options["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.15 * seen[pair]}
        seen[pair] += 1
        edges.append(Edge(str(u), str(v), directed=True, **options).options)
    return edges


# ------------------------------------------------------------------------------------------------ text


def _platform(data: Mapping[str, Any]) -> str | None:
    if data.get("label") == "Platform":
        value = data.get("name") or data.get("key")
    else:
        value = data.get("platform")
    return str(value) if value not in (None, "") else None


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short_label(data: Mapping[str, Any]) -> str:
    kind = data.get("label")
    for field, prefix in (("handle", "@"), ("tag", "#"), ("title", ""), ("name", ""), ("text", ""), ("url", "")):
        value = data.get(field)
        if value in (None, "") or (field == "text" and kind != "Post"):
            continue
        text = str(value)
        if field == "url":
            text = re.sub(r"^[a-z]+://", "", text, flags=re.IGNORECASE)
        return _clip(text if text.startswith(prefix) else prefix + text, LABEL_CHARS)
    return _clip(str(data.get("key", "")), LABEL_CHARS)


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_show(v) for v in value)
    if hasattr(value, "to_native"):
        return _show(value.to_native())
    return str(value)


def _tooltip(data: Mapping[str, Any], metric: str) -> str:
    """Plain text (vis-network sets it with innerText): type, key, platform, facts, times, a text excerpt."""
    kind = str(data.get("label", "node"))
    head = kind + (f" · {_platform(data)}" if _platform(data) else "")
    lines = [head, f"key: {_clip(str(data.get('key', '')), 120)}"]
    lines += [f"{f}: {_clip(_show(data[f]), 120)}" for f in FACT_FIELDS if data.get(f) not in (None, "")]
    lines += [f"{f}: {_show(data[f])}" for f in TIME_FIELDS if data.get(f) not in (None, "")]
    lines.append(metric)
    if data.get("text") not in (None, ""):
        lines.append("text: " + _clip(str(data["text"]), TEXT_CHARS))
    return "\n".join(lines)


def _edge_tooltip(data: Mapping[str, Any]) -> str:
    lines = [str(data.get("type", ""))]
    lines += [f"{k}: {_clip(_show(v), 120)}" for k, v in data.items() if k != "type" and v is not None]
    return "\n".join(lines)


def _summary(g: nx.MultiDiGraph) -> str:
    times = [t for _, d in g.nodes(data=True) for f in TIME_FIELDS if (t := _as_time(d.get(f))) is not None]
    span = f" · {_show(min(times))} – {_show(max(times))}" if times else ""
    return f"{g.number_of_nodes():,} nodes · {g.number_of_edges():,} relationships{span}"


def _legend(g: nx.MultiDiGraph, colours: Mapping[str, str]) -> str:
    """Platform colours and node-type shapes present in g, with counts (all text escaped: names are data)."""
    platforms = Counter(p for _, d in g.nodes(data=True) if (p := _platform(d)))
    kinds = Counter(str(d.get("label", "")) for _, d in g.nodes(data=True))
    rows = ['<h2>Platforms</h2><ul class="platforms">']
    for name, count in sorted(platforms.items(), key=lambda kv: (-kv[1], kv[0])):
        rows.append(
            f'<li><span class="swatch" style="background:{colours[name]}"></span>'
            f"{html.escape(name)} <small>{count:,}</small></li>"
        )
    if any(_platform(d) is None for _, d in g.nodes(data=True)):
        rows.append(f'<li><span class="swatch" style="background:{NO_PLATFORM_COLOUR}"></span>unknown</li>')
    rows.append('</ul><h2>Node types</h2><ul class="types">')
    for kind, count in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        glyph = SHAPE_GLYPHS.get(TYPE_SHAPES.get(kind, OTHER_SHAPE), "▼")
        rows.append(f'<li><span class="glyph">{glyph}</span>{html.escape(kind)} <small>{count:,}</small></li>')
    rows.append("</ul>")
    return "".join(rows)


# ------------------------------------------------------------------------------------------------ values


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None


def _as_time(value: Any) -> datetime | None:
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def script_json(payload: Any) -> str:
    """JSON safe inside <script type="application/json">: no `<`, `>` or `&` (so no `</script>` or `<!--`), and
    U+2028/2029 escaped; JSON.parse reads it back unchanged."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_show)
    for raw, escaped in _SCRIPT_JSON_ESCAPES:
        text = text.replace(raw, escaped)
    return text


# ------------------------------------------------------------------------------------------------ assets


def _template() -> str:
    return resources.files("viz").joinpath("assets", TEMPLATE).read_text(encoding="utf-8")


def _vis_asset(name: str) -> str:
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
