"""The case report of a simulated swarmcast, opened in headless Chromium: every chart's values against independent
counts and the prepared queries, one planted release's route against the simulator's ground truth, the graph's
slider at three times, no request leaving the page, sections without their analysis, --defang, the PDF.

Screenshots of every section (1400x900) are written to build/screenshots/report/ (SWARMGRAPH_SCREENSHOTS to move
them); they are for looking at, never committed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app
from cypher import run_prepared
from etl.load import load_paths
from etl.urls import identify_url
from graphdb.analytics.bridging import compute_bridging
from graphdb.analytics.coordination import detect_coordination
from graphdb.analytics.reports import materialise_reports
from graphdb.analytics.successors import suggest_successors
from graphdb.db import Database
from graphdb.values import to_plain
from simulator import simulate
from workflows.report import build_report, find_chromium, print_pdf

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("SWARMGRAPH_SCREENSHOTS", ROOT / "build" / "screenshots")) / "report"
SECTIONS = ["summary", "activity", "hashtags", "survival", "dissemination", "bridges", "graph"]
VIDEO = "video:release-1-ar"  # the first release's original: the planted route followed here
runner = CliRunner()


@dataclass(frozen=True)
class Case:
    db: Database
    truth: dict[str, Any]
    dir: Path
    bare: Path  # the report before any analysis ran
    full: Path  # after coordination, bridging and successors


@pytest.fixture(scope="module")
def case(session_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Case:
    session_db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
    out = tmp_path_factory.mktemp("report-case")
    # The csv inputs: each work is one Video holding all its copies, so the report's routes and lifelines follow a
    # whole work with no analysis run (the bare report is built before any); the real-format path is the demo's.
    simulate(out / "sim", seed=1, scale="small", inputs="csv")
    assert load_paths(session_db, [out / "sim"], rejects_path=out / "rejects.jsonl").rejected == 0
    truth = json.loads((out / "sim" / "ground_truth.json").read_text(encoding="utf-8"))
    bare = out / "bare.html"
    bare.write_text(build_report(session_db, None, None, max_nodes=600).html, encoding="utf-8")
    detect_coordination(session_db)
    compute_bridging(session_db)
    suggest_successors(session_db)
    materialise_reports(session_db)
    full = out / "case.html"
    full.write_text(build_report(session_db, None, None, max_nodes=800).html, encoding="utf-8")
    return Case(session_db, truth, out, bare, full)


def embedded(path: Path, element: str = "swarmgraph-report") -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    marker = f'<script type="application/json" id="{element}">'
    start = text.index(marker) + len(marker)
    data: dict[str, Any] = json.loads(text[start : text.index("</script>", start)])
    return data


@pytest.fixture(scope="module")
def report(case: Case) -> dict[str, Any]:
    return embedded(case.full)


def hours_between(a: str, b: str) -> float:
    start, end = (datetime.fromisoformat(x.replace("Z", "+00:00")) for x in (a, b))
    return (end - start).total_seconds() / 3600


# ------------------------------------------------------------------------------------------------- the charts


def test_activity_bars_are_the_posts_per_platform_per_day(case: Case, report: dict[str, Any], open_page: Any) -> None:
    _, rows = case.db.read(
        "MATCH (p:Post) WHERE p.created_at IS NOT NULL "
        "RETURN p.platform AS platform, toString(date(p.created_at)) AS day, count(*) AS n"
    )
    expected = {(r["platform"], r["day"]): r["n"] for r in rows}
    bars = report["charts"]["activity"]["bars"]
    assert {(b["platform"], b["period"][:10]): b["count"] for b in bars} == expected
    assert sum(expected.values()) == case.truth["counts"]["tweets"] + case.truth["counts"]["telegram_messages"]
    view = open_page(case.full)
    heights = view.page.evaluate(
        "() => Array.from(document.querySelectorAll('svg[data-chart=activity] [id^=\"activity-bar-\"]'))"
        ".map(g => [Number(g.id.split('-')[2]), g.getBBox().height])"
    )
    assert len(heights) == len(bars)
    ratios = [h / bars[i]["count"] for i, h in heights]
    assert max(ratios) / min(ratios) < 1.02, "bar heights are proportional to their counts"
    _, dated = case.db.read("MATCH (a:Account) WHERE a.suspended_at IS NOT NULL RETURN count(a) AS n")
    suspended = dated[0]["n"]
    assert suspended > 0
    drawn = sum(e["count"] for e in report["charts"]["activity"]["events"] if e["kind"] == "suspensions")
    assert drawn == suspended


def test_survival_curves_and_medians_are_takedown_survivals(case: Case, report: dict[str, Any],
                                                            open_page: Any) -> None:  # fmt: skip
    _, rows = run_prepared(case.db, "takedown_survival", {})
    by_host = {r["host"]: to_plain(r) for r in rows}
    drawn = {c["host"]: c for c in report["charts"]["survival"]["curves"]}
    assert set(drawn) == set(by_host) == {"archive.org", "youtube", "liveleak", "videopress", "google-drive"}
    for host, row in by_host.items():
        assert drawn[host]["median_hours"] == row["median_hours_to_removal"]
        assert drawn[host]["steps"] == row["removed"] and drawn[host]["censored"] == row["censored"]
    view = open_page(case.full)
    cells = view.page.evaluate(
        "() => Array.from(document.querySelectorAll('#table-survival tbody tr'))"
        ".map(tr => [tr.cells[0].textContent, tr.cells[4].textContent])"
    )
    assert {h: float(m) for h, m in cells} == {h: r["median_hours_to_removal"] for h, r in by_host.items()}
    medians = view.page.evaluate("document.querySelectorAll('svg[data-chart=survival] [id^=\"km-median-\"]').length")
    assert medians == sum(1 for r in by_host.values() if r["median_hours_to_removal"] is not None)


def test_hashtag_panels_are_their_hourly_volumes(case: Case, report: dict[str, Any]) -> None:
    tags = {t["tag"]: t for t in report["charts"]["hashtags"]["tags"]}
    assert set(case.truth["event_hashtags"]) <= set(tags)
    lifecycle = {r["tag"]: r for r in report["case"]["hashtags"]["lifecycle"]}
    for tag, drawn in tags.items():
        _, rows = case.db.read("MATCH (:Hashtag {tag: $tag})<-[:TAGS]-(p:Post) RETURN count(p) AS n", {"tag": tag})
        assert drawn["posts"] == rows[0]["n"] == lifecycle[tag]["posts"]
    for tag in case.truth["event_hashtags"]:
        assert lifecycle[tag]["event_hashtag"] is True


# ------------------------------------------------------------------------------------------------- the route


def test_the_route_of_a_planted_release_matches_the_ground_truth(case: Case, report: dict[str, Any],
                                                                 open_page: Any) -> None:  # fmt: skip
    route = next(r for r in report["charts"]["routes"] if r["video"] == VIDEO)
    planted = case.truth["routes"][VIDEO]
    video = case.truth["videos"][VIDEO]
    release = int(VIDEO.split("-")[1])
    hosts = {identify_url(u).platform for u in video["copies"]}
    sites = {identify_url(u).platform for u, p in case.truth["pages"].items() if p["release"] == release}
    lanes = route["lanes"]
    assert hosts | sites | {"telegram", "twitter"} <= set(lanes)
    assert lanes[0] == "telegram" and max(lanes.index(h) for h in hosts | sites) < lanes.index("twitter")
    copies = {x["url"]: x for x in route["lifelines"] if x["kind"] == "copy"}
    assert set(copies) == set(video["copies"])
    assert all(copies[u]["lane"] == identify_url(u).platform for u in copies)
    first = next(s for s in route["shares"] if s["first"] and s["lane"] == "telegram")
    assert first["post"] == planted[0]["post"] and first["account"] == planted[0]["account"]
    assert first["at"].startswith(planted[0]["time"].removesuffix("Z")) and first["hours"] == 0
    hops = {h["reached"]: h for h in route["hops"]}
    last = max(h["hours"] for h in route["hops"])
    due = [s for s in planted[1:] if hours_between(planted[0]["time"], s["time"]) <= last]
    assert len(due) >= 5, "the drawn hops reach past several planted shares"
    for share in due:
        hop = hops[share["post"]]
        assert hop["to_lane"] == share["platform"] and hop["from_lane"] == "telegram"
        assert hop["delay_hours"] == pytest.approx(hours_between(planted[0]["time"], share["time"]), abs=0.0006)
    view = open_page(case.full)
    index = report["charts"]["routes"].index(route)
    counts = view.page.evaluate(
        f"""() => ({{hops: new Set(Array.from(document.querySelectorAll('[id^="route-{index}-hop-"]'))
                               .map(e => e.id.split('-').slice(0, 4).join('-'))).size,
                    reached: document.querySelectorAll('[id^="route-{index}-reached-"]').length}})"""
    )
    assert counts == {"hops": len(route["hops"]), "reached": len(route["hops"])}


# ------------------------------------------------------------------------------------------------- the graph


def test_the_graph_slider_shows_what_existed_at_three_times(case: Case, open_page: Any) -> None:
    graph = embedded(case.full, "swarmgraph-data")
    ids = [n["id"] for n in graph["nodes"]]
    posts = [i.removeprefix("Post:") for i in ids if i.startswith("Post:")]
    urls = [i.removeprefix("Url:") for i in ids if i.startswith("Url:")]
    _, post_rows = case.db.read("MATCH (p:Post) WHERE p.uid IN $k RETURN p.created_at.epochMillis AS t", {"k": posts})
    _, url_rows = case.db.read(
        "MATCH (u:Url) WHERE u.url IN $k RETURN u.first_seen.epochMillis AS t, u.removed_at.epochMillis AS r",
        {"k": urls},
    )
    view = open_page(case.full)
    span = view.page.evaluate("[window.swarmgraphNetwork.time.min, window.swarmgraphNetwork.time.max]")
    for share in (0.1, 0.4, 0.8):
        t = span[0] + share * (span[1] - span[0])
        state = view.page.evaluate(
            """(t) => { const s = window.swarmgraphNetwork; s.time.set(t);
                const body = s.network.body, shown = body.nodeIndices;  // what vis-network draws
                const grey = id => body.nodes[id].options.color.background === '#e3e3e3';
                return {posts: shown.filter(id => id.startsWith('Post:')).length,
                        urls: shown.filter(id => id.startsWith('Url:')).length,
                        grey: shown.filter(id => id.startsWith('Url:') && grey(id)).length,
                        all: shown.length, label: document.querySelector('.sg-count').textContent}; }""",
            t,
        )
        assert state["posts"] == sum(1 for r in post_rows if r["t"] <= t)
        assert state["urls"] == sum(1 for r in url_rows if r["t"] is None or r["t"] <= t)
        assert state["grey"] == sum(1 for r in url_rows if r["r"] is not None and r["r"] <= t)
        assert state["label"] == f"{state['all']:,} of {len(ids):,} nodes"
    assert view.errors == []


def test_no_request_leaves_the_page(case: Case, browser_context: Any) -> None:
    text = case.full.read_text(encoding="utf-8")
    csp = text[text.index('http-equiv="Content-Security-Policy" content="') :].split('"')[3]
    assert "default-src 'none'" in csp and "connect-src" not in csp and "https:" not in csp
    page = browser_context.new_page()
    seen: list[str] = []

    def intercept(route: Any) -> None:
        seen.append(route.request.url)
        if route.request.url == case.full.as_uri():
            route.continue_()
        else:
            route.abort()

    page.route("**/*", intercept)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(case.full.as_uri())
        page.wait_for_timeout(1500)
        page.click(".sg-timebar button")
        page.wait_for_timeout(1500)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.wait_for_timeout(300)
        assert seen == [case.full.as_uri()] and requests == [case.full.as_uri()]
    finally:
        page.close()


def test_a_screenshot_of_every_section(case: Case, open_page: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    view = open_page(case.full)
    view.page.set_viewport_size({"width": 1400, "height": 900})
    assert view.page.evaluate("Array.from(document.querySelectorAll('section.case')).map(s => s.id)") == SECTIONS
    for sid in SECTIONS:
        view.page.evaluate("(id) => document.getElementById(id).scrollIntoView()", sid)
        view.page.wait_for_timeout(150)
        view.page.screenshot(path=str(SHOTS / f"{sid}.png"))
        assert (SHOTS / f"{sid}.png").stat().st_size > 10_000
    assert view.errors == [] and view.requests == [view.url]


# ------------------------------------------------------------------------------------------------- variants


def test_sections_whose_analysis_did_not_run_name_the_command(case: Case, open_page: Any) -> None:
    view = open_page(case.bare)
    bridges = view.page.evaluate("document.getElementById('bridges').textContent")
    for command in ("swarmgraph analyze bridging", "swarmgraph analyze coordination", "swarmgraph analyze successors",
                    "swarmgraph analyze reports"):
        assert command in bridges
    summary = view.page.evaluate("document.getElementById('summary').textContent")
    assert "swarmgraph analyze communities" in summary
    assert view.page.evaluate("document.querySelectorAll('#table-brokers, #table-groups').length") == 0
    full = case.full.read_text(encoding="utf-8")
    assert 'id="table-brokers"' in full and "swarmgraph analyze bridging</code> fills it" not in full


def test_a_defanged_report_holds_no_live_url(case: Case, open_page: Any) -> None:
    path = case.dir / "defanged.html"
    path.write_text(build_report(case.db, None, None, max_nodes=300, defang=True).html, encoding="utf-8")
    strings: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(embedded(path))
    walk(embedded(path, "swarmgraph-data")["nodes"])
    assert not [s for s in strings if "http://" in s or "https://" in s]
    assert any(s.startswith("hxxps://") for s in strings)
    view = open_page(path)
    text = view.page.evaluate("Array.from(document.querySelectorAll('section.case')).map(s => s.innerText).join('\\n')")
    assert "https://" not in text and "hxxps://archive[.]org/details/" in text


def test_a_selection_report_counts_only_the_selection(case: Case, tmp_path: Path) -> None:
    out = tmp_path / "release1.html"
    result = runner.invoke(app, ["report", "--seed", VIDEO, "--hops", "2", "-o", str(out), "--max-nodes", "200"])
    assert result.exit_code == 0, result.output
    data = embedded(out)
    from graphdb.subgraph import Selection, select_subgraph

    g = select_subgraph(case.db, Selection([("video", VIDEO)], hops=2, max_nodes=50_000)).graph
    posts = sum(1 for _, d in g.nodes(data=True) if d["label"] == "Post")
    assert sum(b["count"] for b in data["charts"]["activity"]["bars"]) == posts
    assert [r["video"] for r in data["charts"]["routes"]] == [VIDEO]
    assert len(embedded(out, "swarmgraph-data")["nodes"]) <= 200


def test_pdf_holds_every_section(case: Case, tmp_path: Path) -> None:
    if find_chromium() is None:
        pytest.skip("no Chromium on PATH")
    from pypdf import PdfReader

    pdf = print_pdf(case.full, tmp_path / "case.pdf")
    reader = PdfReader(str(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    for title in ("Summary", "Activity over time", "Hashtags", "Takedown survival", "Dissemination",
                  "Bridges and brokers", "The graph"):  # fmt: skip
        assert title in text, title
    assert len(reader.pages) >= len(SECTIONS)
    assert "Release 1 (ar)" in text and "takedown_survival" in text


def test_pdf_without_chromium_says_how_to_get_one(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "case.html"
    result = runner.invoke(app, ["report", "--seed", VIDEO, "--hops", "1", "-o", str(out), "--pdf"])
    assert result.exit_code == 1
    assert "apt-get install chromium" in result.output and "print it to PDF" in result.output
    assert out.is_file() and not (tmp_path / "case.pdf").exists()


def test_filters_without_a_selection_are_refused(case: Case, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--since", "2015-11-16", "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 1 and "give --seed or --query" in result.output
    assert not (tmp_path / "x.html").exists()
