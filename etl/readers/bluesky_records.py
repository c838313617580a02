"""What the Bluesky readers share (docs/formats.md): account, post and repost identities, the handle map, and the
facts a post record adds to the graph (replies, quotes, links, tags, mentions). The API responses reader
(etl/readers/bluesky.py) and the Jetstream reader (etl/readers/bluesky_jetstream.py) both build on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from etl.readers.common import normalise_tag, parse_iso_utc
from etl.readers.twitter_graph import as_int, dicts
from etl.records import Fragment, Node, NodeRef, Rel
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
