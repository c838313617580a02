"""The demo pipeline, the README's main job end to end on a simulated swarmcast:

simulate a world (reused when already there) -> load every file (files loaded before are skipped) -> run the
analyses -> the top rows of the key prepared queries -> an interactive view of the most viewed video and the case
report of the whole graph.

Steps are reported through `say` and each query's rows through `show`, as they happen; the caller connects (and
starts the local server) and renders. The numbers in the titles are the investigators' questions
(docs/investigations.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cypher.catalogue import SUPPORT_DIR, parse_query_file
from cypher.run import run_query

if TYPE_CHECKING:
    from etl.load import LoadSummary
    from graphdb.db import Database

Say = Callable[[str], None]

# (query, what it answers, the columns worth a terminal's width)
KEY_QUERIES = [
    ("cross_platform_bridges", "Who bridges platforms (question 3)", "node kind role platform cross cross_share"),
    ("hashtag_lifecycle", "Event hashtags, peaks and flooding (question 4)",
     "tag posts peak_hour half_life_hours flooding_share event_hashtag"),
    ("takedown_survival", "How long copies survive per host (question 5)",
     "host copies removed median_hours_to_removal alive_after_1d alive_after_10d"),
    ("coordinated_link_sharing", "Accounts sharing the same links within seconds (question 6)",
     "group accounts handles co_shares window"),
]  # fmt: skip
VIDEO_COLUMNS = "url host joined views posts accounts removed_at"
VIDEO_MIN_CONFIDENCE = 0.5  # the demo's video_reach also follows suggested SAME_WORK_AS edges from here
VIEW_HOPS, VIEW_MAX_NODES = 3, 600


@dataclass
class QuerySection:
    """The first rows of one prepared query, in the columns worth showing."""

    name: str
    title: str
    columns: list[str]
    records: list[dict[str, Any]]


@dataclass
class DemoResult:
    world: Path
    load: LoadSummary
    view: Path
    report: Path
    database: str  # where the graph is (the Bolt URI)
    video: str | None = None  # the video the demo follows (the most viewed work)
    sections: list[QuerySection] = field(default_factory=list)


def world_dir(out_dir: Path, posts: int, seed: int) -> Path:
    return out_dir / f"world-{posts}-seed{seed}"


def ensure_world(world: Path, posts: int, seed: int, say: Say) -> None:
    """Simulate the world unless a complete one (with its ground truth) is already there."""
    from simulator import simulate

    truth = world / "ground_truth.json"
    # A world written before the simulator wrote the real formats (no `inputs` in its truth) is written again.
    if truth.is_file() and b'"inputs": "real"' in truth.read_bytes():
        say(f"1/5 Reusing the simulated world in {world}")
        return
    say(f"1/5 Simulating a swarmcast of about {posts:,} posts into {world} ...")
    simulate(world, seed=seed, posts=posts)


def run_demo(db: Database, out_dir: Path, *, posts: int = 50_000, seed: int = 1, rows: int = 5, say: Say,
             show: Callable[[QuerySection], None]) -> DemoResult:  # fmt: skip
    """Steps 3 to 5 on an open database, after ensure_world (step 1) and connecting (step 2)."""
    from etl.load import load_paths

    world = world_dir(out_dir, posts, seed)
    say("3/5 Loading every file (files loaded before are skipped) ...")
    summary = load_paths(db, [world], rejects_path=out_dir / "rejects.jsonl")
    say(f"    {summary.records:,} records loaded, {summary.rejected:,} rejected, "
        f"{len(summary.skipped)} file(s) already loaded, in {summary.seconds:.1f} s")  # fmt: skip
    say("4/5 Analyses and prepared queries ...")
    for line in run_analyses(db):
        say(f"    {line}")
    result = DemoResult(world, summary, out_dir / "view.html", out_dir / "report.html", db.settings.uri)
    video = result.video = top_video(db)
    sections: list[tuple[str, str, dict[str, Any], str]] = [(n, t, {}, c) for n, t, c in KEY_QUERIES]
    if video:
        sections.append(("video_reach", f"Where {video}'s work is hosted and who spread it (question 1)",
                         {"video": video, "min_confidence": VIDEO_MIN_CONFIDENCE}, VIDEO_COLUMNS))  # fmt: skip
    for name, title, params, columns in sections:
        section = query_section(db, name, title, params, rows, columns)
        result.sections.append(section)
        show(section)
    say("5/5 Writing an interactive view and the case report ...")
    result.view = write_demo_view(db, video, result.view)
    result.report = write_demo_report(db, result.report)
    return result


def run_analyses(db: Database) -> list[str]:
    """Copies, coordination, bridging, communities and the materialised reports, written to the graph; one line on
    each. Copies come first: every copy loaded from an info.json or archive.org item is its own Video, and the video
    queries and the report follow the SAME_WORK_AS edges it writes."""
    from graphdb.analytics.bridging import compute_bridging
    from graphdb.analytics.communities import detect_communities
    from graphdb.analytics.coordination import detect_coordination
    from graphdb.analytics.copies import suggest_copies
    from graphdb.analytics.reports import materialise_reports

    w = suggest_copies(db).as_dict()
    c = detect_coordination(db)
    b = compute_bridging(db)
    m = detect_communities(db)
    r = materialise_reports(db)  # hashtag_lifecycle, amplifiers and cross_platform_bridges read what it writes
    return [
        f"copies: {w['same_work']} SAME_WORK_AS edges ({w['certain']} certain: equal content hashes), "
        f"{w['version_of']} suggested language versions over {w['videos']:,} videos",
        f"coordination: {len(c.groups)} groups, {c.edges} COORDINATED_WITH edges within {c.window} s "
        f"({c.candidate_pairs} candidate pairs, {c.chance_rejected} rejected as chance)",
        f"bridging: {b.nodes:,} accounts, {b.articulation_points} articulation points, {b.bridges} bridges",
        f"communities: {m.communities} ({m.algorithm}) over {m.nodes:,} nodes",
        f"reports: {r.hashtags} hashtag lifecycles, {r.amplifiers:,} amplifiers, "
        f"{r.bridge_accounts + r.bridge_urls:,} cross-platform bridges",
    ]


def query_section(db: Database, name: str, title: str, params: dict[str, Any], rows: int,
                  columns: str) -> QuerySection:  # fmt: skip
    keys, records = run_query(db, name, params, limit=rows)
    shown = [k for k in columns.split() if k in keys] or keys
    return QuerySection(name, title, shown, records[:rows])


def top_video(db: Database) -> str | None:
    """The most viewed video: what the demo follows."""
    _, top = run_query(db, parse_query_file(SUPPORT_DIR / "most_viewed_video.cypher"))
    return str(top[0]["uid"]) if top else None


def write_demo_view(db: Database, video: str | None, path: Path) -> Path:
    from graphdb.subgraph import Selection, select_subgraph
    from workflows.outputs import write_view

    seeds = [("video", video)] if video else []
    selected = select_subgraph(db, Selection(seeds, hops=VIEW_HOPS, max_nodes=VIEW_MAX_NODES))
    write_view(selected.graph, path, title=f"swarmgraph demo: {video or ''}", notice=selected.notice())
    return path.resolve()


def write_demo_report(db: Database, path: Path) -> Path:
    """The case report of the whole graph (viz/report), as `swarmgraph report -o PATH` writes it."""
    from workflows.report import build_report

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_report(db, None, None).html, encoding="utf-8")
    return path.resolve()
