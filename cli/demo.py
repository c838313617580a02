"""`swarmgraph demo`: the main job end to end on a simulated swarmcast.

simulate a medium world (reused when already there) -> start the local Neo4j when needed -> load everything ->
run the analyses -> print the top rows of the key prepared queries -> write an interactive view -> say where it all is.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import DatabaseOpt, OutputFormat, UriOpt, UserOpt, handled, open_database, out, render_records, say
from graphdb.db import Database

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
VIDEO_COLUMNS = "url host views posts accounts removed_at"


def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where the simulated world and the outputs go.")] = Path(
        "demo-output"
    ),
    posts: Annotated[int, typer.Option(help="Posts in the simulated world.", min=1000)] = 50_000,
    seed: Annotated[int, typer.Option(help="Simulation seed.")] = 1,
    rows: Annotated[int, typer.Option(help="Rows to print per query.")] = 5,
    uri: UriOpt = None,
    username: UserOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Run the whole pipeline on a simulated swarmcast and print what it finds."""
    from etl.load import load_paths
    from simulator import simulate

    t0 = time.monotonic()
    with handled():
        world = out_dir / f"world-{posts}-seed{seed}"
        if (world / "ground_truth.json").is_file():
            say(f"1/5 Reusing the simulated world in {world}")
        else:
            say(f"1/5 Simulating a swarmcast of about {posts:,} posts into {world} ...")
            simulate(world, seed=seed, posts=posts)
        say("2/5 Connecting to Neo4j (the local server starts when needed) ...")
        with open_database(uri, username, database) as db:
            say(f"    {db.settings.describe()}")
            say("3/5 Loading every file (files loaded before are skipped) ...")
            summary = load_paths(db, [world], rejects_path=out_dir / "rejects.jsonl")
            say(
                f"    {summary.records:,} records loaded, {summary.rejected:,} rejected, "
                f"{len(summary.skipped)} file(s) already loaded, in {summary.seconds:.1f} s"
            )
            say("4/5 Analyses and prepared queries ...")
            _analyses(db)
            for name, title, columns in KEY_QUERIES:
                _show(db, name, title, {}, rows, columns)
            _show_video(db, rows)
            say("5/5 Writing an interactive view ...")
            view = _write_view(db, out_dir / "view.html")
            browser = db.settings.uri
    runtime_note = ""
    if uri is None:
        from graphdb.runtime import LocalRuntime

        runtime_note = f"\nNeo4j Browser:     {LocalRuntime().browser_url()} (user neo4j; `swarmgraph db env`)"
    out.print(
        f"\nDone in {time.monotonic() - t0:.0f} s.\n"
        f"Simulated world:   {world} (ground truth: {world / 'ground_truth.json'})\n"
        f"Interactive view:  {view}\n"
        f"Database:          {browser}{runtime_note}\n"
        f"Try:               swarmgraph queries; swarmgraph query video_reach --param video=video:release-1-ar",
        markup=False,
    )


def _analyses(db: Database) -> None:
    from graphdb.analytics.bridging import compute_bridging
    from graphdb.analytics.communities import detect_communities
    from graphdb.analytics.coordination import detect_coordination

    c = detect_coordination(db)
    say(
        f"    coordination: {len(c.groups)} groups, {c.edges} COORDINATED_WITH edges within {c.window} s "
        f"({c.candidate_pairs} candidate pairs, {c.chance_rejected} rejected as chance)"
    )
    b = compute_bridging(db)
    say(f"    bridging: {b.nodes:,} accounts, {b.articulation_points} articulation points, {b.bridges} bridges")
    m = detect_communities(db)
    say(f"    communities: {m.communities} ({m.algorithm}) over {m.nodes:,} nodes")
    from graphdb.analytics.reports import materialise_reports

    r = materialise_reports(db)
    say(f"    reports: {r.hashtags} hashtag lifecycles, {r.amplifiers:,} amplifiers, "
        f"{r.bridge_accounts + r.bridge_urls:,} cross-platform bridges")


def _show(db: Database, name: str, title: str, params: dict[str, Any], rows: int, columns: str) -> None:
    from cypher import run_query

    keys, records = run_query(db, name, params, limit=rows, notice=say)
    shown = [k for k in columns.split() if k in keys] or keys
    out.print(f"\n== {name}: {title}  (swarmgraph query {name} for every column)", markup=False)
    render_records(shown, records[:rows], OutputFormat.table)


def _top_video(db: Database) -> str | None:
    """The most viewed video: what the demo follows."""
    _, top = db.read(
        "MATCH (v:Video)<-[s:SERVES]-(:Url) WITH v, sum(coalesce(s.views, 0)) AS views "
        "RETURN v.uid AS uid ORDER BY views DESC, uid LIMIT 1"
    )
    return str(top[0]["uid"]) if top else None


def _show_video(db: Database, rows: int) -> None:
    video = _top_video(db)
    if video:
        _show(
            db,
            "video_reach",
            f"Where {video} is hosted and who spread it (question 1)",
            {"video": video},
            rows,
            VIDEO_COLUMNS,
        )


def _write_view(db: Database, path: Path) -> Path:
    from graphdb.subgraph import Selection, select_subgraph
    from viz.html import render_html

    video = _top_video(db)
    seeds = [("video", video)] if video else []
    selected = select_subgraph(db, Selection(seeds, hops=3, max_nodes=600))
    html = render_html(selected.graph, title=f"swarmgraph demo: {seeds[0][1] if seeds else ''}",
                       notice=selected.notice())  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path.resolve()
