"""`swarmgraph check` against local servers on 127.0.0.1 that answer like each host (the response shapes of
docs/inputs.md, "Removal rules"), never the internet: the per-host rules, limits (rate per host measured as the
spacing of requests, retries, time-outs, a host that hangs, a body over the cap), redirects to removal pages, the
safety rule, and the CSV rows reloading to the same UrlChecks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from cli.main import app
from etl.check import CheckOptions, run_check
from etl.check.fetch import Limits
from etl.load import load_paths
from etl.urls import canonical_url
from graphdb.db import Database

pytestmark = pytest.mark.neo4j

TG_SHOWN = '<div class="tgme_widget_message_bubble"><div class="tgme_widget_message_text">placeholder</div></div>'
TG_MISSING = '<div class="tgme_widget_message_error">Post not found</div>'
BIG = 5 * 1024 * 1024


class Host(ThreadingHTTPServer):
    """One fake host: records (time, method, path) of every request; `routes` maps a path to a handler."""

    daemon_threads = True

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.requests: list[tuple[float, str, str]] = []
        self.sent_bytes: dict[str, int] = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Host

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        with self.server.lock:
            self.server.requests.append((time.monotonic(), self.command, self.path))
            self.server.hits[path] = self.server.hits.get(path, 0) + 1
            hit = self.server.hits[path]
        route = self.server.routes.get(path)
        if route is None:
            return self._send(404, b"not here")
        route(self, hit)

    def _send(self, status: int, body: bytes, ctype: str = "text/html", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _oembed(h: Handler, hit: int) -> None:
    video = parse_qs(urlsplit(h.path).query)["url"][0].rsplit("=", 1)[-1]
    if video.startswith("gone"):
        return h._send(404, b"Not Found", "text/plain")
    if video.startswith("priv"):
        return h._send(401, b"Unauthorized", "text/plain")
    h._send(200, json.dumps({"title": "Placeholder", "author_name": "Channel", "type": "video"}).encode(),
            "application/json")  # fmt: skip


def _big(h: Handler, hit: int) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(BIG))
    h.end_headers()
    sent = 0
    try:
        while sent < BIG:
            h.wfile.write(b"<p>placeholder</p>" * 1000)
            sent += 18_000
    except OSError:  # the client hung up after its cap
        pass
    h.server.sent_bytes["/big"] = sent


HANG_SECONDS = 30.0  # far longer than the test's 0.5 s time-out


def _hang(h: Handler, hit: int) -> None:
    time.sleep(HANG_SECONDS)


def _flaky(h: Handler, hit: int) -> None:
    if hit <= 2:
        return h._send(503, b"busy")
    h._send(200, b"<html><body><ul><li>mirror list</li></ul></body></html>")


ROUTES = {
    "youtube": {"/oembed": _oembed},
    "archive": {
        "/metadata/item-alive": lambda h, n: h._send(200, b'{"metadata": {"identifier": "item-alive"}, "files": []}',
                                                     "application/json"),
        "/metadata/item-gone": lambda h, n: h._send(200, b"{}", "application/json"),
        "/metadata/item-dark": lambda h, n: h._send(200, b'{"is_dark": true, "metadata": {}}', "application/json"),
    },
    "telegram": {
        "/chan1/1": lambda h, n: h._send(200, TG_SHOWN.encode()),
        "/chan1/2": lambda h, n: h._send(200, TG_MISSING.encode()),
    },
    "paste": {
        "/alive1": lambda h, n: h._send(200, b"<html><body>mirror list</body></html>"),
        "/notice1": lambda h, n: h._send(200, b"<div>This content has been removed.</div>"),
        "/suspended": lambda h, n: h._send(302, b"", headers={"Location": "https://twitter.com/account/suspended"}),
        "/moved": lambda h, n: h._send(301, b"", headers={"Location": "/alive1"}),
        "/big": _big,
        "/hang": _hang,
        "/flaky": _flaky,
        "/clip.mp4": lambda h, n: h._send(200, b"\x00" * 4096, "video/mp4"),
    },
}  # fmt: skip
# url -> (status expected, rule expected)
EXPECTED = {
    "https://youtube.com/watch?v=alive000001": ("alive", "youtube-oembed-answer"),
    "https://youtube.com/watch?v=gone0000001": ("removed", "youtube-oembed-not-found"),
    "https://youtube.com/watch?v=priv0000001": ("unknown", "youtube-oembed-unauthorized"),
    "https://archive.org/details/item-alive": ("alive", "archive-metadata-item"),
    "https://archive.org/details/item-gone": ("removed", "archive-metadata-empty"),
    "https://archive.org/details/item-dark": ("removed", "archive-metadata-dark"),
    "https://t.me/chan1/1": ("alive", "telegram-post-shown"),
    "https://t.me/chan1/2": ("removed", "telegram-post-not-found"),
    "https://justpaste.it/alive1": ("alive", "answered"),
    "https://justpaste.it/notice1": ("removed", "justpaste-notice"),
    "https://justpaste.it/suspended": ("removed", "redirect-twitter-suspended"),
    "https://justpaste.it/moved": ("alive", "answered"),
    "https://justpaste.it/big": ("alive", "answered"),
    "https://justpaste.it/hang": ("unknown", "no-answer"),
    "https://justpaste.it/flaky": ("alive", "answered"),
    "https://justpaste.it/clip.mp4": ("alive", "answered"),
}
REFUSED = ["http://127.0.0.1:9/private", "http://10.1.2.3/intranet",
           "https://example.org/v.mp4?Expires=1700000000&Signature=abc&Key-Pair-Id=k"]  # fmt: skip
RATE = 5.0


@pytest.fixture(scope="module")
def hosts() -> Iterator[dict[str, Host]]:
    servers = {name: Host(routes) for name, routes in ROUTES.items()}
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers.values()]
    for t in threads:
        t.start()
    yield servers
    for s in servers.values():
        s.shutdown()
        s.server_close()


def _host_map(hosts: dict[str, Host]) -> tuple[tuple[str, str], ...]:
    return (("youtube.com", hosts["youtube"].base), ("archive.org", hosts["archive"].base),
            ("t.me", hosts["telegram"].base), ("justpaste.it", hosts["paste"].base))  # fmt: skip


def _graph_with_copies(db: Database, tmp: Path) -> None:
    rows = ["url,video_id,title"] + [f"{u},v{i},Placeholder {i}" for i, u in enumerate([*EXPECTED, *REFUSED])]
    (tmp / "videos.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert load_paths(db, [tmp / "videos.csv"], rejects_path=tmp / "rejects.jsonl").rejected == 0


def _url_checks(db: Database) -> dict[str, dict[str, Any]]:
    _, rows = db.read("MATCH (u:Url)-[:CHECKED]->(c:UrlCheck) RETURN u.url AS url, u.removed_at AS removed_at, "
                      "u.last_alive_at AS last_alive_at, properties(c) AS c")  # fmt: skip
    return {r["url"]: {**{k: v for k, v in r["c"].items() if k != "runs"}, "removed_at": r["removed_at"],
                       "last_alive_at": r["last_alive_at"]} for r in rows}  # fmt: skip


@pytest.fixture(scope="module")
def checked(session_db: Database, hosts: dict[str, Host], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("check")
    session_db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
    _graph_with_copies(session_db, tmp)
    opts = CheckOptions(concurrency=4, per_host_rate=RATE, limits=Limits(timeout=0.5, retries=2, max_bytes=64 * 1024),
                        out_csv=tmp / "url-checks.csv", host_map=_host_map(hosts))  # fmt: skip
    progress: list[tuple[int, int]] = []
    announced: list[tuple[int, int]] = []
    t0 = time.monotonic()
    summary = run_check(session_db, opts, progress=lambda d, t, u: progress.append((d, t)),
                        announce=lambda s: announced.append((s.urls, s.hosts)))  # fmt: skip
    return {"summary": summary, "progress": progress, "announced": announced, "tmp": tmp,
            "seconds": time.monotonic() - t0, "graph": _url_checks(session_db)}  # fmt: skip


def test_each_host_answer_is_decided_by_its_rule(checked: dict[str, Any]) -> None:
    got = {o.url: (o.status, o.rule) for o in checked["summary"].observations}
    assert got == EXPECTED
    graph = checked["graph"]
    assert {u: (c["status"], c["rule"]) for u, c in graph.items()} == EXPECTED
    assert all(c["source"] == "check" for c in graph.values())
    assert graph["https://justpaste.it/suspended"]["http_status"] == 302
    assert graph["https://justpaste.it/suspended"]["location"] == "https://twitter.com/account/suspended"
    assert graph["https://justpaste.it/hang"].get("http_status") is None
    assert graph["https://archive.org/details/item-gone"]["removed_at"] is not None


def test_the_plan_is_announced_and_unsafe_urls_are_never_contacted(checked: dict[str, Any],
                                                                   hosts: dict[str, Host]) -> None:  # fmt: skip
    summary = checked["summary"]
    assert checked["announced"] == [(len(EXPECTED), 4)]
    reasons = {canonical_url(u): r for u, r in summary.refused}
    assert set(reasons) == {canonical_url(u) for u in REFUSED}  # graph URLs are canonical: https, sorted query
    assert "private" in reasons["https://127.0.0.1:9/private"] and "private" in reasons["https://10.1.2.3/intranet"]
    assert "signed media" in reasons[canonical_url(REFUSED[2])]
    assert checked["progress"][-1] == (len(EXPECTED), len(EXPECTED))
    per_host = {r["host"]: r for r in summary.per_host()}
    assert per_host["justpaste.it"]["checked"] == 8 and per_host["youtube.com"]["removed"] == 1


def test_requests_to_one_host_keep_the_per_host_rate(checked: dict[str, Any], hosts: dict[str, Host]) -> None:
    for name, server in hosts.items():
        times = sorted(t for t, _, _ in server.requests)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert gaps and min(gaps) >= 1 / RATE - 0.02, (name, [round(g, 3) for g in gaps])


def test_transient_failures_are_retried_and_a_hanging_host_times_out(checked: dict[str, Any],
                                                                     hosts: dict[str, Host]) -> None:  # fmt: skip
    paste = hosts["paste"]
    assert paste.hits["/flaky"] == 3  # two 503s, then the answer
    assert paste.hits["/hang"] == 3  # the first try and two retries, each cut at the time-out
    obs = {o.url: o for o in checked["summary"].observations}
    assert obs["https://justpaste.it/flaky"].attempts == 3 and "timed out" in (
        obs["https://justpaste.it/hang"].note or ""
    )
    # Each try was cut at the client's time-out: the next one arrived long before the server would have answered.
    tries = sorted(t for t, _, path in paste.requests if path == "/hang")
    assert all(b - a < HANG_SECONDS / 2 for a, b in zip(tries, tries[1:], strict=False)), tries


def test_no_media_is_downloaded_and_bodies_stop_at_the_cap(checked: dict[str, Any], hosts: dict[str, Host]) -> None:
    paste = hosts["paste"]
    assert [m for _, m, p in paste.requests if p == "/clip.mp4"] == ["HEAD"]
    time.sleep(0.3)  # let the server's writer notice the hang-up
    assert paste.sent_bytes["/big"] < BIG // 2  # the client read its cap and closed; the rest was never sent
    assert [p for _, _, p in paste.requests].count("/moved") == 1 and paste.hits["/alive1"] == 2  # one redirect hop


def test_the_csv_reloads_to_the_same_url_checks(session_db: Database, checked: dict[str, Any]) -> None:
    csv_path = checked["tmp"] / "url-checks.csv"
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "url,checked_at,http_status,status,source,rule,location" and len(lines) == len(EXPECTED) + 1
    session_db.run_autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
    summary = load_paths(session_db, [csv_path], rejects_path=checked["tmp"] / "rejects2.jsonl")
    assert summary.rejected == 0 and summary.files[0].format == "url-checks"
    assert _url_checks(session_db) == checked["graph"]


def test_cli_dry_run_contacts_nothing_and_refuses_bad_options(tmp_path: Path, hosts: dict[str, Host]) -> None:
    before = sum(len(h.requests) for h in hosts.values())
    listing = tmp_path / "urls.txt"
    listing.write_text("# a list\nhttps://youtube.com/watch?v=alive000001\nftp://example.org/x\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["check", "--urls", str(listing), "--dry-run", "--out", str(tmp_path / "c.csv")])
    assert result.exit_code == 0, result.output
    assert "Would contact 1 URL on 1 host; 1 refused" in result.output
    assert sum(len(h.requests) for h in hosts.values()) == before and not (tmp_path / "c.csv").exists()
    bad = runner.invoke(app, ["check", "--allow-private", "--dry-run"])
    assert bad.exit_code == 1 and "--allow-private applies only to URLs listed with --urls" in bad.output
    bad = runner.invoke(app, ["check", "--urls", str(listing), "--map-host", "youtube.com", "--dry-run"])
    assert bad.exit_code == 1 and "Bad --map-host" in bad.output


def test_cli_checks_a_list_through_a_mapped_host(tmp_path: Path, hosts: dict[str, Host]) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("https://www.youtube.com/watch?v=gone0000001\n", encoding="utf-8")
    out_csv = tmp_path / "checks.csv"
    result = CliRunner().invoke(app, ["check", "--urls", str(listing), "--out", str(out_csv), "--map-host",
                                      f"youtube.com={hosts['youtube'].base}", "--per-host-rate", "20"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Contacting 1 URL on 1 host" in result.output and "1 checks appended" in result.output
    row = out_csv.read_text(encoding="utf-8").splitlines()[1].split(",")
    assert row[0] == "https://youtube.com/watch?v=gone0000001"
    assert row[2:6] == ["404", "removed", "check", "youtube-oembed-not-found"]
