"""`swarmgraph check`: live availability checks of Urls (the library is etl/check/; this parses, calls, renders)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import Connection, OutputFormat, err, handled, say
from cli.options import connected
from cli.render import render_records
from graphdb.errors import SwarmgraphError


@connected
def check(
    host: Annotated[str | None, typer.Option(help="Only Urls on this domain (and its subdomains).")] = None,
    platform: Annotated[str | None, typer.Option(help="Only Urls hosted on this platform (youtube, ...).")] = None,
    since: Annotated[str | None, typer.Option(help="Only Urls seen (shared) at or after this ISO 8601 time.")] = None,
    urls: Annotated[Path | None, typer.Option("--urls", help="Check the URLs in this file (one per line) "
                                              "instead of the graph's.", exists=True, dir_okay=False)] = None,
    max_urls: Annotated[int, typer.Option("--max", help="Check at most this many Urls (never-checked and "
                                          "longest-unchecked first).", min=1)] = 1000,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once, over all hosts.", min=1)] = 4,
    per_host_rate: Annotated[float, typer.Option(help="Requests per second to any one host.", min=0.001)] = 1.0,
    timeout: Annotated[float, typer.Option(help="Seconds to connect and to read; a whole answer gets twice that.",
                                           min=0.1)] = 10.0,
    retries: Annotated[int, typer.Option(help="Retries of a time-out, a failed connection, 429 or 5xx.",
                                         min=0)] = 2,
    max_bytes: Annotated[int, typer.Option(help="Bytes of a body read at most (media bodies are never read).",
                                           min=1024)] = 64 * 1024,
    user_agent: Annotated[str | None, typer.Option(help="User-Agent header sent.")] = None,
    out_csv: Annotated[Path, typer.Option("--out", help="The url-checks CSV the rows are appended to.")] = Path(
        "url-checks.csv"
    ),
    map_host: Annotated[list[str] | None, typer.Option(help="HOST=BASE_URL: send requests for HOST (and its "
                                                       "subdomains) to BASE_URL instead, e.g. a local recording "
                                                       "or test server; mapped hosts may be private.")] = None,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="With --urls: allow URLs on private or "
                                                "loopback addresses (refused by default).")] = False,
    include_removed: Annotated[bool, typer.Option("--include-removed", help="Also Urls already found "
                                                  "removed.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be contacted; contact nothing, "
                                          "write nothing.")] = False,
    *, conn: Connection,
) -> None:  # fmt: skip
    """Check whether Urls are still up (HEAD, or GET of the first bytes; per-host rules decide alive/removed/unknown);
    every check is appended to a url-checks CSV and written to the graph as a UrlCheck with source `check`."""
    from etl.check import CheckOptions, run_check
    from etl.check.fetch import Limits

    limits = Limits(timeout=timeout, retries=retries, max_bytes=max_bytes,
                    **({"user_agent": user_agent} if user_agent else {}))  # fmt: skip
    with handled():
        opts = CheckOptions(host=host, platform=platform, since=since, urls_file=urls, max_urls=max_urls,
                            concurrency=concurrency, per_host_rate=per_host_rate, limits=limits, out_csv=out_csv,
                            host_map=_host_map(map_host), allow_private=allow_private,
                            include_removed=include_removed, dry_run=dry_run)  # fmt: skip
        db = None if urls is not None and dry_run else conn.open()
        try:
            with _progress() as progress:
                summary = run_check(db, opts, progress=progress, announce=_announce)
        except ValueError as exc:
            raise SwarmgraphError(str(exc)) from exc
        finally:
            if db is not None:
                db.close()
    _render(summary.as_dict())


def _host_map(pairs: list[str] | None) -> tuple[tuple[str, str], ...]:
    mapped = []
    for pair in pairs or []:
        host, sep, base = pair.partition("=")
        if not sep or not host.strip() or not base.startswith(("http://", "https://")):
            raise SwarmgraphError(f"Bad --map-host {pair!r}: use HOST=http://ADDRESS:PORT")
        mapped.append((host.strip().lower().removeprefix("www."), base.rstrip("/")))
    return tuple(mapped)


def _announce(summary: Any) -> None:
    verb = "Would contact" if summary.dry_run else "Contacting"
    say(f"{verb} {summary.urls:,} URL{'s' if summary.urls != 1 else ''} on {summary.hosts:,} "
        f"host{'s' if summary.hosts != 1 else ''}; {len(summary.refused):,} refused by the safety rule.")  # fmt: skip


class _progress:  # noqa: N801 - used as a context manager like rich's
    """A progress bar on a terminal (stderr); nothing when stderr is not a TTY."""

    def __enter__(self) -> Any:
        if not err.is_terminal:
            self.bar = None
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=err, transient=True)  # fmt: skip
        self.bar.start()
        self.task = self.bar.add_task("check", total=None)

        def show(done: int, total: int, url: str) -> None:
            assert self.bar is not None
            self.bar.update(self.task, completed=done, total=total)

        return show

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _render(result: dict[str, Any]) -> None:
    if result["per_host"]:
        render_records(list(result["per_host"][0]), result["per_host"], OutputFormat.table, count=False)
    for r in result["refused"][:20]:
        say(f"refused {r['url'][:200]}: {r['reason']}")
    if len(result["refused"]) > 20:
        say(f"... {len(result['refused']) - 20} more refused")
    if not result["dry_run"] and result["csv"]:
        say(f"{result['checked']:,} checks appended to {result['csv']} (run {result['run']}, {result['seconds']} s)")
