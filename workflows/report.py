"""From a selection to a finished report: gather the case's rows, cap the drawn graph, render; print it to PDF."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphdb.casefile import CaseOptions, Scope, gather_case, selection_counts, whole_graph
from graphdb.db import Database
from graphdb.errors import SwarmgraphError
from graphdb.subgraph import SelectedGraph, cap_nodes, node_id, parse_seed
from graphdb.version import swarmgraph_version

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
PDF_TIMEOUT_S = 180
# Time the page gets to lay out its graph before it is printed (virtual time: JS timers run, nothing waits idle).
PDF_VIRTUAL_TIME_MS = 15_000


@dataclass(frozen=True)
class BuiltReport:
    html: str
    summary: str


def build_report(db: Database, selected: SelectedGraph | None, selection: dict[str, Any] | None, *,
                 max_nodes: int = 1500, bucket: str = "day", top_videos: int = 3, title: str | None = None,
                 defang: bool = False) -> BuiltReport:  # fmt: skip
    """selected None: the report of the whole graph. The analyses see the whole selection; the graph section draws
    its max_nodes most connected nodes (the seeds kept)."""
    from viz.report import render_report

    options = CaseOptions(bucket=bucket, top_videos=top_videos)
    if selected is None:
        case = gather_case(db, Scope(), options)
        drawn = whole_graph(db, max_nodes)
        total = sum(r["nodes"] for r in case["counts"] if r["label"] not in ("UrlCheck", "Platform"))
        cut = max(total - drawn.number_of_nodes(), 0)
        text = "The whole graph."
    else:
        g = selected.graph
        case = gather_case(db, Scope.of_graph(g), options)
        case["counts"] = selection_counts(g)
        drawn = g.copy()
        seeds = [node_id(*_label_key(s)) for s in (selection or {}).get("seeds", [])]
        cut = cap_nodes(drawn, max_nodes, [s for s in seeds if s in drawn])
        text = "Selection: " + _describe(selection or {})
    notice = (f"The graph shows the {drawn.number_of_nodes():,} most connected nodes; {cut:,} more are in the "
              "analyses above but not drawn.") if cut else None  # fmt: skip
    now = datetime.now(UTC).isoformat(timespec="seconds")
    meta = {"selection": selection, "selection_text": text, "generated_at": now, "version": swarmgraph_version(),
            "database": db.settings.describe()}  # fmt: skip
    page = render_report(case, drawn, title=title or _title(selection), meta=meta, notice=notice, defang=defang,
                         bucket=bucket)  # fmt: skip
    posts = sum(r["nodes"] for r in case["counts"] if r["label"] == "Post")
    summary = (f"Report of {posts:,} posts, {len(case['videos'])} dissemination timelines, "
               f"{drawn.number_of_nodes():,} nodes drawn.")  # fmt: skip
    return BuiltReport(page, summary)


def _label_key(seed: str) -> tuple[str, str]:
    from graphdb.subgraph import SEED_KINDS

    kind, key = parse_seed(seed)
    return SEED_KINDS[kind][0], key


def _describe(selection: dict[str, Any]) -> str:
    if selection.get("query"):
        return f"the entities of query {selection['query']} {selection.get('params') or ''}".strip()
    parts = [", ".join(selection.get("seeds") or []), f"{selection.get('hops')} hops"]
    for key in ("rels", "since", "until", "platform"):
        if selection.get(key):
            parts.append(f"{key} {selection[key]}")
    return "; ".join(p for p in parts if p)


def _title(selection: dict[str, Any] | None) -> str:
    if not selection:
        return "swarmgraph case report: the whole graph"
    return "swarmgraph case report: " + (selection.get("query") or ", ".join(selection.get("seeds") or []))


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def print_pdf(html_path: Path, pdf_path: Path) -> Path:
    """The page printed by headless Chromium (its graph laid out first). Without Chromium: a SwarmgraphError that
    says how to get one or how to print by hand."""
    chromium = find_chromium()
    if chromium is None:
        raise SwarmgraphError(
            f"--pdf needs Chromium, which is not installed: `apt-get install chromium` (Debian/Ubuntu), "
            f"`dnf install chromium` or Google Chrome; or open {html_path} in a browser and print it to PDF. "
            "The HTML report is written."
        )
    with tempfile.TemporaryDirectory(prefix="swarmgraph-pdf-") as profile:
        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--virtual-time-budget={PDF_VIRTUAL_TIME_MS}",
                f"--print-to-pdf={pdf_path.resolve()}", html_path.resolve().as_uri()]  # fmt: skip
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=PDF_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SwarmgraphError(f"Chromium could not print {html_path}: {exc}") from exc
    if done.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SwarmgraphError(f"Chromium could not print {html_path} (exit {done.returncode}): {tail[0]}")
    return pdf_path
