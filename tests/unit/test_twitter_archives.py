"""X Information Operations archives, FiveThirtyEight IRA tweets, TAGS archives and Kaggle's "Tweets targeting ISIS",
on hand-made files in the documented shapes (tests/fixtures/SOURCES.md). Facts are worked out by hand from the files."""

from __future__ import annotations

import csv
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.errors import SourceFormatError
from etl.readers.research_csv import ISIS_FANBOY_COLUMNS, read_isis_fanboy
from etl.readers.twitter_archives import (
    campaign_of,
    parse_list_literal,
    read_fivethirtyeight_ira,
    read_tags_archive,
    read_twitter_io,
)
from etl.records import Fragment, Node, Reject

FIXTURES = Path(__file__).parents[1] / "fixtures"
IO_TWEETS = FIXTURES / "x-io-archive" / "exampleop_tweets_csv_hashed.csv"
IO_USERS = FIXTURES / "x-io-archive" / "exampleop_users_csv_hashed.csv"
IRA = FIXTURES / "fivethirtyeight-ira" / "IRAhandle_tweets_sample.csv"
IRA_RESAVED = FIXTURES / "fivethirtyeight-ira" / "IRAhandle_tweets_sample_resaved.csv"
TAGS = FIXTURES / "tags-archive" / "tags_archive_sample.csv"
FANBOY = FIXTURES / "isis-fanboy" / "AboutIsis_sample.csv"

HASH_B = "b3d6f0a1e4c29d7788a1f0e2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a4f3e"
HASH_C = "5e0c7a9b1d2f3e4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2"
HASH_D = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"


def split(items: list[Fragment | Reject]) -> tuple[list[Fragment], list[Reject]]:
    return [i for i in items if isinstance(i, Fragment)], [i for i in items if isinstance(i, Reject)]


def nodes(frags: list[Fragment], label: str, *, placeholders: bool = False) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for frag in frags:
        for node in frag.nodes:
            if node.label == label and (node.key not in found or found[node.key].placeholder):
                found[node.key] = node
    return {k: n for k, n in found.items() if placeholders or not n.placeholder}


def rels(frags: list[Fragment], rel_type: str) -> list[tuple[str, str]]:
    return [(r.start.key, r.end.key) for f in frags for r in f.rels if r.type == rel_type]


def post(frags: list[Fragment], uid: str) -> Node:
    return nodes(frags, "Post")[uid]


# ------------------------------------------------------------------------- Information Operations archives


@pytest.fixture(scope="module")
def io_tweets() -> tuple[list[Fragment], list[Reject]]:
    return split(list(read_twitter_io(IO_TWEETS)))


def test_io_tweets_counts(io_tweets: tuple[list[Fragment], list[Reject]]) -> None:
    frags, rejects = io_tweets
    assert len(frags) == 6  # 8 data rows: one rounded tweetid, one unreadable time
    assert [(r.line, r.reason) for r in rejects] == [
        (8, "tweetid '1.02101E+18' was rounded by a spreadsheet: the exact id is lost"),  # line 5-6 is one row
        (9, "tweet_time 'yesterday' is not a time (YYYY-MM-DD HH:MM expected)"),
    ]
    assert all(r.file == str(IO_TWEETS) for r in rejects)
    assert len(nodes(frags, "Post")) == 6
    assert set(nodes(frags, "Post", placeholders=True)) - set(nodes(frags, "Post")) == {"twitter:990000000000000001"}
    hashed = {f"twitter:hashed:{HASH_B}", f"twitter:hashed:{HASH_C}"}
    assert set(nodes(frags, "Account")) == {"twitter:2882013788", *hashed}
    assert rels(frags, "REPOSTS") == [("twitter:1021012345678901300", "twitter:1021012345678901234")]
    assert rels(frags, "REPLIES_TO") == [("twitter:1021012345678901400", "twitter:1021012345678901234")]
    assert rels(frags, "QUOTES") == [("twitter:1021012345678901500", "twitter:990000000000000001")]
    assert len(rels(frags, "MENTIONS")) == 3  # two of the numeric account, one of a hashed one
    assert len(rels(frags, "LINKS_TO")) == 5
    assert len(rels(frags, "TAGS")) == 5


def test_io_tweets_values(io_tweets: tuple[list[Fragment], list[Reject]]) -> None:
    frags, _ = io_tweets
    first = post(frags, "twitter:1021012345678901234")
    assert first.props["created_at"] == datetime(2018, 3, 1, 6, 15, tzinfo=UTC)  # '2018-03-01 06:15', UTC
    assert (first.props["reply_count"], first.props["like_count"], first.props["retweet_count"]) == (2, 15, 7)
    assert first.props["quote_count"] == 0
    # unquoted list literals: [PortNews, Harbour] and [http://example.org/news/port-traffic]
    assert {t for p, t in rels(frags, "TAGS") if p == first.key} == {"portnews", "harbour"}
    assert [u for p, u in rels(frags, "LINKS_TO") if p == first.key] == ["https://example.org/news/port-traffic"]
    # quoted list literal whose items hold a comma and an apostrophe
    quote = "twitter:1021012345678901500"
    assert [u for p, u in rels(frags, "LINKS_TO") if p == quote] == [
        "https://example.com/a,b?x=1",
        "https://example.net/it's",
    ]
    assert post(frags, quote).props["text"] == "Read this:\nfull story below"  # a quoted line break
    retweet = post(frags, "twitter:1021012345678901300")
    assert retweet.props["is_retweet"] is True
    assert ("twitter:1021012345678901600", f"twitter:hashed:{HASH_C}") in rels(frags, "MENTIONS")
    assert {t for p, t in rels(frags, "TAGS") if p == "twitter:1021012345678901600"} == {"ελλάδα"}
    # a rounded in_reply_to_tweetid is not linked, and says so
    last = next(f for f in frags if any(n.key == "twitter:1021012345678901800" for n in f.nodes))
    assert last.warnings == ["tweet 1021012345678901800: in_reply_to_tweetid '1.0E+18' is not an exact id; not linked"]
    assert not [r for r in last.rels if r.type == "REPLIES_TO"]


def test_io_accounts_are_suspended_and_hashes_are_not_handles(io_tweets: tuple[list[Fragment], list[Reject]]) -> None:
    frags, _ = io_tweets
    accounts = nodes(frags, "Account")
    numeric = accounts["twitter:2882013788"].props
    assert numeric["handle"] == "harbour_news_24" and numeric["name"] == "Harbour News 24"
    assert numeric["created_at"] == datetime(2014, 10, 25, tzinfo=UTC) and numeric["followers"] == 12840
    hashed = accounts[f"twitter:hashed:{HASH_B}"].props
    assert hashed["handle"] is None and hashed["name"] is None and hashed["hashed"] is True
    for account in accounts.values():
        assert account.props["suspended"] is True
        assert account.props["suspension_evidence"] == "x-io-archive:exampleop"
        assert "suspended_at" not in account.props
    # accounts only referenced (retweeted, replied to, mentioned) are placeholders, never marked suspended
    for frag in frags:
        for node in frag.nodes:
            if node.label == "Account" and node.placeholder:
                assert "suspended" not in node.props


def test_io_users_file_keys_accounts_like_the_tweets_file(io_tweets: tuple[list[Fragment], list[Reject]]) -> None:
    frags, rejects = split(list(read_twitter_io(IO_USERS)))
    assert rejects == [] and len(frags) == 4
    users = nodes(frags, "Account")
    assert set(users) == set(nodes(io_tweets[0], "Account")) | {f"twitter:hashed:{HASH_D}"}
    assert users["twitter:2882013788"].props == nodes(io_tweets[0], "Account")["twitter:2882013788"].props
    only_here = users[f"twitter:hashed:{HASH_D}"].props
    assert only_here["suspended"] is True and only_here["lang"] == "ru" and only_here["followers"] == 5


@pytest.mark.parametrize(
    ("name", "campaign"),
    [
        ("ira_tweets_csv_hashed.csv", "ira"),
        ("iranian_users_csv_unhashed.csv", "iranian"),
        ("china_052020_tweets_csv_hashed_2.csv", "china_052020"),
        ("mine.csv", "mine"),
    ],
)
def test_campaign_names(name: str, campaign: str) -> None:
    assert campaign_of(Path(name)) == campaign


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("", []),
        ("[]", []),
        ("[a, b]", ["a", "b"]),
        ("['a', 'b']", ["a", "b"]),
        ('["a, b", "c"]', ["a, b", "c"]),
        ("[1234, 5678]", ["1234", "5678"]),
        ("[906183548418310144]", ["906183548418310144"]),  # exact digits, never a float
        ("[1e5]", ["1e5"]),  # a hash that looks like a number stays text
        ("['http://a.example/1'", ["http://a.example/1"]),  # no closing bracket
        ("[__import__('os').system('x')]", ["__import__('os').system('x')"]),  # never evaluated
    ],
)
def test_parse_list_literal(cell: str, items: list[str]) -> None:
    assert parse_list_literal(cell) == items


# ------------------------------------------------------------------------------------------ FiveThirtyEight


def test_ira_original_file() -> None:
    frags, rejects = split(list(read_fivethirtyeight_ira(IRA)))
    assert rejects == [] and len(frags) == 4
    assert set(nodes(frags, "Post")) == {
        "twitter:914580356430536707",
        "twitter:914580356430536800",
        "twitter:914580356430537000",
        "twitter:914580356430537100",
    }
    assert set(nodes(frags, "Account")) == {"twitter:1234567890", "twitter:2587100717"}
    first = post(frags, "twitter:914580356430536707")
    assert first.props["created_at"] == datetime(2017, 10, 1, 19, 58, tzinfo=UTC)  # '10/1/2017 19:58'
    assert rels(frags, "LINKS_TO")[0] == ("twitter:914580356430536707", "https://example.org/council/agenda")
    assert len(rels(frags, "LINKS_TO")) == 3  # tco1_step1 of rows 1 and 4, tco2_step1 of row 4
    assert post(frags, "twitter:914580356430536800").props["is_retweet"] is True
    # a QUOTE_TWEET whose tco1_step1 is the quoted status: QUOTES, not a link
    assert rels(frags, "QUOTES") == [("twitter:914580356430537000", "twitter:914580356430536707")]
    account = nodes(frags, "Account")["twitter:1234567890"].props
    assert account["account_category"] == "RightTroll" and account["handle"] == "CITY_TRIBUNE_X"


def test_ira_resaved_file_recovers_ids_from_article_url() -> None:
    frags, rejects = split(list(read_fivethirtyeight_ira(IRA_RESAVED)))
    # tweet_id 9.14580356430537E+17: the exact id from article_url, the same Post as in the original file
    assert "twitter:914580356430536707" in nodes(frags, "Post")
    assert "twitter:914580356430537000" not in nodes(frags, "Post")  # the rounded value is never used
    assert "twitter:914580356430538001" in nodes(frags, "Post")
    # an author id rounded too: keyed by handle, with a warning
    assert ("twitter:handle:newswave_daily", "twitter:914580356430538001") in rels(frags, "POSTED")
    assert [w for f in frags for w in f.warnings] == [
        "tweet 914580356430538001: external_author_id is not an exact id; the account keyed by handle"
    ]
    assert [(r.line, r.reason) for r in rejects] == [
        (
            4,
            "tweet_id '9.14580356430539E+17' was rounded by a spreadsheet and article_url gives no status id: "
            "the exact id is lost",
        )
    ]


# --------------------------------------------------------------------------------------------------- TAGS


def test_tags_archive() -> None:
    frags, rejects = split(list(read_tags_archive(TAGS)))
    assert len(frags) == 4
    assert [(r.line, r.reason.split(":")[0]) for r in rejects] == [
        (8, "id_str '6.7E+17' was rounded by a spreadsheet and status_url gives no status id"),  # rows 2: 3 lines
        (9, "created_at '16/11/2015' is not a time (Mon Nov 16 10"),
    ]
    posts = nodes(frags, "Post")
    assert set(posts) == {f"twitter:66999999999999900{i}" for i in (1, 2, 3, 4)}  # 004 recovered from status_url
    assert set(nodes(frags, "Account")) == {"twitter:3100000001", "twitter:3100000002", "twitter:3100000003"}
    first = posts["twitter:669999999999999001"]
    assert first.props["created_at"] == datetime(2015, 11, 16, 10, 0, tzinfo=UTC)
    # entities_str: the expanded URL, not the t.co link; the mention by id
    assert rels(frags, "LINKS_TO")[0] == ("twitter:669999999999999001", "https://example.org/polls/where")
    assert ("twitter:669999999999999001", "twitter:3100000002") in rels(frags, "MENTIONS")
    assert len(rels(frags, "MENTIONS")) == 4 and len(rels(frags, "LINKS_TO")) == 3 and len(rels(frags, "TAGS")) == 3
    assert rels(frags, "REPLIES_TO") == [("twitter:669999999999999002", "twitter:669999999999999001")]
    assert posts["twitter:669999999999999002"].props["text"] == (
        '@civic_watch Queues are long at the\nnorth school.\n"Bring water"'
    )
    retweet = posts["twitter:669999999999999003"].props
    assert retweet["is_retweet"] is True and retweet["retweet_of_handle"] == "civic_watch"
    # broken entities_str: entities from the text, a warning; &amp; unescaped
    broken = next(f for f in frags if any(n.key == "twitter:669999999999999004" for n in f.nodes))
    assert broken.warnings == ["tweet 669999999999999004: entities_str is not JSON; entities taken from the text"]
    assert posts["twitter:669999999999999004"].props["text"] == "Q&A tonight #TownHall http://example.com/qa"
    assert rels([broken], "TAGS") == [("twitter:669999999999999004", "townhall")]


# ------------------------------------------------------------------------------- Kaggle "Tweets targeting ISIS"


def test_isis_fanboy() -> None:
    frags, rejects = split(list(read_isis_fanboy(FANBOY)))
    assert len(frags) == 3
    assert [(r.line, r.reason) for r in rejects] == [
        (6, "time '13/45/2016 10:00' is not a valid date"),  # row 3 spans lines 4-5
        (7, "expected the 5 columns name, username, tweetid, time, tweets"),  # the stray one-field last line
    ]
    text = "Report these accounts @spam_acct1 @spam_acct2 #opISIS https://t.co/abcdefghij"
    uid = "twitter:kaggle:" + hashlib.sha1(f"watcher_one\n5/3/2016 14:05\n{text}".encode()).hexdigest()[:16]
    assert uid == "twitter:kaggle:db43fe2a4c11ea13"
    posts = nodes(frags, "Post")
    assert set(posts) == {uid, "twitter:kaggle:19d3d4bcd859f40e", "twitter:kaggle:c3107a8c50e9511b"}
    assert not any(k.split(":")[1].isdigit() for k in posts)  # the row numbers 1, 2, 3 never become tweet ids
    assert posts[uid].props["created_at"] == datetime(2016, 5, 3, 14, 5, tzinfo=UTC)
    assert set(nodes(frags, "Account")) == {"twitter:handle:watcher_one", "twitter:handle:watcher_two"}
    assert len(rels(frags, "MENTIONS")) == 3 and len(rels(frags, "TAGS")) == 2
    assert rels(frags, "LINKS_TO") == [
        (uid, "https://t.co/abcdefghij"),
        ("twitter:kaggle:19d3d4bcd859f40e", "https://twitter.com/account/suspended"),
    ]
    assert posts["twitter:kaggle:19d3d4bcd859f40e"].props["retweet_of_handle"] == "news_desk"


# ------------------------------------------------------------------------------------------- damaged input

IO_HEADER = [
    "tweetid", "userid", "user_screen_name", "tweet_text", "tweet_time", "in_reply_to_tweetid", "is_retweet",
    "retweet_tweetid", "retweet_userid", "hashtags", "urls", "user_mentions", "like_count",
]  # fmt: skip
IRA_HEADER = ["external_author_id", "author", "content", "publish_date", "post_type", "tweet_id", "article_url",
              "tco1_step1"]  # fmt: skip
TAGS_HEADER = ["id_str", "from_user", "text", "created_at", "from_user_id_str", "in_reply_to_status_id_str",
               "status_url", "entities_str"]  # fmt: skip
_CELL = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30) | st.sampled_from(
    [
        "", "[]", "['a', 'b'", "[1e5, 'x']", "9.06E+17", "1021012345678901234", "2018-03-01 06:15", "True",
        "10/1/2017 19:58", "http://twitter.com/a/statuses/12", "Mon Nov 16 10:00:00 +0000 2015", '{"urls": [1]}',
        '{"hashtags": [{"text": 5}], "user_mentions": [{"id_str": []}]}', "absent", "\r\n", '"',
    ]
)  # fmt: skip


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_CELL, min_size=0, max_size=14), max_size=5))
def test_damaged_rows_reject_cleanly_and_the_rest_loads(tmp_path: Path, rows: list[list[str]]) -> None:
    good = {
        "io": ["1021012345678901234", "2882013788", "a", "fine", "2018-03-01 06:15", "", "False", "", "", "[x]",
               "[http://example.org/]", "[]", "3"],
        "ira": ["1234567890", "A", "fine", "10/1/2017 19:58", "", "914580356430536707",
                "http://twitter.com/A/statuses/914580356430536707", ""],
        "tags": ["669999999999999001", "a", "fine", "Mon Nov 16 10:00:00 +0000 2015", "3100000001", "", "", "{}"],
        "fanboy": ["A", "a", "1", "5/3/2016 14:05", "fine"],
    }  # fmt: skip
    cases = [
        (read_twitter_io, _write(tmp_path / "x_tweets_csv_hashed.csv", IO_HEADER, [*rows, good["io"]])),
        (read_fivethirtyeight_ira, _write(tmp_path / "ira.csv", IRA_HEADER, [*rows, good["ira"]])),
        (read_tags_archive, _write(tmp_path / "tags.csv", TAGS_HEADER, [*rows, good["tags"]])),
        (read_isis_fanboy, _write(tmp_path / "fanboy.csv", list(ISIS_FANBOY_COLUMNS), [*rows, good["fanboy"]])),
    ]
    for reader, path in cases:
        items = list(reader(path))
        assert all(isinstance(i, Fragment | Reject) for i in items)
        for reject in (i for i in items if isinstance(i, Reject)):
            assert reject.file == str(path) and reject.line >= 2 and reject.reason
            assert "Traceback" not in reject.reason
        assert isinstance(items[-1], Fragment), (reader.__name__, items[-1])  # the good last row still loads


def test_load_help_names_the_formats() -> None:
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, ["load", "--help"], env={"COLUMNS": "300", "NO_COLOR": "1"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for name in ("twitter-io", "fivethirtyeight-ira", "tags-archive", "isis-fanboy", "isis-kaggle", "twarc2"):
        assert name in text, name


@pytest.mark.parametrize(
    ("reader", "needs"),
    [
        (read_twitter_io, "not an Information Operations archive"),
        (read_fivethirtyeight_ira, "not a FiveThirtyEight IRA CSV"),
        (read_tags_archive, "not a TAGS archive"),
    ],
)
def test_a_forced_format_on_another_file_is_refused_by_name(reader: Any, needs: str) -> None:
    with pytest.raises(SourceFormatError, match=needs) as info:
        list(reader(FANBOY))
    assert str(FANBOY) in str(info.value)


@settings(max_examples=300, deadline=None)
@given(cell=st.text(max_size=60) | st.lists(st.text(max_size=10)).map(str) | st.lists(st.integers()).map(str))
def test_parse_list_literal_never_fails_and_keeps_exact_items(cell: str) -> None:
    items = parse_list_literal(cell)
    assert all(isinstance(i, str) and i == i.strip() and i for i in items)
    if cell.startswith("[") and cell.endswith("]") and "'" not in cell and '"' not in cell:
        assert items == [i.strip() for i in cell[1:-1].split(",") if i.strip()]  # unquoted: the exact tokens
