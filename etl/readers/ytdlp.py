"""yt-dlp / youtube-dl `.info.json` (`--write-info-json --skip-download`) -> hosted copies (docs/formats.md, "yt-dlp").

One file describes one copy (any extractor: YouTube, archive.org, Vimeo, Dailymotion, Telegram, generic), or a
playlist whose entries are copies. The copy is the canonical `webpage_url`: `(Url)-[:SERVES {views}]->(Video)`; the
Video uid is `video:<host platform>:<id>`. `epoch` (when yt-dlp fetched the metadata) is an observation: the copy
answered then (UrlCheck source `info.json`). On a hosting platform the uploader is an Account that POSTED the Video
and its upload post `<platform>:video:<id>` (which links the copy). `formats[].url` and the top-level `url` are
signed media URLs: they are never read into the graph, and nothing here fetches anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson

from etl.readers.common import add_account, excerpt, utc_from_timestamp
from etl.readers.evidence import add_check, iter_top_level, language_code
from etl.readers.telegram_stream import open_json
from etl.records import Fragment, Node, NodeRef, ReaderItem, Reject, Rel
from etl.urls import InvalidUrl, identify_url, url_fragment

SOURCE = "info.json"
# The fields read; everything else (formats, thumbnails, captions, entries, http_headers) is passed over unbuilt.
FIELDS = frozenset({
    "_type", "id", "display_id", "title", "fulltitle", "duration", "view_count", "webpage_url", "extractor",
    "extractor_key", "language", "availability", "live_status", "epoch", "uploader", "uploader_id", "channel",
    "channel_id", "upload_date", "timestamp", "release_timestamp",
})  # fmt: skip
ALIVE_AVAILABILITY = frozenset({None, "public", "unlisted"})
# What a flat playlist shows in place of a video that is gone: yt-dlp keeps the id and this title.
GONE_TITLES = {"[deleted video]": "removed", "[private video]": "removed"}  # private counts as removed (docs/inputs.md)


def read_ytdlp_info(path: Path) -> Iterator[ReaderItem]:
    """One Fragment per copy: the file's video, or each entry of a playlist (line = entry index + 1)."""
    file = str(path)
    try:
        info = dict(iter_top_level(path, FIELDS))
    except (ijson.JSONError, ValueError) as exc:
        yield Reject(file, 1, f"not a yt-dlp info.json document: {exc}", "")
        return
    if info.get("_type") in ("playlist", "multi_video"):
        yield from _playlist(path, info)
        return
    yield _copy(info, file, 1, listed_by=None)


def _playlist(path: Path, playlist: dict[str, Any]) -> Iterator[ReaderItem]:
    file = str(path)
    epoch = _time(playlist.get("epoch"))
    page: NodeRef | None = None
    head = Fragment()
    if isinstance(playlist.get("webpage_url"), str) and epoch is not None:
        try:
            head.nodes, head.rels, page = url_fragment(playlist["webpage_url"])
        except InvalidUrl as exc:
            head.warnings.append(f"{file}: playlist webpage_url skipped: {exc}")
    if head.nodes or head.warnings:
        yield head
    try:
        with open_json(path) as fh:
            for index, entry in enumerate(ijson.items(fh, "entries.item", use_float=True)):
                if not isinstance(entry, dict):
                    yield Reject(file, index + 1, "a playlist entry must be an object", excerpt(str(entry)))
                    continue
                listed = (page, epoch) if page is not None and epoch is not None else None
                fields = {k: v for k, v in entry.items() if k in FIELDS or k == "url"}
                yield _copy(fields, file, index + 1, listed, epoch)
    except ijson.JSONError as exc:
        yield Reject(file, 1, f"playlist entries cut short: {exc}", "")


def _copy(
    info: dict[str, Any],
    file: str,
    line: int,
    listed_by: tuple[NodeRef, datetime] | None,
    playlist_epoch: datetime | None = None,
) -> ReaderItem:
    """One copy. A flat playlist entry (`_type: url`) names its page in `url`; anywhere else `url` is a media URL."""
    flat = info.get("_type") in ("url", "url_transparent")
    page_url = info.get("webpage_url") or (info.get("url") if flat else None)
    host_id = info.get("id") or info.get("display_id")
    if not isinstance(page_url, str) or not isinstance(host_id, str | int) or isinstance(host_id, bool):
        return Reject(file, line, "webpage_url and id are required", excerpt(str(info)))
    uploaded = _time(info.get("timestamp")) or _time(info.get("release_timestamp")) or _day(info.get("upload_date"))
    try:
        identity = identify_url(page_url)
        nodes, rels, url_ref = url_fragment(page_url, seen_at=uploaded)
    except InvalidUrl as exc:
        return Reject(file, line, f"invalid webpage_url: {exc}", excerpt(str(info)))
    frag = Fragment(nodes=nodes, rels=rels)
    where = f"{file}:{line}"
    title = _text(info.get("title") or info.get("fulltitle"))
    gone = GONE_TITLES.get(title.lower()) if flat and title else None
    video = Node("Video", f"video:{identity.platform}:{host_id}", {
        "video_id": str(host_id), "platform": identity.platform, "title": None if gone else title,
        "duration": _number(info.get("duration"), frag, where, "duration"),
        "language": language_code(info.get("language")), "uploaded_at": uploaded,
        "availability": _text(info.get("availability")), "live_status": _text(info.get("live_status")),
        "extractor": _text(info.get("extractor_key") or info.get("extractor")),
    })  # fmt: skip
    frag.nodes.append(video)
    views = _number(info.get("view_count"), frag, where, "view_count")
    frag.rels.append(Rel("SERVES", url_ref, video.ref, {"views": int(views) if views is not None else None}))
    fetched = _time(info.get("epoch"))
    if fetched is not None:
        availability = info.get("availability")
        status = "alive" if availability in ALIVE_AVAILABILITY else "unknown"
        add_check(frag, url_ref, nodes[0], fetched, status, SOURCE, availability=_text(availability))
    elif gone and playlist_epoch is not None:
        add_check(frag, url_ref, nodes[0], playlist_epoch, gone, SOURCE, listed_as=title)
    if listed_by is not None:
        page, seen = listed_by
        frag.rels.append(Rel("LISTS", page, url_ref, {"seen_at": seen, "last_seen_at": seen}))
    if identity.kind == "hosting":
        _uploader(frag, info, identity.platform, video, url_ref, uploaded, title)
    return frag


def _uploader(frag: Fragment, info: dict[str, Any], platform: str, video: Node, copy: NodeRef,
              uploaded: datetime | None, title: str | None) -> None:  # fmt: skip
    """The uploading account, when the file names one: it POSTED the Video and its upload post."""
    channel_id, uploader_id = _text(info.get("channel_id")), _text(info.get("uploader_id"))
    if channel_id:
        uid = f"{platform}:{channel_id}"
    elif uploader_id and uploader_id.startswith("@"):
        uid = f"{platform}:handle:{uploader_id[1:].lower()}"
    elif uploader_id:
        uid = f"{platform}:{uploader_id}"
    else:
        return
    handle = uploader_id[1:] if uploader_id and uploader_id.startswith("@") else None
    name = _text(info.get("channel") or info.get("uploader"))
    account = add_account(frag, uid, {"platform": platform, "handle": handle, "name": name})
    post = Node("Post", f"{platform}:video:{video.props['video_id']}",
                {"platform": platform, "created_at": uploaded, "text": title, "kind": "upload"})  # fmt: skip
    frag.nodes.append(post)
    frag.rels += [Rel("POSTED", account, video.ref), Rel("POSTED", account, post.ref), Rel("LINKS_TO", post.ref, copy)]


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _time(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    try:
        return utc_from_timestamp(value)
    except (OverflowError, OSError, ValueError):
        return None


def _day(value: Any) -> datetime | None:
    """yt-dlp's upload_date 'YYYYMMDD' (the day only, in UTC)."""
    if not isinstance(value, str) or len(value) != 8 or not value.isdigit():
        return None
    try:
        return datetime.strptime(value, "%Y%m%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def _number(value: Any, frag: Fragment, where: str, name: str) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        frag.warnings.append(f"{where}: {name} {str(value)[:40]!r} is not a number; left out")
        return None
    return int(value) if float(value).is_integer() else float(value)
