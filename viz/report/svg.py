"""matplotlib figures as inline SVG for the report: no script, no external reference, text kept as escaped text.

matplotlib writes every text through its XML escaping; mathtext is switched off (a `$` in a hashtag stays a `$`),
fonts are left to the browser (text stays text, selectable and searchable in the PDF), ids are salted
deterministically so the same case gives the same page. Marks that tests and readers look up carry a gid (their
element id in the SVG).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

RC: Any = {  # typed Any: matplotlib types the keys as literals
    "svg.fonttype": "none",
    "svg.hashsalt": "swarmgraph",
    "text.parse_math": False,
    "text.usetex": False,
    "font.family": "sans-serif",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e6ea",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "legend.fontsize": 8.0,
}
WIDTH_IN = 11.0  # the report's content column (about 1,060 px at 96 dpi)
_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)


@contextmanager
def figure(height_in: float, **subplots: Any) -> Iterator[Any]:
    """A matplotlib Figure (no pyplot, so no global state) under the report's style."""
    import matplotlib

    with matplotlib.rc_context(RC):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
        yield fig


def to_svg(fig: Any, chart: str, description: str) -> str:
    """The figure as an <svg> element for inline HTML: XML prolog and doctype dropped, width fluid."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buf = io.StringIO()
    with matplotlib.rc_context(RC):
        FigureCanvasSVG(fig).print_svg(buf, metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = _PROLOG.sub("", buf.getvalue(), count=1)
    opening = re.match(r"<svg\b[^>]*>", text)
    if opening is None:
        raise ValueError("matplotlib wrote no <svg> element")
    head = re.sub(r'\s(?:width|height)="[^"]*"', "", opening.group(0))
    label = html.escape(description, quote=True)
    head = head.replace("<svg", f'<svg data-chart="{chart}" class="chart" role="img" aria-label="{label}"', 1)
    return head + text[opening.end() :]


def clip(text: Any, limit: int = 40) -> str:
    value = " ".join(str(text).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"
