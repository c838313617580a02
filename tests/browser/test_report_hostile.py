"""Adversarial names, texts and URLs in every section of a report stay text: no script runs, no handler attribute,
no link, no element the data asked for. The graph is written with Cypher in the model's shape (docs/model.md), so
values the loaders would refuse (a `javascript:` URL, a hostile platform name) reach the report too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graphdb.analytics.reports import materialise_reports
from graphdb.db import Database
from workflows.report import build_report

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]
T0 = datetime(2015, 11, 14, 9, 0, tzinfo=UTC)
SCRIPT = "</script><script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
SVG = '"><svg onload=window.__pwned=3>'
JS_URL = "javascript:window.__pwned=4"
STYLE = "</style><style>body{display:none}</style>"
HOSTILE_PLATFORM = IMG + "plat"
HOSTILE_HOST = SVG + ".example"
SEED = """
CREATE (run:LoadRun {id: 'x:1', source: $script + '.json', format: $img, sha256: $sha, records: 9, rejected: 0,
                     status: 'complete', loader: 'online', started_at: $t0, ended_at: $t0, swarmgraph_version: $style})
CREATE (pl:Platform {name: $host, kind: 'hosting', runs: ['x:1']})
CREATE (pg:Platform {name: 'justpaste.it', kind: 'aggregator', runs: ['x:1']})
CREATE (a:Account {uid: 'evil:1', handle: $script, name: $img, platform: $plat, runs: ['x:1'],
                   suspended_at: $t0 + duration('PT5H')})
CREATE (b:Account {uid: 'twitter:2', handle: $svg, name: $style, platform: 'twitter', runs: ['x:1']})
CREATE (v:Video {uid: 'video:' + $script, title: $img, language: $svg, runs: ['x:1']})
CREATE (u:Url {url: $js, platform: $host, domain: $host, first_seen: $t0, removed_at: $t0 + duration('PT3H'),
               last_alive_at: $t0 + duration('PT2H'), runs: ['x:1']})
CREATE (page:Url {url: 'https://justpaste.it/' + $svg, platform: 'justpaste.it', domain: 'justpaste.it',
                  first_seen: $t0, runs: ['x:1']})
CREATE (u)-[:HOSTED_ON]->(pl), (page)-[:HOSTED_ON]->(pg)
CREATE (u)-[:SERVES {views: 7}]->(v)
CREATE (page)-[:LISTS {seen_at: $t0}]->(u)
CREATE (u)-[:CHECKED]->(:UrlCheck {uid: 'c1', checked_at: $t0 + duration('PT2H'), status: 'alive'})
CREATE (u)-[:CHECKED]->(:UrlCheck {uid: 'c2', checked_at: $t0 + duration('PT4H'), status: 'removed'})
CREATE (h:Hashtag {tag: $script, runs: ['x:1']})
"""
POSTS = """
UNWIND $posts AS row
MATCH (a:Account {uid: row.author}), (h:Hashtag {tag: $script}), (target:Url {url: row.target})
CREATE (p:Post {uid: row.uid, text: row.text, platform: row.platform, runs: ['x:1'],
                created_at: $t0 + duration({minutes: row.minutes})})
CREATE (a)-[:POSTED]->(p), (p)-[:TAGS]->(h), (p)-[:LINKS_TO]->(target)
"""
TEXTS = (SCRIPT, IMG, SVG, JS_URL, STYLE)


@pytest.fixture(scope="module")
def hostile_report(session_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Path:
    session_db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
    params = {"script": SCRIPT, "img": IMG, "svg": SVG, "js": JS_URL, "style": STYLE, "t0": T0, "sha": "ab" * 32,
              "plat": HOSTILE_PLATFORM, "host": HOSTILE_HOST}  # fmt: skip
    session_db.write(SEED, params)
    posts = [{"uid": f"evil:p{i}", "text": TEXTS[i % 4], "platform": HOSTILE_PLATFORM if i < 3 else "twitter",
              "minutes": 7 * i, "author": "evil:1" if i < 3 else "twitter:2",
              "target": JS_URL if i % 2 == 0 else "https://justpaste.it/" + SVG} for i in range(6)]  # fmt: skip
    session_db.write(POSTS, {"posts": posts, "script": SCRIPT, "t0": T0})
    materialise_reports(session_db)  # the hashtag and bridge sections read what it writes
    path = tmp_path_factory.mktemp("hostile-report") / "hostile.html"
    path.write_text(build_report(session_db, None, None, title=f"Case {SCRIPT}").html, encoding="utf-8")
    return path


def test_the_seeded_case_fills_every_section(hostile_report: Path) -> None:
    text = hostile_report.read_text(encoding="utf-8")
    for chart in ("activity", "hashtags", "survival", "route-0"):
        assert f'data-chart="{chart}"' in text, chart


@pytest.mark.parametrize("section", ["summary", "activity", "hashtags", "survival", "dissemination", "bridges",
                                     "graph"])  # fmt: skip
def test_hostile_text_is_inert_in_every_section(hostile_report: Path, open_page: Any, section: str) -> None:
    view = open_page(hostile_report)
    page = view.page
    state = page.evaluate(
        """(id) => {
            const s = document.getElementById(id);
            const attrs = Array.from(s.querySelectorAll('*')).flatMap(e => Array.from(e.attributes).map(a => a.name));
            return {
                handlers: attrs.filter(n => n.startsWith('on')),
                links: Array.from(s.querySelectorAll('[href], [src], [action], [formaction]')).length,
                elements: s.querySelectorAll('script, img, iframe, object, embed, style:not(svg style), link, form, '
                                             + 'foreignObject, input:not([type=range]), svg:not([data-chart])').length,
                text: s.textContent,
            };
        }""",
        section,
    )
    assert state["handlers"] == [] and state["links"] == 0 and state["elements"] == 0
    assert page.evaluate("[window.__pwned, document.scripts.length, document.body.style.display]") == [None, 4, ""]
    assert view.dialogs == [] and view.errors == [] and view.requests == [view.url]
    if section != "graph":  # the graph draws its texts on a canvas (checked below)
        assert any(t in state["text"] for t in TEXTS), "the hostile text is shown, as text"


def test_the_texts_arrive_intact_where_they_are_shown(hostile_report: Path, open_page: Any) -> None:
    view = open_page(hostile_report)
    page = view.page
    cell = "(sel) => Array.from(document.querySelectorAll(sel + ' td')).map(td => td.textContent)"
    assert SCRIPT + ".json" in page.evaluate(cell, "#table-load-runs")
    assert HOSTILE_PLATFORM in page.evaluate(cell, "#table-activity")
    assert SCRIPT in page.evaluate(cell, "#table-hashtags")
    assert HOSTILE_HOST in page.evaluate(cell, "#table-survival")
    assert JS_URL in page.evaluate(cell, "#table-urls-0")
    assert page.evaluate("document.title") == f"Case {SCRIPT}"
    labels = page.evaluate("window.swarmgraphNetwork.nodes.get().map(n => n.title).join('\\n')")
    assert f"text: {IMG}" in labels and f"url: {JS_URL}" in labels
    svg_text = page.evaluate(
        "Array.from(document.querySelectorAll('svg.chart text')).map(t => t.textContent).join('|')"
    )
    assert "#</script><script>window.__pwned=1</s" in svg_text  # the hashtag panel's title, clipped, as text
    assert page.evaluate("window.__pwned") is None and view.dialogs == []


def test_a_defanged_hostile_report_keeps_javascript_urls_as_text(
    hostile_report: Path, session_db: Database, tmp_path: Path, open_page: Any
) -> None:
    path = tmp_path / "defanged.html"
    path.write_text(build_report(session_db, None, None, defang=True).html, encoding="utf-8")
    view = open_page(path)
    assert "https://justpaste" not in view.page.evaluate("document.body.innerText")
    assert "hxxps://justpaste[.]it/" in view.page.evaluate("document.body.innerText")
    assert view.page.evaluate("window.__pwned") is None and view.page.evaluate("document.links.length") == 7
