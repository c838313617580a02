"""The report's charts, drawn server-side from the rows of its queries: activity over time, hashtag lifecycles,
takedown survival (Kaplan-Meier) and the top bridges. Each returns an inline SVG and the series it drew, in the
order of the marks' gids, so the page embeds exactly what was drawn.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from matplotlib.patches import Patch

from viz.html import PLATFORM_COLOURS
from viz.report.svg import clip, figure, to_svg

EXTRA = ("#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363")
EVENT_COLOURS = {"takedowns": "#c62828", "suspensions": "#37474f"}
ROLE_COLOURS = {"beacon": "#1f77b4", "aggregator": "#2ca02c", "store": "#8c564b", "shortener": "#bcbd22",
                "other": "#9e9e9e"}  # fmt: skip
FLOOD_COLOUR, TAG_COLOUR = "#ef9a9a", "#5c6bc0"
KM_TICKS = [(0.0, "0"), (6.0, "6 h"), (12.0, "12 h"), (24.0, "1 d"), (72.0, "3 d"), (168.0, "7 d"), (336.0, "14 d"),
            (720.0, "30 d"), (2160.0, "90 d"), (8760.0, "1 year")]  # fmt: skip


def colour_map(names: Sequence[str]) -> dict[str, str]:
    """The views' platform colours (defanged names too), then a fixed cycle for the others, in name order."""
    out, extra = {}, 0
    for name in sorted(set(names)):
        fixed = PLATFORM_COLOURS.get(name.replace("[.]", "."))
        if fixed is None:
            fixed, extra = EXTRA[extra % len(EXTRA)], extra + 1
        out[name] = fixed
    return out


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


# -------------------------------------------------------------------------------------------------- activity


def activity_chart(rows: Sequence[Mapping[str, Any]], bucket: str) -> tuple[str, dict[str, Any]]:
    """Posts per period per platform as stacked bars; takedowns and suspensions per period in a strip below."""
    posts = [r for r in rows if r["kind"] == "posts"]
    periods = sorted({r["period"] for r in rows})
    totals: dict[str, int] = defaultdict(int)
    for r in posts:
        totals[r["platform"]] += r["count"]
    platforms = sorted(totals, key=lambda p: (-totals[p], p))
    colours = colour_map(platforms)
    width = (1.0 if bucket == "day" else 1 / 24) * 0.85
    bars: list[dict[str, Any]] = []
    with figure(4.2, nrows=2) as fig:
        top, strip = fig.subplots(2, 1, sharex=True, height_ratios=[4, 1])
        base: dict[str, float] = defaultdict(float)
        for platform in platforms:
            mine = [r for r in posts if r["platform"] == platform]
            xs = [when(r["period"]) for r in mine]
            container = top.bar(xs, [r["count"] for r in mine], width=width, bottom=[base[r["period"]] for r in mine],
                                color=colours[platform], label=clip(platform, 24), align="edge")  # fmt: skip
            for rect, r in zip(container.patches, mine, strict=True):
                rect.set_gid(f"activity-bar-{len(bars)}")
                bars.append({"platform": platform, "period": r["period"], "count": r["count"]})
                base[r["period"]] += r["count"]
        top.set_ylabel(f"posts per {bucket}")
        if platforms:
            # explicit labels: matplotlib leaves out of automatic legends any label that starts with "_"
            handles = [Patch(color=colours[p]) for p in platforms]
            top.legend(handles, [clip(p, 24) for p in platforms], loc="upper right", ncols=min(len(platforms), 6))
        events = _event_strip(strip, [r for r in rows if r["kind"] != "posts"], width)
        strip.set_ylabel("removed")
        if len(periods) > 12:
            fig.autofmt_xdate()
        svg = to_svg(fig, "activity", f"Posts per {bucket} per platform, with takedowns and suspensions")
    return svg, {"bucket": bucket, "bars": bars, "events": events, "platforms": platforms}


def _event_strip(ax: Any, rows: Sequence[Mapping[str, Any]], width: float) -> list[dict[str, Any]]:
    marks: list[dict[str, Any]] = []
    per: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        per[(r["kind"], r["period"])] += r["count"]
    offset = {"takedowns": 0.0, "suspensions": width / 2}
    for kind in ("takedowns", "suspensions"):
        mine = sorted((p, n) for (k, p), n in per.items() if k == kind)
        if not mine:
            continue
        container = ax.bar([when(p) for p, _ in mine], [n for _, n in mine], width=width / 2, align="edge",
                           color=EVENT_COLOURS[kind], label=kind)  # fmt: skip
        for rect, (p, n) in zip(container.patches, mine, strict=True):
            rect.set_x(rect.get_x() + offset[kind])
            rect.set_gid(f"activity-event-{len(marks)}")
            marks.append({"kind": kind, "period": p, "count": n})
    if marks:
        ax.legend(loc="upper right", ncols=2)
    return marks


# -------------------------------------------------------------------------------------------------- hashtags


def hashtag_chart(lifecycle: Sequence[Mapping[str, Any]], volume: Sequence[Mapping[str, Any]]) -> tuple[str, dict]:
    """One panel per hashtag: hourly posts, the flooding accounts' share shaded, the peak and the half-life."""
    n = len(lifecycle)
    cols = 2 if n > 1 else 1
    rows_n = -(-n // cols)
    series: list[dict[str, Any]] = []
    with figure(1.9 * rows_n + 0.4) as fig:
        axes = fig.subplots(rows_n, cols, squeeze=False)
        for i, tag in enumerate(lifecycle):
            ax = axes[i // cols][i % cols]
            mine = [v for v in volume if v["tag"] == tag["tag"]]
            xs = [when(v["period"]) for v in mine]
            ax.bar(xs, [v["posts"] for v in mine], width=1 / 24, color=TAG_COLOUR, align="edge", label="posts",
                   gid=f"hashtag-{i}")  # fmt: skip
            ax.bar(xs, [v["flooding_posts"] for v in mine], width=1 / 24, color=FLOOD_COLOUR, align="edge",
                   label="from flooding accounts")  # fmt: skip
            if tag.get("active_from") and tag.get("active_until"):
                ax.axvspan(when(tag["active_from"]), when(tag["active_until"]), color="#b0bec5", alpha=0.25, lw=0,
                           label="active span (5th-95th percentile)", zorder=0)  # fmt: skip
            _mark_peak(ax, tag)
            badge = " · event hashtag" if tag.get("event_hashtag") else ""
            ax.set_title(f"#{clip(tag['tag'], 40)}{badge}", loc="left", fontweight="bold" if badge else "normal")
            ax.tick_params(axis="x", labelsize=7)
            if i == 0:
                fig.legend(loc="outside upper right", ncols=2)
            series.append({"tag": tag["tag"], "posts": sum(v["posts"] for v in mine),
                           "flooding_posts": sum(v["flooding_posts"] for v in mine), "hours": len(mine),
                           "peak_hour": tag["peak_hour"], "peak_count": tag["peak_count"]})  # fmt: skip
        for j in range(n, rows_n * cols):
            axes[j // cols][j % cols].set_visible(False)
        svg = to_svg(fig, "hashtags", "Hourly volume of the top hashtags with their flooding posts and peak")
    return svg, {"tags": series}


def _mark_peak(ax: Any, tag: Mapping[str, Any]) -> None:
    from datetime import timedelta

    peak = when(tag["peak_hour"])
    ax.axvline(peak, color="#263238", linewidth=0.8, linestyle="--")
    ax.annotate(f"peak {tag['peak_count']}/h", (peak, tag["peak_count"]), xytext=(4, -2), textcoords="offset points",
                fontsize=7, va="top")  # fmt: skip
    half = tag.get("half_life_hours")
    if half:
        y = tag["peak_count"] * 0.5
        ax.annotate("", xy=(peak + timedelta(hours=float(half)), y), xytext=(peak, y),
                    arrowprops={"arrowstyle": "|-|", "color": "#263238", "lw": 0.8})  # fmt: skip
        ax.annotate(f"half-life {half:g} h", (peak, y), xytext=(4, 3), textcoords="offset points", fontsize=7)


# -------------------------------------------------------------------------------------------------- survival


def survival_chart(rows: Sequence[Mapping[str, Any]]) -> tuple[str, dict[str, Any]]:
    """Kaplan-Meier step curves per host (takedown_survival's curve), censoring ticks, the median marked."""
    colours = colour_map([r["host"] for r in rows])
    drawn: list[dict[str, Any]] = []
    lines: list[tuple[Any, str]] = []
    with figure(4.0) as fig:
        ax = fig.subplots()
        for i, r in enumerate(rows):
            hours = [0.0] + [p[0] for p in r["curve"]] + [r["followup_hours"] or 0.0]
            alive = [1.0] + [p[1] for p in r["curve"]] + [r["curve"][-1][1] if r["curve"] else 1.0]
            median = r["median_hours_to_removal"]
            name = f"{clip(r['host'], 24)} (n={r['copies']}, median {median:g} h)" if median is not None else (
                f"{clip(r['host'], 24)} (n={r['copies']}, median not reached)")  # fmt: skip
            (line,) = ax.step(hours, alive, where="post", color=colours[r["host"]], linewidth=1.4)
            lines.append((line, name))
            line.set_gid(f"km-{i}")
            censored = [(h, _alive_at(r["curve"], h)) for h in r["censored_hours"]]
            if censored:
                ax.plot(*zip(*censored, strict=True), linestyle="none", marker="|", markersize=7,
                        color=colours[r["host"]], gid=f"km-censored-{i}")  # fmt: skip
            if median is not None:
                ax.plot([median, median], [0, 0.5], color=colours[r["host"]], linestyle=":", linewidth=1)
                ax.plot([median], [0.5], marker="o", markersize=4, color=colours[r["host"]], gid=f"km-median-{i}")
            drawn.append({"host": r["host"], "median_hours": median, "copies": r["copies"],
                          "censored": len(r["censored_hours"]), "steps": len(r["curve"])})  # fmt: skip
        ax.axhline(0.5, color="#90a4ae", linewidth=0.6)
        ax.set_xscale("symlog", linthresh=24, linscale=1.5)
        right = max([48.0] + [r["followup_hours"] or 0.0 for r in rows])
        ax.set_xlim(0, right * 1.05)
        axis = [(v, t) for v, t in KM_TICKS if v <= right * 1.05]
        ax.set_xticks([v for v, _ in axis], labels=[t for _, t in axis])
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("hours after the first share (linear to 24 h, logarithmic beyond)")
        ax.set_ylabel("share of copies still up")
        if rows:
            fig.legend([h for h, _ in lines], [n for _, n in lines], loc="outside right upper")
        svg = to_svg(fig, "survival", "Kaplan-Meier survival of hosted copies per host, medians marked")
    return svg, {"curves": drawn}


def _alive_at(curve: Sequence[Sequence[float]], hours: float) -> float:
    alive = 1.0
    for at, share in curve:
        if at > hours:
            break
        alive = share
    return alive


# -------------------------------------------------------------------------------------------------- bridges


def bridges_chart(rows: Sequence[Mapping[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The top cross-platform bridges: flow that crosses platforms, coloured by role."""
    drawn = []
    with figure(0.32 * max(len(rows), 1) + 0.9) as fig:
        ax = fig.subplots()
        labels = [clip(r["node"], 48) for r in rows]
        ys = list(range(len(rows)))[::-1]
        for i, (r, y) in enumerate(zip(rows, ys, strict=True)):
            ax.barh([y], [r["cross"]], color=ROLE_COLOURS.get(r["role"], "#9e9e9e"), gid=f"bridge-{i}")
            drawn.append({"node": r["node"], "role": r["role"], "cross": r["cross"]})
        ax.set_yticks(ys, labels=labels)
        ax.set_xlabel("posts whose flow crosses platforms through the node")
        roles = sorted({r["role"] for r in rows})
        ax.legend([Patch(color=ROLE_COLOURS.get(x, "#9e9e9e")) for x in roles], roles, loc="lower right")
        svg = to_svg(fig, "bridges", "Top cross-platform bridges by crossing flow, coloured by role")
    return svg, {"bars": drawn}
