"""Twitter research archives in CSV: X's Information Operations takedown archives, the FiveThirtyEight / Clemson IRA
tweets and TAGS (Google Sheets) archives (docs/formats.md: twitter-io, fivethirtyeight-ira, tags-archive).

X's Information Operations archives (`<campaign>_tweets_csv_hashed.csv`, `<campaign>_users_csv_hashed.csv`, and
unhashed variants): one reader for both files, told apart by the header. Every account in an archive was suspended
by the platform: its Account gets `suspended: true` and `suspension_evidence: "x-io-archive:<campaign>"` (the
campaign is the file name without `_tweets_csv_hashed` and the like); `suspended_at` stays unknown. In hashed
releases the ids (and names) of small accounts are hashes, stable within a release: a numeric user id is keyed
`twitter:<id>` like everywhere else, any other id `twitter:hashed:<hash>`, so it can never meet a real id, and a
screen name or display name equal to the hash is not kept as a handle or name. `hashtags`, `urls` and
`user_mentions` (user ids) are Python-style list literals, quoted or not: read without evaluating anything.

FiveThirtyEight / Clemson IRA tweets (`IRAhandle_tweets_N.csv`): the exact tweet id is taken from `article_url`
(`http://twitter.com/<author>/statuses/<id>`), which survives a spreadsheet; `tweet_id` only when `article_url`
has none and `tweet_id` is all digits. A row whose id survives only as `9.06E+17` is rejected, never rounded.

TAGS: `id_str` (else the id in `status_url`), v1.1 `created_at`, v1.1 `entities` as JSON in `entities_str`.
"""

from __future__ import annotations

import ast
import csv
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from etl.errors import SourceFormatError
from etl.readers.common import excerpt, find_urls, iter_csv_rows, open_text, parse_iso_utc
from etl.readers.research_csv import RETWEET_PREFIX, parse_mdy_time
from etl.readers.twitter_graph import (
    TweetFacts,
    account_uid,
    as_int,
    handle_uid,
    link_candidate,
    parse_v1_time,
    unescape_text,
)
from etl.records import Fragment, NodeRef, ReaderItem, Reject
from etl.urls import twitter_status_id

_DIGITS = re.compile(r"[0-9]{1,20}\Z")
# A number a spreadsheet rewrote: '9.06E+17', '9.06183548418310E+17', '1.2e18', '906183548418310000.0'.
_SCIENTIFIC = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+|\.0*)\Z")
# A hashed id of an Information Operations archive (hex or base64 digest characters).
_HASH = re.compile(r"[A-Za-z0-9+/=_-]{8,128}\Z")
_CAMPAIGN_SUFFIX = re.compile(r"_(?:tweets|users)(?:_csv)?(?:_(?:un)?hashed)?(?:_[0-9]+)?\Z", re.IGNORECASE)

IO_TWEET_COLUMNS = ("tweetid", "userid", "tweet_time")
IO_USER_COLUMNS = ("userid",)
IO_METRICS = ("quote_count", "reply_count", "like_count", "retweet_count")
IRA_COLUMNS = ("external_author_id", "author", "content", "publish_date")
IRA_LINK_COLUMNS = ("tco1_step1", "tco2_step1", "tco3_step1")
TAGS_COLUMNS = ("id_str", "from_user", "text", "created_at")


class BadRow(ValueError):
    """A row that cannot become graph facts; its message is the reject reason."""


def parse_list_literal(value: str | None) -> list[str]:
    """A list cell as the archives write it: `[a, b]`, `['a', 'b']`, `["a, b"]`, `[]` or empty; never evaluated.

    Quoted items are read with ast.literal_eval (only when every item is a string literal); any other cell is split
    on commas with surrounding quotes and spaces removed, so unquoted numbers keep their exact digits."""
    value = (value or "").strip()
    if not value:
        return []
    if value.startswith("[") and ("'" in value or '"' in value) and len(value) < 1_000_000:
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, list | tuple) and all(isinstance(item, str) for item in parsed):
            return [item.strip() for item in parsed if item.strip()]
    inner = value[1:] if value.startswith("[") else value
    inner = inner[:-1] if inner.endswith("]") else inner
    items = (item.strip().strip("'\"").strip() for item in inner.split(","))
    return [item for item in items if item]


def _row_excerpt(row: dict[Any, Any]) -> str:
    return excerpt(",".join(str(v) for v in row.values() if isinstance(v, str) and v))


def _header(path: Path) -> list[str]:
    with open_text(path) as fh:
        return [h.strip().lstrip("\ufeff").lower() for h in next(csv.reader(fh), [])]


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]] | Reject]:
    """Numbered rows with lower-cased column names; a Reject for a row with more or fewer cells than the header."""
    file = str(path)
    for item in iter_csv_rows(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, row = item
        if None in row:
            yield Reject(file, line, "the row has more cells than the header has columns", _row_excerpt(row))
        elif any(row.get(c) is None for c in row):
            yield Reject(file, line, "the row has fewer cells than the header has columns", _row_excerpt(row))
        else:
            yield line, {str(k).strip().lstrip("\ufeff").lower(): v for k, v in row.items()}


def _read_rows(path: Path, build: Callable[[dict[str, str]], Fragment]) -> Iterator[ReaderItem]:
    """build() per non-blank row; a BadRow (or a value error a row provokes) becomes that row's Reject."""
    file = str(path)
    for item in _rows(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, row = item
        if not any(v.strip() for v in row.values()):
            continue
        try:
            yield build(row)
        except BadRow as exc:
            yield Reject(file, line, str(exc), _row_excerpt(row))
        except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as exc:
            yield Reject(file, line, f"{type(exc).__name__}: {exc}", _row_excerpt(row))


def _cell(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def _time(value: str, column: str, parse: Callable[[str], datetime], expected: str) -> datetime:
    if not value:
        raise BadRow(f"{column} is empty")
    try:
        parsed: datetime = parse(value)
    except (ValueError, OverflowError) as exc:
        raise BadRow(f"{column} {value[:40]!r} is not a time ({expected} expected)") from exc
    return parsed


def _date(value: str) -> datetime | None:
    """An account creation date (`2014-05-13` or a full time); None when absent or unreadable."""
    try:
        return parse_iso_utc(value) if value else None
    except ValueError:
        return None


def _rounded(value: str) -> bool:
    return bool(_SCIENTIFIC.match(value)) and not _DIGITS.match(value)


# ------------------------------------------------------------------------------ Information Operations archives


def campaign_of(path: Path) -> str:
    """'ira_tweets_csv_hashed.csv' -> 'ira'; a file named otherwise keeps its whole stem."""
    stem = path.name.split(".", 1)[0]
    return _CAMPAIGN_SUFFIX.sub("", stem).lower() or stem.lower()


def io_account_uid(user_id: str) -> str:
    """`twitter:<id>` for a numeric user id, `twitter:hashed:<hash>` for a hashed one."""
    return account_uid(user_id) if _DIGITS.match(user_id) else f"twitter:hashed:{user_id}"


def _io_user_id(value: str, column: str) -> str:
    if _DIGITS.match(value) or (_HASH.match(value) and not _rounded(value)):
        return value
    if _rounded(value):
        raise BadRow(f"{column} {value[:40]!r} was rounded by a spreadsheet: the exact id is lost")
    raise BadRow(f"{column} {value[:40]!r} is neither a numeric nor a hashed user id")


def _ref_id(value: str, column: str, warnings: list[str], tweet_id: str) -> str | None:
    """An optional referenced id: digits, else None (a warning for a rounded or unreadable one, never a guess)."""
    if not value or value in ("0", "absent"):
        return None
    if _DIGITS.match(value):
        return value
    warnings.append(f"tweet {tweet_id}: {column} {value[:40]!r} is not an exact id; not linked")
    return None


def read_twitter_io(path: Path) -> Iterator[ReaderItem]:
    """Read an Information Operations archive: a tweets file (one Fragment per tweet) or a users file (one per
    account); every account it names as a row's author or user is marked suspended."""
    header = set(_header(path))
    evidence = f"x-io-archive:{campaign_of(path)}"
    if set(IO_TWEET_COLUMNS) <= header:
        yield from _read_rows(path, partial(_io_tweet, evidence=evidence))
    elif set(IO_USER_COLUMNS) <= header and "user_screen_name" in header:
        yield from _read_rows(path, partial(_io_user, evidence=evidence))
    else:
        raise SourceFormatError(
            f"{path}: not an Information Operations archive: a tweets file needs {', '.join(IO_TWEET_COLUMNS)}, "
            f"a users file userid and user_screen_name; found {sorted(header)[:8]}"
        )


def _io_profile(row: dict[str, str], user_id: str, evidence: str) -> dict[str, Any]:
    hashed = not _DIGITS.match(user_id)
    handle, name = _cell(row, "user_screen_name"), _cell(row, "user_display_name")
    return {
        "handle": None if hashed and handle == user_id else handle or None,
        "name": None if hashed and name == user_id else name or None,
        "location": _cell(row, "user_reported_location") or None,
        "description": _cell(row, "user_profile_description") or None,
        "followers": as_int(_cell(row, "follower_count")),
        "following": as_int(_cell(row, "following_count")),
        "created_at": _date(_cell(row, "account_creation_date")),
        "lang": _cell(row, "account_language") or None,
        "hashed": True if hashed else None,
        "suspended": True,
        "suspension_evidence": evidence,
    }


def _io_user(row: dict[str, str], *, evidence: str) -> Fragment:
    user_id = _io_user_id(_cell(row, "userid"), "userid")
    facts = TweetFacts()
    facts.account(io_account_uid(user_id), _io_profile(row, user_id, evidence))
    return facts.fragment()


def _io_tweet(row: dict[str, str], *, evidence: str) -> Fragment:
    tweet_id = _cell(row, "tweetid")
    if not _DIGITS.match(tweet_id):
        if _rounded(tweet_id):
            raise BadRow(f"tweetid {tweet_id[:40]!r} was rounded by a spreadsheet: the exact id is lost")
        raise BadRow(f"tweetid {tweet_id[:40]!r} is not a tweet id")
    user_id = _io_user_id(_cell(row, "userid"), "userid")
    created = _time(_cell(row, "tweet_time"), "tweet_time", parse_iso_utc, "YYYY-MM-DD HH:MM")
    facts = TweetFacts()
    author = facts.account(io_account_uid(user_id), _io_profile(row, user_id, evidence))
    is_retweet = _cell(row, "is_retweet").lower() in ("true", "1")
    props: dict[str, Any] = {
        "platform": "twitter",
        "text": row.get("tweet_text") or "",
        "created_at": created,
        "lang": _cell(row, "tweet_language") or None,
        "is_retweet": True if is_retweet else None,
    }
    for name in IO_METRICS:
        props[name] = as_int(_cell(row, name))
    post = facts.post(tweet_id, props, author)
    referenced = {tweet_id}
    for rel_type, id_column, user_column in (
        ("REPLIES_TO", "in_reply_to_tweetid", "in_reply_to_userid"),
        ("QUOTES", "quoted_tweet_tweetid", None),
        ("REPOSTS", "retweet_tweetid", "retweet_userid"),
    ):
        ref_id = _ref_id(_cell(row, id_column), id_column, facts.warnings, tweet_id)
        if ref_id is None:
            continue
        ref_author = _io_ref_account(facts, _cell(row, user_column) if user_column else "")
        facts.rel(rel_type, post, facts.placeholder_post(ref_id, ref_author))
        referenced.add(ref_id)
    if not row.get("in_reply_to_tweetid") and _cell(row, "in_reply_to_userid"):
        _io_ref_account(facts, _cell(row, "in_reply_to_userid"))  # a reply to an account, its tweet unnamed
    facts.hashtags(post, parse_list_literal(row.get("hashtags")))
    for mentioned in parse_list_literal(row.get("user_mentions")):
        target = _io_ref_account(facts, mentioned)
        if target is not None:
            facts.rel("MENTIONS", post, target)
    for url in parse_list_literal(row.get("urls")):
        if not url.endswith("…"):
            facts.link(post, url, None, created, tweet_id, referenced)
    return facts.fragment()


def _io_ref_account(facts: TweetFacts, user_id: str) -> NodeRef | None:
    """A referenced account by (possibly hashed) id: a placeholder, not marked suspended (it may not be in the
    archive); None for an empty or unreadable id."""
    if not user_id or user_id in ("0", "absent") or _rounded(user_id) or not _HASH.match(user_id):
        return None
    return facts.account(io_account_uid(user_id), None, placeholder=True)


# ------------------------------------------------------------------------------------------ FiveThirtyEight


def exact_tweet_id(id_cell: str, url: str, id_column: str, url_column: str, warnings: list[str]) -> str:
    """The exact tweet id of a row: the id in the status URL (which a spreadsheet leaves alone), else the id cell
    when it is all digits. BadRow when only a rounded id (`9.06E+17`) or none is left."""
    from_url = twitter_status_id(url) if url else None
    if from_url:
        if id_cell and id_cell != from_url and _DIGITS.match(id_cell):
            warnings.append(f"tweet {from_url}: {id_column} {id_cell} differs from {url_column}; {url_column} used")
        return from_url
    if _DIGITS.match(id_cell):
        return id_cell
    if _rounded(id_cell):
        raise BadRow(
            f"{id_column} {id_cell[:40]!r} was rounded by a spreadsheet and {url_column} gives no status id: "
            "the exact id is lost"
        )
    raise BadRow(f"no tweet id: {id_column} {id_cell[:40]!r} and {url_column} {url[:80]!r} give none")


def read_fivethirtyeight_ira(path: Path) -> Iterator[ReaderItem]:
    """Read FiveThirtyEight's IRA tweets CSV (`IRAhandle_tweets_N.csv`): one Fragment per tweet."""
    header = set(_header(path))
    if not set(IRA_COLUMNS) <= header:
        raise SourceFormatError(f"{path}: not a FiveThirtyEight IRA CSV: {', '.join(IRA_COLUMNS)} expected")
    yield from _read_rows(path, _ira_tweet)


def _ira_tweet(row: dict[str, str]) -> Fragment:
    facts = TweetFacts()
    tweet_id = exact_tweet_id(_cell(row, "tweet_id"), _cell(row, "article_url"), "tweet_id", "article_url",
                              facts.warnings)  # fmt: skip
    created = _time(_cell(row, "publish_date"), "publish_date", parse_mdy_time, "M/D/YYYY H:MM")
    handle = _cell(row, "author")
    author_id = _cell(row, "external_author_id")
    if not _DIGITS.match(author_id):
        author_id = _cell(row, "alt_external_id")
    profile = {
        "handle": handle or None,
        "followers": as_int(_cell(row, "followers")),
        "following": as_int(_cell(row, "following")),
        "account_category": _cell(row, "account_category") or None,
        "account_type": _cell(row, "account_type") or None,
    }
    if _DIGITS.match(author_id):
        author = facts.account(account_uid(author_id), profile)
    elif handle:
        facts.warnings.append(f"tweet {tweet_id}: external_author_id is not an exact id; the account keyed by handle")
        author = facts.account(handle_uid(handle), profile)
    else:
        raise BadRow("neither external_author_id nor author names the account")
    text = row.get("content") or ""
    post_type = _cell(row, "post_type").upper()
    is_retweet = post_type == "RETWEET" or _cell(row, "retweet") == "1"
    props: dict[str, Any] = {
        "platform": "twitter",
        "text": text,
        "created_at": created,
        "is_retweet": True if is_retweet else None,
    }
    post = facts.post(tweet_id, props, author)
    links = [_cell(row, c) for c in IRA_LINK_COLUMNS if _cell(row, c)] or find_urls(text)
    referenced = {tweet_id}
    if post_type == "QUOTE_TWEET":
        for url in links:
            quoted = twitter_status_id(url)
            if quoted and quoted != tweet_id:
                facts.rel("QUOTES", post, facts.placeholder_post(quoted))
                referenced.add(quoted)
                break
    _text_entities(facts, post, text)
    for url in dict.fromkeys(links):
        facts.link(post, url, None, created, tweet_id, referenced)
    return facts.fragment()


_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")


def _text_entities(facts: TweetFacts, post: NodeRef, text: str, *, mentions: bool = True) -> None:
    """Hashtags and @mentions from free text (a tag needs a non-digit; a handle is at most 15 characters)."""
    if "#" in text:
        facts.hashtags(post, [t for t in _HASHTAG.findall(text) if not t.isdigit()])
    if mentions and "@" in text:
        for handle in dict.fromkeys(h.lower() for h in _MENTION.findall(text)):
            facts.mention(post, None, handle)


# --------------------------------------------------------------------------------------------------- TAGS


def read_tags_archive(path: Path) -> Iterator[ReaderItem]:
    """Read a TAGS (Google Sheets Twitter archiver) sheet saved as CSV: one Fragment per tweet."""
    header = set(_header(path))
    if not set(TAGS_COLUMNS) <= header:
        raise SourceFormatError(f"{path}: not a TAGS archive: {', '.join(TAGS_COLUMNS)} expected")
    yield from _read_rows(path, _tags_tweet)


def _tags_tweet(row: dict[str, str]) -> Fragment:
    facts = TweetFacts()
    tweet_id = exact_tweet_id(_cell(row, "id_str"), _cell(row, "status_url"), "id_str", "status_url",
                              facts.warnings)  # fmt: skip
    created = _time(_cell(row, "created_at"), "created_at", parse_v1_time, "Mon Nov 16 10:00:00 +0000 2015")
    handle, user_id = _cell(row, "from_user"), _cell(row, "from_user_id_str")
    profile = {
        "handle": handle or None,
        "followers": as_int(_cell(row, "user_followers_count")),
        "following": as_int(_cell(row, "user_friends_count")),
        "location": _cell(row, "user_location") or None,
    }
    if _DIGITS.match(user_id):
        author = facts.account(account_uid(user_id), profile)
    elif handle:
        if user_id:
            facts.warnings.append(f"tweet {tweet_id}: from_user_id_str is not an exact id; the account keyed by handle")
        author = facts.account(handle_uid(handle), profile)
    else:
        raise BadRow("neither from_user_id_str nor from_user names the author")
    text = unescape_text(row.get("text") or "")
    props: dict[str, Any] = {"platform": "twitter", "text": text, "created_at": created}
    retweet = RETWEET_PREFIX.match(text)
    if retweet:
        props["is_retweet"] = True
        props["retweet_of_handle"] = retweet.group(1).lower()
    post = facts.post(tweet_id, props, author)
    referenced = {tweet_id}
    reply_id = _ref_id(_cell(row, "in_reply_to_status_id_str"), "in_reply_to_status_id_str", facts.warnings, tweet_id)
    if reply_id:
        reply_user = _cell(row, "in_reply_to_user_id_str")
        ref_author = facts.placeholder_account(
            reply_user if _DIGITS.match(reply_user) else None, _cell(row, "in_reply_to_screen_name") or None
        )
        facts.rel("REPLIES_TO", post, facts.placeholder_post(reply_id, ref_author))
        referenced.add(reply_id)
    entities = _entities(row.get("entities_str") or "", tweet_id, facts.warnings)
    if entities is None:  # no usable entities_str: recover what the text shows
        _text_entities(facts, post, text)
        for url in find_urls(text):
            facts.link(post, url, None, created, tweet_id, referenced)
        return facts.fragment()
    facts.hashtags(post, [str(h.get("text") or "") for h in _dicts(entities.get("hashtags"))])
    for mention in _dicts(entities.get("user_mentions")):
        mention_id = str(mention.get("id_str") or "")
        mention_handle = mention.get("screen_name")
        facts.mention(post, mention_id if _DIGITS.match(mention_id) else None,
                      mention_handle if isinstance(mention_handle, str) else None)  # fmt: skip
    for entity in _dicts(entities.get("urls")):
        raw, expanded = link_candidate(entity)
        if isinstance(raw, str) and not raw.endswith("…"):
            facts.link(post, raw, expanded if isinstance(expanded, str) else None, created, tweet_id, referenced)
    return facts.fragment()


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _entities(cell: str, tweet_id: str, warnings: list[str]) -> dict[str, Any] | None:
    cell = cell.strip()
    if not cell:
        return None
    try:
        parsed = orjson.loads(cell)
    except orjson.JSONDecodeError:
        warnings.append(f"tweet {tweet_id}: entities_str is not JSON; entities taken from the text")
        return None
    if not isinstance(parsed, dict):
        warnings.append(f"tweet {tweet_id}: entities_str is not a JSON object; entities taken from the text")
        return None
    return parsed
