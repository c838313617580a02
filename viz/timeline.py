"""Time in the views: when each node of a subgraph appears and is removed, and the swimlane layout (x = time, one
lane per platform) that `swarmgraph viz --layout timeline` draws.

A post appears at its created_at, a URL at its first_seen, an availability check at its checked_at. An account
appears with its first post in the view (its creation date is usually years before the case), else at its
created_at. Undated nodes (hashtags, videos, platforms) appear with their earliest dated neighbour. A URL is removed
at its removed_at, an account at its suspended_at. An edge appears once both its ends have (and not before its own
seen_at). Times are milliseconds since the Unix epoch, UTC.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import networkx as nx

from etl.urls import platform_kind

APPEAR_FIELD = {"Post": "created_at", "Url": "first_seen", "UrlCheck": "checked_at"}
REMOVED_FIELD = {"Url": "removed_at", "Account": "suspended_at"}
EDGE_TIME_FIELDS = ("seen_at", "created_at")
# Lanes, top to bottom: where a release is announced, listed, stored, then spread; then the undated kinds.
KIND_ORDER = {"social:telegram": 0, "aggregator": 1, "hosting": 2, "shortener": 3, "other": 4, "social": 5}
TAIL_LANES = ("videos", "hashtags", "unknown")
LANE_WIDTH_PX = 2400.0  # the whole time span, in canvas pixels (the page zooms to fit)
ROW_PX, MIN_GAP_PX, MAX_ROWS = 30.0, 24.0, 12  # sub-rows of a lane so nodes close in time do not overlap
LANE_GAP_PX = 30.0
UNDATED_X_PX = -160.0  # nodes with no time at all stand left of the axis


@dataclass(frozen=True)
class NodeTimes:
    appear: dict[Any, int | None]
    removed: dict[Any, int | None]
    edges: list[int | None]  # per edge, in g.edges order

    def span(self) -> tuple[int, int] | None:
        values = [t for t in (*self.appear.values(), *self.removed.values()) if t is not None]
        return (min(values), max(values)) if values else None


def epoch_ms(value: Any) -> int | None:
    """A datetime (naive = UTC), date, driver temporal or ISO string as ms since the epoch; anything else None."""
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(aware.timestamp() * 1000)
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp() * 1000)
    return None


def node_times(g: nx.MultiDiGraph) -> NodeTimes:
    appear: dict[Any, int | None] = {}
    for n, d in g.nodes(data=True):
        label = d.get("label")
        appear[n] = epoch_ms(d.get(APPEAR_FIELD[label])) if label in APPEAR_FIELD else None
    for n, d in g.nodes(data=True):
        if d.get("label") == "Account":
            posts = [t for _, v, rel in g.out_edges(n, data="type") if rel == "POSTED" and (t := appear[v]) is not None]
            appear[n] = min(posts) if posts else epoch_ms(d.get("created_at"))
    for n, d in g.nodes(data=True):
        if appear[n] is None and d.get("label") not in APPEAR_FIELD:
            near = [t for m in nx.all_neighbors(g, n) if m != n and (t := appear[m]) is not None]
            appear[n] = min(near) if near else None
    removed = {n: epoch_ms(d.get(REMOVED_FIELD.get(str(d.get("label")), ""))) for n, d in g.nodes(data=True)}
    edges = []
    for u, v, d in g.edges(data=True):
        own = next((t for f in EDGE_TIME_FIELDS if (t := epoch_ms(d.get(f))) is not None), None)
        known = [t for t in (appear[u], appear[v], own) if t is not None]
        edges.append(max(known) if known else None)
    return NodeTimes(appear, removed, edges)


# ------------------------------------------------------------------------------------------------- lanes


def lane_of(data: Mapping[str, Any]) -> str:
    label = data.get("label")
    if label == "Video":
        return "videos"
    if label == "Hashtag":
        return "hashtags"
    platform = data.get("name") if label == "Platform" else data.get("platform")
    return str(platform) if platform not in (None, "") else "unknown"


def lane_order(lanes: set[str]) -> list[str]:
    """Telegram, aggregators, hosts, shorteners, other sites, the other social platforms (Twitter ...), then
    videos, hashtags and nodes without a platform."""

    def rank(lane: str) -> tuple[int, str]:
        kind = platform_kind(lane) or "other"
        key = "social:telegram" if lane == "telegram" else kind
        return KIND_ORDER.get(key, 4), lane

    body = sorted((lane for lane in lanes if lane not in TAIL_LANES), key=rank)
    return body + [lane for lane in TAIL_LANES if lane in lanes]


@dataclass(frozen=True)
class Timeline:
    positions: dict[Any, tuple[float, float]]
    lanes: list[dict[str, Any]]  # {name, top, bottom} in canvas pixels
    ticks: list[dict[str, Any]]  # {x, label}


def timeline_layout(g: nx.MultiDiGraph, times: NodeTimes) -> Timeline:
    """x from the time a node appears, y from its platform's lane; nodes close in time take separate sub-rows."""
    span = times.span()
    t0, t1 = span if span else (0, 1)
    scale = LANE_WIDTH_PX / max(t1 - t0, 1)
    by_lane: dict[str, list[Any]] = {}
    for n, d in g.nodes(data=True):
        by_lane.setdefault(lane_of(d), []).append(n)
    positions: dict[Any, tuple[float, float]] = {}
    lanes = []
    top = 0.0
    for lane in lane_order(set(by_lane)):
        xs = {n: UNDATED_X_PX if (t := times.appear[n]) is None else (t - t0) * scale for n in by_lane[lane]}
        rows = _pack(sorted(by_lane[lane], key=lambda n: (xs[n], str(n))), xs)
        height = (max(rows.values(), default=0) + 1) * ROW_PX
        for n, row in rows.items():
            positions[n] = (round(xs[n], 1), round(top + (row + 0.5) * ROW_PX, 1))
        lanes.append({"name": lane, "top": top, "bottom": top + height})
        top += height + LANE_GAP_PX
    return Timeline(positions, lanes, time_ticks(t0, t1, scale))


def _pack(ordered: list[Any], xs: Mapping[Any, float]) -> dict[Any, int]:
    """Greedy sub-rows: each node takes the first row whose last node is MIN_GAP_PX behind it, else the row that
    has been free the longest (overlap only past MAX_ROWS)."""
    last: list[float] = []
    rows: dict[Any, int] = {}
    for n in ordered:
        x = xs[n]
        row = next((i for i, end in enumerate(last) if x - end >= MIN_GAP_PX), None)
        if row is None:
            if len(last) < MAX_ROWS:
                last.append(x)
                row = len(last) - 1
            else:
                row = min(range(len(last)), key=last.__getitem__)
        last[row] = x
        rows[n] = row
    return rows


TICK_STEPS_MS = [m * 60_000 for m in (1, 5, 15, 30, 60, 180, 360, 720, 1440, 2880, 10080, 43200)]


def time_ticks(t0: int, t1: int, scale: float, target: int = 12) -> list[dict[str, Any]]:
    """About `target` round UTC times between t0 and t1 (minutes to months apart), with their x and a label."""
    if t1 <= t0:
        return [{"x": 0.0, "label": _tick_label(t0, 0)}]
    want = (t1 - t0) / target
    step = TICK_STEPS_MS[min(bisect.bisect_left(TICK_STEPS_MS, want), len(TICK_STEPS_MS) - 1)]
    first = -(-t0 // step) * step
    return [{"x": round((t - t0) * scale, 1), "label": _tick_label(t, step)} for t in range(first, t1 + 1, step)]


def _tick_label(ms: int, step: int) -> str:
    when = datetime.fromtimestamp(ms / 1000, UTC)
    return when.strftime("%Y-%m-%d") if step >= 86_400_000 else when.strftime("%m-%d %H:%M")
