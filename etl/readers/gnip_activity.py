"""Gnip Activity Streams tweets (Twitter's enterprise APIs before v2; docs/formats.md): JSON lines, one activity per
line, or Gnip search pages `{results: [...], next}` one per line.

Each activity is translated into the v1.1 tweet it describes and read by etl/readers/twitter_v1.py, so the same
tweets in Gnip's original format and in Activity Streams give the same nodes and relationships. Traps handled: ids
are tag URIs (`tag:search.twitter.com,2005:<tweet id>`, `id:twitter.com:<user id>`); a share's own `body` is the
truncated `RT @x: ...` and its content is the original activity in `object`; a long tweet's full text and entities
are in `long_object`; a quote is an activity in `twitter_quoted_status`; a reply names its parent only by a status
link (`inReplyTo.link`), so the parent's author id is taken from the mention of that handle in the same activity
when there is one; Gnip's unwound URLs (`gnip.urls[].expanded_url`) are keyed by the t.co link and apply to the
entities of the embedded activities too. Compliance activities (verb `delete`) and the `info` line that ends a
historical job carry no tweet and are skipped; any other verb is rejected with its name.

Limits: one line is one activity or one search page, parsed whole; embedded activities are read two deep (a share
of a quote), like the v1.1 reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from etl.readers.common import excerpt
from etl.readers.twitter_graph import checked_json_lines, dicts
from etl.readers.twitter_v1 import v1_tweet_item
from etl.records import ReaderItem, Reject

_TWEET_ID_PREFIX = "2005:"  # tag:search.twitter.com,2005:<id>; object:search.twitter.com,2005:<id>
_USER_ID_PREFIX = "id:twitter.com:"
_SKIPPED_VERBS = frozenset({"delete"})
_MAX_DEPTH = 2


def looks_like_gnip_activity(obj: Any) -> bool:
    """An activity (`objectType: activity` or a twitter.com tag id with a verb), a search page of them, or the
    `info` line of a historical job."""
    if not isinstance(obj, dict):
        return False
    if isinstance(obj.get("results"), list):
        first = obj["results"][0] if obj["results"] else None
        return first is None or looks_like_gnip_activity(first)
    if set(obj) == {"info"}:
        return True
    activity_id = obj.get("id")
    return "verb" in obj and (
        obj.get("objectType") == "activity" or (isinstance(activity_id, str) and "twitter.com" in activity_id)
    )


def read_gnip_activity(path: Path) -> Iterator[ReaderItem]:
    """Read a Gnip Activity Streams JSONL file (activities, or search pages of activities)."""
    file = str(path)
    for item in checked_json_lines(path, looks_like_gnip_activity, "Gnip Activity Streams activity"):
        if isinstance(item, Reject):
            yield item
            continue
        line, obj = item
        activities = obj["results"] if isinstance(obj, dict) and isinstance(obj.get("results"), list) else [obj]
        for activity in activities:
            out = _activity_item(file, line, activity)
            if out is not None:
                yield out


def _activity_item(file: str, line: int, activity: Any) -> ReaderItem | None:
    if not isinstance(activity, dict):
        return Reject(file, line, f"not an activity object: {type(activity).__name__}", excerpt(orjson.dumps(activity)))
    if set(activity) == {"info"}:
        return None
    verb = activity.get("verb")
    if not isinstance(verb, str):
        return Reject(file, line, "activity without a verb", excerpt(orjson.dumps(activity)))
    if verb in _SKIPPED_VERBS:
        return None
    if verb not in ("post", "share"):
        return Reject(
            file, line, f"activity verb {str(verb)[:40]!r} is not a post or share", excerpt(orjson.dumps(activity))
        )
    unwound = {
        str(entry["url"]): str(entry["expanded_url"])
        for entry in dicts((activity.get("gnip") or {}).get("urls") if isinstance(activity.get("gnip"), dict) else None)
        if isinstance(entry.get("url"), str) and isinstance(entry.get("expanded_url"), str) and entry["expanded_url"]
    }
    try:
        tweet = _as_v1(activity, unwound, 0)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        reason = f"activity {str(activity.get('id'))[:80]!r}: {type(exc).__name__}: {exc}"
        return Reject(file, line, reason, excerpt(orjson.dumps(activity)))
    if tweet is None:
        return Reject(file, line, "activity without a twitter.com tag id", excerpt(orjson.dumps(activity)))
    return v1_tweet_item(file, line, tweet)


def _tail(value: Any, prefix: str) -> str | None:
    """The id after `prefix` in a tag URI ('tag:search.twitter.com,2005:123' -> '123'); None when absent."""
    if not isinstance(value, str) or prefix not in value:
        return None
    tail = value.rsplit(prefix, 1)[1]
    return tail if tail.isascii() and tail.isdigit() else None


def _status_link(link: Any) -> tuple[str | None, str | None]:
    """(handle, tweet id) of a status link 'http://twitter.com/<handle>/statuses/<id>'."""
    if not isinstance(link, str):
        return None, None
    parts = link.rstrip("/").split("/")
    if len(parts) >= 3 and parts[-2] in ("statuses", "status") and parts[-1].isascii() and parts[-1].isdigit():
        return parts[-3] or None, parts[-1]
    return None, None


def _user(actor: Any) -> dict[str, Any] | None:
    if not isinstance(actor, dict):
        return None
    user_id = _tail(actor.get("id"), _USER_ID_PREFIX)
    if user_id is None:
        return None
    return {
        "id_str": user_id,
        "screen_name": _text(actor.get("preferredUsername")),
        "name": _text(actor.get("displayName")),
        "created_at": _text(actor.get("postedTime")),
        "followers_count": actor.get("followersCount"),
        "friends_count": actor.get("friendsCount"),
        "statuses_count": actor.get("statusesCount"),
        "verified": actor.get("verified") if isinstance(actor.get("verified"), bool) else None,
    }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _entities(entities: Any, unwound: dict[str, str]) -> dict[str, Any]:
    """v1.1 entities, with Gnip's unwound URL set on each URL entity whose t.co link it names."""
    if not isinstance(entities, dict):
        return {}
    out = dict(entities)
    urls = []
    for entity in dicts(entities.get("urls")):
        final = unwound.get(str(entity.get("url")))
        urls.append({**entity, "unwound": {"url": final}} if final and "unwound" not in entity else entity)
    out["urls"] = urls
    return out


def _as_v1(activity: dict[str, Any], unwound: dict[str, str], depth: int) -> dict[str, Any] | None:
    """The v1.1 tweet an activity describes (only the fields the v1.1 reader uses), or None without a tweet id."""
    tweet_id = _tail(activity.get("id"), _TWEET_ID_PREFIX)
    if tweet_id is None:
        return None
    tweet: dict[str, Any] = {
        "id_str": tweet_id,
        "user": _user(activity.get("actor")),
        "created_at": _text(activity.get("postedTime")),
        "lang": _text(activity.get("twitter_lang")),
        "text": _text(activity.get("body")) or "",
        "entities": _entities(activity.get("twitter_entities"), unwound),
        "extended_entities": activity.get("twitter_extended_entities"),
    }
    if activity.get("verb") != "share":  # a share's counts are its original's; the v1.1 reader drops them anyway
        tweet["retweet_count"] = activity.get("retweetCount")
        tweet["favorite_count"] = activity.get("favoritesCount")
    long_object = activity.get("long_object")
    if isinstance(long_object, dict) and long_object.get("body"):
        tweet["extended_tweet"] = {
            "full_text": long_object["body"],
            "entities": _entities(long_object.get("twitter_entities"), unwound),
            "extended_entities": long_object.get("twitter_extended_entities"),
        }
    if depth < _MAX_DEPTH:
        shared = activity.get("object")
        if activity.get("verb") == "share" and isinstance(shared, dict):
            tweet["retweeted_status"] = _as_v1(shared, unwound, depth + 1)
        quoted = activity.get("twitter_quoted_status")
        if isinstance(quoted, dict):
            tweet["quoted_status"] = _as_v1(quoted, unwound, depth + 1)
            tweet["quoted_status_id_str"] = _tail(quoted.get("id"), _TWEET_ID_PREFIX)
    if depth > 0 and "quoted_status_id_str" not in tweet:
        tweet["quoted_status_id_str"] = _trailing_permalink(tweet)
    in_reply_to = activity.get("inReplyTo")
    handle, parent_id = _status_link(in_reply_to.get("link") if isinstance(in_reply_to, dict) else None)
    if parent_id:
        tweet["in_reply_to_status_id_str"] = parent_id
        tweet["in_reply_to_screen_name"] = handle
        tweet["in_reply_to_user_id_str"] = _user_id_of_handle(tweet, handle)
    return tweet


def _trailing_permalink(tweet: dict[str, Any]) -> str | None:
    """The tweet id of a status permalink that ends the text. An embedded activity never says whether it quotes
    (Gnip nests one level only), but Twitter turns a tweet ending in a status link into a quote of that status, and
    the original format names it in quoted_status_id_str: so the link is a quote here too, not a shared URL."""
    extended = tweet.get("extended_tweet") or {}
    text = str(extended.get("full_text") or tweet.get("text") or "").rstrip()
    urls = dicts((extended.get("entities") or tweet.get("entities") or {}).get("urls"))
    if not urls or not isinstance(urls[-1].get("url"), str) or not text.endswith(urls[-1]["url"]):
        return None
    handle, status_id = _status_link(urls[-1].get("expanded_url"))
    return status_id if handle not in (None, "i", "web") else None


def _user_id_of_handle(tweet: dict[str, Any], handle: str | None) -> str | None:
    """The user id of `handle` from the activity's own author or mentions (a reply mentions its parent's author)."""
    if not handle:
        return None
    wanted = handle.lower()
    user = tweet.get("user") or {}
    if str(user.get("screen_name") or "").lower() == wanted:
        return str(user["id_str"])
    extended = tweet.get("extended_tweet") or {}
    for entities in (tweet.get("entities") or {}, extended.get("entities") or {}):
        for mention in dicts(entities.get("user_mentions")):
            if str(mention.get("screen_name") or "").lower() == wanted and mention.get("id_str"):
                return str(mention["id_str"])
    return None
