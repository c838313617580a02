"""YouTube Data API v3 answers -> copies, uploaders and comments (docs/formats.md, "YouTube Data API").

`videos.list` (`kind: youtube#videoListResponse`): each item is the copy `https://youtube.com/watch?v=<id>` serving
`video:youtube:<id>` (the same uid the yt-dlp reader gives), with its channel as the Account that POSTED it and its
upload post `youtube:video:<id>`. Counts are strings; `contentDetails.duration` is ISO 8601 (`PT21M7S`). A removed or
private video is simply absent from `items`: absence is not evidence here. With a capture time from the reader
option `captured_at` or a `<file>.captured_at` sidecar, each item is also an observation (source `youtube-api`).
`commentThreads.list` / `comments.list`: each comment is a Post `youtube:comment:<id>` replying to the video's upload
post (or to its thread's top comment), posted by `youtube:<authorChannelId>`, linking the URLs it contains.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import ijson

from etl.readers.common import add_account, excerpt, find_urls, parse_iso_utc
from etl.readers.evidence import add_check, capture_time, iter_top_level, language_code
from etl.readers.swarmgraph_inputs import snapshot_links
from etl.readers.telegram_stream import open_json
from etl.records import Fragment, Node, NodeRef, ReaderItem, Reject, Rel
from etl.urls import InvalidUrl, url_fragment

PLATFORM = "youtube"
SOURCE = "youtube-api"
VIDEO_KINDS = frozenset({"youtube#videoListResponse"})
COMMENT_KINDS = frozenset({"youtube#commentThreadListResponse", "youtube#commentListResponse"})
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
ALIVE_PRIVACY = frozenset({None, "public", "unlisted"})


def read_youtube_api(path: Path, *, captured_at: datetime | str | None = None) -> Iterator[ReaderItem]:
    """One Fragment per item of a videos.list or commentThreads.list answer (line = item index + 1)."""
    file = str(path)
    try:
        kind = dict(iter_top_level(path, frozenset({"kind"}))).get("kind")
        when, how = capture_time(path, captured_at)
    except (ijson.JSONError, ValueError) as exc:
        yield Reject(file, 1, f"not a YouTube Data API answer: {exc}", "")
        return
    observed = when if how != "mtime" else None  # presence in an answer of unknown date proves nothing datable
    if kind not in VIDEO_KINDS | COMMENT_KINDS:
        yield Reject(file, 1, f"kind {str(kind)[:60]!r} is not a videos.list or commentThreads.list answer", "")
        return
    try:
        with open_json(path) as fh:
            for index, item in enumerate(ijson.items(fh, "items.item", use_float=True)):
                if not isinstance(item, dict):
                    yield Reject(file, index + 1, "an item must be an object", excerpt(str(item)))
                elif kind in VIDEO_KINDS:
                    yield _video(item, file, index + 1, observed)
                else:
                    yield _thread(item, file, index + 1)
    except ijson.JSONError as exc:
        yield Reject(file, 1, f"items cut short: {exc}", "")


def _video(item: dict[str, Any], file: str, line: int, observed: datetime | None) -> ReaderItem:
    video_id, snippet = item.get("id"), _dict(item.get("snippet"))
    if not isinstance(video_id, str) or not _VIDEO_ID.match(video_id):
        return Reject(file, line, "a video item needs an 11-character id", excerpt(str(item)))
    published = _time(snippet.get("publishedAt"))
    nodes, rels, url_ref = url_fragment(f"https://youtube.com/watch?v={video_id}", seen_at=published)
    frag = Fragment(nodes=nodes, rels=rels)
    privacy = _text(_dict(item.get("status")).get("privacyStatus"))
    video = Node("Video", f"video:{PLATFORM}:{video_id}", {
        "video_id": video_id, "platform": PLATFORM, "title": _text(snippet.get("title")),
        "language": language_code(snippet.get("defaultAudioLanguage") or snippet.get("defaultLanguage")),
        "duration": iso_duration(_dict(item.get("contentDetails")).get("duration")), "uploaded_at": published,
        "availability": privacy,
    })  # fmt: skip
    frag.nodes.append(video)
    frag.rels.append(Rel("SERVES", url_ref, video.ref, {"views": _count(_dict(item.get("statistics")), "viewCount")}))
    channel = _text(snippet.get("channelId"))
    if channel:
        account = add_account(frag, f"{PLATFORM}:{channel}", {"platform": PLATFORM,
                                                              "name": _text(snippet.get("channelTitle"))})  # fmt: skip
        post = _upload_post(frag, video_id, url_ref, published, video.props["title"])
        frag.rels += [Rel("POSTED", account, video.ref), Rel("POSTED", account, post)]
    if observed is not None:
        status = "alive" if privacy in ALIVE_PRIVACY else "unknown"
        add_check(frag, url_ref, nodes[0], observed, status, SOURCE, availability=privacy)
    return frag


def _upload_post(frag: Fragment, video_id: str, copy: NodeRef, published: datetime | None, title: str | None,
                 *, placeholder: bool = False) -> NodeRef:  # fmt: skip
    props = {"platform": PLATFORM, "created_at": published, "text": title, "kind": "upload"}
    post = Node("Post", f"{PLATFORM}:video:{video_id}", props, placeholder=placeholder)
    frag.nodes.append(post)
    frag.rels.append(Rel("LINKS_TO", post.ref, copy))
    return post.ref


def _thread(item: dict[str, Any], file: str, line: int) -> ReaderItem:
    """A comment thread (its top comment and the replies it carries), or a bare comment of comments.list."""
    snippet = _dict(item.get("snippet"))
    top = _dict(snippet.get("topLevelComment")) if "topLevelComment" in snippet else item
    video_id = snippet.get("videoId") or _dict(top.get("snippet")).get("videoId")
    frag = Fragment()
    parent: NodeRef | None = None
    if isinstance(video_id, str) and _VIDEO_ID.match(video_id):
        nodes, rels, url_ref = url_fragment(f"https://youtube.com/watch?v={video_id}")
        frag.nodes += nodes
        frag.rels += rels
        parent = _upload_post(frag, video_id, url_ref, None, None, placeholder=True)
        channel = _text(snippet.get("channelId"))
        if channel and "topLevelComment" in snippet:
            owner = add_account(frag, f"{PLATFORM}:{channel}", {"platform": PLATFORM}, placeholder=True)
            frag.rels.append(Rel("POSTED", owner, parent))
    top_ref = _comment(frag, top, parent, file, line)
    if top_ref is None:
        return Reject(file, line, "a comment needs an id, a text and a publishedAt time", excerpt(str(item)))
    for reply in _dict(item.get("replies")).get("comments") or []:
        if isinstance(reply, dict) and _comment(frag, reply, top_ref, file, line) is None:
            frag.warnings.append(f"{file}:{line}: a reply without id, text or time was left out")
    return frag


def _comment(frag: Fragment, comment: dict[str, Any], parent: NodeRef | None, file: str, line: int) -> NodeRef | None:
    snippet = _dict(comment.get("snippet"))
    comment_id, published = comment.get("id"), _time(snippet.get("publishedAt"))
    text = snippet.get("textOriginal") if isinstance(snippet.get("textOriginal"), str) else None
    if not isinstance(comment_id, str) or not comment_id or published is None or text is None:
        return None
    post = Node("Post", f"{PLATFORM}:comment:{comment_id}", {
        "platform": PLATFORM, "text": text, "created_at": published, "kind": "comment",
        "like_count": snippet.get("likeCount") if isinstance(snippet.get("likeCount"), int) else None,
    })  # fmt: skip
    frag.nodes.append(post)
    if parent is not None:
        frag.rels.append(Rel("REPLIES_TO", post.ref, parent))
    author = _text(_dict(snippet.get("authorChannelId")).get("value"))
    if author:
        name = _text(snippet.get("authorDisplayName"))
        handle = name[1:] if name and name.startswith("@") else None
        account = add_account(frag, f"{PLATFORM}:{author}", {"platform": PLATFORM, "name": name, "handle": handle})
        frag.rels.append(Rel("POSTED", account, post.ref))
    display = snippet.get("textDisplay") if isinstance(snippet.get("textDisplay"), str) else ""
    links = snapshot_links("https://www.youtube.com/", display, "html") + find_urls(text)
    seen: set[str] = set()
    for link in links:
        try:
            nodes, rels, ref = url_fragment(link, seen_at=published)
        except InvalidUrl as exc:
            frag.warnings.append(f"{file}:{line}: link skipped: {exc}")
            continue
        if ref.key not in seen:
            seen.add(ref.key)
            frag.nodes += nodes
            frag.rels += [*rels, Rel("LINKS_TO", post.ref, ref)]
    return post.ref


def iso_duration(value: Any) -> float | None:
    """Seconds of an ISO 8601 duration as the API writes it ('PT21M7S', 'P1DT2H', 'PT0S'); None if it is not one."""
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        return None
    weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds
    return int(total) if total.is_integer() else total


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _time(value: Any) -> datetime | None:
    try:
        return parse_iso_utc(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _count(stats: dict[str, Any], name: str) -> int | None:
    """The API writes counts as strings ('1234')."""
    value = stats.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 19 else None
