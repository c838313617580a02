"""Per-host removal rules: from one HTTP answer (status, redirect Location, the first bytes of the body) to alive,
removed or unknown, and the name of the rule that decided. Pure: nothing here touches the network.

The rules live in etl/data/removal_rules.csv (docs/inputs.md, "Removal rules"), one row each, citing the response
they match and the host. The rules of the checked URL's platform are tried first, in file order, then the rules
for any host (`*`); the first that matches decides. A page no rule recognises is `unknown` on the hosts that serve
removal notices with HTTP 200 (YouTube, t.me, ...), and never `removed` anywhere: only a recognised notice, a
404/410/451 or a redirect to a recognised removal page says removed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from etl.urls import InvalidUrl, identify_url

STATUSES = ("alive", "removed", "unknown")
BODY_BYTES = 64 * 1024  # the rules look at most this far into a body: notices and player states come early
ANY = "*"
NO_BODY = "-"  # a `body` cell of '-' matches only when no body was given (a CDX row, a HEAD request)
_COLUMNS = ("rule", "platform", "path", "status", "location", "body", "decision", "response")


@dataclass(frozen=True)
class Rule:
    """One row of removal_rules.csv. Empty match cells match anything; `status` is '404|410', '2xx', 'none' or '*'."""

    name: str
    platform: str
    path: re.Pattern[str] | None
    statuses: tuple[str, ...]
    location: re.Pattern[str] | None
    body: re.Pattern[str] | str | None  # NO_BODY, a pattern, or None
    decision: str
    response: str

    def matches(self, path: str, status: int | None, location: str | None, body: str | None) -> bool:
        if not _status_matches(self.statuses, status):
            return False
        if self.path is not None and not self.path.search(path):
            return False
        if self.location is not None and (location is None or not self.location.search(location)):
            return False
        if self.body == NO_BODY:
            return body is None
        if isinstance(self.body, re.Pattern):
            return body is not None and self.body.search(body) is not None
        return True


@dataclass(frozen=True)
class Verdict:
    """What one answer says about a URL: `status` (alive, removed, unknown), the `rule` that decided, and the
    response that rule cites."""

    status: str
    rule: str
    response: str


def _status_matches(statuses: tuple[str, ...], status: int | None) -> bool:
    for pattern in statuses:
        if pattern == ANY:
            return True
        if pattern == "none":
            if status is None:
                return True
        elif status is not None:
            if pattern.endswith("xx") and str(status)[:1] == pattern[0] and len(str(status)) == 3:
                return True
            if pattern == str(status):
                return True
    return False


def _compile(cell: str, where: str) -> re.Pattern[str] | None:
    if not cell:
        return None
    try:
        return re.compile(cell, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{where}: bad pattern {cell!r}: {exc}") from exc


def _rule(row: dict[str, str], line: int) -> Rule:
    where = f"etl/data/removal_rules.csv:{line}"
    cells = {k: (row.get(k) or "").strip() for k in _COLUMNS}
    if cells["decision"] not in STATUSES:
        raise ValueError(f"{where}: decision {cells['decision']!r} is not one of {', '.join(STATUSES)}")
    if not cells["rule"] or not cells["platform"] or not cells["status"] or not cells["response"]:
        raise ValueError(f"{where}: rule, platform, status and response are required")
    body: re.Pattern[str] | str | None = NO_BODY if cells["body"] == NO_BODY else _compile(cells["body"], where)
    return Rule(
        name=cells["rule"],
        platform=cells["platform"],
        path=_compile(cells["path"], where),
        statuses=tuple(s.strip().lower() for s in cells["status"].split("|")),
        location=_compile(cells["location"], where),
        body=body,
        decision=cells["decision"],
        response=cells["response"],
    )


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    """Every rule of etl/data/removal_rules.csv in file order (read once); ValueError names a bad row."""
    text = resources.files("etl").joinpath("data/removal_rules.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(text.splitlines())
    rules = [_rule(row, reader.line_num) for row in reader]
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise ValueError("etl/data/removal_rules.csv: rule names must be unique")
    if not any(r.platform == ANY and r.statuses == (ANY,) for r in rules):
        raise ValueError("etl/data/removal_rules.csv: a last rule for any host and any status is required")
    return tuple(rules)


def _platform_and_path(url: str) -> tuple[str, str]:
    try:
        platform = identify_url(url).platform
    except InvalidUrl:
        platform = ANY
    try:
        parts = urlsplit(url if "//" in url else "//" + url)
    except ValueError:
        return platform, ""
    return platform, parts.path + (f"?{parts.query}" if parts.query else "")


def _text(body: bytes | str | None) -> str | None:
    if body is None:
        return None
    if isinstance(body, bytes):
        return body[:BODY_BYTES].decode("utf-8", "replace")
    return body[:BODY_BYTES]


def decide(url: str, http_status: int | None, location: str | None = None, body: bytes | str | None = None) -> Verdict:
    """alive / removed / unknown for one answer to a request for `url` (the URL that was asked for, any spelling).

    http_status None means no answer (a time-out). `location` is the redirect target when the answer was a 3xx;
    `body` the first bytes of the answer (decoded as UTF-8; only the first BODY_BYTES count), or None when there
    was none to look at (a CDX row, a HEAD request). The rule names are stable: UrlCheck.rule records them.
    """
    platform, path = _platform_and_path(url)
    text = _text(body)
    rules = load_rules()
    for group in (platform, ANY) if platform != ANY else (ANY,):
        for rule in rules:
            if rule.platform == group and rule.matches(path, http_status, location, text):
                return Verdict(rule.decision, rule.name, rule.response)
    raise AssertionError("unreachable: load_rules() requires a last rule for any host and status")
