"""A video's dissemination as a swimlane timeline: one lane per platform (Telegram, aggregators, each host,
Twitter ...), its copies and aggregator pages as lifelines, the earliest shares per platform (first sharers
starred), and each hop of `dissemination_paths` as an arrow from the first share through the URL it used to the post
it reached, labelled with its delay. x is hours after the first share: linear for the first hour, logarithmic after,
so minutes-long hops and week-long lifetimes both show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from viz.report.charts import colour_map
from viz.report.svg import clip, figure, to_svg
from viz.timeline import lane_order

TICKS = [(0.0, "0"), (1 / 6, "10 min"), (1.0, "1 h"), (6.0, "6 h"), (24.0, "1 d"), (72.0, "3 d"), (240.0, "10 d"),
         (720.0, "30 d")]  # fmt: skip
COPY_COLOUR, PAGE_COLOUR, HOP_COLOUR = "#8d6e63", "#43a047", "#546e7a"


def _hours(at: str | None, t0: datetime) -> float | None:
    return None if at is None else round((datetime.fromisoformat(at) - t0).total_seconds() / 3600, 4)


def route_model(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Lanes, lifelines, shares and hops of one video, in hours after its first share (T0)."""
    sharers, paths, timeline = entry["first_sharers"], entry["paths"], entry["timeline"]
    # T0 is the video's first share; without shares, its earliest copy or page.
    times = [r["first_share"] for r in sharers] + [r["started"] for r in paths]
    times = times or [t for r in timeline for t in (r["first_seen"], r["listed_at"]) if t]
    if not times:
        return {"t0": None, "lanes": [], "lifelines": [], "shares": [], "hops": []}
    t0 = min(datetime.fromisoformat(t) for t in times)
    lifelines = []
    for r in timeline:
        start = _hours(r["first_seen"] or r["listed_at"], t0)
        # a release's page may be shared before this version exists: its line starts with the version's route
        lifelines.append({"kind": r["kind"], "url": r["url"], "lane": r["platform"] or "unknown",
                          "start": None if start is None else max(start, 0.0), "first_seen": r["first_seen"],
                          "listed": _hours(r["listed_at"], t0), "removed": _hours(r["removed_at"], t0),
                          "views": r["views"]})  # fmt: skip
    shares = []
    for r in sharers:
        for i, s in enumerate(r["earliest_shares"]):
            shares.append({"post": s["post"], "account": s["account"], "handle": s["handle"], "lane": r["platform"],
                           "at": s["at"], "hours": _hours(s["at"], t0), "first": i == 0,
                           "lag_hours": r["lag_hours"] if i == 0 else None})  # fmt: skip
    hops = [_hop(r, t0) for r in paths]
    used = {x["lane"] for x in lifelines + shares} | {h["to_lane"] for h in hops} | {h["from_lane"] for h in hops}
    used |= {lane for h in hops for _, lane in h["via"]}
    return {"t0": t0.isoformat(), "lanes": lane_order(used), "lifelines": lifelines, "shares": shares, "hops": hops}


def _hop(row: Mapping[str, Any], t0: datetime) -> dict[str, Any]:
    hops = row["hops"]
    via = [(h["node"], h["platform"] or "unknown") for h in hops[1:-1] if h["kind"] == "url"]
    return {"start": row["start"], "reached": row["reached"], "from_lane": row["start_platform"],
            "to_lane": row["reached_platform"], "via": via, "start_hours": _hours(row["started"], t0),
            "hours": _hours(row["arrived"], t0), "delay_hours": row["hours"], "steps": row["steps"],
            "account": hops[-1].get("account")}  # fmt: skip


def delay_text(hours: float) -> str:
    if hours < 1:
        return f"+{hours * 60:.0f} min"
    return f"+{hours:.1f} h" if hours < 48 else f"+{hours / 24:.1f} d"


def route_chart(model: Mapping[str, Any], index: int, title: str) -> str:
    lanes: list[str] = model["lanes"]
    y = {lane: len(lanes) - 1 - i for i, lane in enumerate(lanes)}
    colours = colour_map(lanes)
    with figure(0.55 * max(len(lanes), 2) + 1.2) as fig:
        ax = fig.subplots()
        for row in y.values():
            if row % 2:
                ax.axhspan(row - 0.5, row + 0.5, color="#f3f5f7", zorder=0)
        right = 1.15 * max([1.0] + [v for x in model["lifelines"] for v in (x["start"], x["removed"]) if v is not None]
                           + [s["hours"] for s in model["shares"]] + [h["hours"] for h in model["hops"]])  # fmt: skip
        _lifelines(ax, model["lifelines"], y, index, right)
        _hops(ax, model["hops"], y, index)
        _shares(ax, model["shares"], y, colours, index)
        ax.set_yticks(list(y.values()), labels=[clip(lane, 22) for lane in y])
        ax.set_ylim(-0.6, len(lanes) - 0.4)
        ax.set_xscale("symlog", linthresh=1.0, linscale=2.0)
        ax.set_xlim(-0.02, right)
        ticks = [(v, label) for v, label in TICKS if v <= right]
        ax.set_xticks([v for v, _ in ticks], labels=[label for _, label in ticks])
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(f"after the first share, {model['t0'][:16].replace('T', ' ')} UTC "
                      "(linear to 1 h, logarithmic beyond)")  # fmt: skip
        return to_svg(fig, f"route-{index}", f"Dissemination timeline of {title}")


def _lifelines(ax: Any, lifelines: Sequence[Mapping[str, Any]], y: Mapping[str, int], index: int, right: float) -> None:
    per_lane: dict[str, int] = {}
    for i, x in enumerate(lifelines):
        if x["start"] is None:
            continue
        k = per_lane.get(x["lane"], 0)
        per_lane[x["lane"]] = k + 1
        yy = y[x["lane"]] - 0.32 + 0.64 * ((k * 0.37) % 1)  # spread a lane's copies so each line shows
        end = x["removed"] if x["removed"] is not None else right  # still up at the end of the observations
        colour = PAGE_COLOUR if x["kind"] == "page" else COPY_COLOUR
        ax.plot([x["start"], max(end, x["start"])], [yy, yy], color=colour, linewidth=1.1, alpha=0.7,
                gid=f"route-{index}-life-{i}", solid_capstyle="butt")  # fmt: skip
        ax.plot([x["start"]], [yy], marker="s" if x["kind"] == "page" else "o", markersize=3, color=colour)
        if x["removed"] is not None:
            ax.plot([x["removed"]], [yy], marker="x", markersize=4, color="#c62828")
        if x.get("listed") is not None and x["kind"] == "page":  # when a snapshot first showed it listing a copy
            ax.plot([x["listed"]], [yy], marker="|", markersize=7, color=colour)


def _hops(ax: Any, hops: Sequence[Mapping[str, Any]], y: Mapping[str, int], index: int) -> None:
    from matplotlib.patches import FancyArrowPatch

    for i, h in enumerate(hops):
        points = [(h["start_hours"], y[h["from_lane"]])] + [(h["start_hours"], y[lane]) for _, lane in h["via"]]
        points.append((h["hours"], y[h["to_lane"]]))
        for k, (start, end) in enumerate(zip(points, points[1:], strict=False)):
            arrow = FancyArrowPatch(start, end, arrowstyle="-|>", color=HOP_COLOUR, linewidth=0.6, alpha=0.55,
                                    shrinkA=0, shrinkB=2, mutation_scale=7)  # fmt: skip
            arrow.set_gid(f"route-{index}-hop-{i}-{k}")
            ax.add_patch(arrow)
        ax.plot([h["hours"]], [y[h["to_lane"]]], marker="o", markersize=3, color=HOP_COLOUR, linestyle="none",
                gid=f"route-{index}-reached-{i}")  # fmt: skip
        ax.annotate(delay_text(h["delay_hours"]), (h["hours"], y[h["to_lane"]]), xytext=(2, 5),
                    textcoords="offset points", fontsize=6, rotation=55, color="#37474f")  # fmt: skip


def _shares(ax: Any, shares: Sequence[Mapping[str, Any]], y: Mapping[str, int], colours: Mapping[str, str],
            index: int) -> None:  # fmt: skip
    for i, s in enumerate(shares):
        first = s["first"]
        ax.plot([s["hours"]], [y[s["lane"]]], marker="*" if first else "^", markersize=11 if first else 5,
                color=colours[s["lane"]], markeredgecolor="#212121", markeredgewidth=0.5, linestyle="none",
                gid=f"route-{index}-share-{i}", zorder=5)  # fmt: skip
        if first:
            who = "@" + clip(s["handle"], 20) if s["handle"] else clip(s["account"], 24)
            lag = "" if not s["lag_hours"] else f" ({delay_text(s['lag_hours'])})"
            ax.annotate(f"first: {who}{lag}", (s["hours"], y[s["lane"]]), xytext=(6, -9), textcoords="offset points",
                        fontsize=7, fontweight="bold", color="#212121")  # fmt: skip
