"""swarmgraph's own input files (docs/inputs.md) -> Fragments: videos, URL checks, page snapshots, account facts.

These carry what platform exports do not: which URLs serve which video, when a URL was found removed, what an
aggregator page listed, which accounts were suspended or belong to one actor. CSV headers are matched by name in
any order; a file missing a required column is not in the format at all (SourceFormatError), while a row missing a
required value is a Reject and the load goes on. An optional value that does not parse is dropped with a warning.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from etl.errors import SourceFormatError
from etl.readers.common import (
    add_account,
    excerpt,
    find_urls,
    fold_header,
    iter_csv_rows,
    iter_json_lines,
    parse_iso_utc,
)
from etl.records import Fragment, Node, NodeRef, ReaderItem, Reject, Rel
from etl.urls import InvalidUrl, canonical_url, identify_url, url_fragment

VIDEO_COLUMNS = ("url", "video_id", "title", "language", "version_of", "views", "duration", "hash")
URL_CHECK_COLUMNS = ("url", "checked_at", "http_status", "status")
# optional columns: where the observation came from, the rule that decided, a 3xx answer's redirect target
URL_CHECK_OPTIONAL = ("source", "rule", "location")
ACCOUNT_COLUMNS = ("uid", "platform", "handle", "name", "created_at", "suspended_at", "same_actor_as", "evidence")
SNAPSHOT_KEYS = ("page_url", "captured_at", "format", "content")
URL_CHECK_STATUSES = frozenset({"alive", "removed", "unknown"})


def url_check_uid(url: str, checked_at: datetime) -> str:
    """UrlCheck identity: the first 20 hex chars of sha1(canonical url + checked_at in UTC ISO 8601), so a check
    logged twice (in two files, or with a different spelling of the same URL) is one node."""
    return _check_uid(canonical_url(url), checked_at)


def _check_uid(canonical: str, checked_at: datetime) -> str:
    return hashlib.sha1((canonical + checked_at.isoformat()).encode("utf-8")).hexdigest()[:20]


# ---------------------------------------------------------------------------------------------------- videos


def read_videos_csv(path: Path) -> Iterator[ReaderItem]:
    """(Url)-[:SERVES {views}]->(Video), and (Video)-[:VERSION_OF {language}]->(Video) for language versions."""
    return _iter_named_rows(path, ("url", "video_id"), VIDEO_COLUMNS, _video_item)


def _video_item(row: dict[str, str], file: str, line: int) -> ReaderItem:
    url, video_id = _cell(row, "url"), _cell(row, "video_id")
    if not url or not video_id:
        return Reject(file, line, "url and video_id are required", _row_excerpt(row))
    try:
        nodes, rels, url_ref = url_fragment(url)
    except InvalidUrl as exc:
        return Reject(file, line, f"invalid url: {exc}", _row_excerpt(row))
    frag = Fragment(nodes=nodes, rels=rels)
    language = _cell(row, "language")
    video = Node(
        "Video",
        f"video:{video_id}",
        {
            "video_id": video_id,
            "title": _cell(row, "title"),
            "language": language.lower() if language else None,
            "duration": _number(row, "duration", frag, f"{file}:{line}", float),
            "hash": _cell(row, "hash"),
        },
    )
    frag.nodes.append(video)
    frag.rels.append(
        Rel("SERVES", url_ref, video.ref, {"views": _number(row, "views", frag, f"{file}:{line}", int)})
    )
    version_of = _cell(row, "version_of")
    if version_of and version_of != video_id:
        work = Node("Video", f"video:{version_of}", {"video_id": version_of}, placeholder=True)
        frag.nodes.append(work)
        frag.rels.append(Rel("VERSION_OF", video.ref, work.ref, {"language": video.props["language"]}))
    return frag


# ------------------------------------------------------------------------------------------------ URL checks


def read_url_checks_csv(path: Path) -> Iterator[ReaderItem]:
    """(Url)-[:CHECKED]->(UrlCheck {checked_at, http_status, status, source}); the Url gets removed_at /
    last_alive_at. Optional columns `source` (default `csv`), `rule` and `location` are kept as given."""
    return _iter_named_rows(path, ("url", "checked_at", "status"), URL_CHECK_COLUMNS + URL_CHECK_OPTIONAL,
                            url_check_item)  # fmt: skip


def url_check_item(row: dict[str, str], file: str, line: int) -> ReaderItem:
    """One url-checks row -> its Fragment or Reject (also what `swarmgraph check` writes to the graph, so a check
    and the reload of its CSV row are one code path)."""
    url, checked_raw, status = _cell(row, "url"), _cell(row, "checked_at"), (_cell(row, "status") or "").lower()
    if not url or not checked_raw or not status:
        return Reject(file, line, "url, checked_at and status are required", _row_excerpt(row))
    if status not in URL_CHECK_STATUSES:
        return Reject(file, line, f"status {status!r} is not alive, removed or unknown", _row_excerpt(row))
    try:
        checked_at = parse_iso_utc(checked_raw)
    except ValueError:
        return Reject(file, line, f"checked_at {checked_raw[:40]!r} is not ISO 8601", _row_excerpt(row))
    try:
        nodes, rels, url_ref = url_fragment(url)
    except InvalidUrl as exc:
        return Reject(file, line, f"invalid url: {exc}", _row_excerpt(row))
    frag = Fragment(nodes=nodes, rels=rels)
    # Merge rule for the writer: removed_at keeps the earliest value, last_alive_at the latest (docs/inputs.md).
    if status == "removed":
        nodes[0].props["removed_at"] = checked_at
    elif status == "alive":
        nodes[0].props["last_alive_at"] = checked_at
    check = Node(
        "UrlCheck",
        _check_uid(url_ref.key, checked_at),
        {
            "url": url_ref.key,
            "checked_at": checked_at,
            "status": status,
            "http_status": _number(row, "http_status", frag, f"{file}:{line}", int),
            "source": _cell(row, "source") or "csv",
            "rule": _cell(row, "rule"),
            "location": _cell(row, "location"),
        },
    )
    frag.nodes.append(check)
    frag.rels.append(Rel("CHECKED", url_ref, check.ref))
    return frag


# ------------------------------------------------------------------------------------------- page snapshots


class _AnchorParser(HTMLParser):
    """Collects the href of every <a> and <area> of a saved page (no scripts run, nothing fetched)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "area"):
            for name, value in attrs:
                if name == "href" and value:
                    self.hrefs.append(value.strip())


def snapshot_links(page_url: str, content: str, fmt: str) -> list[str]:
    """Absolute http(s) links of a snapshot in document order, deduplicated (relative hrefs resolved on page_url)."""
    if fmt == "html":
        parser = _AnchorParser()
        parser.feed(content)
        parser.close()
        links = []
        for href in parser.hrefs:
            try:
                url = urljoin(page_url, href)
            except ValueError:  # e.g. a malformed IPv6 host: not a link anyone can follow
                continue
            if url.lower().startswith(("http://", "https://")):
                links.append(url)
    else:
        links = find_urls(content)
    return list(dict.fromkeys(links))


def read_snapshots_jsonl(path: Path) -> Iterator[ReaderItem]:
    """(page Url)-[:LISTS {seen_at, last_seen_at}]->(mirror Url) for every off-site link of each saved page."""
    file = str(path)
    for item in iter_json_lines(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, obj = item
        yield _snapshot(obj, file, line)


def _snapshot(obj: Any, file: str, line: int) -> ReaderItem:
    if not isinstance(obj, dict):
        return Reject(file, line, "a snapshot line must be a JSON object", excerpt(str(obj)))
    page_url, captured_raw, content = obj.get("page_url"), obj.get("captured_at"), obj.get("content")
    if not isinstance(page_url, str) or not isinstance(captured_raw, str) or not isinstance(content, str):
        return Reject(file, line, "page_url, captured_at and content are required strings", excerpt(str(obj)))
    fmt = obj.get("format") or ("html" if "<a " in content.lower() else "text")
    if fmt not in ("html", "text"):
        return Reject(file, line, f"format {fmt!r} is not html or text", excerpt(str(obj)))
    try:
        captured_at = parse_iso_utc(captured_raw)
        return snapshot_fragment(page_url, captured_at, snapshot_links(page_url, content, fmt), f"{file}:{line}")
    except ValueError as exc:  # InvalidUrl is a ValueError too
        return Reject(file, line, f"bad page_url or captured_at: {exc}", excerpt(str(obj)))


def snapshot_fragment(
    page_url: str, captured_at: datetime, links: list[str], where: str, keep: Callable[[str], bool] | None = None
) -> Fragment:
    """(page Url)-[:LISTS {seen_at, last_seen_at}]->(mirror Url) for each off-site link of one capture of a page;
    `keep(platform kind)` narrows which mirrors count. InvalidUrl when page_url is not a URL. The WARC reader
    (etl/readers/warc.py) makes its snapshots with this too."""
    page = identify_url(page_url)
    nodes, rels, page_ref = url_fragment(page_url, seen_at=captured_at)
    frag = Fragment(nodes=nodes, rels=rels)
    listed: set[NodeRef] = {page_ref}
    for link in links:
        try:
            mirror = identify_url(link)
            if mirror.domain == page.domain or (keep is not None and not keep(mirror.kind)):
                continue  # the aggregator's own navigation, not a mirror
            mirror_nodes, mirror_rels, mirror_ref = url_fragment(link, seen_at=captured_at)
        except InvalidUrl as exc:
            frag.warnings.append(f"{where}: link skipped: {exc}")
            continue
        if mirror_ref in listed:
            continue
        listed.add(mirror_ref)
        frag.nodes.extend(mirror_nodes)
        frag.rels.extend(mirror_rels)
        # Merge rule for the writer: seen_at keeps the earliest capture, last_seen_at the latest.
        frag.rels.append(Rel("LISTS", page_ref, mirror_ref, {"seen_at": captured_at, "last_seen_at": captured_at}))
    return frag


# --------------------------------------------------------------------------------------------------- accounts


def read_accounts_csv(path: Path) -> Iterator[ReaderItem]:
    """Account facts: names, creation and suspension times, and SAME_ACTOR_AS assertions with their evidence."""
    return _iter_named_rows(path, ("uid",), ACCOUNT_COLUMNS, _account_item)


def _account_item(row: dict[str, str], file: str, line: int) -> ReaderItem:
    uid = _cell(row, "uid")
    if not uid or ":" not in uid:
        return Reject(file, line, "uid is required, in the graph's form (platform:id)", _row_excerpt(row))
    frag = Fragment()
    platform = _cell(row, "platform") or uid.split(":", 1)[0]
    handle = _cell(row, "handle")
    props = {
        "platform": platform,
        "handle": handle.lstrip("@") if handle else None,
        "name": _cell(row, "name"),
        "created_at": _time(row, "created_at", frag, f"{file}:{line}"),
        "suspended_at": _time(row, "suspended_at", frag, f"{file}:{line}"),
    }
    account = add_account(frag, uid, props)
    other = _cell(row, "same_actor_as")
    if other and other != uid:
        twin = add_account(frag, other, {"platform": other.split(":", 1)[0]}, placeholder=True)
        evidence = {"confidence": 1.0, "evidence": _cell(row, "evidence")}
        frag.rels.append(Rel("SAME_ACTOR_AS", account, twin, evidence))
    return frag


# ---------------------------------------------------------------------------------------------------- helpers


RowItem = Callable[[dict[str, str], str, int], ReaderItem]  # (row, file, line) -> its Fragment or Reject


def _iter_named_rows(
    path: Path, required: tuple[str, ...], known: tuple[str, ...], item: RowItem
) -> Iterator[ReaderItem]:
    """item(row, file, line) for each row, its header names stripped and lower-cased, or a Reject for a row the CSV
    guards refuse (etl/readers/csv_rows.py); SourceFormatError when a required column is absent."""

    def check(header: list[str]) -> None:
        missing = [c for c in required if c not in header]
        if missing:
            raise SourceFormatError(
                f"{path}: header lacks {', '.join(missing)} (expected columns: {', '.join(known)}; see docs/inputs.md)"
            )

    file = str(path)
    for row in iter_csv_rows(path, fold=fold_header, on_header=check):
        yield row if isinstance(row, Reject) else item(row[1], file, row[0])


def _cell(row: dict[str, str], column: str) -> str | None:
    value = row.get(column)
    return value.strip() or None if value is not None else None


def _number(row: dict[str, str], column: str, frag: Fragment, where: str, kind: type[int] | type[float]) -> Any:
    value = _cell(row, column)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        frag.warnings.append(f"{where}: {column} {value[:40]!r} is not a number; left out")
        return None
    if kind is int:
        if not number.is_integer():
            frag.warnings.append(f"{where}: {column} {value[:40]!r} is not an integer; left out")
            return None
        return int(number)
    return int(number) if number.is_integer() else number


def _time(row: dict[str, str], column: str, frag: Fragment, where: str) -> datetime | None:
    value = _cell(row, column)
    if value is None:
        return None
    try:
        return parse_iso_utc(value)
    except ValueError:
        frag.warnings.append(f"{where}: {column} {value[:40]!r} is not ISO 8601; left out")
        return None


def _row_excerpt(row: dict[Any, Any]) -> str:
    return excerpt(",".join(str(v) for v in row.values() if v is not None))
