"""`swarmgraph analyze ...`: the built-in analyses. Besides `load`, these are the only commands that write (derived
edges and properties, stamped with a run id); `resilience` only reports.

Each command here only says which analysis to run with which options; `analysis` adds --format and the connection,
runs it and renders its result.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.common import Connection, OutputFormat, handled
from cli.options import CONNECTION, with_group
from cli.render import render_result

if TYPE_CHECKING:
    from graphdb.db import Database

app = typer.Typer(help="Built-in analyses: coordination, bridging, communities, resilience, successors, copies, "
                       "reports.",
                  no_args_is_help=True)  # fmt: skip
AnalysisFormat = Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json (csv: the table rows).")]
Run = Callable[["Database"], Any]  # an analysis with its options bound, waiting for the database
Render = Callable[[dict[str, Any], OutputFormat], None]


def analysis(rows: str, render: Render | None = None) -> Callable[[Callable[..., Run]], Callable[..., None]]:
    """Turn `fn(**options) -> Run` into a command: run it, then render its result (the `rows` field as the table)."""

    def decorate(fn: Callable[..., Run]) -> Callable[..., None]:
        @functools.wraps(fn)
        def command(*, fmt: OutputFormat, conn: Connection, **options: Any) -> None:
            run = fn(**options)
            with handled(), conn.open() as db:
                result = dict(run(db).as_dict())
            (render or functools.partial(_render_rows, rows))(result, fmt)

        command.__annotations__ = {**fn.__annotations__, "return": None}
        fmt_option = with_group("fmt", [("fmt", AnalysisFormat, OutputFormat.table)], lambda fmt: fmt)
        return with_group("conn", CONNECTION, Connection)(fmt_option(command))

    return decorate


def _render_rows(rows: str, result: dict[str, Any], fmt: OutputFormat) -> None:
    render_result(result, rows, fmt)


def _render_groups(result: dict[str, Any], fmt: OutputFormat) -> None:
    result["groups"] = [{"group": i, "accounts": len(g), "members": g} for i, g in enumerate(result["groups"], 1)]
    render_result(result, "groups", fmt)


def _render_resilience(result: dict[str, Any], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        render_result(result, None, fmt)
        return
    communities = result.pop("communities")
    render_result(result, "videos", fmt)
    render_result({"communities": communities}, "communities", fmt)


@app.command()
@analysis("groups", _render_groups)
def coordination(
    window: Annotated[int, typer.Option(help="Seconds within which two shares of one object count as co-shared.")] = 60,
    min_repeats: Annotated[int, typer.Option(help="Distinct objects a pair must have co-shared.")] = 2,
    percentile: Annotated[float, typer.Option(help="Keep pairs at or above this quantile of weights (CooRnet).")] = 0.0,
    alpha: Annotated[float, typer.Option(help="Family-wise chance of keeping an accidental pair.")] = 0.01,
    by: Annotated[str, typer.Option(help="Object: url (canonical URL) or video (any copy of a video).")] = "url",
) -> Run:
    """Find coordinated link sharing; replace the COORDINATED_WITH edges and coordination groups."""
    from graphdb.analytics.coordination import detect_coordination

    return functools.partial(detect_coordination, window=window, min_repeats=min_repeats, percentile=percentile,
                             alpha=alpha, by=by)  # fmt: skip


@app.command()
@analysis("top")
def bridging(
    sample: Annotated[int | None, typer.Option(help="Estimate betweenness from this many sources (default: "
                                               "exact while nodes x relationships <= 5e9, else as many sources as "
                                               "5e9 steps allow, at least 100).", min=1)] = None,
) -> Run:  # fmt: skip
    """Betweenness, articulation points and bridges on the dissemination projection (written on nodes)."""
    from graphdb.analytics.bridging import compute_bridging

    return functools.partial(compute_bridging, sample=sample)


@app.command()
@analysis("sizes")
def communities(algorithm: Annotated[str, typer.Option(help="leiden or louvain.")] = "leiden") -> Run:
    """Communities on the dissemination projection (written as `community` and `community_degree`)."""
    from graphdb.analytics.communities import detect_communities

    return functools.partial(detect_communities, algorithm=algorithm)


@app.command()
@analysis("videos", _render_resilience)
def resilience(
    remove: Annotated[str, typer.Option(help="top:betweenness:N | top:degree:N | suspended | platform:NAME | "
                                        "accounts:FILE")],
) -> Run:  # fmt: skip
    """Each video's reachable audience, the largest component and per community, before and after removal."""
    from graphdb.analytics.resilience import measure_resilience

    return functools.partial(measure_resilience, removal=remove)


@app.command()
@analysis("suggestions")
def successors(
    max_gap_days: Annotated[float, typer.Option(help="A successor starts within this many days.")] = 7.0,
    min_confidence: Annotated[float, typer.Option(help="Write suggestions at or above this confidence.")] = 0.5,
) -> Run:
    """Suggest successors of suspended accounts as SAME_ACTOR_AS {confidence, evidence} (never merges)."""
    from graphdb.analytics.successors import suggest_successors

    return functools.partial(suggest_successors, max_gap_days=max_gap_days, min_confidence=min_confidence)


@app.command()
@analysis("suggestions")
def copies(
    min_confidence: Annotated[float, typer.Option(help="Write suggestions at or above this confidence (equal "
                                                  "content hashes are certain and always written).")] = 0.5,
) -> Run:  # fmt: skip
    """Hosted copies that are the same work (SAME_WORK_AS) or language versions (SUGGESTED_VERSION_OF): suggestions
    with confidence and evidence, never merges; replaced by each run."""
    from graphdb.analytics.copies import suggest_copies

    return functools.partial(suggest_copies, min_confidence=min_confidence)


@app.command()
@analysis("")
def reports() -> Run:
    """Materialise the whole-graph reports (hashtag_lifecycle, amplifiers, cross_platform_bridges, hashtag_volume,
    case_counts, activity_over_time) so they answer at once on large graphs; run again after loading more data (the
    queries say when it is due)."""
    from graphdb.analytics.reports import materialise_reports

    return materialise_reports
