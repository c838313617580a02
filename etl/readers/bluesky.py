"""Bluesky (AT Protocol) API responses (docs/formats.md): getAuthorFeed/getTimeline/getFeed `{feed: [...]}`,
searchPosts/getPosts `{posts: [...]}`, getPostThread `{thread: ...}`, as one JSON document or one response (or one
PostView) per line.

Identity (docs/model.md): an account is `bluesky:<did>` (the DID never changes; the handle is a property and can
move to another account); a post is `bluesky:<at:// URI>`; a repost, which a feed shows only as a `reason` on the
reposted post, is `bluesky:repost:<reposter did>:<subject at:// URI>` (one repost per account and post), so a feed
and a Jetstream capture (etl/readers/bluesky_jetstream.py) name it alike. Traps handled: the record (`record`) is
the source of replies, quotes, links and tags, the view (`embed` of the PostView) only adds the quoted post's
content; a quote with media (`recordWithMedia`) keeps the quoted record one level deeper; a quoted record may be a
feed or list, not a post; thread parents may be `notFoundPost` or `blockedPost`; facets are the only markup (their
byte offsets are not needed: each feature carries its uri, did or tag); `bsky.app/profile/<handle>/post/<rkey>`
links are rewritten to the DID when the handle belongs to an author seen in the same response or an earlier
line of the file.

Limits: a single document is read whole (API pages hold at most 100 posts); a JSON-lines file is read line by line.
Threads are walked without recursion; a quote's own quote is read one level deep. The handles map keeps the first
100,000 handles of a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from etl.errors import SourceFormatError
from etl.readers.bluesky_records import (
    PLATFORM,
    BlueskyFacts,
    Handles,
    add_post_view,
    repost_uid,
    split_at_uri,
    time_of,
)
from etl.readers.common import excerpt, iter_json_lines, open_binary
from etl.records import Node, NodeRef, ReaderItem, Reject

# ------------------------------------------------------------------------------------------------ responses


def looks_like_bluesky(obj: Any) -> bool:
    """A feed, posts or thread response, or one PostView."""
    if not isinstance(obj, dict):
        return False
    if isinstance(obj.get("feed"), list) or isinstance(obj.get("posts"), list) or isinstance(obj.get("thread"), dict):
        return True
    return split_at_uri(obj.get("uri")) is not None and "record" in obj and "author" in obj


def read_bluesky(path: Path) -> Iterator[ReaderItem]:
    """Read a Bluesky API response (one document) or JSON lines of responses or PostViews."""
    file = str(path)
    handles = Handles()
    checked = False
    for line, doc in _documents(path):
        if isinstance(doc, Reject):
            yield doc
            continue
        if not checked and not looks_like_bluesky(doc):
            found = sorted(doc)[:8] if isinstance(doc, dict) else type(doc).__name__
            raise SourceFormatError(f"{path}: line {line} is not a Bluesky API response or post; found {found}")
        checked = True
        handles.collect(doc)
        yield from _response_items(file, line, doc, handles)


def _documents(path: Path) -> Iterator[tuple[int, Any]]:
    """(line, object or Reject) of a JSON-lines file (one of its first two lines is a whole JSON value), or
    (1, document) for one pretty-printed document."""
    if _is_json_lines(path):
        for item in iter_json_lines(path):
            yield (item.line, item) if isinstance(item, Reject) else item
        return
    with open_binary(path) as fh:
        raw = fh.read()
    try:
        yield 1, orjson.loads(raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw)
    except orjson.JSONDecodeError as exc:
        raise SourceFormatError(f"{path}: not a JSON document or JSON lines: {exc}") from exc


def _is_json_lines(path: Path) -> bool:
    tried = 0
    with open_binary(path) as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                orjson.loads(raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw)
                return True
            except orjson.JSONDecodeError:
                tried += 1
                if tried == 2:
                    return False
    return False


def _response_items(file: str, line: int, doc: Any, handles: Handles) -> Iterator[ReaderItem]:
    """One Fragment per post of a response (with its repost, reply context or thread position), Rejects for bad
    posts (the reason names the post's place in the response)."""
    if not looks_like_bluesky(doc):
        yield Reject(file, line, "not a Bluesky API response or post", excerpt(orjson.dumps(doc)))
        return
    if isinstance(doc.get("feed"), list):
        for index, entry in enumerate(doc["feed"], start=1):
            yield _item(file, line, f"feed[{index}]", entry, handles, _add_feed_entry)
    elif isinstance(doc.get("posts"), list):
        for index, view in enumerate(doc["posts"], start=1):
            yield _item(file, line, f"posts[{index}]", view, handles, _add_post)
    elif isinstance(doc.get("thread"), dict):
        for place, view in _thread_posts(doc["thread"]):
            yield _item(file, line, place, view, handles, _add_post)
    else:
        yield _item(file, line, "post", doc, handles, _add_post)


def _item(file: str, line: int, place: str, obj: Any, handles: Handles, add: _Adder) -> ReaderItem:
    facts = BlueskyFacts(handles)
    if not isinstance(obj, dict):
        return Reject(file, line, f"{place}: not an object ({type(obj).__name__})", excerpt(orjson.dumps(obj)))
    try:
        add(facts, obj)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        return Reject(file, line, f"{place}: {exc}", excerpt(orjson.dumps(obj)))
    return facts.fragment()


_Adder = Callable[[BlueskyFacts, dict[str, Any]], None]


def _add_post(facts: BlueskyFacts, view: dict[str, Any]) -> None:
    add_post_view(facts, view)


def _add_feed_entry(facts: BlueskyFacts, entry: dict[str, Any]) -> None:
    """A FeedViewPost: the post, the full parent and root it replies to, and the repost that put it in the feed."""
    if not isinstance(entry.get("post"), dict):
        raise ValueError("feed entry without a post")
    post = add_post_view(facts, entry["post"])
    reply = entry.get("reply")
    for key in ("parent", "root"):
        context = reply.get(key) if isinstance(reply, dict) else None
        if isinstance(context, dict) and "record" in context and "author" in context:
            add_post_view(facts, context)
    reason = entry.get("reason")
    if isinstance(reason, dict) and str(reason.get("$type") or "").endswith("#reasonRepost"):
        by = facts.author(reason.get("by"))
        if by is not None:
            subject = str(entry["post"]["uri"])
            reposted_at = time_of(reason.get("indexedAt"))
            props = {"platform": PLATFORM, "kind": "repost", "created_at": reposted_at}
            uid = repost_uid(by.key.removeprefix(f"{PLATFORM}:"), facts.resolve_uri(subject))
            facts.nodes.append(Node("Post", uid, props))
            facts.rel("POSTED", by, NodeRef("Post", uid))
            facts.rel("REPOSTS", NodeRef("Post", uid), post)


def _thread_posts(thread: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(place, PostView) of every post in a threadViewPost: the post, its parents upwards, its replies downwards;
    notFoundPost and blockedPost entries have no post and are passed over."""
    stack: list[tuple[str, int, Any]] = [("post", 0, thread)]
    while stack:
        direction, depth, node = stack.pop()
        if not isinstance(node, dict) or not isinstance(node.get("post"), dict):
            continue
        yield (f"thread {direction} {depth}" if depth else "thread post"), node["post"]
        if direction != "reply" and isinstance(node.get("parent"), dict):
            stack.append(("parent", depth + 1, node["parent"]))
        replies = node.get("replies")
        if direction != "parent" and isinstance(replies, list):
            stack.extend(("reply", depth + 1, r) for r in replies)
