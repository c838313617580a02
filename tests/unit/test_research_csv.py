"""QUT coordination-network-toolkit CSV and Kaggle "How ISIS Uses Twitter" readers, on the real sample files."""

from __future__ import annotations

import csv
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.readers.research_csv import ISIS_KAGGLE_COLUMNS, parse_url_list, read_isis_kaggle, read_qut_csv
from etl.records import Fragment, Node, Reject

FIXTURES = Path(__file__).parents[1] / "fixtures"
QUT_SAMPLE = FIXTURES / "coordination-network-toolkit" / "sample_data.csv"
QUT_BOM = FIXTURES / "coordination-network-toolkit" / "coretweet_test_input.csv"
ISIS = FIXTURES / "isis-twitter" / "how_isis_uses_twitter_sample_from_xlsx.csv"


def split(items: list[Fragment | Reject]) -> tuple[list[Fragment], list[Reject]]:
    return [i for i in items if isinstance(i, Fragment)], [i for i in items if isinstance(i, Reject)]


def nodes(frags: list[Fragment], label: str) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for frag in frags:
        for node in frag.nodes:
            if node.label == label and (node.key not in found or found[node.key].placeholder):
                found[node.key] = node
    return found


def rels(frags: list[Fragment], rel_type: str) -> list[tuple[str, str]]:
    return [(r.start.key, r.end.key) for f in frags for r in f.rels if r.type == rel_type]


# ----------------------------------------------------------------------------------------------------- QUT


def test_qut_sample_counts_worked_out_from_the_file() -> None:
    frags, rejects = split(list(read_qut_csv(QUT_SAMPLE)))
    assert rejects == []
    assert len(frags) == 100  # 100 data rows
    posts = {k: n for k, n in nodes(frags, "Post").items() if not n.placeholder}
    assert len(posts) == 100
    assert len(rels(frags, "REPOSTS")) == 27  # rows with a repost_id
    assert len(rels(frags, "REPLIES_TO")) == 15  # rows with a reply_id
    # `urls` is a Python list literal: 26 rows with one URL, 35 with two, 39 with '[]'.
    assert len(rels(frags, "LINKS_TO")) == 96
    assert {u for _, u in rels(frags, "LINKS_TO")} == {f"https://example.com/{i}" for i in range(10)}
    accounts = {k for k, n in nodes(frags, "Account").items() if not n.placeholder}
    assert accounts == {f"twitter:{i}" for i in range(10)}


def test_qut_sample_specific_rows() -> None:
    frags, _ = split(list(read_qut_csv(QUT_SAMPLE)))
    first = frags[0]
    post = next(n for n in first.nodes if n.label == "Post")
    assert post.key == "twitter:1"
    assert post.props["text"] == "mango reindeer apple"
    assert post.props["created_at"] == datetime(2020, 11, 27, 4, 26, 10, 518101, tzinfo=UTC)  # 1606451170.518101
    assert ("twitter:4", "twitter:1") in rels([first], "POSTED")
    assert rels([first], "LINKS_TO") == [("twitter:1", "https://example.com/2")]
    assert nodes([first], "Account")["twitter:4"].props["handle"] == "user_4"
    second = frags[1]  # 2,1,user_1,1,,camel,...,"['http://example.com/4', 'http://example.com/6']"
    assert rels([second], "REPOSTS") == [("twitter:2", "twitter:1")]
    assert rels([second], "LINKS_TO") == [
        ("twitter:2", "https://example.com/4"),
        ("twitter:2", "https://example.com/6"),
    ]
    row12 = frags[11]  # 12,4,user_4,,10,...
    assert rels([row12], "REPLIES_TO") == [("twitter:12", "twitter:10")]
    assert rels([row12], "REPOSTS") == []
    assert rels([frags[4]], "LINKS_TO") == []  # row 5: urls '[]'


def test_qut_bom_file_and_platform_option() -> None:
    frags, rejects = split(list(read_qut_csv(QUT_BOM, platform="telegram")))
    assert rejects == [] and len(frags) == 15
    first = frags[0]  # 0,uid0,username0,rtid0,,"Example tweet from uid0",0,""
    post = next(n for n in first.nodes if n.label == "Post")
    assert post.key == "telegram:0"  # the BOM did not end up in the first cell
    assert post.props["created_at"] == datetime(1970, 1, 1, tzinfo=UTC)
    assert rels([first], "POSTED") == [("telegram:uid0", "telegram:0")]
    assert rels([first], "REPOSTS") == [("telegram:0", "telegram:rtid0")]
    assert rels([first], "ON") == [("telegram:uid0", "telegram")]
    # message 13 was posted 300 s after the epoch; rtid6 is reposted twice (rows 12 and 13)
    assert next(n for n in frags[13].nodes if n.label == "Post").props["created_at"] == datetime(
        1970, 1, 1, 0, 5, tzinfo=UTC
    )
    assert [e for _, e in rels(frags, "REPOSTS")].count("telegram:rtid6") == 2
    assert rels(frags, "LINKS_TO") == []


def test_qut_rejects_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "qut.csv"
    path.write_text(
        "a,b,c,d,e,f,g,h\n"
        "1,u1,one,,,fine #Tag @Other,2015-11-14T09:00:00Z,http://example.org/x http://example.org/y\n"
        "2,u2,two,,,too few,1\n"
        ",u3,three,,,no id,1,\n"
        "4,u4,four,,,bad time,yesterday,\n"
        "\n"
        '5,u5,five,,,"multi\nline",5,\n'
    )
    frags, rejects = split(list(read_qut_csv(path)))
    assert [(r.line, r.reason.split(" (")[0].split(":")[0]) for r in rejects] == [
        (3, "expected 8 columns"),
        (4, "message_id and user_id are required"),
        (5, "timestamp 'yesterday' is neither epoch seconds nor ISO 8601"),
    ]
    assert len(frags) == 2
    assert rels(frags[:1], "LINKS_TO") == [
        ("twitter:1", "https://example.org/x"),
        ("twitter:1", "https://example.org/y"),
    ]
    assert rels(frags[:1], "TAGS") == [("twitter:1", "tag")]
    assert rels(frags[:1], "MENTIONS") == [("twitter:1", "twitter:handle:other")]
    assert next(n for n in frags[0].nodes if n.label == "Post").props["created_at"] == datetime(
        2015, 11, 14, 9, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("cell", "urls"),
    [
        ("", []),
        ("[]", []),
        ("http://a.example/1 http://b.example/2", ["http://a.example/1", "http://b.example/2"]),
        ("['http://a.example/1', 'http://b.example/2']", ["http://a.example/1", "http://b.example/2"]),
        ("['http://a.example/1']", ["http://a.example/1"]),
        ("['http://a.example/1', 'http://b.example/2'", ["http://a.example/1", "http://b.example/2"]),  # no ']'
        ("[__import__('os')]", ["__import__('os')"]),  # never evaluated
    ],
)
def test_parse_url_list(cell: str, urls: list[str]) -> None:
    assert parse_url_list(cell) == urls


# --------------------------------------------------------------------------------------------- ISIS Kaggle


@pytest.fixture(scope="module")
def isis() -> tuple[list[Fragment], list[Reject]]:
    return split(list(read_isis_kaggle(ISIS)))


def test_isis_counts(isis: tuple[list[Fragment], list[Reject]]) -> None:
    frags, rejects = isis
    assert rejects == []
    assert len(frags) == 586  # 586 data rows, all distinct (username, time, text)
    assert len({k for k, n in nodes(frags, "Post").items() if not n.placeholder}) == 586
    authors = {a for a, _ in rels(frags, "POSTED")}
    assert len(authors) == 81  # distinct usernames in the sample
    retweets = [n for n in nodes(frags, "Post").values() if n.props.get("is_retweet")]
    assert len(retweets) == 144  # rows starting 'RT @'


def test_isis_first_row(isis: tuple[list[Fragment], list[Reject]]) -> None:
    frags, _ = isis
    text = (
        "ENGLISH TRANSLATION: 'A MESSAGE TO THE TRUTHFUL IN SYRIA - SHEIKH ABU MUHAMMED AL MAQDISI: "
        "http://t.co/73xFszsjvr http://t.co/x8BZcscXzq"
    )
    uid = "twitter:kaggle:" + hashlib.sha1(f"GunsandCoffee70\n1/6/2015 21:07\n{text}".encode()).hexdigest()[:16]
    assert uid == "twitter:kaggle:6adab69a37fda379"
    first = frags[0]
    post = next(n for n in first.nodes if n.label == "Post")
    assert post.key == uid and post.props["text"] == text
    assert post.props["created_at"] == datetime(2015, 1, 6, 21, 7, tzinfo=UTC)
    account = nodes([first], "Account")["twitter:handle:gunsandcoffee70"]
    assert account.props == {
        "platform": "twitter",
        "handle": "gunsandcoffee70",
        "name": "GunsandCoffee",
        "description": "ENGLISH TRANSLATIONS: http://t.co/QLdJ0ftews",
        "location": None,
        "followers": 640,
        "posts_count": 49,
    }
    assert rels([first], "LINKS_TO") == [(uid, "https://t.co/73xFszsjvr"), (uid, "https://t.co/x8BZcscXzq")]


def post_by_text_start(frags: list[Fragment], start: str) -> Fragment:
    return next(f for f in frags for n in f.nodes if n.label == "Post" and n.props["text"].startswith(start))


def test_isis_mentions_retweets_hashtags(isis: tuple[list[Fragment], list[Reject]]) -> None:
    frags, _ = isis
    # line 10: mentions glued to a full stop still count
    shout = post_by_text_start(frags, "Aslm Please share our new account")
    assert {e for _, e in rels([shout], "MENTIONS")} == {
        "twitter:handle:khalidmaghrebi",
        "twitter:handle:seifulmaslul123",
        "twitter:handle:cheerleadunited",
    }
    # line 39: a retweet, cut with '…'
    rt = post_by_text_start(frags, "RT @GIIMedia_CH004: Rules Of Imarah Part2")
    props = next(n for n in rt.nodes if n.label == "Post").props
    assert props["is_retweet"] is True and props["retweet_of_handle"] == "giimedia_ch004"
    assert {e for _, e in rels([rt], "MENTIONS")} == {"twitter:handle:giimedia_ch004"}
    assert [e for _, e in rels([rt], "LINKS_TO")] == ["https://t.co/Ga9SUS308a"]
    # line 28: an Arabic hashtag
    arabic = post_by_text_start(frags, "DOWNLOAD #JN Video With English Subtitles")
    assert {e for _, e in rels([arabic], "TAGS")} == {"jn", "سبيل_النجاة"}
    # line 295: hashtags split by '|', '&gt;' unescaped, and a URL cut to 'http://…' is no link
    cut = post_by_text_start(frags, "RT @sakirkhader: Shocking footage")
    assert {e for _, e in rels([cut], "TAGS")} == {"is", "isis", "iraq"}
    assert "&gt;" not in next(n for n in cut.nodes if n.label == "Post").props["text"]
    assert rels([cut], "LINKS_TO") == []


def test_isis_rejects(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    path.write_text(
        "name,username,description,location,followers,numberstatuses,time,tweets\n"
        "A,user_a,,,1,2,13/40/2015 10:00,bad date\n"
        "B,,,,1,2,1/6/2015 21:07,no username\n"
        "C,user_c,,,1,2,2015-01-06,wrong time format\n"
        "D,user_d,,,x,2,1/6/2015 21:07,fine\n"
    )
    frags, rejects = split(list(read_isis_kaggle(path)))
    assert [r.line for r in rejects] == [2, 3, 4]
    assert "not a valid date" in rejects[0].reason and "not M/D/YYYY H:MM" in rejects[2].reason
    assert len(frags) == 1
    assert nodes(frags, "Account")["twitter:handle:user_d"].props["followers"] is None


def test_isis_links_repaired_or_dropped(isis: tuple[list[Fragment], list[Reject]]) -> None:
    frags, _ = isis
    # 300 t.co links with a full 10-character id, counted with a regex over the file; none repeats in the sample.
    links = rels(frags, "LINKS_TO")
    assert len(links) == 300 and len({u for _, u in links}) == 300
    assert all(u.startswith("https://t.co/") and len(u) == len("https://t.co/") + 10 for _, u in links)
    # the scraper's '/s/xxxx' tails are cut off
    tails = post_by_text_start(frags, "ah town. 📷 http://t.co/oBltqWJCHJ/s/yrBT")
    assert {u for _, u in rels([tails], "LINKS_TO")} == {"https://t.co/oBltqWJCHJ", "https://t.co/fsd3nWsdGO"}
    # line 65 ends 'https://t.co/pe6...': no link, a warning
    cut = post_by_text_start(frags, "report JN tells their fighters")
    assert rels([cut], "LINKS_TO") == []
    assert cut.warnings == [f"{cut.nodes[0].key}: 1 cut t.co link(s) dropped: https://t.co/pe6"]
    assert len([w for f in frags for w in f.warnings]) == 8


_CELL = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30) | st.sampled_from(
    ["", "[]", "['http://a.example/1'", "1447491600.5", "nan", "inf", "1/6/2015 21:07", "RT @x: #y http://t.co/…"]
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_CELL, min_size=0, max_size=9), max_size=5))
def test_random_rows_never_crash(tmp_path: Path, rows: list[list[str]]) -> None:
    qut = tmp_path / "qut.csv"
    isis = tmp_path / "isis.csv"
    with open(qut, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([list("abcdefgh"), *rows])
    with open(isis, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([list(ISIS_KAGGLE_COLUMNS), *rows])
    for item in [*read_qut_csv(qut), *read_isis_kaggle(isis)]:
        assert isinstance(item, Fragment | Reject)
