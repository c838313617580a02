"""Research CSVs -> Fragments: the QUT coordination-network-toolkit CSV and Kaggle's "How ISIS Uses Twitter".

QUT (docs/formats.md, qut-csv): 8 columns read by position whatever the header calls them:
message_id, user_id, username, repost_id, reply_id, message, timestamp, urls. The file names no platform, so the
caller says which (`platform`, default 'twitter'); uids are `<platform>:<message_id>` and `<platform>:<user_id>`.
`urls` is space-separated as documented, or a Python list literal as the toolkit's own sample writes it.
`timestamp` is epoch seconds (any float) or ISO 8601 (taken as UTC without an offset). A repost ->
`(Post)-[:REPOSTS]->(Post)`, a reply -> `(Post)-[:REPLIES_TO]->(Post)` (placeholders until their rows are read);
hashtags and @mentions come from the message text, links from `urls` (and from the text when `urls` is empty).

ISIS Kaggle (docs/formats.md, isis-kaggle): no ids at all. Account uid `twitter:handle:<username lower-cased>`; Post uid
`twitter:kaggle:<h>` where h = the first 16 hex chars of sha1(username + "\\n" + time + "\\n" + tweets), the three
fields exactly as in the file. `time` (`M/D/YYYY H:MM`, no zone) is taken as UTC: the dataset documents no zone.
A retweet (`RT @user: ...`) is marked `is_retweet` with `retweet_of_handle` and MENTIONS the retweeted account;
no REPOSTS edge, since the original tweet cannot be identified. Hashtags, @mentions and t.co links are recovered
from the (HTML-unescaped) text. Links cut by the scraper are dropped: one ending in '…' silently, a t.co id shorter
than 10 characters (cut by '...' or by a row split) with a warning; the '/s/xxxx' tail the scraper appended to many
t.co links is removed. `followers` and `numberstatuses` (-> `followers`, `posts_count`) are per-row snapshots.

ISIS fanboy (docs/formats.md, isis-fanboy): Kaggle's "Tweets targeting ISIS" (`IsisFanboy.csv`, `AboutIsis.csv`):
`name, username, tweetid, time, tweets`. Its `tweetid` is a spreadsheet row number, not a tweet id: it is never used
as one. Posts are keyed like the other Kaggle set (`twitter:kaggle:<h>`, never `twitter:<digits>`), so they cannot
collide with real tweets and the same tweet in both Kaggle sets is one Post. Links and entities come from the text.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from etl.readers.common import (
    add_account,
    excerpt,
    find_urls,
    iter_csv_cells,
    iter_csv_rows,
    normalise_tag,
    parse_iso_utc,
    stable_hash,
    utc_from_timestamp,
)
from etl.records import Fragment, Node, NodeRef, ReaderItem, Reject, Rel
from etl.urls import InvalidUrl, url_fragment

QUT_COLUMNS = ("message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls")
ISIS_KAGGLE_COLUMNS = ("name", "username", "description", "location", "followers", "numberstatuses", "time", "tweets")
ISIS_FANBOY_COLUMNS = ("name", "username", "tweetid", "time", "tweets")

# Twitter-style entities in free text; `(?<![\w@#])` keeps e-mail addresses and '&#39;' entities out.
_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")
RETWEET_PREFIX = re.compile(r"^RT @(\w{1,15}):?")
_TCO = re.compile(r"https?://t\.co/([A-Za-z0-9]*)", re.IGNORECASE)
_KAGGLE_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})\Z")


def read_qut_csv(path: Path, *, platform: str = "twitter") -> Iterator[ReaderItem]:
    """Yield one Fragment per data row of a QUT coordination-network-toolkit CSV, a Reject per unusable row."""
    header_seen = False  # the header's names are free, only the order counts
    for item in iter_csv_cells(path):
        if isinstance(item, Reject):
            yield item
        elif not header_seen:
            header_seen = True
        else:
            yield _qut_row(item[1], str(path), item[0], platform)


def _qut_row(row: list[str], file: str, line: int, platform: str) -> ReaderItem:
    if len(row) != len(QUT_COLUMNS):
        return Reject(
            file, line, f"expected 8 columns ({', '.join(QUT_COLUMNS)}), got {len(row)}", excerpt(",".join(row))
        )
    message_id, user_id, username, repost_id, reply_id, message, timestamp, urls = (c.strip() for c in row)
    if not message_id or not user_id:
        return Reject(file, line, "message_id and user_id are required", excerpt(",".join(row)))
    try:
        created = _qut_time(timestamp)
    except ValueError:
        return Reject(
            file, line, f"timestamp {timestamp[:40]!r} is neither epoch seconds nor ISO 8601", excerpt(",".join(row))
        )
    frag = Fragment()
    post = NodeRef("Post", f"{platform}:{message_id}")
    author = NodeRef("Account", f"{platform}:{user_id}")
    frag.nodes.append(Node("Post", post.key, {"platform": platform, "created_at": created, "text": row[5]}))
    add_account(frag, author.key, {"platform": platform, "handle": username or None})
    frag.rels.append(Rel("POSTED", author, post))
    for rel_type, target_id in (("REPOSTS", repost_id), ("REPLIES_TO", reply_id)):
        if target_id:
            target = Node("Post", f"{platform}:{target_id}", {"platform": platform}, placeholder=True)
            frag.nodes.append(target)
            frag.rels.append(Rel(rel_type, post, target.ref))
    links = parse_url_list(urls) or find_urls(message)
    _text_entities(message, platform, post, frag)
    _link(links, post, created, frag)
    return frag


def parse_url_list(value: str) -> list[str]:
    """The `urls` cell: space-separated, or a Python list literal ("['http://a', 'http://b']", "[]")."""
    value = value.strip()
    if not value:
        return []
    if value.startswith("["):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, list | tuple):
            return [str(u).strip() for u in parsed if str(u).strip()]
        value = value.strip("[]").replace(",", " ")
        return [u.strip("'\"") for u in value.split() if u.strip("'\"")]
    return value.split()


def _qut_time(value: str) -> datetime:
    try:
        return utc_from_timestamp(float(value))
    except ValueError:
        return parse_iso_utc(value)
    except (OverflowError, OSError) as exc:
        raise ValueError(value) from exc


def parse_mdy_time(value: str) -> datetime:
    """`M/D/YYYY H:MM` (no seconds, no zone, no zero padding), as spreadsheets write it, taken as UTC."""
    match = _KAGGLE_TIME.match(value.strip())
    if match is None:
        raise ValueError(f"{value[:40]!r} is not M/D/YYYY H:MM")
    month, day, year, hour, minute = (int(g) for g in match.groups())
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _kaggle_rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str], datetime] | Reject]:
    """Rows with all `columns`, a username and an M/D/YYYY H:MM time; a Reject for any other row."""
    file = str(path)
    for item in iter_csv_rows(path):
        if isinstance(item, Reject):
            yield item
            continue
        line, row = item
        if None in row or any(row.get(c) is None for c in columns):
            yield Reject(file, line, f"expected the {len(columns)} columns {', '.join(columns)}", _row_excerpt(row))
            continue
        username, time = row["username"].strip(), row["time"].strip()
        if not username or not time:
            yield Reject(file, line, "username and time are required", _row_excerpt(row))
            continue
        if _KAGGLE_TIME.match(time) is None:
            yield Reject(file, line, f"time {time[:40]!r} is not M/D/YYYY H:MM", _row_excerpt(row))
            continue
        try:
            created = parse_mdy_time(time)
        except ValueError:
            yield Reject(file, line, f"time {time!r} is not a valid date", _row_excerpt(row))
            continue
        yield line, row, created


def read_isis_kaggle(path: Path) -> Iterator[ReaderItem]:
    """Yield one Fragment per row of Kaggle's "How ISIS Uses Twitter" tweets.csv, a Reject per unusable row."""
    for item in _kaggle_rows(path, ISIS_KAGGLE_COLUMNS):
        if isinstance(item, Reject):
            yield item
        else:
            _, row, created = item
            yield _kaggle_fragment(row, row["username"].strip(), row["time"].strip(), row["tweets"], created)


def read_isis_fanboy(path: Path) -> Iterator[ReaderItem]:
    """Yield one Fragment per row of Kaggle's "Tweets targeting ISIS" CSV, a Reject per unusable row."""
    for item in _kaggle_rows(path, ISIS_FANBOY_COLUMNS):
        if isinstance(item, Reject):
            yield item
        else:
            _, row, created = item
            yield _fanboy_fragment(row, row["username"].strip(), row["time"].strip(), row["tweets"], created)


def _fanboy_fragment(row: dict[str, str], username: str, time: str, text: str, created: datetime) -> Fragment:
    frag = Fragment()
    handle = username.lstrip("@").lower()
    author = NodeRef("Account", f"twitter:handle:{handle}")
    post = NodeRef("Post", f"twitter:kaggle:{stable_hash(username, time, text)}")
    if "&" in text:
        text = html.unescape(text)
    props: dict[str, Any] = {"platform": "twitter", "created_at": created, "text": text}
    retweet = RETWEET_PREFIX.match(text)
    if retweet:
        props["is_retweet"] = True
        props["retweet_of_handle"] = retweet.group(1).lower()
    frag.nodes.append(Node("Post", post.key, props))
    add_account(frag, author.key, {"platform": "twitter", "handle": handle, "name": row["name"].strip() or None})
    frag.rels.append(Rel("POSTED", author, post))
    _text_entities(text, "twitter", post, frag)
    _link(find_urls(text), post, created, frag)
    return frag


def _kaggle_fragment(row: dict[str, str], username: str, time: str, text: str, created: datetime) -> Fragment:
    frag = Fragment()
    handle = username.lower()
    author = NodeRef("Account", f"twitter:handle:{handle}")
    post = NodeRef("Post", f"twitter:kaggle:{stable_hash(username, time, text)}")
    if "&" in text:
        text = html.unescape(text)
    props: dict[str, Any] = {"platform": "twitter", "created_at": created, "text": text}
    retweet = RETWEET_PREFIX.match(text)
    if retweet:
        props["is_retweet"] = True
        props["retweet_of_handle"] = retweet.group(1).lower()
    frag.nodes.append(Node("Post", post.key, props))
    account = {
        "platform": "twitter",
        "handle": handle,
        "name": row["name"] or None,
        "description": row["description"] or None,
        "location": row["location"] or None,
        "followers": _int_or_none(row["followers"]),
        "posts_count": _int_or_none(row["numberstatuses"]),
    }
    add_account(frag, author.key, account)
    frag.rels.append(Rel("POSTED", author, post))
    _text_entities(text, "twitter", post, frag)
    links, cut = _kaggle_links(text)
    if cut:
        frag.warnings.append(f"{post.key}: {len(cut)} cut t.co link(s) dropped: {' '.join(cut)[:120]}")
    _link(links, post, created, frag)
    return frag


def _kaggle_links(text: str) -> tuple[list[str], list[str]]:
    """(links, cut links) of a tweet. t.co ids are 10 characters in this 2015-16 data: a shorter one was cut by the
    scraper (a '...' or a row split), and the '/s/xxxx' tail the scraper appended to many links is dropped."""
    links: list[str] = []
    cut: list[str] = []
    for url in find_urls(text):
        match = _TCO.match(url)
        if match is None:
            links.append(url)
        elif len(match.group(1)) == 10:
            links.append("https://t.co/" + match.group(1))
        else:
            cut.append(url)
    return list(dict.fromkeys(links)), cut


def _text_entities(text: str, platform: str, post: NodeRef, frag: Fragment) -> None:
    """TAGS and MENTIONS recovered from free text (Twitter's rules: a tag needs a non-digit, a handle <= 15 chars)."""
    if "#" in text:
        for tag in dict.fromkeys(normalise_tag(t) for t in _HASHTAG.findall(text) if not t.isdigit()):
            frag.rels.append(Rel("TAGS", post, NodeRef("Hashtag", tag)))
    if "@" in text:
        for handle in dict.fromkeys(h.lower() for h in _MENTION.findall(text)):
            uid = f"{platform}:handle:{handle}"
            add_account(frag, uid, {"platform": platform, "handle": handle}, placeholder=True)
            frag.rels.append(Rel("MENTIONS", post, NodeRef("Account", uid)))


def _link(urls: list[str], post: NodeRef, seen: datetime, frag: Fragment) -> None:
    linked: set[NodeRef] = set()
    for raw in urls:
        try:
            nodes, rels, ref = url_fragment(raw, seen_at=seen)
        except InvalidUrl as exc:
            frag.warnings.append(f"{post.key}: URL skipped: {exc}")
            continue
        if ref not in linked:
            linked.add(ref)
            frag.nodes.extend(nodes)
            frag.rels.extend(rels)
            frag.rels.append(Rel("LINKS_TO", post, ref))


def _int_or_none(value: str) -> int | None:
    value = value.strip()
    try:
        return int(float(value)) if value else None
    except (ValueError, OverflowError):
        return None


def _row_excerpt(row: dict[str | Any, Any]) -> str:
    return excerpt(",".join(str(v) for v in row.values() if v is not None))
