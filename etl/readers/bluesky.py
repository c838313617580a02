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
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson

from etl.errors import SourceFormatError
from etl.readers.common import excerpt, iter_json_lines, normalise_tag, open_binary, parse_iso_utc
from etl.readers.twitter_graph import as_int, dicts
from etl.records import Fragment, Node, NodeRef, ReaderItem, Reject, Rel
from etl.urls import InvalidUrl, url_fragment

PLATFORM = "bluesky"
POST_COLLECTION = "app.bsky.feed.post"
MAX_HANDLES = 100_000
_PLATFORM_REF = NodeRef("Platform", PLATFORM)
_METRICS = (("replyCount", "reply_count"), ("repostCount", "repost_count"), ("likeCount", "like_count"),
            ("quoteCount", "quote_count"))  # fmt: skip
_BSKY_HOSTS = frozenset({"bsky.app", "www.bsky.app"})


def account_uid(did: str) -> str:
    return f"{PLATFORM}:{did}"


def post_uid(uri: str) -> str:
    return f"{PLATFORM}:{uri}"


def repost_uid(reposter_did: str, subject_uri: str) -> str:
    return f"{PLATFORM}:repost:{reposter_did}:{subject_uri}"


def split_at_uri(uri: Any) -> tuple[str, str, str] | None:
    """(authority, collection, rkey) of 'at://<did or handle>/<collection>/<rkey>', else None."""
    if not isinstance(uri, str) or not uri.startswith("at://"):
        return None
    parts = uri[5:].split("/")
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def mapping(value: Any) -> dict[str, Any]:
    """The value when it is a JSON object, else an empty one (hostile input puts anything anywhere)."""
    return value if isinstance(value, dict) else {}


def text_of(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def time_of(value: Any) -> datetime | None:
    """An ISO time, or None when absent or unparseable (a client-asserted createdAt can be anything)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_iso_utc(value)
    except ValueError:
        return None


class Handles:
    """Handle -> DID of the authors seen in one file, to resolve handle-form links and at:// URIs."""

    def __init__(self) -> None:
        self.by_handle: dict[str, str] = {}

    def add(self, did: Any, handle: Any) -> None:
        if isinstance(did, str) and did.startswith("did:") and isinstance(handle, str) and handle:
            if len(self.by_handle) < MAX_HANDLES or handle.lower() in self.by_handle:
                self.by_handle[handle.lower()] = did

    def did(self, actor: str) -> str:
        """The DID of a handle or DID (a handle not seen stays as it is)."""
        return actor if actor.startswith("did:") else self.by_handle.get(actor.lower(), actor)

    def collect(self, obj: Any) -> None:
        """Every (did, handle) pair of the author objects in a response, walked without recursion."""
        stack = [obj]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if "did" in item and "handle" in item:
                    self.add(item["did"], item["handle"])
                stack.extend(v for v in item.values() if isinstance(v, dict | list))
            elif isinstance(item, list):
                stack.extend(v for v in item if isinstance(v, dict | list))


class BlueskyFacts:
    """The nodes and relationships of one source record; fragment() hands them over."""

    def __init__(self, handles: Handles) -> None:
        self.handles = handles
        self.nodes: list[Node] = [Node("Platform", PLATFORM, {"kind": "social"})]
        self.rels: list[Rel] = []
        self.warnings: list[str] = []
        self._accounts: dict[str, bool] = {}
        self._posts: dict[str, bool] = {}

    def fragment(self) -> Fragment:
        return Fragment(self.nodes, self.rels, self.warnings)

    def account(self, did: str, props: dict[str, Any] | None = None, *, placeholder: bool = False) -> NodeRef:
        uid = account_uid(self.handles.did(did))
        ref = NodeRef("Account", uid)
        full = not placeholder
        known = self._accounts.get(uid)
        if known is not None and (known or not full):
            return ref
        self._accounts[uid] = full
        self.nodes.append(Node("Account", uid, {"platform": PLATFORM, **(props or {})}, placeholder=placeholder))
        self.rels.append(Rel("ON", ref, _PLATFORM_REF))
        return ref

    def author(self, profile: Any) -> NodeRef | None:
        """The Account of a ProfileView (did, handle, displayName, counts), or None without a DID."""
        if not isinstance(profile, dict) or not isinstance(profile.get("did"), str):
            return None
        props = {
            "handle": text_of(profile.get("handle")),
            "name": text_of(profile.get("displayName")),
            "created_at": time_of(profile.get("createdAt")),
            "followers": as_int(profile.get("followersCount")),
            "following": as_int(profile.get("followsCount")),
            "posts_count": as_int(profile.get("postsCount")),
        }
        return self.account(profile["did"], props)

    def post_ref(self, uri: str) -> NodeRef:
        return NodeRef("Post", post_uid(self.resolve_uri(uri)))

    def resolve_uri(self, uri: str) -> str:
        parts = split_at_uri(uri)
        if parts is None:
            return uri
        return f"at://{self.handles.did(parts[0])}/{parts[1]}/{parts[2]}"

    def post(self, uri: str, props: dict[str, Any], author: NodeRef | None) -> NodeRef:
        ref = self.post_ref(uri)
        if self._posts.get(ref.key):
            return ref
        self._posts[ref.key] = True
        self.nodes.append(Node("Post", ref.key, {"platform": PLATFORM, **props}))
        if author is not None:
            self.rels.append(Rel("POSTED", author, ref))
        return ref

    def placeholder_post(self, uri: str, props: dict[str, Any] | None = None) -> NodeRef:
        """A referenced post whose record is absent; its author is the DID in its URI."""
        ref = self.post_ref(uri)
        if ref.key in self._posts:
            return ref
        self._posts[ref.key] = False
        self.nodes.append(Node("Post", ref.key, {"platform": PLATFORM, **(props or {})}, placeholder=True))
        parts = split_at_uri(uri)
        if parts is not None:
            self.rels.append(Rel("POSTED", self.account(parts[0], placeholder=True), ref))
        return ref

    def rel(self, rel_type: str, start: NodeRef, end: NodeRef) -> None:
        self.rels.append(Rel(rel_type, start, end))

    def link(self, post: NodeRef, raw: Any, seen_at: datetime | None) -> None:
        if not isinstance(raw, str) or not raw:
            return
        target = self.bsky_post_link(raw)
        try:
            nodes, rels, ref = url_fragment(target, seen_at=seen_at)
        except InvalidUrl as exc:
            self.warnings.append(f"post {post.key}: link {raw[:100]!r} skipped: {exc}")
            return
        if target != raw:
            nodes[0].props["raw_forms"] = [raw]
        self.nodes.extend(nodes)
        self.rels.extend(rels)
        self.rels.append(Rel("LINKS_TO", post, ref))

    def bsky_post_link(self, raw: str) -> str:
        """A bsky.app profile or post link with the handle replaced by the DID when the file names that handle's
        DID; any other link unchanged (etl/urls.py canonicalises both forms)."""
        try:
            parts = urlsplit(raw if "//" in raw else "//" + raw)
            host = (parts.hostname or "").lower()
        except ValueError:
            return raw
        segments = parts.path.split("/")
        if host not in _BSKY_HOSTS or len(segments) < 3 or segments[1] != "profile":
            return raw
        actor = unquote(segments[2])
        did = self.handles.did(actor)
        if did == actor:
            return raw
        return f"https://bsky.app/profile/{did}/" + "/".join(segments[3:])

    def hashtag(self, post: NodeRef, raw: Any) -> None:
        tag = normalise_tag(raw) if isinstance(raw, str) else ""
        if tag:
            self.nodes.append(Node("Hashtag", tag))
            self.rels.append(Rel("TAGS", post, NodeRef("Hashtag", tag)))

    def mention(self, post: NodeRef, did: Any) -> None:
        if isinstance(did, str) and did.startswith("did:"):
            self.rels.append(Rel("MENTIONS", post, self.account(did, placeholder=True)))


# ------------------------------------------------------------------------------------------------ records


def record_props(record: dict[str, Any]) -> dict[str, Any]:
    """Post props from an app.bsky.feed.post record: text, created_at (as the client asserts it), lang, video."""
    langs = record.get("langs")
    embed = mapping(record.get("embed"))
    media = mapping(embed.get("media")) or embed
    props: dict[str, Any] = {
        "text": text_of(record.get("text")),
        "created_at": time_of(record.get("createdAt")),
        "lang": langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None,
    }
    media_type = str(media.get("$type") or "")
    if media_type.startswith(("app.bsky.embed.images", "app.bsky.embed.video")):
        props["has_video"] = media_type.startswith("app.bsky.embed.video")
    return props


def add_record_edges(facts: BlueskyFacts, post: NodeRef, record: dict[str, Any], seen_at: datetime | None) -> None:
    """Reply, quote, links, tags and mentions of a post record (the record, not the view, is their source)."""
    reply = record.get("reply")
    parent = reply.get("parent") if isinstance(reply, dict) else None
    if isinstance(parent, dict) and split_at_uri(parent.get("uri")):
        facts.rel("REPLIES_TO", post, facts.placeholder_post(parent["uri"]))
    embed = mapping(record.get("embed"))
    quoted = quoted_uri(embed)
    if quoted:
        facts.rel("QUOTES", post, facts.placeholder_post(quoted))
    for holder in (embed, embed.get("media")):
        if isinstance(holder, dict) and isinstance(holder.get("external"), dict):
            facts.link(post, holder["external"].get("uri"), seen_at)
    for facet in dicts(record.get("facets")):
        for feature in dicts(facet.get("features")):
            kind = str(feature.get("$type") or "")
            if kind.endswith("#link"):
                facts.link(post, feature.get("uri"), seen_at)
            elif kind.endswith("#tag"):
                facts.hashtag(post, feature.get("tag"))
            elif kind.endswith("#mention"):
                facts.mention(post, feature.get("did"))
    tags = record.get("tags")
    for tag in tags if isinstance(tags, list) else []:
        facts.hashtag(post, tag)  # outline tags: hashtags not shown in the text


def quoted_uri(embed: dict[str, Any]) -> str | None:
    """The at:// URI of the post an embed quotes: `record.uri`, or `record.record.uri` for recordWithMedia; None
    when the embedded record is a feed, list or anything but a post."""
    inner = embed.get("record")
    if isinstance(inner, dict) and isinstance(inner.get("record"), dict):
        inner = inner["record"]
    uri = inner.get("uri") if isinstance(inner, dict) else None
    parts = split_at_uri(uri)
    return uri if parts is not None and parts[1] == POST_COLLECTION else None


def add_post_view(facts: BlueskyFacts, view: dict[str, Any], depth: int = 0) -> NodeRef:
    """A PostView (or an embed's viewRecord, whose record is under `value`): the post, its author and edges."""
    uri = view.get("uri")
    if split_at_uri(uri) is None:
        raise ValueError(f"post without an at:// uri: {str(uri)[:80]!r}")
    record = view.get("record") if isinstance(view.get("record"), dict) else view.get("value")
    if not isinstance(record, dict):
        raise ValueError(f"post {str(uri)[:80]} has no record")
    author = facts.author(view.get("author"))
    props = record_props(record)
    for source, name in _METRICS:
        props[name] = as_int(view.get(source))
    props["indexed_at"] = time_of(view.get("indexedAt"))
    post = facts.post(str(uri), props, author)
    if depth == 0:  # the view of a quote: the quoted post's own content and author (before its placeholder)
        for quoted in _quoted_views(view.get("embed")):
            add_post_view(facts, quoted, depth + 1)
    add_record_edges(facts, post, record, props["created_at"])
    return post


def _quoted_views(embed: Any) -> list[dict[str, Any]]:
    if not isinstance(embed, dict):
        return []
    inner = embed.get("record")
    if isinstance(inner, dict) and isinstance(inner.get("record"), dict):  # recordWithMedia#view
        inner = inner["record"]
    if not isinstance(inner, dict) or not str(inner.get("$type") or "").endswith("#viewRecord"):
        return []
    value = inner.get("value")
    if not isinstance(value, dict) or value.get("$type") != POST_COLLECTION:
        return []
    return [inner]


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
