"""Twitter API v2 as twarc2 writes it: one response page per line (search, timeline, lookup, filtered stream where
`data` is one object), and `twarc2 flatten` output (one tweet per line, expansions inline). See docs/formats.md.

One Fragment per tweet (each tweet of `data`, then each tweet of `includes.tweets` not already in `data`) and one
per page `errors` list. Traps handled: a retweet's `text` and `entities` are truncated (`RT @x: …`), so content
comes from the original in includes; a retweet's `public_metrics` are the original's, so they are not kept on
the retweet; long tweets carry their full text in `note_tweet`; quote permalinks and media links are not shared
URLs; mentions without an id are resolved through the page's users by username.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from etl.errors import SourceFormatError
from etl.json_salvage import salvage_page
from etl.readers.common import excerpt, parse_iso_utc
from etl.readers.twitter_graph import (
    TweetFacts,
    account_uid,
    as_int,
    checked_json_lines,
    dicts,
    handle_uid,
    link_candidate,
    media_props,
    permalink_handle,
    unescape_text,
)
from etl.records import Fragment, NodeRef, ReaderItem, Reject

REF_TYPES = {"retweeted": "REPOSTS", "quoted": "QUOTES", "replied_to": "REPLIES_TO"}
METRICS = ("retweet_count", "reply_count", "like_count", "quote_count", "impression_count")
_PAGE_KEYS = ("includes", "meta", "__twarc", "errors", "matching_rules")


def looks_like_twarc2(obj: Any) -> bool:
    """A v2 tweets response page: `data` (a tweet list, one streamed tweet, or empty) in the API/twarc envelope, or
    a page holding only `errors`. Pages of users or counts are not tweet pages."""
    if not isinstance(obj, dict) or "id_str" in obj:
        return False
    if "data" in obj:
        data = obj["data"]
        return _is_tweet(data) or (data == [] and any(key in obj for key in _PAGE_KEYS))
    errors = obj.get("errors")
    return isinstance(errors, list) and bool(errors) and isinstance(errors[0], dict) and "title" in errors[0]


TWARC2_COUNTS_REFUSAL = (
    "a twarc2 counts file (`twarc2 counts`): it holds tweet counts per time bucket (data: [{start, end, "
    "tweet_count}]), not tweets, so there is nothing to load; collect the tweets themselves with `twarc2 search`"
)


def is_twarc2_counts(obj: Any) -> bool:
    """A page of `twarc2 counts` output: `data` is a list of {start, end, tweet_count} buckets."""
    if not isinstance(obj, dict) or not isinstance(obj.get("data"), list) or not obj["data"]:
        return False
    first = obj["data"][0]
    return isinstance(first, dict) and "tweet_count" in first and "start" in first


def looks_like_twarc2_flat(obj: Any) -> bool:
    """A `twarc2 flatten` line: one v2 tweet (string id, text, author_id or inline author), no `data` envelope."""
    return isinstance(obj, dict) and "data" not in obj and "id_str" not in obj and _is_tweet(obj)


def _is_tweet(obj: Any) -> bool:
    if isinstance(obj, list):
        obj = obj[0] if obj else None
    return isinstance(obj, dict) and isinstance(obj.get("id"), str) and "text" in obj and "username" not in obj


def read_twarc2(path: Path) -> Iterator[ReaderItem]:
    """Read a twarc2 JSONL file (pages; flattened lines are accepted too)."""
    return _read(path, "Twitter API v2 page (twarc2)")


def read_twarc2_flat(path: Path) -> Iterator[ReaderItem]:
    """Read `twarc2 flatten` output (one tweet per line; pages are accepted too)."""
    return _read(path, "flattened Twitter API v2 tweet (twarc2 flatten)")


def _read(path: Path, expected: str) -> Iterator[ReaderItem]:
    def accepts(obj: Any) -> bool:
        if is_twarc2_counts(obj):
            raise SourceFormatError(f"{path}: {TWARC2_COUNTS_REFUSAL}")
        return looks_like_twarc2(obj) or looks_like_twarc2_flat(obj)

    for item in checked_json_lines(path, accepts, expected, salvage_page):  # one bad tweet costs itself only
        if isinstance(item, Reject):
            yield item
            continue
        lineno, obj = item
        if looks_like_twarc2(obj):
            yield from _page_items(path, lineno, obj)
        elif looks_like_twarc2_flat(obj):
            yield from _flat_items(path, lineno, obj)
        else:
            yield Reject(str(path), lineno, f"not a {expected}", excerpt(orjson.dumps(obj)))


@dataclass
class _Context:
    """What one record knows besides the tweet: users, tweets and media by id, unavailable tweets from `errors`."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    _by_handle: dict[str, str] | None = None
    _props: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_user(self, user: Any) -> None:
        if isinstance(user, dict) and isinstance(user.get("id"), str) and "username" in user:
            self.users[user["id"]] = user

    def id_of_handle(self, handle: str) -> str | None:
        if self._by_handle is None:
            self._by_handle = {u["username"].lower(): uid for uid, u in self.users.items() if u.get("username")}
        return self._by_handle.get(handle.lower())

    def user_props(self, user_id: str) -> dict[str, Any] | None:
        """Account props from the user object, or None when the user is not in this record."""
        if user_id not in self.users:
            return None
        if user_id not in self._props:
            user = self.users[user_id]
            metrics = user.get("public_metrics") or {}
            created = user.get("created_at")
            self._props[user_id] = {
                "handle": user.get("username"),
                "name": user.get("name"),
                "created_at": parse_iso_utc(created) if created else None,
                "followers": as_int(metrics.get("followers_count")),
                "following": as_int(metrics.get("following_count")),
                "posts_count": as_int(metrics.get("tweet_count")),
                "verified": user.get("verified"),
                "protected": user.get("protected"),
            }
        return dict(self._props[user_id])

    def account(self, facts: TweetFacts, user_id: str | None, handle: str | None = None) -> NodeRef | None:
        """The account of a user id (full when its user object is known) or of a bare handle."""
        if not user_id and handle:
            user_id = self.id_of_handle(handle)
        if user_id:
            props = self.user_props(user_id)
            if props is not None:
                return facts.account(account_uid(user_id), props)
        return facts.placeholder_account(user_id, handle)


def _page_items(path: Path, lineno: int, page: dict[str, Any]) -> Iterator[ReaderItem]:
    data = page.get("data")
    tweets = [data] if isinstance(data, dict) else (data if isinstance(data, list) else [])
    includes = page.get("includes")
    includes = includes if isinstance(includes, dict) else {}
    ctx = _Context()
    for user in dicts(includes.get("users")):
        ctx.add_user(user)
    for tweet in dicts(includes.get("tweets")):
        if isinstance(tweet.get("id"), str):
            ctx.tweets[tweet["id"]] = tweet
    for media in dicts(includes.get("media")):
        if isinstance(media.get("media_key"), str):
            ctx.media[media["media_key"]] = media
    errors = dicts(page.get("errors"))
    for error in errors:
        if error.get("resource_type") == "tweet" and isinstance(error.get("resource_id"), str | int):
            ctx.unavailable[str(error["resource_id"])] = str(error.get("title") or error.get("detail") or "error")
    done: set[str] = set()
    for tweet in tweets:
        yield _tweet_item(path, lineno, tweet, ctx)
        if isinstance(tweet, dict):
            done.add(str(tweet.get("id")))
    for tweet_id, tweet in ctx.tweets.items():
        if tweet_id not in done:
            done.add(tweet_id)
            yield _tweet_item(path, lineno, tweet, ctx)
    if errors:
        yield _errors_fragment(errors)


def _flat_items(path: Path, lineno: int, tweet: dict[str, Any]) -> Iterator[ReaderItem]:
    ctx = _Context()
    referenced: list[dict[str, Any]] = []
    for t in (tweet, *dicts(tweet.get("referenced_tweets"))):
        ctx.add_user(t.get("author"))
        ctx.add_user(t.get("in_reply_to_user"))
        for mention in dicts(_dict(t.get("entities")).get("mentions")):
            if isinstance(mention, dict) and "name" in mention:  # flatten merges the user object into the mention
                ctx.add_user(mention)
        for media in dicts(_dict(t.get("attachments")).get("media")):
            if isinstance(media, dict) and media.get("media_key"):
                ctx.media[media["media_key"]] = media
        if t is not tweet and isinstance(t.get("id"), str) and "text" in t:
            ctx.tweets[t["id"]] = t
            referenced.append(t)
    yield _tweet_item(path, lineno, tweet, ctx)
    for t in referenced:
        yield _tweet_item(path, lineno, t, ctx)


def _tweet_item(path: Path, lineno: int, tweet: Any, ctx: _Context) -> ReaderItem:
    if not isinstance(tweet, dict) or not isinstance(tweet.get("id"), str):
        return Reject(str(path), lineno, "tweet without a string id", excerpt(orjson.dumps(tweet)))
    author_id = tweet.get("author_id") or (tweet.get("author") or {}).get("id")
    if not author_id:
        return Reject(str(path), lineno, f"tweet {tweet['id']} has no author_id", excerpt(orjson.dumps(tweet)))
    try:
        return _tweet_fragment(tweet, str(author_id), ctx)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        reason = f"tweet {tweet['id']}: {type(exc).__name__}: {exc}"
        return Reject(str(path), lineno, reason, excerpt(orjson.dumps(tweet)))


def _tweet_fragment(tweet: dict[str, Any], author_id: str, ctx: _Context) -> Fragment:
    facts = TweetFacts()
    tweet_id: str = tweet["id"]
    author = ctx.account(facts, author_id)
    refs = [r for r in dicts(tweet.get("referenced_tweets")) if r.get("id")]
    retweeted_id = next((str(r["id"]) for r in refs if r.get("type") == "retweeted"), None)
    original = ctx.tweets.get(retweeted_id) if retweeted_id else None
    content = original if original is not None else tweet
    note = content.get("note_tweet") or {}
    text = note.get("text") or content.get("text") or ""
    entities = note.get("entities") or content.get("entities") or {}
    created = tweet.get("created_at")
    created_at = parse_iso_utc(created) if created else None
    props: dict[str, Any] = {
        "platform": "twitter",
        "text": unescape_text(text),
        "created_at": created_at,
        "lang": tweet.get("lang"),
        "conversation_id": tweet.get("conversation_id"),
    }
    if retweeted_id and original is None:
        props["text_truncated"] = True  # only the retweet's own 'RT @x: …' text is in the data
    if not retweeted_id:  # a retweet's public_metrics are its original's counts
        metrics = tweet.get("public_metrics") or {}
        for name in METRICS:
            if name in metrics:
                props[name] = as_int(metrics[name])
    history = _list(tweet.get("edit_history_tweet_ids"))
    if len(history) > 1:
        props["edit_history_tweet_ids"] = [str(h) for h in history]
    media_keys = [str(k) for k in _list(_dict(content.get("attachments")).get("media_keys"))]
    props.update(media_props([ctx.media[k] for k in media_keys if k in ctx.media], media_keys))
    post = facts.post(tweet_id, props, author)

    referenced_ids = {str(r["id"]) for r in refs} | {str(r.get("id")) for r in dicts(content.get("referenced_tweets"))}
    for ref in refs:
        rel_type = REF_TYPES.get(str(ref.get("type")))
        if rel_type is not None:
            facts.rel(rel_type, post, _referenced_post(facts, tweet, str(ref["id"]), rel_type, ctx))

    referenced_ids.add(tweet_id)
    skip_rt_prefix = retweeted_id is not None and original is None
    _entities(facts, post, entities, content, created_at, referenced_ids, ctx, skip_rt_prefix=skip_rt_prefix)
    return facts.fragment()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _referenced_post(facts: TweetFacts, tweet: dict[str, Any], ref_id: str, rel_type: str, ctx: _Context) -> NodeRef:
    """The referenced post: a plain ref when its record is in this page, else a placeholder with what is known."""
    if ref_id in ctx.tweets:
        return NodeRef("Post", f"twitter:{ref_id}")
    author: NodeRef | None = None
    entities = tweet.get("entities") or {}
    if rel_type == "REPLIES_TO":
        author = ctx.account(facts, tweet.get("in_reply_to_user_id"))
    elif rel_type == "REPOSTS":  # 'RT @handle: ' names the original's author
        mention = next((m for m in dicts(entities.get("mentions")) if m.get("start") == 3), None)
        if mention:
            author = ctx.account(facts, mention.get("id"), mention.get("username"))
    else:  # the quote permalink twitter.com/<handle>/status/<id> names the quoted author
        for entity in dicts(entities.get("urls")):
            handle = permalink_handle(str(entity.get("expanded_url") or ""), ref_id)
            if handle:
                author = ctx.account(facts, None, handle)
                break
    props = {"unavailable": ctx.unavailable[ref_id]} if ref_id in ctx.unavailable else None
    return facts.placeholder_post(ref_id, author, props)


def _entities(
    facts: TweetFacts,
    post: NodeRef,
    entities: dict[str, Any],
    content: dict[str, Any],
    seen_at: Any,
    referenced_ids: set[str],
    ctx: _Context,
    *,
    skip_rt_prefix: bool,
) -> None:
    hashtags = entities.get("hashtags")
    if hashtags:
        facts.hashtags(post, (str(h.get("tag") or "") for h in hashtags if isinstance(h, dict)))
    for mention in dicts(entities.get("mentions")):
        if not isinstance(mention, dict) or (skip_rt_prefix and mention.get("start") == 3):
            continue
        handle = mention.get("username")
        user_id = mention.get("id") or (ctx.id_of_handle(handle) if handle else None)
        facts.mention(post, user_id, handle, ctx.user_props(user_id) if user_id else None)
    own_id = str(content.get("id") or "")
    for entity in dicts(entities.get("urls")):
        if not isinstance(entity, dict) or entity.get("media_key"):
            continue
        raw, expanded = link_candidate(entity)
        facts.link(post, raw, expanded, seen_at, own_id, referenced_ids)


def _errors_fragment(errors: list[Any]) -> Fragment:
    """What a page's `errors` say: unavailable referenced tweets (placeholders) and suspended users."""
    facts = TweetFacts()
    for error in errors:
        if not isinstance(error, dict):
            continue
        detail = str(error.get("detail") or error.get("title") or "")
        value = str(error.get("resource_id") or error.get("value") or "")
        resource = error.get("resource_type")
        if resource == "tweet" and value:
            facts.placeholder_post(value, None, {"unavailable": str(error.get("title") or detail)})
        elif resource == "user" and value and "suspended" in detail.lower():
            by_handle = str(error.get("parameter") or "").endswith("username")
            uid = handle_uid(value) if by_handle else account_uid(value)
            facts.account(uid, {"suspended": True, **({"handle": value} if by_handle else {})})
        facts.warnings.append(f"API error: {detail}" if detail else f"API error: {error}")
    return facts.fragment()
