"""Escaped HTML pieces for the report: tables of query rows, fact lists, notes. Every value from the data goes
through html.escape; nothing from the data ever becomes a tag, an attribute name, a link or a style.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MAX_ROWS = 500  # table rows shown per table; the rest is counted (the embedded data keeps them all)
CELL_CHARS = 400


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):  # as the query gave it, to 4 decimals (tiny values such as p-values in e-notation)
        if value != 0 and abs(value) < 0.001:
            return f"{value:.3g}"
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str):
        text = value.replace("T", " ", 1) if _looks_like_time(value) else value
        return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _looks_like_time(text: str) -> bool:
    return len(text) >= 19 and text[4] == "-" and text[10] == "T" and text[13] == ":"


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Iterable[str],
    *,
    caption: str,
    table_id: str,
    shown: bool = False,
    printed: bool = True,
) -> str:
    """A <details> holding the rows as a table; numbers right-aligned, times shortened to the second. shown: open
    on screen; printed: open in print (long per-period tables are left out of a PDF; the page keeps them)."""
    cols = list(columns)
    head = "".join(f'<th class="{_cls(rows, c)}">{esc(c)}</th>' for c in cols)
    body = []
    for row in rows[:MAX_ROWS]:
        cells = "".join(f'<td class="{_cls(rows, c)}">{esc(cell_text(_short_time(row.get(c))))}</td>' for c in cols)
        body.append(f"<tr>{cells}</tr>")
    more = f"<p>… and {len(rows) - MAX_ROWS:,} more rows in the embedded data.</p>" if len(rows) > MAX_ROWS else ""
    attrs = (" open" if shown else "") + ("" if printed else ' class="screen-only"')
    return (f'<details{attrs}><summary>{esc(caption)} ({len(rows):,} rows)</summary>'
            f'<table id="{esc(table_id)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
            f"{more}</details>")  # fmt: skip


def _short_time(value: Any) -> Any:
    if isinstance(value, str) and _looks_like_time(value):
        return value[:19] + (" UTC" if value.endswith(("+00:00", "Z")) else "")
    return value


def _cls(rows: Sequence[Mapping[str, Any]], column: str) -> str:
    values = [r.get(column) for r in rows[:50] if r.get(column) is not None]
    numeric = values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    return "num" if numeric else "text"


def facts(pairs: Iterable[tuple[str, Any]]) -> str:
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(cell_text(_short_time(v)))}</dd>" for k, v in pairs)
    return f'<dl class="facts">{items}</dl>'


def missing(text: str, command: str | None = None) -> str:
    how = f" <code>{esc(command)}</code> fills it." if command else ""
    return f'<p class="missing">{esc(text)}{how}</p>'


def rerun(queries: Sequence[Mapping[str, Any]], section: str) -> str:
    """The commands that give this section's numbers, for a reader who wants to check them."""
    lines = []
    for q in queries:
        if q["section"] != section:
            continue
        params = " ".join(f"--param {k}={_param(v)}" for k, v in q["params"].items() if v is not None)
        lines.append(f"<code>swarmgraph query {esc(q['query'])} {esc(params)}</code>")
    return f'<p class="rerun">Rerun: {"; ".join(lines)}</p>' if lines else ""


def _param(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def section(section_id: str, title: str, body: str) -> str:
    return f'<section class="case" id="{esc(section_id)}"><h2>{esc(title)}</h2>{body}</section>'
