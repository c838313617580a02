"""One check run: choose the Urls, plan a probe per Url, contact hosts within the limits, decide each answer with
the per-host removal rules (etl/availability.py), append the rows to the url-checks CSV and write them to the graph.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from etl.availability import decide
from etl.check.fetch import Fetcher, HostBuckets, Limits
from etl.check.targets import Admission, Probe, Refused, host_of, probe_for
from etl.errors import SourceFormatError
from etl.urls import InvalidUrl, canonical_url
from graphdb.db import Database

CSV_COLUMNS = ("url", "checked_at", "http_status", "status", "source", "rule", "location")
MAX_REDIRECTS = 5
MAX_LIST_URLS = 1_000_000  # lines read from a --urls file
SELECT = """
MATCH (u:Url)
WHERE ($host IS NULL OR u.domain = $host OR u.domain ENDS WITH '.' + $host)
  AND ($platform IS NULL OR EXISTS { (u)-[:HOSTED_ON]->(:Platform {name: $platform}) })
  AND ($since IS NULL OR coalesce(u.last_seen, u.first_seen) >= datetime($since))
  AND ($include_removed OR u.removed_at IS NULL)
  AND ($host IS NOT NULL OR $platform IS NOT NULL OR EXISTS { (u)-[:SERVES]->(:Video) }
       OR EXISTS { (u)-[:LISTS]->(:Url) } OR EXISTS { (u)-[:HOSTED_ON]->(p:Platform) WHERE p.kind = 'hosting' })
OPTIONAL CALL (u) { MATCH (u)-[:CHECKED]->(c:UrlCheck) RETURN max(c.checked_at) AS last_check }
RETURN u.url AS url ORDER BY last_check IS NOT NULL, last_check, url
LIMIT $max
"""

# progress(done, total, url)
Progress = Callable[[int, int, str], None]


@dataclass
class CheckOptions:
    host: str | None = None
    platform: str | None = None
    since: str | None = None
    urls_file: Path | None = None
    max_urls: int = 1000
    concurrency: int = 4
    per_host_rate: float = 1.0
    limits: Limits = field(default_factory=Limits)
    out_csv: Path = Path("url-checks.csv")
    host_map: tuple[tuple[str, str], ...] = ()
    allow_private: bool = False
    include_removed: bool = False
    dry_run: bool = False


@dataclass
class Observation:
    url: str
    host: str
    checked_at: datetime
    http_status: int | None
    status: str
    rule: str
    location: str | None
    attempts: int
    note: str | None = None

    def row(self) -> dict[str, str]:
        return {"url": self.url, "checked_at": self.checked_at.isoformat(),
                "http_status": "" if self.http_status is None else str(self.http_status), "status": self.status,
                "source": "check", "rule": self.rule, "location": self.location or ""}  # fmt: skip


@dataclass
class CheckSummary:
    urls: int = 0
    hosts: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    csv_path: str | None = None
    run_id: str | None = None
    dry_run: bool = False
    seconds: float = 0.0

    def per_host(self) -> list[dict[str, Any]]:
        table: dict[str, Counter[str]] = {}
        for o in self.observations:
            c = table.setdefault(o.host, Counter())
            c[o.status] += 1
            c["retries"] += o.attempts - 1
        for url, _ in self.refused:
            table.setdefault(_safe_host(url), Counter())["refused"] += 1
        return [{"host": h, "checked": c["alive"] + c["removed"] + c["unknown"], "alive": c["alive"],
                 "removed": c["removed"], "unknown": c["unknown"], "refused": c["refused"], "retries": c["retries"]}
                for h, c in sorted(table.items())]  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {"urls": self.urls, "hosts": self.hosts, "checked": len(self.observations), "dry_run": self.dry_run,
                "csv": self.csv_path, "run": self.run_id, "seconds": round(self.seconds, 2),
                "per_host": self.per_host(), "refused": [{"url": u, "reason": r} for u, r in self.refused]}  # fmt: skip


def _safe_host(url: str) -> str:
    try:
        return host_of(url) or "(none)"
    except ValueError:
        return "(invalid)"


def read_url_list(path: Path) -> list[str]:
    """One URL per line (blank lines and '# comments' skipped), deduplicated in order."""
    urls: list[str] = []
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for n, line in enumerate(fh, 1):
                if n > MAX_LIST_URLS:
                    raise SourceFormatError(f"{path}: more than {MAX_LIST_URLS:,} lines; split the list")
                text = line.strip()
                if text and not text.startswith("#"):
                    urls.append(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceFormatError(f"Cannot read the URL list {path}: {exc}") from exc
    return list(dict.fromkeys(urls))


def select_urls(db: Database, opts: CheckOptions) -> list[str]:
    _, rows = db.read(SELECT, {"host": opts.host, "platform": opts.platform, "since": opts.since,
                               "include_removed": opts.include_removed, "max": opts.max_urls})  # fmt: skip
    return [r["url"] for r in rows]


def plan(urls: list[str], listed: bool, admission: Admission) -> tuple[list[Probe], list[tuple[str, str]]]:
    """A probe per URL, or the reason it is refused (without DNS: a host name resolving to a private address is
    refused when its request is due). A listed URL is canonicalised like the graph's."""
    probes: list[Probe] = []
    refused: list[tuple[str, str]] = []
    for raw in urls:
        try:
            url = canonical_url(raw) if listed else raw
            admission.destination(url, resolve=False)
            probe = probe_for(url)
            admission.destination(probe.request_url, resolve=False)
            probes.append(probe)
        except (Refused, InvalidUrl) as exc:
            refused.append((raw, str(exc)))
    return probes, refused


def check_one(fetcher: Fetcher, probe: Probe) -> Observation | tuple[str, str]:
    """Ask, decide with the rules, and follow a redirect only when the rules cannot tell from it (at most
    MAX_REDIRECTS hops, each passing the safety rule). (url, reason) when the first request is refused."""
    method, url, host, attempts, note = probe.method, probe.request_url, probe.host, 0, None
    for _ in range(MAX_REDIRECTS + 1):
        try:
            answer = fetcher.fetch(method, url, host)
        except Refused as exc:
            if url == probe.request_url:
                return probe.url, str(exc)
            raise AssertionError("redirect hops are admitted before they are requested") from exc
        except LookupError as exc:  # the host does not resolve: no answer
            verdict = decide(url, None)
            return Observation(probe.url, probe.host, _now(), None, verdict.status, verdict.rule, None, attempts + 1,
                               str(exc))  # fmt: skip
        attempts += answer.attempts
        verdict = decide(url, answer.status, answer.location, answer.body)
        note = answer.error
        if answer.status is not None and 300 <= answer.status < 400 and answer.location \
                and verdict.rule == "redirect-other":  # fmt: skip
            target = urljoin(url, answer.location)
            try:
                fetcher.admission.destination(target)
            except (Refused, LookupError) as exc:
                note = f"redirect to {target[:200]} not followed: {exc}"
            else:
                url, host = target, host_of(target)
                method = "HEAD" if method == "HEAD" else "GET"
                continue
        return Observation(probe.url, probe.host, _now(), answer.status, verdict.status, verdict.rule,
                           answer.location, attempts, note)  # fmt: skip
    return Observation(probe.url, probe.host, _now(), answer.status, "unknown", verdict.rule, answer.location,
                       attempts, f"more than {MAX_REDIRECTS} redirects")  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC)


def _check_csv_header(path: Path) -> None:
    """Refuse, before contacting anything, a CSV whose header the rows could not be appended to."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = [h.strip().lower() for h in next(csv.reader(fh), [])]
    if header != list(CSV_COLUMNS):
        raise SourceFormatError(
            f"{path} exists with the header {','.join(header)[:200]!r}; checks append rows with the header "
            f"{','.join(CSV_COLUMNS)} (docs/inputs.md). Choose another --out file."
        )


def append_rows(path: Path, observations: list[Observation]) -> int:
    """Append the rows (header first when the file is new); returns the line number of the first row written."""
    new = not path.exists() or path.stat().st_size == 0
    path.parent.mkdir(parents=True, exist_ok=True)
    first_line = 2 if new else 1 + sum(1 for _ in open(path, "rb"))
    with open(path, "a", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerows(o.row() for o in observations)
    return first_line


def run_check(db: Database | None, opts: CheckOptions, *, progress: Progress | None = None,
              announce: Callable[[CheckSummary], None] | None = None) -> CheckSummary:  # fmt: skip
    """Check the chosen Urls; `announce` is called with the plan (URLs, hosts, refusals) before any request."""
    import time

    from etl.check.record import write_observations

    started = time.monotonic()
    if opts.concurrency < 1 or opts.max_urls < 1:
        raise ValueError("--concurrency and --max must be at least 1")
    if opts.allow_private and opts.urls_file is None:
        raise ValueError("--allow-private applies only to URLs listed with --urls")
    if opts.urls_file is not None:
        urls = read_url_list(opts.urls_file)[: opts.max_urls]
    elif db is not None:
        urls = select_urls(db, opts)
    else:
        raise ValueError("checking Urls of the graph needs a database")
    admission = Admission(opts.host_map, opts.allow_private)
    probes, refused = plan(urls, opts.urls_file is not None, admission)
    summary = CheckSummary(urls=len(probes), hosts=len({p.host for p in probes}), refused=refused,
                           dry_run=opts.dry_run)  # fmt: skip
    if not opts.dry_run:
        _check_csv_header(opts.out_csv)
    if announce is not None:
        announce(summary)
    if opts.dry_run or not probes:
        return summary
    fetcher = Fetcher(opts.limits, HostBuckets(opts.per_host_rate), admission)
    try:
        with ThreadPoolExecutor(max_workers=opts.concurrency, thread_name_prefix="swarmgraph-check") as pool:
            futures = [pool.submit(check_one, fetcher, p) for p in probes]
            for n, future in enumerate(as_completed(futures), 1):
                result = future.result()
                if isinstance(result, Observation):
                    summary.observations.append(result)
                else:
                    summary.refused.append(result)
                if progress is not None:
                    progress(n, len(probes), result.url if isinstance(result, Observation) else result[0])
    finally:
        fetcher.close()
    summary.observations.sort(key=lambda o: (o.checked_at, o.url))
    first_line = append_rows(opts.out_csv, summary.observations)
    summary.csv_path = str(opts.out_csv)
    if db is not None:
        summary.run_id = write_observations(db, opts.out_csv, first_line, summary.observations)
    summary.seconds = time.monotonic() - started
    return summary


def hosts_of(probes: list[Probe]) -> list[str]:
    return sorted({urlsplit(p.request_url).hostname or "" for p in probes})
