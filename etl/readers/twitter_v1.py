"""Twitter API v1.1 tweets (docs/formats.md): JSONL (twarc v1, Gnip/PowerTrack original format, streaming) or one
JSON document (a raw search response `{statuses: [...]}`, a single pretty-printed tweet, or an array of tweets).

One Fragment per top-level tweet, holding the tweets embedded in it (retweeted_status, quoted_status). Traps
handled: text comes from `full_text` (extended mode) or `extended_tweet.full_text` (compat mode and streaming),
with entities and media from the same place; a retweet's text, entities and counts are its original's, so the
retweet takes its content from `retweeted_status` and keeps no counts; for a retweet of a quote the quote lives
inside `retweeted_status` (the retweet itself quotes nothing); the `i/web/status/<own id>` self-link of a
truncated tweet is not a shared URL. Stream notices (delete, limit, warning ...) carry no tweet and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from etl import limits
from etl.errors import SourceFormatError
from etl.json_records import RecordError, loads_record
from etl.json_stream import iter_document
from etl.readers.common import excerpt, iter_lines, open_binary, source_size
from etl.readers.telegram_stream import open_json
from etl.readers.twitter_graph import (
    MEDIA_KEY_PREFIX,
    TweetFacts,
    account_uid,
    as_int,
    checked_json_lines,
    dicts,
    link_candidate,
    media_props,
    parse_v1_time,
    permalink_handle,
    unescape_text,
)
from etl.records import NodeRef, ReaderItem, Reject

_NOTICES = frozenset(
    {"delete", "limit", "warning", "scrub_geo", "status_withheld", "user_withheld", "disconnect", "event", "friends"}
)
_V1_METRICS = (
    ("retweet_count", "retweet_count"),
    ("favorite_count", "like_count"),
    ("reply_count", "reply_count"),
    ("quote_count", "quote_count"),
)
_MAX_DEPTH = 2  # a retweet of a quote: top -> retweeted_status -> quoted_status


def looks_like_twitter_v1(obj: Any) -> bool:
    """A v1.1 tweet (id_str with user or created_at), a `{statuses: [...]}` search response, or a stream notice."""
    if isinstance(obj, list):
        obj = obj[0] if obj else None
    if not isinstance(obj, dict):
        return False
    if isinstance(obj.get("statuses"), list):
        return True
    if "id_str" in obj and ("user" in obj or "created_at" in obj):
        return True
    return len(obj) <= 2 and bool(_NOTICES & obj.keys())


def read_twitter_v1(path: Path) -> Iterator[ReaderItem]:
    """Read v1.1 tweets from a JSONL file or a single JSON document (object, array or search response)."""
    checked = False
    for line, obj in _records(path):
        if isinstance(obj, Reject):
            yield obj
            continue
        if not checked:
            if not looks_like_twitter_v1(obj):
                found = sorted(obj)[:8] if isinstance(obj, dict) else type(obj).__name__
                raise SourceFormatError(f"{path}: record {line} is not a Twitter v1.1 tweet; found {found}")
            checked = True
        for tweet in _tweets_of(obj):
            item = _tweet_item(str(path), line, tweet)
            if item is not None:
                yield item


def _records(path: Path) -> Iterator[tuple[int, Any]]:
    """(line, object or Reject): line by line for JSONL. One JSON document up to SWARMGRAPH_MAX_RECORD_BYTES that
    parses is taken whole (an array's records numbered by index + 1); an array that does not parse or is larger,
    or a larger search response's `statuses`, is streamed element by element, each at the physical line where it
    starts: a damaged element is a Reject and the next one is read (etl/json_stream.py)."""
    if _is_json_lines(path):
        for item in checked_json_lines(path, looks_like_twitter_v1, "Twitter v1.1 tweet"):
            yield (item.line, item) if isinstance(item, Reject) else item
        return
    file = str(path)
    with open_json(path, depth_guard=False) as fh:
        first = fh.read(4096).lstrip()[:1]
    if source_size(path) <= limits.current().max_record_bytes:  # small enough to parse whole: the fast path
        with open_json(path, depth_guard=False) as fh:
            raw = fh.read()
        try:
            doc = loads_record(raw, file, line=1)
        except RecordError as exc:
            if first == b"{":
                yield 1, Reject(file, 1, f"invalid JSON document: {exc}", excerpt(raw[:400]))
                return
        else:
            yield from enumerate(doc, start=1) if isinstance(doc, list) else [(1, doc)]  # an array: index + 1
            return
    descend, targets = (frozenset({""}), frozenset({"statuses"})) if first == b"{" else (frozenset(), frozenset({""}))
    with open_json(path, depth_guard=False) as fh:
        for kind, _, found in iter_document(fh, file, descend=descend, targets=targets):
            if kind == "element" and found.error is None:
                yield found.line, found.value
            elif kind == "element":
                why = f"tweet #{found.index} (byte {found.offset:,}) cannot be read: {found.error}"
                yield found.line, Reject(file, found.line, why, found.excerpt)
            elif kind == "damaged":
                why = f"the document's structure is broken at byte {found.offset:,}: {found.error}"
                yield found.line, Reject(file, found.line, why, found.excerpt)


def _is_json_lines(path: Path) -> bool:
    """True when the first non-blank line is a whole JSON value (JSONL), or, that line being broken, the next one
    is; False for a pretty-printed document, whose lines are fragments."""
    failures = 0
    with open_binary(path) as fh:
        for lineno, raw in iter_lines(fh, limits.current().max_record_bytes):
            if raw is None:  # a line too long to hold: an array on one line is streamed, anything else is JSONL
                with open_json(path, depth_guard=False) as head:
                    return head.read(4096).lstrip()[:1] != b"["
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                orjson.loads(raw)  # only deciding whether lines are whole values: the reading checks the limits
            except orjson.JSONDecodeError:
                failures += 1
                if failures == 2:
                    return False
                continue
            return True
    return failures == 0


def _tweets_of(obj: Any) -> list[Any]:
    if isinstance(obj, dict) and isinstance(obj.get("statuses"), list):
        statuses: list[Any] = obj["statuses"]
        return statuses
    if isinstance(obj, list):
        return obj
    return [obj]


def _tweet_id(tweet: dict[str, Any]) -> str | None:
    tweet_id = tweet.get("id_str")
    if isinstance(tweet_id, str) and tweet_id:
        return tweet_id
    numeric = tweet.get("id")  # exact when parsed from JSON here; never from a float
    return str(numeric) if isinstance(numeric, int) and not isinstance(numeric, bool) else None


def _tweet_item(file: str, line: int, tweet: Any) -> ReaderItem | None:
    if not isinstance(tweet, dict):
        return Reject(file, line, f"not a tweet object: {type(tweet).__name__}", excerpt(orjson.dumps(tweet)))
    if _NOTICES & tweet.keys() and "id_str" not in tweet and "user" not in tweet:
        return None
    if "actor" in tweet and "verb" in tweet:
        reason = "a Gnip Activity Streams activity: load the file with --format gnip-activity-streams"
        return Reject(file, line, reason, excerpt(orjson.dumps(tweet)))
    tweet_id = _tweet_id(tweet)
    if tweet_id is None:
        return Reject(file, line, "tweet without id_str", excerpt(orjson.dumps(tweet)))
    if not isinstance(tweet.get("user"), dict) or not tweet["user"].get("id_str"):
        return Reject(file, line, f"tweet {tweet_id} has no user", excerpt(orjson.dumps(tweet)))
    facts = TweetFacts()
    try:
        _add_tweet(facts, tweet, tweet_id, 0)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        return Reject(file, line, f"tweet {tweet_id}: {type(exc).__name__}: {exc}", excerpt(orjson.dumps(tweet)))
    return facts.fragment()


def _user_props(user: dict[str, Any]) -> dict[str, Any]:
    created = user.get("created_at")
    return {
        "handle": user.get("screen_name"),
        "name": user.get("name"),
        "created_at": parse_v1_time(created) if created else None,
        "followers": as_int(user.get("followers_count")),
        "following": as_int(user.get("friends_count")),
        "posts_count": as_int(user.get("statuses_count")),
        "verified": user.get("verified"),
        "protected": user.get("protected"),
    }


def _content(tweet: dict[str, Any]) -> tuple[str, dict[str, Any], list[dict[str, Any]], bool]:
    """(full text, entities, media, text known to be truncated) from the extended or compat form of a tweet."""
    extended = tweet.get("extended_tweet")
    if isinstance(extended, dict) and extended.get("full_text"):
        media = (extended.get("extended_entities") or extended.get("entities") or {}).get("media") or []
        return extended["full_text"], extended.get("entities") or {}, media, False
    entities = tweet.get("entities") or {}
    media = (tweet.get("extended_entities") or entities).get("media") or []
    if "full_text" in tweet:
        return tweet["full_text"] or "", entities, media, False
    return tweet.get("text") or "", entities, media, tweet.get("truncated") is True


def _media_keys(media: list[dict[str, Any]]) -> list[str]:
    """v1.1 media ids as v2 media keys ('7_<id>' for a video) so both formats name media alike."""
    keys = []
    for item in media:
        media_id = item.get("id_str") or (str(item["id"]) if isinstance(item.get("id"), int) else None)
        if media_id:
            keys.append(MEDIA_KEY_PREFIX.get(str(item.get("type")), "3_") + media_id)
    return keys


def _embedded(tweet: dict[str, Any], key: str) -> tuple[dict[str, Any], str] | None:
    inner = tweet.get(key)
    if isinstance(inner, dict) and isinstance(inner.get("user"), dict) and inner["user"].get("id_str"):
        inner_id = _tweet_id(inner)
        if inner_id:
            return inner, inner_id
    return None


def _add_tweet(facts: TweetFacts, tweet: dict[str, Any], tweet_id: str, depth: int) -> NodeRef:
    user = tweet["user"]
    author = facts.account(account_uid(user["id_str"]), _user_props(user))
    retweeted = _embedded(tweet, "retweeted_status") if depth < _MAX_DEPTH else None
    content = retweeted[0] if retweeted else tweet
    text, entities, media, truncated = _content(content)
    created = tweet.get("created_at")
    created_at = parse_v1_time(created) if created else None
    props: dict[str, Any] = {
        "platform": "twitter",
        "text": unescape_text(text),
        "created_at": created_at,
        "lang": tweet.get("lang"),
    }
    if truncated:
        props["text_truncated"] = True
    if not retweeted:  # a retweet's counts are its original's
        for source, name in _V1_METRICS:
            if source in tweet:
                props[name] = as_int(tweet[source])
    media_keys = _media_keys(media)
    props.update(media_props(_v2_media(media), media_keys))
    post = facts.post(tweet_id, props, author)

    referenced: set[str] = {tweet_id, str(content.get("id_str") or "")}
    if retweeted:
        facts.rel("REPOSTS", post, _add_tweet(facts, retweeted[0], retweeted[1], depth + 1))
        referenced.add(retweeted[1])
    else:
        quoted_id = _quote(facts, post, tweet, depth)
        if quoted_id:
            referenced.add(quoted_id)
        reply_id = tweet.get("in_reply_to_status_id_str")
        if reply_id:
            replied_author = facts.placeholder_account(
                tweet.get("in_reply_to_user_id_str"), tweet.get("in_reply_to_screen_name")
            )
            facts.rel("REPLIES_TO", post, facts.placeholder_post(str(reply_id), replied_author))
            referenced.add(str(reply_id))
    quoted_in_content = content.get("quoted_status_id_str")
    if quoted_in_content:
        referenced.add(str(quoted_in_content))

    facts.hashtags(post, (str(h.get("text") or "") for h in dicts(entities.get("hashtags"))))
    for mention in dicts(entities.get("user_mentions")):
        facts.mention(post, mention.get("id_str"), mention.get("screen_name"))
    own_id = str(content.get("id_str") or tweet_id)
    for entity in dicts(entities.get("urls")):
        raw, expanded = link_candidate(entity)
        facts.link(post, raw, expanded, created_at, own_id, referenced)
    return post


def _quote(facts: TweetFacts, post: NodeRef, tweet: dict[str, Any], depth: int) -> str | None:
    """(post)-[:QUOTES]->(quoted post): the embedded quoted_status, else a placeholder (deleted or protected)."""
    embedded = _embedded(tweet, "quoted_status") if depth < _MAX_DEPTH else None
    if embedded:
        facts.rel("QUOTES", post, _add_tweet(facts, embedded[0], embedded[1], depth + 1))
        return embedded[1]
    quoted_id = tweet.get("quoted_status_id_str")
    if not quoted_id:
        return None
    permalink = tweet.get("quoted_status_permalink") or {}
    handle = permalink_handle(str(permalink.get("expanded") or ""), str(quoted_id))
    facts.rel("QUOTES", post, facts.placeholder_post(str(quoted_id), facts.placeholder_account(None, handle)))
    return str(quoted_id)


def _v2_media(media: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """v1.1 media in the v2 shape media_props() reads (type, duration_ms); v1.1 carries no view counts."""
    out = []
    for item in media:
        duration = (item.get("video_info") or {}).get("duration_millis")
        out.append({"type": item.get("type"), "duration_ms": duration})
    return out


def v1_tweet_item(file: str, line: int, tweet: Any) -> ReaderItem | None:
    """One v1.1 tweet object -> its Fragment (or a Reject, or None for a stream notice). Readers of formats that
    carry the same tweets in another shape (Gnip Activity Streams) translate into v1.1 and call this, so both
    shapes give the same nodes and relationships."""
    return _tweet_item(file, line, tweet)
