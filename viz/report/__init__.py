"""The case dossier (`swarmgraph report`): one self-contained HTML page from a case's query rows and its subgraph.

Charts are SVG rendered here with matplotlib (no script, prints as vectors); the graph section is the view of
`swarmgraph viz` (vis-network inlined, time slider). The page makes no network request (a Content-Security-Policy
forbids them), every text from the data is escaped, and the rows and series behind every chart are embedded as
JSON (`<script type="application/json" id="swarmgraph-report">`) for readers and tests.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

import networkx as nx

from graphdb.defang import defang_graph, defang_text, defang_tree

TEMPLATE = "report.html"
_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")
_SURROGATE = re.compile("[\ud800-\udfff]")


def render_report(
    case: Mapping[str, Any],
    g: nx.MultiDiGraph,
    *,
    title: str,
    meta: Mapping[str, Any],
    notice: str | None = None,
    defang: bool = False,
    bucket: str = "day",
) -> str:
    """The report page. case: graphdb.casefile.gather_case's rows (with `counts`); g: the subgraph drawn in the
    graph section; meta: selection_text, generated_at, version, database. defang rewrites every URL in every
    section, the graph included."""
    from viz.html import legend_html, platform_colours, script_json, view_js, view_payload, vis_asset
    from viz.report import sections

    if defang:
        case, g, title = defang_tree(dict(case)), defang_graph(g), defang_text(title)
        meta, notice = defang_tree(dict(meta)), defang_text(notice) if notice else None
    meta = {**meta, "defang": defang}
    series: dict[str, Any] = {}
    parts = [
        sections.summary(case, meta),
        sections.activity(case, bucket, series),
        sections.hashtags(case, series),
        sections.survival(case, series),
        sections.dissemination(case, series),
        sections.bridges(case, series),
        sections.graph(notice, legend_html(g, platform_colours(g))),
    ]
    values = {
        "TITLE": html.escape(title),
        "SUBTITLE": html.escape(f"Case report · generated {meta['generated_at']} · swarmgraph {meta['version']}"),
        "NOTICE": "",
        "TOC": "".join(f'<a href="#{sid}">{html.escape(name)}</a>' for sid, name in sections.SECTIONS),
        "SECTIONS": "\n".join(parts),
        "FOOTER": html.escape(
            "Made with swarmgraph from the loaded exports; the queries behind each number are "
            "listed in the summary and under each section."
        ),  # fmt: skip
        "REPORT_DATA": script_json({"case": case, "charts": series, "meta": meta}),
        "DATA": script_json(view_payload(g)),
        "VIS_CSS": vis_asset("vis-network.css"),
        "VIS_JS": vis_asset("vis-network.min.js"),
        "VIEW_JS": view_js(),
    }
    page = _PLACEHOLDER.sub(lambda m: values[m.group(1)], _template())  # one pass: inserted text is not rescanned
    return _SURROGATE.sub("\ufffd", page)


def _template() -> str:
    return resources.files("viz").joinpath("assets", TEMPLATE).read_text(encoding="utf-8")
