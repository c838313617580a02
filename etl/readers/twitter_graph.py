"""Graph facts shared by the Twitter readers (API v2, v1.1, twarc-csv): uids, text clean-up and a fragment builder.

Identity: an account is `twitter:<user id>`; an account known only by its handle (a mention without an id that no
user object in the same record resolves) is `twitter:handle:<lower-cased handle>`. A post is `twitter:<tweet id>`.
Ids are always the string ids (`id_str` in v1.1): numeric ids lose precision in JSON tools.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from etl.errors import SourceFormatError
from etl.readers.common import Salvage, iter_json_lines, parse_iso_utc, parse_twitter_v1_time
from etl.records import Fragment, Node, NodeRef, Reject, Rel
from etl.urls import InvalidUrl, is_twitter_internal_link, twitter_status_id, url_fragment

PLATFORM = "twitter"
_PLATFORM_REF = NodeRef("Platform", PLATFORM)
# v2 media_key prefixes by media type; v1.1 media ids are turned into the same keys so both formats agree.
MEDIA_KEY_PREFIX = {"photo": "3_", "video": "7_", "animated_gif": "16_"}
MEDIA_TYPE_OF_PREFIX = {prefix: kind for kind, prefix in MEDIA_KEY_PREFIX.items()}


def account_uid(user_id: str) -> str:
    return f"twitter:{user_id}"


def handle_uid(handle: str) -> str:
    return f"twitter:handle:{handle.lstrip('@').lower()}"


def post_uid(tweet_id: str) -> str:
    return f"twitter:{tweet_id}"


@lru_cache(maxsize=65536)
def normalise_tag(tag: str) -> str:
    """Hashtag identity: NFKC-normalised, lower-case, without '#'."""
    return unicodedata.normalize("NFKC", tag).lstrip("#＃").lower()


def checked_json_lines(
    path: Path, accepts: Callable[[Any], bool], expected: str, salvage: Salvage | None = None
) -> Iterator[tuple[int, Any] | Reject]:
    """iter_json_lines, but the first parsed object must satisfy `accepts` and the file must start with JSON:
    otherwise the whole file is in another format and SourceFormatError says so. Bad lines after that are Rejects
    (a broken first line is held back until the next line confirms the format)."""
    pending: list[Reject] = []
    checked = False
    for item in iter_json_lines(path, salvage):
        if checked:
            yield item
        elif isinstance(item, Reject):
            pending.append(item)
            if len(pending) == 2:
                reason = f"line {item.line}: {item.reason}"
                raise SourceFormatError(f"{path}: not JSON lines ({expected} expected): {reason}")
        else:
            lineno, obj = item
            if not accepts(obj):
                found = sorted(obj)[:8] if isinstance(obj, dict) else type(obj).__name__
                raise SourceFormatError(f"{path}: line {lineno} is not a {expected}; found {found}")
            checked = True
            yield from pending
            yield item
    if pending and not checked:
        raise SourceFormatError(f"{path}: not JSON lines ({expected} expected): {pending[0].reason}")


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dict items of a list field (entities, includes, errors); nothing when the field has another shape."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def unescape_text(text: str) -> str:
    """Undo Twitter's HTML escaping of post text (exactly &lt; &gt; &amp;, as Twitter writes them)."""
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def as_int(value: Any) -> int | None:
    """An integer metric from JSON or CSV ('13', '1440.0', 13); None when absent or not a number."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return None


_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}


@lru_cache(maxsize=65536)
def parse_v1_time(value: str) -> datetime:
    """'Wed Jun 08 15:23:27 +0000 2017' -> aware UTC datetime; a fast path for the usual +0000 (strptime is slow),
    other offsets via strptime, and ISO 8601 as written by tools that re-export v1.1 data."""
    parts = value.split()
    if len(parts) == 6 and parts[4] == "+0000" and parts[1] in _MONTHS:
        hour, minute, second = (int(x) for x in parts[3].split(":"))
        return datetime(int(parts[5]), _MONTHS[parts[1]], int(parts[2]), hour, minute, second, tzinfo=UTC)
    try:
        return parse_twitter_v1_time(value)
    except ValueError:
        return parse_iso_utc(value)


def media_type_of_key(media_key: str) -> str | None:
    return MEDIA_TYPE_OF_PREFIX.get(media_key.partition("_")[0] + "_")


def link_candidate(entity: dict[str, Any]) -> tuple[str | None, str | None]:
    """(raw, expanded) of a URL entity: the expanded_url the author shared (else a complete display form, else the
    t.co link) and the unwound final URL when Twitter gave one. display_url cut with '…' is never a URL."""
    expanded = entity.get("expanded_url")
    if not expanded:
        display = entity.get("display_url")
        expanded = display if display and not display.endswith("…") else entity.get("url")
    unwound = entity.get("unwound_url") or (entity.get("unwound") or {}).get("url")
    return expanded, unwound


def permalink_handle(url: str, tweet_id: str) -> str | None:
    """The author handle in a status permalink twitter.com/<handle>/status/<tweet_id>, else None."""
    head, sep, tail = url.partition("/status/")
    if not sep or not tail.startswith(tweet_id):
        return None
    handle = head.rsplit("/", 1)[-1]
    return handle if handle and handle not in ("i", "web") and "." not in handle else None


class TweetFacts:
    """Accumulates the nodes and relationships of one source record; fragment() hands them over."""

    __slots__ = ("nodes", "rels", "warnings", "_accounts", "_posts")

    def __init__(self) -> None:
        self.nodes: list[Node] = [Node("Platform", PLATFORM, {"kind": "social"})]
        self.rels: list[Rel] = []
        self.warnings: list[str] = []
        self._accounts: dict[str, bool] = {}  # uid -> asserted with a user record (not only referenced)
        self._posts: set[str] = set()

    def fragment(self) -> Fragment:
        return Fragment(self.nodes, self.rels, self.warnings)

    def account(self, uid: str, props: dict[str, Any] | None = None, *, placeholder: bool = False) -> NodeRef:
        """An Account on Twitter; repeated calls for one uid in a record add no duplicate (the fullest wins)."""
        ref = NodeRef("Account", uid)
        full = not placeholder and bool(props)
        known = self._accounts.get(uid)
        if known is not None and (known or not full):
            return ref
        self._accounts[uid] = full
        node_props = {"platform": PLATFORM}
        if props:
            node_props.update(props)
        self.nodes.append(Node("Account", uid, node_props, placeholder=placeholder))
        self.rels.append(Rel("ON", ref, _PLATFORM_REF))
        return ref

    def placeholder_account(self, user_id: str | None, handle: str | None) -> NodeRef | None:
        """An account known only by id and/or handle (a referenced author absent from the data)."""
        if user_id:
            return self.account(account_uid(user_id), {"handle": handle} if handle else None, placeholder=True)
        if handle:
            return self.account(handle_uid(handle), {"handle": handle}, placeholder=True)
        return None

    def post(self, tweet_id: str, props: dict[str, Any], author: NodeRef | None) -> NodeRef:
        ref = NodeRef("Post", post_uid(tweet_id))
        self._posts.add(ref.key)
        self.nodes.append(Node("Post", ref.key, props))
        if author is not None:
            self.rels.append(Rel("POSTED", author, ref))
        return ref

    def placeholder_post(
        self, tweet_id: str, author: NodeRef | None = None, props: dict[str, Any] | None = None
    ) -> NodeRef:
        """A referenced post whose record is absent (deleted, protected, or not expanded by the collector)."""
        ref = NodeRef("Post", post_uid(tweet_id))
        if ref.key in self._posts:
            return ref
        self._posts.add(ref.key)
        self.nodes.append(Node("Post", ref.key, {"platform": PLATFORM, **(props or {})}, placeholder=True))
        if author is not None:
            self.rels.append(Rel("POSTED", author, ref))
        return ref

    def rel(self, rel_type: str, start: NodeRef, end: NodeRef) -> None:
        self.rels.append(Rel(rel_type, start, end))

    def hashtags(self, post: NodeRef, tags: Iterable[str]) -> None:
        seen: set[str] = set()
        for raw in tags:
            tag = normalise_tag(raw) if raw else ""
            if tag and tag not in seen:
                seen.add(tag)
                self.nodes.append(Node("Hashtag", tag))
                self.rels.append(Rel("TAGS", post, NodeRef("Hashtag", tag)))

    def mention(
        self, post: NodeRef, user_id: str | None, handle: str | None, user: dict[str, Any] | None = None
    ) -> None:
        """(post)-[:MENTIONS]->(account); `user` is the account's props when its user object is in the data."""
        if user_id:
            uid = account_uid(user_id)
        elif handle:
            uid = handle_uid(handle)
        else:
            return
        if user:
            target = self.account(uid, user)
        else:
            target = self.account(uid, {"handle": handle} if handle else None, placeholder=True)
        self.rels.append(Rel("MENTIONS", post, target))

    def link(
        self,
        post: NodeRef,
        raw: str | None,
        expanded: str | None,
        seen_at: datetime | None,
        own_id: str,
        referenced_ids: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        """(post)-[:LINKS_TO]->(Url) for a shared link; Twitter's own media, self and quote/reply permalinks are not
        shared links. An unparseable URL becomes a warning, never an error."""
        if not raw or is_twitter_internal_link(raw, own_id):
            return
        if referenced_ids and twitter_status_id(raw) in referenced_ids:
            return
        try:
            nodes, rels, ref = url_fragment(raw, expanded=expanded, seen_at=seen_at)
        except InvalidUrl as exc:
            self.warnings.append(f"tweet {own_id}: link {raw[:100]!r} skipped: {exc}")
            return
        self.nodes.extend(nodes)
        self.rels.extend(rels)
        self.rels.append(Rel("LINKS_TO", post, ref))


def media_props(media: list[dict[str, Any]], media_keys: list[str]) -> dict[str, Any]:
    """Post props noting attached media: keys, has_video, and a video's view count and duration when given."""
    if not media_keys:
        return {}
    props: dict[str, Any] = {"media_keys": media_keys}
    types = {m.get("type") for m in media} | {media_type_of_key(k) for k in media_keys}
    props["has_video"] = "video" in types
    views = [as_int((m.get("public_metrics") or {}).get("view_count")) for m in media if m.get("type") == "video"]
    if any(v is not None for v in views):
        props["video_views"] = sum(v for v in views if v is not None)
    durations = [as_int(m.get("duration_ms")) for m in media if m.get("type") == "video"]
    if any(d is not None for d in durations):
        props["video_duration_ms"] = max(d for d in durations if d is not None)
    return props
