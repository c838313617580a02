"""Benchmark the HTML view: page generation time and time-to-stable in headless Chromium, at 500 / 2,000 / 10,000 nodes,
and the time slider's frame times while it plays back the whole span.

Baselines in the same run: pyvis's own path (Network.add_node/add_edge + generate_html, which needs CDNs to display)
for generation, vis-network's default physics (1,000 stabilisation iterations, improved layout) for time-to-stable
up to BASELINE_STABLE_MAX_NODES, and for playback the same page's frame interval when idle (nothing changing: the
browser's own frame rate under the run's load). Prints a table and writes bench/results/viz.json.

    .venv/bin/python bench/viz_bench.py [--sizes 500,2000,10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from unittest.mock import patch

import networkx as nx
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pyvis.network import Network

import viz.html as view

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS = Path(__file__).parent / "results" / "viz.json"
STABLE_TIMEOUT_S = 120
BASELINE_TIMEOUT_S = 60  # vis defaults need minutes past a few thousand nodes; a timeout is reported as such
BASELINE_STABLE_MAX_NODES = 2000
INTERACTIVE_TARGET_MS = 5000  # 2,000 nodes must settle within this
PLAY_MS = 8000  # playback over the whole span, shorter than the page's default to keep the run short
PLAYING_TARGET_MS = 100  # 2,000 nodes: the median frame while playing stays under this (10 frames per second)
PLATFORMS = ("twitter", "telegram", "youtube", "archive.org", "justpaste.it", "liveleak", "videopress", "isdarat")
T0 = datetime(2015, 11, 14, tzinfo=UTC)


def synthetic_swarm(n: int, seed: int = 7) -> nx.MultiDiGraph:
    """A scale-free swarm of n nodes with ~2 relationships per node: accounts, posts, urls, hashtags, videos."""
    rng = random.Random(seed)
    skeleton = nx.barabasi_albert_graph(n, 2, seed=seed)
    kinds = rng.choices(["Account", "Post", "Url", "Hashtag", "Video"], weights=[35, 45, 12, 5, 3], k=n)
    g = nx.MultiDiGraph()
    for i, kind in enumerate(kinds):
        props: dict[str, Any] = {"label": kind, "key": f"{kind.lower()}-{i}"}
        if kind in ("Account", "Post", "Url"):
            props["platform"] = rng.choice(PLATFORMS)
            props["created_at" if kind != "Url" else "first_seen"] = T0 + timedelta(minutes=rng.randrange(20_000))
        if kind == "Account":
            props["handle"] = f"account_{i}"
        elif kind == "Post":
            props["text"] = f"placeholder post {i} " + "lorem ipsum " * rng.randrange(1, 8)
        elif kind == "Hashtag":
            props["tag"] = f"tag{i}"
        elif kind == "Video":
            props["title"] = f"Release {i} (placeholder)"
        g.add_node(f"{kind}:{props['key']}", **props)
    ids = list(g.nodes)
    rel = {"Account": "POSTED", "Post": "REPOSTS", "Url": "LINKS_TO", "Hashtag": "TAGS", "Video": "SERVES"}
    for u, v in skeleton.edges():
        src, dst = (ids[max(u, v)], ids[min(u, v)])  # newcomers point at older nodes, as reposts do
        g.add_edge(src, dst, type=rel[g.nodes[dst]["label"]])
    return g


def _timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def pyvis_baseline(g: nx.MultiDiGraph) -> str:
    """What pyvis alone would do: its Network API and template (CDN assets; not usable offline)."""
    net = Network(directed=True, cdn_resources="in_line")
    for node, data in g.nodes(data=True):
        net.add_node(node, label=str(data.get("key")), title=str(data.get("text", "")))
    for u, v, data in g.edges(data=True):
        net.add_edge(u, v, title=data["type"])
    return net.generate_html()


def vis_defaults(n_nodes: int, *, positioned: bool = False) -> dict[str, Any]:
    """vis-network's own defaults (what an untuned page gets), physics still frozen once stable."""
    return {"physics": {"enabled": True}, "layout": {"improvedLayout": True}, "interaction": {"hover": True}}


def untuned_page(g: nx.MultiDiGraph) -> str:
    """Our page with vis-network's default physics, random start and no time budget (freezing once stable)."""
    with patch.multiple(view, vis_options=vis_defaults, STABILIZE_BUDGET_MS=10**9, PYTHON_LAYOUT_MIN_NODES=10**9):
        return view.render_html(g, title="vis defaults")


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def wait_for(page: Any, expression: str, timeout_s: float) -> None:
    """Poll from outside the page: playwright's wait_for_function evaluates strings in the page, which the
    page's Content-Security-Policy (no 'unsafe-eval') forbids."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{expression} still false after {timeout_s}s")
        page.wait_for_timeout(25)


FRAME_JS = """() => new Promise((resolve) => {
    const net = window.swarmgraphNetwork.network;
    const start = performance.now();
    net.once('afterDrawing', () => resolve(performance.now() - start));
    net.moveTo({scale: net.getScale() * 1.25, animation: false});
})"""


IDLE_JS = """() => new Promise((resolve) => {
    const frames = [];
    let last;
    function step(now) {
        if (last !== undefined) { frames.push(now - last); }
        last = now;
        if (frames.length < 60) { window.requestAnimationFrame(step); } else { resolve(frames); }
    }
    window.requestAnimationFrame(step);
})"""
PLAY_JS = """(ms) => { const t = window.swarmgraphNetwork.time; t.playMs = ms; t.set(t.min); t.play(); }"""


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def measure_playback(page: Any) -> dict[str, Any]:
    """Frame intervals while the slider plays the whole span (nodes appearing, removals greying), and idle."""
    if not page.evaluate("Boolean(window.swarmgraphNetwork.time)"):
        return {"play_frames": 0}
    idle = page.evaluate(IDLE_JS)
    page.evaluate(PLAY_JS, PLAY_MS)
    wait_for(page, "window.swarmgraphNetwork.time.playing === false", PLAY_MS / 1000 * 6 + 30)
    frames = page.evaluate("window.swarmgraphNetwork.time.frames")
    return {
        "play_frames": len(frames),
        "play_frame_ms_p50": _pct(frames, 0.5),
        "play_frame_ms_p95": _pct(frames, 0.95),
        "play_frame_ms_max": round(max(frames), 1),
        "baseline_idle_frame_ms_p50": _pct(idle, 0.5),
        "play_frame_vs_idle": round(_pct(frames, 0.5) / max(_pct(idle, 0.5), 0.1), 2),
    }


def measure_page(
    context: Any, html: str, workdir: Path, name: str, timeout_s: float = STABLE_TIMEOUT_S, playback: bool = False
) -> dict[str, Any]:
    """Open the page; ms (since navigation) to stable and to the first frame after; one zoom frame; requests."""
    path = workdir / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(path.as_uri(), timeout=timeout_s * 1000)  # vis defaults lay out before `load` fires
        wait_for(page, "window.swarmgraphDrawnAt !== undefined", timeout_s)
        stable, drawn = page.evaluate("[window.swarmgraphStableAt, window.swarmgraphDrawnAt]")
        frames = [page.evaluate(FRAME_JS) for _ in range(3)]
        played = measure_playback(page) if playback else {}
        return {
            "stable_ms": round(stable),
            "drawn_ms": round(drawn),
            "zoom_frame_ms": round(statistics.median(frames), 1),
            **played,
            "offline": requests == [path.as_uri()],
            "console_errors": len(errors),
        }
    except (TimeoutError, PlaywrightTimeout) as e:  # a timeout is a figure too
        return {"stable_ms": None, "error": str(e).splitlines()[0]}
    finally:
        page.close()


def run(sizes: list[int], runs: int) -> dict[str, Any]:
    rows = []
    load_at_start = round(os.getloadavg()[0], 2)
    with chromium() as context, tempfile.TemporaryDirectory() as tmp:
        browser_version = context.browser.version if context.browser else "unknown"
        for n in sizes:
            g = synthetic_swarm(n)
            gen_s, page = _timed(partial(view.render_html, g, title=f"bench {n}"), runs)
            row: dict[str, Any] = {
                "nodes": g.number_of_nodes(),
                "edges": g.number_of_edges(),
                "generate_s": round(gen_s, 3),
                "html_mb": round(len(page.encode()) / 1e6, 2),
                "max_iterations": view.vis_options(n)["physics"]["stabilization"]["iterations"],
                "python_layout": n > view.PYTHON_LAYOUT_MIN_NODES,
            }
            row |= measure_page(context, page, Path(tmp), f"ours-{n}", playback=True)
            baseline_s, _ = _timed(partial(pyvis_baseline, g), 1)
            row["baseline_pyvis_generate_s"] = round(baseline_s, 3)
            if n <= BASELINE_STABLE_MAX_NODES:
                untuned = measure_page(context, untuned_page(g), Path(tmp), f"def-{n}", BASELINE_TIMEOUT_S)
                row["baseline_vis_defaults_stable_ms"] = untuned["stable_ms"] or f">{BASELINE_TIMEOUT_S * 1000}"
            rows.append(row)
            print_row(row)
    return {
        "benchmark": "viz_bench",
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_1m_at_start": load_at_start,
            "chromium": browser_version,
        },
        "runs_per_generation": runs,
        "interactive_target_ms_at_2000": INTERACTIVE_TARGET_MS,
        "playing_target_frame_ms_at_2000": PLAYING_TARGET_MS,
        "play_ms": PLAY_MS,
        "results": rows,
    }


COLUMNS = [
    ("nodes", "nodes"),
    ("edges", "edges"),
    ("generate_s", "gen s"),
    ("baseline_pyvis_generate_s", "pyvis gen s"),
    ("html_mb", "MB"),
    ("max_iterations", "max iters"),
    ("python_layout", "py layout"),
    ("stable_ms", "stable ms"),
    ("drawn_ms", "drawn ms"),
    ("zoom_frame_ms", "frame ms"),
    ("play_frame_ms_p50", "play p50"),
    ("play_frame_ms_p95", "play p95"),
    ("baseline_idle_frame_ms_p50", "idle p50"),
    ("baseline_vis_defaults_stable_ms", "defaults stable ms"),
    ("offline", "offline"),
]


def print_row(row: dict[str, Any]) -> None:
    if not getattr(print_row, "header_done", False):
        print(" | ".join(f"{title:>12}" for _, title in COLUMNS))
        print_row.header_done = True  # type: ignore[attr-defined]
    print(" | ".join(f"{str(row.get(key, '-')):>12}" for key, _ in COLUMNS), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 1
    report = run([int(s) for s in args.sizes.split(",")], args.runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    at_2000 = [r for r in report["results"] if r["nodes"] == 2000]
    if at_2000 and (at_2000[0].get("stable_ms") or 1e9) >= INTERACTIVE_TARGET_MS:
        print(f"2,000 nodes did not settle within {INTERACTIVE_TARGET_MS} ms", file=sys.stderr)
        return 1
    if at_2000 and (at_2000[0].get("play_frame_ms_p50") or 1e9) >= PLAYING_TARGET_MS:
        print(f"2,000 nodes played back slower than {PLAYING_TARGET_MS} ms a frame", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
