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

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import orjson

from etl.errors import SourceFormatError
from etl.readers.archive_rows import (
    DIGITS,
    HASH_ID,
    BadRow,
    cell,
    csv_header,
    is_rounded,
    parse_list_literal,
    read_rows,
    row_date,
    row_time,
)
from etl.readers.common import find_urls, parse_iso_utc
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
from etl.records import Fragment, NodeRef, ReaderItem
from etl.urls import twitter_status_id

_CAMPAIGN_SUFFIX = re.compile(r"_(?:tweets|users)(?:_csv)?(?:_(?:un)?hashed)?(?:_[0-9]+)?\Z", re.IGNORECASE)

IO_TWEET_COLUMNS = ("tweetid", "userid", "tweet_time")
IO_USER_COLUMNS = ("userid",)
IO_METRICS = ("quote_count", "reply_count", "like_count", "retweet_count")
IRA_COLUMNS = ("external_author_id", "author", "content", "publish_date")
IRA_LINK_COLUMNS = ("tco1_step1", "tco2_step1", "tco3_step1")
TAGS_COLUMNS = ("id_str", "from_user", "text", "created_at")


# ------------------------------------------------------------------------------ Information Operations archives


def campaign_of(path: Path) -> str:
    """'ira_tweets_csv_hashed.csv' -> 'ira'; a file named otherwise keeps its whole stem."""
    stem = path.name.split(".", 1)[0]
    return _CAMPAIGN_SUFFIX.sub("", stem).lower() or stem.lower()


def io_account_uid(user_id: str) -> str:
    """`twitter:<id>` for a numeric user id, `twitter:hashed:<hash>` for a hashed one."""
    return account_uid(user_id) if DIGITS.match(user_id) else f"twitter:hashed:{user_id}"


def _io_user_id(value: str, column: str) -> str:
    if DIGITS.match(value) or (HASH_ID.match(value) and not is_rounded(value)):
        return value
    if is_rounded(value):
        raise BadRow(f"{column} {value[:40]!r} was rounded by a spreadsheet: the exact id is lost")
    raise BadRow(f"{column} {value[:40]!r} is neither a numeric nor a hashed user id")


def _ref_id(value: str, column: str, warnings: list[str], tweet_id: str) -> str | None:
    """An optional referenced id: digits, else None (a warning for a rounded or unreadable one, never a guess)."""
    if not value or value in ("0", "absent"):
        return None
    if DIGITS.match(value):
        return value
    warnings.append(f"tweet {tweet_id}: {column} {value[:40]!r} is not an exact id; not linked")
    return None


def read_twitter_io(path: Path) -> Iterator[ReaderItem]:
    """Read an Information Operations archive: a tweets file (one Fragment per tweet) or a users file (one per
    account); every account it names as a row's author or user is marked suspended."""
    header = set(csv_header(path))
    evidence = f"x-io-archive:{campaign_of(path)}"
    if set(IO_TWEET_COLUMNS) <= header:
        yield from read_rows(path, partial(_io_tweet, evidence=evidence))
    elif set(IO_USER_COLUMNS) <= header and "user_screen_name" in header:
        yield from read_rows(path, partial(_io_user, evidence=evidence))
    else:
        raise SourceFormatError(
            f"{path}: not an Information Operations archive: a tweets file needs {', '.join(IO_TWEET_COLUMNS)}, "
            f"a users file userid and user_screen_name; found {sorted(header)[:8]}"
        )


def _io_profile(row: dict[str, str], user_id: str, evidence: str) -> dict[str, Any]:
    hashed = not DIGITS.match(user_id)
    handle, name = cell(row, "user_screen_name"), cell(row, "user_display_name")
    return {
        "handle": None if hashed and handle == user_id else handle or None,
        "name": None if hashed and name == user_id else name or None,
        "location": cell(row, "user_reported_location") or None,
        "description": cell(row, "user_profile_description") or None,
        "followers": as_int(cell(row, "follower_count")),
        "following": as_int(cell(row, "following_count")),
        "created_at": row_date(cell(row, "account_creation_date")),
        "lang": cell(row, "account_language") or None,
        "hashed": True if hashed else None,
        "suspended": True,
        "suspension_evidence": evidence,
    }


def _io_user(row: dict[str, str], *, evidence: str) -> Fragment:
    user_id = _io_user_id(cell(row, "userid"), "userid")
    facts = TweetFacts()
    facts.account(io_account_uid(user_id), _io_profile(row, user_id, evidence))
    return facts.fragment()


def _io_tweet(row: dict[str, str], *, evidence: str) -> Fragment:
    tweet_id = cell(row, "tweetid")
    if not DIGITS.match(tweet_id):
        if is_rounded(tweet_id):
            raise BadRow(f"tweetid {tweet_id[:40]!r} was rounded by a spreadsheet: the exact id is lost")
        raise BadRow(f"tweetid {tweet_id[:40]!r} is not a tweet id")
    user_id = _io_user_id(cell(row, "userid"), "userid")
    created = row_time(cell(row, "tweet_time"), "tweet_time", parse_iso_utc, "YYYY-MM-DD HH:MM")
    facts = TweetFacts()
    author = facts.account(io_account_uid(user_id), _io_profile(row, user_id, evidence))
    is_retweet = cell(row, "is_retweet").lower() in ("true", "1")
    props: dict[str, Any] = {
        "platform": "twitter",
        "text": row.get("tweet_text") or "",
        "created_at": created,
        "lang": cell(row, "tweet_language") or None,
        "is_retweet": True if is_retweet else None,
    }
    for name in IO_METRICS:
        props[name] = as_int(cell(row, name))
    post = facts.post(tweet_id, props, author)
    referenced = {tweet_id}
    for rel_type, id_column, user_column in (
        ("REPLIES_TO", "in_reply_to_tweetid", "in_reply_to_userid"),
        ("QUOTES", "quoted_tweet_tweetid", None),
        ("REPOSTS", "retweet_tweetid", "retweet_userid"),
    ):
        ref_id = _ref_id(cell(row, id_column), id_column, facts.warnings, tweet_id)
        if ref_id is None:
            continue
        ref_author = _io_ref_account(facts, cell(row, user_column) if user_column else "")
        facts.rel(rel_type, post, facts.placeholder_post(ref_id, ref_author))
        referenced.add(ref_id)
    if not row.get("in_reply_to_tweetid") and cell(row, "in_reply_to_userid"):
        _io_ref_account(facts, cell(row, "in_reply_to_userid"))  # a reply to an account, its tweet unnamed
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
    if not user_id or user_id in ("0", "absent") or is_rounded(user_id) or not HASH_ID.match(user_id):
        return None
    return facts.account(io_account_uid(user_id), None, placeholder=True)


# ------------------------------------------------------------------------------------------ FiveThirtyEight


def exact_tweet_id(id_cell: str, url: str, id_column: str, url_column: str, warnings: list[str]) -> str:
    """The exact tweet id of a row: the id in the status URL (which a spreadsheet leaves alone), else the id cell
    when it is all digits. BadRow when only a rounded id (`9.06E+17`) or none is left."""
    from_url = twitter_status_id(url) if url else None
    if from_url:
        if id_cell and id_cell != from_url and DIGITS.match(id_cell):
            warnings.append(f"tweet {from_url}: {id_column} {id_cell} differs from {url_column}; {url_column} used")
        return from_url
    if DIGITS.match(id_cell):
        return id_cell
    if is_rounded(id_cell):
        raise BadRow(
            f"{id_column} {id_cell[:40]!r} was rounded by a spreadsheet and {url_column} gives no status id: "
            "the exact id is lost"
        )
    raise BadRow(f"no tweet id: {id_column} {id_cell[:40]!r} and {url_column} {url[:80]!r} give none")


def read_fivethirtyeight_ira(path: Path) -> Iterator[ReaderItem]:
    """Read FiveThirtyEight's IRA tweets CSV (`IRAhandle_tweets_N.csv`): one Fragment per tweet."""
    header = set(csv_header(path))
    if not set(IRA_COLUMNS) <= header:
        raise SourceFormatError(f"{path}: not a FiveThirtyEight IRA CSV: {', '.join(IRA_COLUMNS)} expected")
    yield from read_rows(path, _ira_tweet)


def _ira_tweet(row: dict[str, str]) -> Fragment:
    facts = TweetFacts()
    tweet_id = exact_tweet_id(cell(row, "tweet_id"), cell(row, "article_url"), "tweet_id", "article_url",
                              facts.warnings)  # fmt: skip
    created = row_time(cell(row, "publish_date"), "publish_date", parse_mdy_time, "M/D/YYYY H:MM")
    handle = cell(row, "author")
    author_id = cell(row, "external_author_id")
    if not DIGITS.match(author_id):
        author_id = cell(row, "alt_external_id")
    profile = {
        "handle": handle or None,
        "followers": as_int(cell(row, "followers")),
        "following": as_int(cell(row, "following")),
        "account_category": cell(row, "account_category") or None,
        "account_type": cell(row, "account_type") or None,
    }
    if DIGITS.match(author_id):
        author = facts.account(account_uid(author_id), profile)
    elif handle:
        facts.warnings.append(f"tweet {tweet_id}: external_author_id is not an exact id; the account keyed by handle")
        author = facts.account(handle_uid(handle), profile)
    else:
        raise BadRow("neither external_author_id nor author names the account")
    text = row.get("content") or ""
    post_type = cell(row, "post_type").upper()
    is_retweet = post_type == "RETWEET" or cell(row, "retweet") == "1"
    props: dict[str, Any] = {
        "platform": "twitter",
        "text": text,
        "created_at": created,
        "is_retweet": True if is_retweet else None,
    }
    post = facts.post(tweet_id, props, author)
    links = [cell(row, c) for c in IRA_LINK_COLUMNS if cell(row, c)] or find_urls(text)
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


HASH_IDTAG = re.compile(r"(?<![\w&#])#(\w+)")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")


def _text_entities(facts: TweetFacts, post: NodeRef, text: str, *, mentions: bool = True) -> None:
    """Hashtags and @mentions from free text (a tag needs a non-digit; a handle is at most 15 characters)."""
    if "#" in text:
        facts.hashtags(post, [t for t in HASH_IDTAG.findall(text) if not t.isdigit()])
    if mentions and "@" in text:
        for handle in dict.fromkeys(h.lower() for h in _MENTION.findall(text)):
            facts.mention(post, None, handle)


# --------------------------------------------------------------------------------------------------- TAGS


def read_tags_archive(path: Path) -> Iterator[ReaderItem]:
    """Read a TAGS (Google Sheets Twitter archiver) sheet saved as CSV: one Fragment per tweet."""
    header = set(csv_header(path))
    if not set(TAGS_COLUMNS) <= header:
        raise SourceFormatError(f"{path}: not a TAGS archive: {', '.join(TAGS_COLUMNS)} expected")
    yield from read_rows(path, _tags_tweet)


def _tags_tweet(row: dict[str, str]) -> Fragment:
    facts = TweetFacts()
    tweet_id = exact_tweet_id(cell(row, "id_str"), cell(row, "status_url"), "id_str", "status_url",
                              facts.warnings)  # fmt: skip
    created = row_time(cell(row, "created_at"), "created_at", parse_v1_time, "Mon Nov 16 10:00:00 +0000 2015")
    handle, user_id = cell(row, "from_user"), cell(row, "from_user_id_str")
    profile = {
        "handle": handle or None,
        "followers": as_int(cell(row, "user_followers_count")),
        "following": as_int(cell(row, "user_friends_count")),
        "location": cell(row, "user_location") or None,
    }
    if DIGITS.match(user_id):
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
    reply_id = _ref_id(cell(row, "in_reply_to_status_id_str"), "in_reply_to_status_id_str", facts.warnings, tweet_id)
    if reply_id:
        reply_user = cell(row, "in_reply_to_user_id_str")
        ref_author = facts.placeholder_account(
            reply_user if DIGITS.match(reply_user) else None, cell(row, "in_reply_to_screen_name") or None
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
        facts.mention(post, mention_id if DIGITS.match(mention_id) else None,
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
