"""twarc-csv (`twarc2 csv`) output: one tweet per row, 84 dotted columns (docs/formats.md, twarc-csv).

Traps handled: `--merge-retweets` (the default) puts the original's full text, entities and public_metrics on a
retweet row, so a retweet keeps the text but no counts; list columns are JSON strings (`["#tag"]`, `["@user"]`,
expanded URLs, or `pic.twitter.com/…` for media); newlines are written as the two characters `\\n`; numbers may
carry float artefacts (`1440.0`); referenced tweets are not rows, so they become placeholders authored by the
`*_user_id`/`*_username` columns, which also resolve mentions by handle. Old twarc-csv (<= 0.3) layouts with a
JSON `referenced_tweets` column and JSON entity objects are read too.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from etl.errors import SourceFormatError
from etl.readers.common import excerpt, iter_csv_rows, open_text, parse_iso_utc
from etl.readers.twitter_graph import (
    TweetFacts,
    account_uid,
    as_int,
    media_props,
    unescape_text,
)
from etl.records import Fragment, NodeRef, ReaderItem, Reject

METRICS = ("retweet_count", "reply_count", "like_count", "quote_count", "impression_count")
# (referenced id column, relationship, author id column, author handle column)
REFERENCES = (
    ("referenced_tweets.retweeted.id", "REPOSTS", "retweeted_user_id", "retweeted_username"),
    ("referenced_tweets.quoted.id", "QUOTES", "quoted_user_id", "quoted_username"),
    ("referenced_tweets.replied_to.id", "REPLIES_TO", "in_reply_to_user_id", "in_reply_to_username"),
)
_OLD_REF_TYPES = {"retweeted": "REPOSTS", "quoted": "QUOTES", "replied_to": "REPLIES_TO"}


def looks_like_twarc_csv(header: list[str]) -> bool:
    """A twarc-csv tweet header: `id` and `text`, an author column and twarc-csv's dotted column names."""
    columns = set(header)
    has_author = "author_id" in columns or "author.id" in columns
    dotted = "referenced_tweets.replied_to.id" in columns or "author.username" in columns or "__twarc.url" in columns
    return {"id", "text"} <= columns and has_author and dotted


def read_twarc_csv(path: Path) -> Iterator[ReaderItem]:
    """Read a twarc-csv tweets file row by row."""
    with open_text(path) as fh:
        header = next(csv.reader(fh), [])
    if not looks_like_twarc_csv(header):
        raise SourceFormatError(f"{path}: the header is not twarc-csv's; found {header[:8]}")
    for item in iter_csv_rows(path):
        if isinstance(item, Reject):
            yield item
        else:
            yield _row_item(str(path), *item)


def _row_excerpt(row: dict[str, str]) -> str:
    return excerpt(",".join(v for v in row.values() if isinstance(v, str) and v))


def _row_item(file: str, line: int, row: dict[str, str]) -> ReaderItem:
    tweet_id = (row.get("id") or "").strip()
    if not tweet_id.isdigit():
        return Reject(file, line, f"row without a tweet id (id={tweet_id[:40]!r})", _row_excerpt(row))
    author_id = (row.get("author_id") or row.get("author.id") or "").strip()
    if not author_id:
        return Reject(file, line, f"tweet {tweet_id} has no author_id", _row_excerpt(row))
    try:
        return _row_fragment(row, tweet_id, author_id)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        return Reject(file, line, f"tweet {tweet_id}: {type(exc).__name__}: {exc}", _row_excerpt(row))


def _json_list(value: str | None) -> list[Any]:
    if not value or value[0] != "[":
        return []
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return []
    return parsed if isinstance(parsed, list) else []


def _bool(value: str | None) -> bool | None:
    return {"True": True, "False": False, "true": True, "false": False}.get(value or "")


def _time(value: str | None) -> Any:
    return parse_iso_utc(value) if value else None


def _text(value: str | None) -> str:
    """twarc-csv writes newlines as the two characters '\\n' (and drops '\\r'); the text is HTML-escaped."""
    return unescape_text((value or "").replace("\\n", "\n"))


def _row_fragment(row: dict[str, str], tweet_id: str, author_id: str) -> Fragment:
    facts = TweetFacts()
    author = facts.account(
        account_uid(author_id),
        {
            "handle": row.get("author.username") or None,
            "name": row.get("author.name") or None,
            "created_at": _time(row.get("author.created_at")),
            "followers": as_int(row.get("author.public_metrics.followers_count")),
            "following": as_int(row.get("author.public_metrics.following_count")),
            "posts_count": as_int(row.get("author.public_metrics.tweet_count")),
            "verified": _bool(row.get("author.verified")),
            "protected": _bool(row.get("author.protected")),
        },
    )
    refs = _references(row)
    is_retweet = any(rel == "REPOSTS" for rel, _, _, _ in refs)
    created_at = _time(row.get("created_at"))
    props: dict[str, Any] = {
        "platform": "twitter",
        "text": _text(row.get("text")),
        "created_at": created_at,
        "lang": row.get("lang") or None,
        "conversation_id": row.get("conversation_id") or None,
    }
    if not is_retweet:  # merged retweet rows carry the original's counts
        for name in METRICS:
            value = as_int(row.get(f"public_metrics.{name}"))
            if value is not None:
                props[name] = value
    history = _json_list(row.get("edit_history_tweet_ids"))
    if len(history) > 1:
        props["edit_history_tweet_ids"] = [str(h) for h in history]
    media = [m for m in _json_list(row.get("attachments.media")) if isinstance(m, dict) and m]
    media_keys = [str(k) for k in _json_list(row.get("attachments.media_keys"))]
    props.update(media_props(media, media_keys))
    post = facts.post(tweet_id, props, author)

    handles = {(row.get("author.username") or "").lower(): author_id}
    referenced = {tweet_id}
    for rel_type, ref_id, user_id, handle in refs:
        if user_id and handle:
            handles[handle.lower()] = user_id
        ref_author = facts.placeholder_account(user_id, handle)
        facts.rel(rel_type, post, facts.placeholder_post(ref_id, ref_author))
        referenced.add(ref_id)
    _entities(facts, post, row, handles, referenced, created_at, tweet_id)
    return facts.fragment()


def _references(row: dict[str, str]) -> list[tuple[str, str, str | None, str | None]]:
    """(relationship, referenced tweet id, its author id, its author handle) from either column layout."""
    refs = []
    for id_column, rel_type, user_column, handle_column in REFERENCES:
        ref_id = (row.get(id_column) or "").strip()
        if ref_id:
            refs.append((rel_type, ref_id, row.get(user_column) or None, row.get(handle_column) or None))
    if not refs and row.get("referenced_tweets"):  # twarc-csv <= 0.3: a JSON list of {type, id}
        for ref in _json_list(row.get("referenced_tweets")):
            if isinstance(ref, dict) and ref.get("id") and ref.get("type") in _OLD_REF_TYPES:
                refs.append((_OLD_REF_TYPES[ref["type"]], str(ref["id"]), None, None))
    return refs


def _entities(
    facts: TweetFacts,
    post: NodeRef,
    row: dict[str, str],
    handles: dict[str, str],
    referenced: set[str],
    created_at: Any,
    tweet_id: str,
) -> None:
    tags = [t.get("tag", "") if isinstance(t, dict) else str(t) for t in _json_list(row.get("entities.hashtags"))]
    facts.hashtags(post, tags)
    for mention in _json_list(row.get("entities.mentions")):
        if isinstance(mention, dict):
            handle, user_id = mention.get("username"), mention.get("id")
        else:
            handle, user_id = str(mention).lstrip("@"), None
        if handle or user_id:
            facts.mention(post, user_id or handles.get((handle or "").lower()), handle)
    for entity in _json_list(row.get("entities.urls")):
        url = entity.get("expanded_url") if isinstance(entity, dict) else str(entity)
        unwound = entity.get("unwound_url") if isinstance(entity, dict) else None
        if url and not url.endswith("…"):
            facts.link(post, url, unwound, created_at, tweet_id, referenced)
