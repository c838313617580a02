"""The report's sections, each a chart with the table behind it: summary, activity, hashtags, takedown survival,
dissemination, bridges and brokers. A section whose analysis has not run says which command fills it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from viz.report import charts
from viz.report.html_parts import esc, facts, missing, rerun, section, table
from viz.report.route import route_chart, route_model

SECTIONS = [
    ("summary", "Summary"),
    ("activity", "Activity over time"),
    ("hashtags", "Hashtags"),
    ("survival", "Takedown survival"),
    ("dissemination", "Dissemination"),
    ("bridges", "Bridges and brokers"),
    ("graph", "The graph"),
]
SHA_CHARS = 16


def summary(case: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    counts = case["counts"]
    posts = [r for r in counts if r["label"] == "Post"]
    first = min((r["first"] for r in posts if r["first"]), default=None)
    last = max((r["last"] for r in posts if r["last"]), default=None)
    totals: dict[str, int] = {}
    for r in counts:
        totals[r["label"]] = totals.get(r["label"], 0) + r["nodes"]
    body = [
        f'<p class="lead">{esc(meta["selection_text"])}</p>',
        facts(
            [
                ("posts", sum(r["nodes"] for r in posts)),
                ("platforms posting", len({r["platform"] for r in posts})),
                ("first post", first),
                ("last post", last),
                ("nodes by type", ", ".join(f"{k} {v:,}" for k, v in sorted(totals.items()))),
                ("generated at", meta["generated_at"]),
                ("swarmgraph", meta["version"]),
                ("database", meta["database"]),
                ("defanged", meta["defang"]),
            ]
        ),  # fmt: skip
        table(
            counts,
            ["label", "platform", "nodes", "first", "last"],
            caption="Nodes per type and platform",
            table_id="table-counts",
        ),  # fmt: skip
        "<h3>The files it rests on</h3>",
    ]
    runs = [dict(r, sha256=(r.get("sha256") or "")[:SHA_CHARS]) for r in case["load_runs"]]
    caption = "Load runs (sha256: its first 16 hex digits; the whole digest is in the embedded data)"
    columns = ["source", "format", "sha256", "records", "rejected", "loader", "started_at"]
    body.append(table(runs, columns, caption=caption, table_id="table-load-runs") if runs
                else missing("No load run recorded for this selection."))  # fmt: skip
    body.append("<h3>Analyses and queries</h3>")
    if case["analyses"]:
        columns = ["analysis", "run", "parameters", "results", "wrote"]
        caption = "Analysis runs whose results the report reads"
        body.append(table(case["analyses"], columns, caption=caption, table_id="table-analyses"))
    for name, command in case["missing_analyses"].items():
        body.append(missing(f"The {name} analysis has not been run on this graph.", command))
    for name, message in case.get("stale_analyses", {}).items():  # what it wrote misses the files loaded since
        body.append(missing(f"What the {name} analysis wrote (hashtags, bridges, amplifiers, whole-graph counts) is "
                            f"{message}."))  # fmt: skip
    body.append(table(case["queries"], ["section", "query", "params", "rows", "ms"], caption="Queries the report ran",
                      table_id="table-queries"))  # fmt: skip
    return section("summary", "Summary", "".join(body))


def activity(case: Mapping[str, Any], bucket: str, out: dict[str, Any]) -> str:
    rows = case["activity"]
    if not any(r["kind"] == "posts" for r in rows):
        return section("activity", "Activity over time", missing("No dated posts in this selection."))
    svg, out["activity"] = charts.activity_chart(rows, bucket)
    body = (f'<p class="lead">Posts per {esc(bucket)} (UTC) per platform; below, copies found removed and accounts '
            "suspended in each period.</p>" + svg
            + table(rows, ["period", "kind", "platform", "count"], caption="Counts per period", printed=False,
                    table_id="table-activity")
            + rerun(case["queries"], "activity"))  # fmt: skip
    return section("activity", "Activity over time", body)


def hashtags(case: Mapping[str, Any], out: dict[str, Any]) -> str:
    tags = case["hashtags"]
    if "reports" in case["missing_analyses"]:
        return section("hashtags", "Hashtags", missing("Hashtag lifecycles are computed by the reports analysis, "
                                                       "which has not run.", "swarmgraph analyze reports"))
    if not tags["lifecycle"]:
        return section("hashtags", "Hashtags", missing("No hashtags in this selection."))
    svg, out["hashtags"] = charts.hashtag_chart(tags["lifecycle"], tags["volume"])
    columns = ["tag", "posts", "first_seen", "peak_hour", "peak_count", "half_life_hours", "active_span_hours",
               "flooding_share", "event_hashtag", "platforms"]  # fmt: skip
    body = ('<p class="lead">The busiest hashtags: posts per hour, the share from accounts that never share a content '
            "link (flooding) in red, the peak hour and the half-life after it. Event hashtags (a short active span, "
            "a sharp peak) are marked.</p>" + svg
            + table(tags["lifecycle"], columns, caption="Lifecycle per hashtag", table_id="table-hashtags")
            + table(tags["volume"], ["tag", "period", "posts", "flooding_posts"], caption="Posts per hour",
                    table_id="table-hashtag-volume", printed=False) + rerun(case["queries"], "hashtags"))  # fmt: skip
    return section("hashtags", "Hashtags", body)


def survival(case: Mapping[str, Any], out: dict[str, Any]) -> str:
    rows = case["survival"]
    if not rows:
        text = "No availability checks of hosted copies in this selection: load a URL check log (docs/inputs.md)."
        return section("survival", "Takedown survival", missing(text))
    svg, out["survival"] = charts.survival_chart(rows)
    columns = ["host", "copies", "removed", "censored", "median_hours_to_removal", "alive_after_1d", "alive_after_3d",
               "alive_after_10d", "followup_hours"]  # fmt: skip
    body = ('<p class="lead">Share of copies still up, per host, counted from each copy\'s first share (Kaplan-Meier; '
            "ticks are copies still up at their last check, the dot the median).</p>" + svg
            + table(rows, columns, caption="takedown_survival", table_id="table-survival")
            + rerun(case["queries"], "survival"))  # fmt: skip
    return section("survival", "Takedown survival", body)


def dissemination(case: Mapping[str, Any], out: dict[str, Any]) -> str:
    if not case["videos"]:
        return section("dissemination", "Dissemination", missing("No video in this selection: load a videos file "
                                                                  "(docs/inputs.md) to follow copies."))  # fmt: skip
    parts = ['<p class="lead">For each of the most viewed videos: its route across platforms. Copies and aggregator '
             "pages are lifelines (× removed), triangles the earliest shares per platform (★ the first sharer), "
             "arrows each hop of the earliest dissemination paths with its delay.</p>"]  # fmt: skip
    out["routes"] = []
    for i, entry in enumerate(case["videos"]):
        video = entry["video"]
        model = route_model(entry)
        out["routes"].append({"video": video["video"], **model})
        parts.append(f"<h3>{esc(video['title'] or video['video'])} <small>{esc(video['video'])} · "
                     f"{video['views']:,} views · {video['copies']} copies</small></h3>")  # fmt: skip
        parts.append(route_chart(model, i, video["video"]) if model["lanes"] else missing("No shares recorded."))
        hops = [dict(h, via=[u for u, _ in h["via"]]) for h in model["hops"]]
        parts.append(table(hops, ["reached", "to_lane", "account", "delay_hours", "via", "steps"],
                           caption="Hops (dissemination_paths)", table_id=f"table-hops-{i}"))  # fmt: skip
        columns = ["lane", "post", "handle", "at", "first", "lag_hours"]
        parts.append(table(model["shares"], columns, caption="Earliest shares per platform (first_sharers)",
                           table_id=f"table-shares-{i}", printed=False))  # fmt: skip
        columns = ["kind", "platform", "url", "first_seen", "listed_at", "removed_at", "views"]
        parts.append(table(entry["timeline"], columns, caption="Copies and pages (video_timeline)",
                           table_id=f"table-urls-{i}", printed=False))  # fmt: skip
    parts.append(rerun(case["queries"], "dissemination"))
    return section("dissemination", "Dissemination", "".join(parts))


def bridges(case: Mapping[str, Any], out: dict[str, Any]) -> str:
    parts = []
    if case["bridges"]:
        svg, out["bridges"] = charts.bridges_chart(case["bridges"])
        columns = ["node", "kind", "role", "platform", "cross", "flow", "cross_share", "platforms"]
        parts += [
            "<h3>Cross-platform bridges</h3>",
            svg,
            table(case["bridges"], columns, caption="cross_platform_bridges", table_id="table-bridges"),
        ]
    elif "reports" in case["missing_analyses"]:
        parts.append(missing("Cross-platform bridges are computed by the reports analysis, which has not run.",
                             "swarmgraph analyze reports"))
    else:
        parts.append(missing("No node in this selection carries flow across platforms."))
    parts.append("<h3>Brokers (betweenness)</h3>")
    if "bridging" in case["missing_analyses"]:
        parts.append(
            missing("Brokers come from the bridging analysis, which has not run.", "swarmgraph analyze bridging")
        )
    else:
        sampled = {r.get("sampled_sources") for r in case["brokers"]} - {None}
        if sampled:
            parts.append(f'<p class="lead">Betweenness was estimated from {esc(max(sampled))} sampled source nodes, '
                         "not from every node. The scores are not rescaled: they rank these nodes against each other "
                         "and are smaller than exact ones.</p>")
        parts.append(table(case["brokers"], ["node", "kind", "label", "platform", "betweenness", "articulation_point",
                                             "bridge_edges", "community"], caption="bridging_nodes",
                           table_id="table-brokers", shown=True))  # fmt: skip
    parts.append("<h3>Coordinated groups</h3>")
    if "coordination" in case["missing_analyses"]:
        parts.append(missing("Groups come from the coordination analysis, which has not run.",
                             "swarmgraph analyze coordination"))  # fmt: skip
    else:
        parts.append(table(case["groups"], ["group", "accounts", "handles", "platforms", "co_shares", "max_p_value",
                                            "shared_objects"], caption="coordinated_link_sharing",
                           table_id="table-groups", shown=True))  # fmt: skip
    parts.append("<h3>Successors of suspended accounts</h3>")
    if "successors" in case["missing_analyses"]:
        parts.append(missing("Suggested successors come from the successors analysis, which has not run "
                             "(identities asserted by a loaded accounts file are listed).",
                             "swarmgraph analyze successors"))  # fmt: skip
    rows = [dict(r, evidence=[c.get("evidence") for c in r["candidates"]][:1]) for r in case["successors"]]
    columns = ["suspended", "handle", "suspended_at", "best_candidate", "best_confidence", "evidence"]
    columns.append("candidate_count")
    parts.append(table(rows, columns, caption="successors", table_id="table-successors", shown=True))
    parts.append(rerun(case["queries"], "bridges"))
    return section("bridges", "Bridges and brokers", "".join(parts))


def graph(notice: str | None, legend: str) -> str:
    banner = f'<div class="notice" role="status">{esc(notice)}</div>' if notice else ""
    body = (f'<p class="lead">The selection as in <code>swarmgraph viz</code>: drag, zoom, hover for details; the '
            f"slider and ▶ replay it in time (removed copies and suspended accounts turn grey).</p>{banner}"
            '<div class="sg-view" id="view"><div id="graph" class="sg-graph"></div>'
            '<div id="status" class="sg-status" role="status"></div>'
            f'<aside id="legend">{legend}</aside>'
            '<div class="sg-timebar" hidden><button type="button" aria-label="Play">▶</button>'
            '<input type="range" aria-label="Time" min="0" max="1000" value="1000">'
            '<span class="sg-time"></span><span class="sg-count"></span></div></div>')  # fmt: skip
    return section("graph", "The graph", body)
