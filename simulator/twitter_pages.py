"""twarc2 search pages: tweets are collected into API v2 response pages of ~100 and written one page per line.

The simulated collection polls the full-archive search every few minutes, so each page's `retrieved_at` is just
after its newest tweet: a user suspended later was still visible then, and one suspended earlier shows up only in
`errors` (as the v2 API reports a suspended user referenced by a tweet in the page).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import orjson

from simulator.timefmt import DayClock, iso_offset, snowflake
from simulator.world import Account

PAGE_SIZE = 100
TWARC_VERSION = "2.14.0"
PROBLEM_TYPE = "https://api.twitter.com/2/problems/resource-not-found"
PROFILE_IMAGE = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
SOURCES = ("Twitter for Android", "Twitter Web Client", "Twitter for iPhone")
SEARCH_URL = (
    "https://api.twitter.com/2/tweets/search/all?expansions=author_id%2Cin_reply_to_user_id%2Creferenced_tweets.id"
    "%2Creferenced_tweets.id.author_id%2Centities.mentions.username%2Cattachments.poll_ids%2Cattachments.media_keys"
    "%2Cgeo.place_id%2Cedit_history_tweet_ids&tweet.fields=attachments%2Cauthor_id%2Cconversation_id%2Ccreated_at"
    "%2Centities%2Cgeo%2Cid%2Cin_reply_to_user_id%2Clang%2Cpublic_metrics%2Ctext%2Cpossibly_sensitive"
    "%2Creferenced_tweets%2Creply_settings%2Csource%2Cwithheld%2Cedit_controls&user.fields=created_at%2Cdescription"
    "%2Centities%2Cid%2Clocation%2Cname%2Cpinned_tweet_id%2Cprofile_image_url%2Cprotected%2Cpublic_metrics%2Curl"
    "%2Cusername%2Cverified%2Cwithheld&max_results=100&query=%28%23mirrors%20OR%20%23newrelease%20OR%20url%3A"
    "justpaste.it%20OR%20url%3Ashortwiki.com%20OR%20url%3Aarchive.org%29%20OR%20%28%23event1%20OR%20%23event2%29"
)


def suspended_user_error(parameter: str, value: str) -> dict[str, str]:
    return {
        "value": value,
        "detail": f"User has been suspended: [{value}].",
        "title": "Forbidden",
        "resource_type": "user",
        "parameter": parameter,
        "resource_id": value,
        "section": "includes",
        "type": PROBLEM_TYPE,
    }


def missing_tweet_error(tweet_id: str) -> dict[str, str]:
    return {
        "value": tweet_id,
        "detail": f"Could not find tweet with referenced_tweets.id: [{tweet_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "referenced_tweets.id",
        "resource_id": tweet_id,
        "section": "includes",
        "type": PROBLEM_TYPE,
    }


class PageWriter:
    """Buffers one page (its tweets, included users and tweets, errors) and writes it when full."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.clock = DayClock()
        self.fh: IO[bytes] | None = None
        self.files: list[Path] = []
        self.seq = 0
        self.tweets = 0
        self.pages = 0
        self._reset()
        self.user_json: dict[int, orjson.Fragment] = {}

    def _reset(self) -> None:
        self.data: list[dict[str, Any]] = []
        self.users: dict[int, Account] = {}
        self.included: dict[str, dict[str, Any]] = {}
        self.errors: dict[tuple[str, str], dict[str, str]] = {}
        self.first_ms = 0
        self.last_ms = 0

    def open_day(self, name: str) -> None:
        self.close_day()
        path = self.dir / f"{name}.jsonl"
        self.files.append(path)
        self.fh = open(path, "wb")  # noqa: SIM115 - closed in close_day()
        self.user_json = {}  # user metrics are re-snapshotted each day

    def close_day(self) -> None:
        self.flush()
        if self.fh is not None:
            self.fh.close()
            self.fh = None

    # --------------------------------------------------------------------------------------------- page content

    def new_tweet(self, author: Account, ms: int, text: str, entities: dict[str, Any] | None) -> dict[str, Any]:
        """A tweet by `author` at `ms`, appended to the current page (a full page is written first)."""
        if len(self.data) >= PAGE_SIZE:
            self.flush()
        if not self.data:
            self.first_ms = ms
        self.last_ms = ms
        self.seq += 1
        tid = snowflake(ms, self.seq)
        tweet: dict[str, Any] = {
            "id": tid,
            "text": text,
            "author_id": author.id,
            "created_at": self.clock.twitter(ms),
            "conversation_id": tid,
            "lang": author.lang,
            "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": self.seq % 7, "quote_count": 0},
            "edit_history_tweet_ids": [tid],
            "possibly_sensitive": False,
            "reply_settings": "everyone",
            "source": SOURCES[author.idx % 3],
        }
        if entities:
            tweet["entities"] = entities
        author.tweets += 1
        self.data.append(tweet)
        self.users[author.idx] = author
        return tweet

    def include_user(self, acc: Account) -> None:
        self.users[acc.idx] = acc

    def include_tweet(self, tweet: dict[str, Any], author: Account) -> None:
        self.included[tweet["id"]] = tweet
        self.users[author.idx] = author

    def error(self, problem: dict[str, str]) -> None:
        self.errors[(problem["parameter"], problem["value"])] = problem

    def _user(self, acc: Account) -> orjson.Fragment:
        frag = self.user_json.get(acc.idx)
        if frag is None:
            user = {
                "id": acc.id,
                "username": acc.username,
                "name": acc.name,
                "created_at": self.clock.twitter(acc.created_ms),
                "description": "",
                "url": "",
                "profile_image_url": PROFILE_IMAGE,
                "protected": False,
                "verified": False,
                "public_metrics": {
                    "followers_count": acc.followers + acc.tweets // 20,
                    "following_count": acc.following,
                    "tweet_count": acc.base_tweets + acc.tweets,
                    "listed_count": acc.followers // 200,
                },
            }
            frag = self.user_json[acc.idx] = orjson.Fragment(orjson.dumps(user))
        return frag

    def flush(self) -> None:
        if not self.data or self.fh is None:
            return
        data = self.data[::-1]  # the API returns newest first
        includes: dict[str, Any] = {"users": [self._user(a) for a in self.users.values()]}
        if self.included:
            includes["tweets"] = list(self.included.values())
        page: dict[str, Any] = {"data": data, "includes": includes}
        if self.errors:
            page["errors"] = list(self.errors.values())
        page["meta"] = {"newest_id": data[0]["id"], "oldest_id": data[-1]["id"], "result_count": len(data)}
        window = f"&start_time={quote(iso_offset(self.first_ms), safe='')}&end_time="
        window += quote(iso_offset(self.last_ms + 1000), safe="")
        page["__twarc"] = {
            "url": SEARCH_URL + window,
            "version": TWARC_VERSION,
            "retrieved_at": iso_offset(self.last_ms + 90_000),
        }
        self.fh.write(orjson.dumps(page))
        self.fh.write(b"\n")
        self.tweets += len(data)
        self.pages += 1
        self._reset()
