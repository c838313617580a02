"""The growth benchmark's table, slopes, targets and plot (bench/results/scale.json -> stdout, scale.png).

    python -m bench.scale_report            # table and targets of the last run; rewrites the plot
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

Report = dict[str, Any]


def slope(points: list[tuple[int, float | None]]) -> float | None:
    """How cost grows with size: the exponent k of cost ~ posts^k between the smallest and largest size measured
    (1 = linear)."""
    pts = [(n, v) for n, v in points if v and v > 0]
    if len(pts) < 2:
        return None
    (n0, v0), (n1, v1) = pts[0], pts[-1]
    return round(math.log(v1 / v0) / math.log(n1 / n0), 2)


def series(report: Report) -> dict[str, list[tuple[int, float | None]]]:
    """name -> [(posts, value)] for everything the table and plot show."""
    sizes = report.get("sizes", {})
    out: dict[str, list[tuple[int, float | None]]] = {}

    def add(name: str, get: Any) -> None:
        pts = []
        for r in sizes.values():
            try:
                pts.append((int(r["posts"]), get(r)))
            except (KeyError, TypeError, ZeroDivisionError):
                pts.append((int(r["posts"]), None))
        out[name] = pts

    add("load --bulk (s)", lambda r: r["bulk"]["wall_seconds"])
    add("importer alone (s)", lambda r: r["bulk"]["importer"]["seconds"])
    add("load online, empty database (s)", lambda r: r["online"]["wall_seconds"])
    add("load +100k posts into the loaded graph (s)", lambda r: r["increment_loaded"]["wall_seconds"])
    add("load +100k posts into an empty database (s)", lambda r: r["increment_empty"]["wall_seconds"])
    first: dict[str, Any] = next(iter(sizes.values()), {})
    for name in first.get("analyses", {}):
        add(f"analyze {name} (s)", lambda r, n=name: r["analyses"][n]["wall_seconds"])
    for name in first.get("queries", {}):
        add(f"query {name} p95 (ms)", lambda r, n=name: r["queries"][n]["p95_ms"])
    add("viz 2,000 nodes (s)", lambda r: r["viz"]["wall_seconds"])
    add("store on disk (GB)", lambda r: r["store_bytes"] / 1e9)
    add("peak RSS, largest Python process (MB)", lambda r: max(
        x["peak_rss_mb"]["python_max_mb"] for x in _commands(r)))
    add("peak RSS, server (MB)", lambda r: max(x["peak_rss_mb"]["server_mb"] for x in _commands(r)))
    add("peak RSS, importer (MB)", lambda r: r["bulk"]["peak_rss_mb"]["java_mb"])
    return out


def _commands(r: Report) -> list[dict[str, Any]]:
    """The commands of one size whose memory was sampled."""
    found = [r[k] for k in ("bulk", "online", "increment_loaded", "increment_empty", "viz") if k in r]
    return [x for x in found + list(r.get("analyses", {}).values()) if "peak_rss_mb" in x]


def targets(report: Report) -> list[tuple[str, str, bool | None]]:
    """(target, figure, met) for the issue's targets, from the sizes measured."""
    sizes = {int(k): v for k, v in report.get("sizes", {}).items()}
    rows: list[tuple[str, str, bool | None]] = []
    for n, r in sorted(sizes.items()):
        bulk = r.get("bulk", {})
        imp = bulk.get("importer", {})
        if imp and bulk.get("wall_seconds"):
            e2e = imp["rows"] / bulk["wall_seconds"]
            rows.append((f"{n:,}: bulk end-to-end >= 1/3 of the importer's rows/s",
                         f"{e2e:,.0f} vs {imp['rows_per_second']:,} rows/s = {e2e / imp['rows_per_second']:.2f}",
                         e2e / imp["rows_per_second"] >= 1 / 3))  # fmt: skip
        if "increment_loaded" in r and "increment_empty" in r:
            ratio = r["increment_empty"]["wall_seconds"] / r["increment_loaded"]["wall_seconds"]
            rows.append((f"{n:,}: +100k posts into the loaded graph >= 0.8x posts/s into an empty one",
                         f"{r['increment_loaded']['wall_seconds']} s vs {r['increment_empty']['wall_seconds']} s "
                         f"= {ratio:.2f}x", ratio >= 0.8))  # fmt: skip
        if "queries" in r and n >= 1_000_000:
            limit = 1000 if n < 10_000_000 else 2000
            worst = max(r["queries"].items(), key=lambda kv: kv[1]["p95_ms"])
            rows.append((f"{n:,}: every prepared query p95 < {limit} ms", f"slowest {worst[0]} {worst[1]['p95_ms']} ms",
                         worst[1]["p95_ms"] < limit))  # fmt: skip
        if "analyses" in r and n >= 10_000_000:
            worst = max(r["analyses"].items(), key=lambda kv: kv[1]["wall_seconds"])
            ok = all(a["exit"] == 0 for a in r["analyses"].values()) and worst[1]["wall_seconds"] < 300
            rows.append((f"{n:,}: every analysis < 5 min", f"slowest {worst[0]} {worst[1]['wall_seconds']} s", ok))
        py = [x["peak_rss_mb"]["python_max_mb"] for x in _commands(r) if x is bulk or x is r.get("online")]
        if py:
            rows.append((f"{n:,}: loaders' Python < 500 MB per process", f"{max(py)} MB", max(py) < 500))
    return rows


def print_table(report: Report) -> None:
    data = series(report)
    sizes = [int(r["posts"]) for r in report.get("sizes", {}).values()]
    print("| measure | " + " | ".join(f"{n:,} posts" for n in sizes) + " | slope |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for name, pts in data.items():
        cells = ["" if v is None else (f"{v:,.2f}" if v < 10 else f"{v:,.0f}") for _, v in pts]
        k = slope(pts)
        print(f"| {name} | " + " | ".join(cells) + f" | {'' if k is None else k} |")
    print()
    for target, figure, met in targets(report):
        print(f"- {target}: {figure}: {'met' if met else 'NOT met' if met is not None else '?'}")


def write_plot(report: Report, path: Path) -> None:
    """Four panels, log-log: loads, analyses, query p95, memory and store size."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -e '.[dev]'): no plot", file=sys.stderr)
        return
    data = series(report)
    panels = [
        ("Loading (s)", [k for k in data if k.startswith("load") or k.startswith("importer")]),
        ("Analyses (s)", [k for k in data if k.startswith("analyze") or k.startswith("viz")]),
        ("Prepared queries, p95 (ms)", [k for k in data if k.startswith("query")]),
        ("Memory (MB) and store (GB)", [k for k in data if k.startswith("peak") or k.startswith("store")]),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(14, 10))
    for ax, (title, names) in zip(axes.flat, panels, strict=True):
        ax.set_prop_cycle(color=plt.get_cmap("tab20").colors)  # up to 20 curves without repeating a colour
        for name in names:
            pts = [(n, v) for n, v in data[name] if v]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name.rsplit(" (", 1)[0])
        if title.startswith("Prepared"):
            ax.axhline(1000, color="grey", linestyle="--", linewidth=0.8)
            ax.axhline(2000, color="grey", linestyle=":", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("posts")
        ax.legend(fontsize=6 if title.startswith("Prepared") else 7, loc="upper left")
        ax.grid(True, which="both", linewidth=0.3)
    cores, mem = report.get("machine", {}).get("cores"), report.get("machine", {}).get("memory_gb")
    fig.suptitle(f"swarmgraph growth benchmark ({cores} cores, {mem} GB; bench/scale_bench.py)")
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    path = Path(__file__).resolve().parent / "results" / "scale.json"
    report = json.loads(path.read_text())
    write_plot(report, path.with_suffix(".png"))
    print_table(report)


if __name__ == "__main__":
    main()
