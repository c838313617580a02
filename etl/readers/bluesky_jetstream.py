"""Bluesky Jetstream events as JSON lines (docs/formats.md): `{did, time_us, kind: commit | identity | account}`.

Read: post creates and updates (the post, reply, quote, links, tags, mentions, as for API responses in
etl/readers/bluesky.py), post deletes (the post is kept as a placeholder with `deleted_at`: a delete carries no
record, so nothing else is known), reposts (`bluesky:repost:<did>:<subject at:// URI>`, the uid a feed's repost
reason gets), profile updates (the display name), identity events (the handle, when given) and account events
(`account_status`, and `suspended_at` for a takedown or suspension: takedown evidence). Likes, follows, blocks and
records of other collections are not in the model and are skipped.

Traps handled: `time_us` is the relay's time in microseconds (not seconds) and is not monotonic within a file, so
it is never used to order events; a post's `created_at` is its record's `createdAt`, which the client asserts
(`time_us` is kept as `indexed_at`); the author of a commit is the event's `did`, known here by nothing else.
Limits: one line is one event, parsed whole; handles seen in identity events resolve later `bsky.app` links of the
same file only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from etl.readers.bluesky_records import (
    POST_COLLECTION,
    BlueskyFacts,
    Handles,
    add_record_edges,
    mapping,
    record_props,
    repost_uid,
    split_at_uri,
    text_of,
    time_of,
)
from etl.readers.common import excerpt
from etl.readers.twitter_graph import checked_json_lines
from etl.records import Node, NodeRef, ReaderItem, Reject

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_TIME_US = 253_402_300_799_000_000  # 9999-12-31: beyond it a datetime cannot hold the value
_REPOST_COLLECTION = "app.bsky.feed.repost"
_PROFILE_COLLECTION = "app.bsky.actor.profile"
_SUSPENDED = frozenset({"takendown", "suspended"})


def looks_like_jetstream(obj: Any) -> bool:
    return isinstance(obj, dict) and "did" in obj and "kind" in obj and "time_us" in obj


def read_bluesky_jetstream(path: Path) -> Iterator[ReaderItem]:
    """Read Jetstream JSON lines: one Fragment per event the model holds, a Reject per malformed event."""
    file = str(path)
    handles = Handles()
    for item in checked_json_lines(path, looks_like_jetstream, "Bluesky Jetstream event"):
        if isinstance(item, Reject):
            yield item
            continue
        line, event = item
        out = _event_item(file, line, event, handles)
        if out is not None:
            yield out


def event_time(time_us: Any) -> datetime:
    """Jetstream's `time_us` (microseconds since the epoch) as a UTC time; ValueError when it is not one."""
    if not isinstance(time_us, int) or isinstance(time_us, bool) or not 0 <= time_us <= _MAX_TIME_US:
        raise ValueError(f"time_us is not a time in microseconds: {str(time_us)[:40]!r}")
    return _EPOCH + timedelta(microseconds=time_us)


def _event_item(file: str, line: int, event: Any, handles: Handles) -> ReaderItem | None:
    if not looks_like_jetstream(event) or not str(event["did"]).startswith("did:"):
        return Reject(file, line, "not a Jetstream event (did, time_us, kind)", excerpt(orjson.dumps(event)))
    facts = BlueskyFacts(handles)
    try:
        seen_at = event_time(event["time_us"])
        kept = _add_event(facts, event, seen_at, handles)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        return Reject(file, line, f"{event.get('kind')!s:.20} event: {exc}", excerpt(orjson.dumps(event)))
    return facts.fragment() if kept else None


def _add_event(facts: BlueskyFacts, event: dict[str, Any], seen_at: datetime, handles: Handles) -> bool:
    """Add an event's facts; False for an event the model does not hold (a like, a follow, another app's record)."""
    did: str = event["did"]
    kind = event["kind"]
    if kind == "identity":
        identity = mapping(event.get("identity"))
        handle = text_of(identity.get("handle"))
        handles.add(did, handle)
        facts.account(did, {"handle": handle} if handle else None)
        return True
    if kind == "account":
        account = mapping(event.get("account"))
        active = account.get("active")
        if not isinstance(active, bool):
            raise ValueError("account event without `active`")
        status = text_of(account.get("status")) or ("active" if active else "inactive")
        props: dict[str, Any] = {"account_status": status}
        if status in _SUSPENDED:
            props["suspended_at"] = time_of(account.get("time")) or seen_at
        facts.account(did, props)
        return True
    if kind != "commit":
        raise ValueError(f"unknown kind {str(kind)[:40]!r}")
    commit = event.get("commit")
    if not isinstance(commit, dict):
        raise ValueError("commit event without a commit")
    return _add_commit(facts, did, commit, seen_at)


def _add_commit(facts: BlueskyFacts, did: str, commit: dict[str, Any], seen_at: datetime) -> bool:
    operation, collection, rkey = commit.get("operation"), commit.get("collection"), commit.get("rkey")
    if operation not in ("create", "update", "delete"):
        raise ValueError(f"unknown operation {str(operation)[:40]!r}")
    if collection not in (POST_COLLECTION, _REPOST_COLLECTION, _PROFILE_COLLECTION):
        return False
    if not isinstance(rkey, str) or not rkey or "/" in rkey:
        raise ValueError(f"commit without a record key: {str(rkey)[:40]!r}")
    uri = f"at://{did}/{collection}/{rkey}"
    if operation == "delete":
        if collection != POST_COLLECTION:
            return False  # a deleted repost or profile names no subject: nothing to attach it to
        facts.placeholder_post(uri, {"deleted_at": seen_at})
        return True
    record = commit.get("record")
    if not isinstance(record, dict):
        raise ValueError(f"{operation} of {collection} without a record")
    if collection == _PROFILE_COLLECTION:
        facts.account(did, {"name": text_of(record.get("displayName"))})
        return True
    author = facts.account(did)
    if collection == _REPOST_COLLECTION:
        subject = record.get("subject")
        subject_uri = subject.get("uri") if isinstance(subject, dict) else None
        if split_at_uri(subject_uri) is None:
            raise ValueError("repost without a subject at:// uri")
        uid = repost_uid(did, facts.resolve_uri(str(subject_uri)))
        repost = {"platform": "bluesky", "kind": "repost", "created_at": time_of(record.get("createdAt"))}
        facts.nodes.append(Node("Post", uid, repost))
        facts.rel("POSTED", author, NodeRef("Post", uid))
        facts.rel("REPOSTS", NodeRef("Post", uid), facts.placeholder_post(str(subject_uri)))
        return True
    props = record_props(record)
    post = facts.post(uri, {**props, "indexed_at": seen_at}, author)
    add_record_edges(facts, post, record, props["created_at"] or seen_at)
    return True
