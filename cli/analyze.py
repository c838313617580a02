"""`swarmgraph analyze ...`: the built-in analyses. Besides `load`, these are the only commands that write (derived
edges and properties, stamped with a run id); `resilience` only reports.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import DatabaseOpt, OutputFormat, UriOpt, UserOpt, handled, open_database, out, say
from graphdb.analytics.bridging import compute_bridging
from graphdb.analytics.communities import detect_communities
from graphdb.analytics.coordination import detect_coordination
from graphdb.analytics.copies import suggest_copies
from graphdb.analytics.reports import materialise_reports
from graphdb.analytics.resilience import measure_resilience
from graphdb.analytics.successors import suggest_successors
from graphdb.errors import SwarmgraphError

app = typer.Typer(help="Built-in analyses: coordination, bridging, communities, resilience, successors, copies, "
                       "reports.",
                  no_args_is_help=True)  # fmt: skip
AnalysisFormat = Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json (csv: the table rows).")]


def _run(fn: Any, uri: str | None, username: str | None, database: str | None, **kwargs: Any) -> dict[str, Any]:
    with handled(), open_database(uri, username, database) as db:
        try:
            return dict(fn(db, **kwargs).as_dict())
        except ValueError as exc:  # a bad option value the library refused
            raise SwarmgraphError(str(exc)) from None


def _show(result: dict[str, Any], rows_key: str | None, fmt: OutputFormat) -> None:
    """JSON: the whole result. Table/CSV: the summary on stderr, the main rows as a table on stdout."""
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(result, indent=1, default=str) + "\n")
        return
    rows = result.get(rows_key, []) if rows_key else []
    for key, value in result.items():
        if key != rows_key:
            say(f"{key}: {value if not isinstance(value, list | dict) else json.dumps(value, default=str)}")
    if rows:
        keys = list(rows[0])
        if fmt is OutputFormat.csv:
            sys.stdout.write(",".join(keys) + "\n")
            for r in rows:
                sys.stdout.write(",".join(json.dumps(r[k], default=str) if not isinstance(r[k], str) else r[k]
                                          for k in keys) + "\n")  # fmt: skip
            return
        table = Table(*keys)
        for r in rows:
            table.add_row(*(v if isinstance(v, str) else json.dumps(v, default=str) for v in r.values()))
        out.print(table)


@app.command()
def coordination(
    window: Annotated[int, typer.Option(help="Seconds within which two shares of one object count as co-shared.")] = 60,
    min_repeats: Annotated[int, typer.Option(help="Distinct objects a pair must have co-shared.")] = 2,
    percentile: Annotated[float, typer.Option(help="Keep pairs at or above this quantile of weights (CooRnet).")] = 0.0,
    alpha: Annotated[float, typer.Option(help="Family-wise chance of keeping an accidental pair.")] = 0.01,
    by: Annotated[str, typer.Option(help="Object: url (canonical URL) or video (any copy of a video).")] = "url",
    fmt: AnalysisFormat = OutputFormat.table,
    uri: UriOpt = None, username: UserOpt = None, database: DatabaseOpt = None,
) -> None:  # fmt: skip
    """Find coordinated link sharing; replace the COORDINATED_WITH edges and coordination groups."""
    result = _run(detect_coordination, uri, username, database, window=window, min_repeats=min_repeats,
                  percentile=percentile, alpha=alpha, by=by)  # fmt: skip
    result["groups"] = [{"group": i, "accounts": len(g), "members": g} for i, g in enumerate(result["groups"], 1)]
    _show(result, "groups", fmt)


@app.command()
def bridging(
    sample: Annotated[int | None, typer.Option(help="Estimate betweenness from this many sources (default: "
                                               "exact up to 10,000 nodes, else 1,000).", min=1)] = None,
    fmt: AnalysisFormat = OutputFormat.table,
    uri: UriOpt = None, username: UserOpt = None, database: DatabaseOpt = None,
) -> None:  # fmt: skip
    """Betweenness, articulation points and bridges on the dissemination projection (written on nodes)."""
    _show(_run(compute_bridging, uri, username, database, sample=sample), "top", fmt)


@app.command()
def communities(
    algorithm: Annotated[str, typer.Option(help="leiden or louvain.")] = "leiden",
    fmt: AnalysisFormat = OutputFormat.table,
    uri: UriOpt = None, username: UserOpt = None, database: DatabaseOpt = None,
) -> None:  # fmt: skip
    """Communities on the dissemination projection (written as `community` and `community_degree`)."""
    _show(_run(detect_communities, uri, username, database, algorithm=algorithm), "sizes", fmt)


@app.command()
def resilience(
    remove: Annotated[str, typer.Option(help="top:betweenness:N | top:degree:N | suspended | platform:NAME | "
                                        "accounts:FILE")],
    fmt: AnalysisFormat = OutputFormat.table,
    uri: UriOpt = None, username: UserOpt = None, database: DatabaseOpt = None,
) -> None:  # fmt: skip
    """Each video's reachable audience, the largest component and per community, before and after removal."""
    result = _run(measure_resilience, uri, username, database, removal=remove)
    if fmt is OutputFormat.json:
        _show(result, None, fmt)
        return
    communities = result.pop("communities")
    _show(result, "videos", fmt)
    _show({"communities": communities}, "communities", fmt)


@app.command()
def successors(
    max_gap_days: Annotated[float, typer.Option(help="A successor starts within this many days.")] = 7.0,
    min_confidence: Annotated[float, typer.Option(help="Write suggestions at or above this confidence.")] = 0.5,
    fmt: AnalysisFormat = OutputFormat.table,
    uri: UriOpt = None, username: UserOpt = None, database: DatabaseOpt = None,
) -> None:  # fmt: skip
    """Suggest successors of suspended accounts as SAME_ACTOR_AS {confidence, evidence} (never merges)."""
    _show(_run(suggest_successors, uri, username, database, max_gap_days=max_gap_days,
               min_confidence=min_confidence), "suggestions", fmt)  # fmt: skip


@app.command()
def reports(
    fmt: AnalysisFormat = OutputFormat.table,
    uri: UriOpt = None, username: UserOpt = None, database: DatabaseOpt = None,
) -> None:  # fmt: skip
    """Materialise the whole-graph reports (hashtag_lifecycle, amplifiers, cross_platform_bridges) so they answer at
    once on large graphs; run again after loading more data (the queries say when it is due)."""
    _show(_run(materialise_reports, uri, username, database), None, fmt)


@app.command()
def copies(
    min_confidence: Annotated[float, typer.Option(help="Write suggestions at or above this confidence (equal "
                                                  "content hashes are certain and always written).")] = 0.5,
    fmt: AnalysisFormat = OutputFormat.table,
    uri: UriOpt = None, username: UserOpt = None, database: DatabaseOpt = None,
) -> None:  # fmt: skip
    """Hosted copies that are the same work (SAME_WORK_AS) or language versions (SUGGESTED_VERSION_OF): suggestions
    with confidence and evidence, never merges; replaced by each run."""
    _show(_run(suggest_copies, uri, username, database, min_confidence=min_confidence), "suggestions", fmt)
