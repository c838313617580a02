"""Twitter readers (API v2 / twarc2, v1.1, twarc-csv) on real sample files, with facts worked out by hand.

Every count below was read off the fixture files themselves (see tests/fixtures/SOURCES.md); the synthetic
records at the end cover traps that no public sample shows, with neutral placeholder text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from etl.errors import SourceFormatError
from etl.readers.twarc_csv import looks_like_twarc_csv, read_twarc_csv
from etl.readers.twitter_v1 import looks_like_twitter_v1, read_twitter_v1
from etl.readers.twitter_v2 import looks_like_twarc2, looks_like_twarc2_flat, read_twarc2, read_twarc2_flat
from etl.records import Fragment, ReaderItem, Reject

FIXTURES = Path(__file__).parent.parent / "fixtures"
TWARC = FIXTURES / "twarc-csv"
PT = FIXTURES / "python-twitter"


@dataclass
class Loaded:
    """Fragments merged the way the writer merges them: one node per key, one relationship per (type, ends)."""

    props: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    real: set[tuple[str, str]] = field(default_factory=set)
    rels: set[tuple[str, str, str]] = field(default_factory=set)
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def keys(self, label: str, *, placeholder: bool = False) -> set[str]:
        return {k for (lab, k) in self.props if lab == label and ((lab, k) not in self.real) == placeholder}

    @property
    def posts(self) -> set[str]:
        return self.keys("Post")

    @property
    def placeholders(self) -> set[str]:
        return self.keys("Post", placeholder=True)

    @property
    def accounts(self) -> set[str]:
        return self.keys("Account") | self.keys("Account", placeholder=True)

    def rel_counts(self) -> dict[str, int]:
        return dict(Counter(t for t, _, _ in self.rels))

    def of(self, rel_type: str) -> set[tuple[str, str]]:
        return {(s, e) for t, s, e in self.rels if t == rel_type}

    def post(self, tweet_id: str) -> dict[str, Any]:
        return self.props[("Post", f"twitter:{tweet_id}")]


def load(items: Iterable[ReaderItem]) -> Loaded:
    out = Loaded()
    for item in items:
        if isinstance(item, Reject):
            out.rejects.append(item)
            continue
        assert isinstance(item, Fragment)
        out.warnings += item.warnings
        for node in item.nodes:
            key = (node.label, node.key)
            out.props.setdefault(key, {}).update({k: v for k, v in node.props.items() if v is not None})
            if not node.placeholder:
                out.real.add(key)
        for rel in item.rels:
            out.rels.add((rel.type, rel.start.key, rel.end.key))
            for ref in (rel.start, rel.end):  # every referenced node must be asserted in the same fragment or page
                assert any((n.label, n.key) == (ref.label, ref.key) for n in item.nodes) or ref.label == "Post"
    return out


def t(tweet_id: str) -> str:
    return f"twitter:{tweet_id}"


# ----------------------------------------------------------------------------------------- API v2 (twarc2)


def test_two_tweets_retweet_takes_the_originals_content_and_not_its_counts() -> None:
    g = load(read_twarc2(TWARC / "two_tweets.jsonl"))
    rt, orig = "1394735776701816833", "1391677057810288641"
    assert g.posts == {t(rt), t(orig)} and g.placeholders == set()
    assert g.accounts == {t("1379899464345923590"), t("1380086327023169540")}
    assert g.rel_counts() == {"ON": 2, "POSTED": 2, "REPOSTS": 1, "TAGS": 2}
    assert g.of("REPOSTS") == {(t(rt), t(orig))}
    assert g.of("POSTED") == {(t("1379899464345923590"), t(rt)), (t("1380086327023169540"), t(orig))}
    assert g.of("TAGS") == {(t(rt), "poiuytrewq"), (t(orig), "poiuytrewq")}
    assert g.post(rt)["text"] == "#POIUYTREWQ"  # not 'RT @bibaigna96: #POIUYTREWQ'
    assert "retweet_count" not in g.post(rt)  # a v2 retweet's public_metrics are the original's
    assert g.post(orig)["retweet_count"] == 1
    assert g.post(rt)["created_at"] == datetime(2021, 5, 18, 19, 24, 56, tzinfo=UTC)
    assert g.props[("Account", t("1379899464345923590"))]["handle"] == "LachiVeronica"
    assert g.props[("Platform", "twitter")] == {"kind": "social"}
    assert g.rejects == []


def test_media_tweet_notes_the_video_and_skips_the_media_link() -> None:
    g = load(read_twarc2(TWARC / "media_tweet.jsonl"))
    assert g.posts == {t("1558553189766631429")} and g.placeholders == set()
    assert g.rel_counts() == {"ON": 1, "POSTED": 1}
    post = g.post("1558553189766631429")
    assert post["media_keys"] == ["7_1558552952549277696"]
    assert (post["has_video"], post["video_views"], post["video_duration_ms"]) == (True, 19059, 71292)
    assert (post["retweet_count"], post["reply_count"], post["like_count"], post["quote_count"]) == (13, 3, 93, 7)
    account = g.props[("Account", t("495430242"))]
    assert (account["handle"], account["followers"], account["platform"]) == ("IgorBrigadir", 3560, "twitter")
    assert account["created_at"] == datetime(2012, 2, 17, 23, 34, 50, tzinfo=UTC)


def test_quoted_edit_reply_and_quote_in_one_tweet() -> None:
    g = load(read_twarc2(TWARC / "quoted_edit.jsonl"))
    reply, quoted, replied = "1576995594388000768", "1576994746135764992", "1576994789110992896"
    assert g.posts == {t(reply), t(quoted), t(replied)} and g.placeholders == set()
    assert g.accounts == {t("1494167419413094401"), t("337119125")}
    assert g.rel_counts() == {"ON": 2, "POSTED": 3, "QUOTES": 1, "REPLIES_TO": 1, "MENTIONS": 1}
    assert g.of("QUOTES") == {(t(reply), t(quoted))}
    assert g.of("REPLIES_TO") == {(t(reply), t(replied))}
    assert g.of("MENTIONS") == {(t(reply), t("337119125"))}
    # the quote permalink, the i/web/status self-links and the photo link are no shared URLs
    assert g.keys("Url") == set()
    assert g.post(quoted)["media_keys"] == ["3_1576994475507077121"] and g.post(quoted)["has_video"] is False
    assert g.post(replied)["edit_history_tweet_ids"] == [quoted, replied]
    assert g.post(reply)["text"] == "@wongmjane Test \nhttps://t.co/rBFwqjVr6B"
    assert g.post(reply)["conversation_id"] == replied


def test_many_urls_unwound_url_equal_to_expanded_gives_one_url() -> None:
    g = load(read_twarc2(TWARC / "many_urls.jsonl"))
    reply, root = "1610692575752601600", "1610623087061471232"
    assert g.posts == {t(reply), t(root)} and g.placeholders == set()
    assert g.rel_counts() == {"ON": 1, "POSTED": 2, "REPLIES_TO": 1, "LINKS_TO": 1, "HOSTED_ON": 1}
    url = "https://uiadrian.gumroad.com/l/web-design-guide/?offer_code=twk0uc9f7"
    assert g.of("LINKS_TO") == {(t(reply), url)}
    assert g.of("HOSTED_ON") == {(url, "uiadrian.gumroad.com")}
    assert g.props[("Url", url)]["domain"] == "uiadrian.gumroad.com"
    assert g.props[("Url", url)]["first_seen"] == datetime(2023, 1, 4, 17, 40, 9, tzinfo=UTC)
    assert g.props[("Platform", "uiadrian.gumroad.com")] == {"kind": "other"}


def test_streaming_output_with_a_truncated_last_line() -> None:
    g = load(read_twarc2(TWARC / "streaming_output_with_error.jsonl"))
    assert len(g.posts) == 11 and g.placeholders == set()
    assert len(g.accounts) == 11
    assert g.rel_counts() == {
        "ON": 11,
        "POSTED": 11,
        "QUOTES": 1,
        "REPLIES_TO": 3,
        "MENTIONS": 3,
        "TAGS": 2,
        "LINKS_TO": 3,
        "HOSTED_ON": 4,
        "REDIRECTS_TO": 1,
    }
    assert [(r.file, r.line) for r in g.rejects] == [(str(TWARC / "streaming_output_with_error.jsonl"), 8)]
    assert g.rejects[0].reason.startswith("invalid JSON") and g.rejects[0].excerpt.startswith('{"data": {"author_id"')
    assert g.of("QUOTES") == {(t("1377650090978992134"), t("1377640162566496258"))}
    assert g.of("REPLIES_TO") == {
        (t("1377650093109743620"), t("1377266697850257410")),
        (t("1377650459033280516"), t("1377645742874038274")),
        (t("1377650500687044618"), t("1377299822399528963")),
    }
    # mentions without an id are resolved through the page's users by username
    assert g.of("MENTIONS") == {
        (t("1377650093109743620"), t("601852746")),
        (t("1377650459033280516"), t("262333880")),
        (t("1377650500687044618"), t("1147535159102590976")),
    }
    assert g.of("TAGS") == {(t("1377650387579248643"), "dogsoftwitter"), (t("1377650387579248643"), "dogs")}
    short = "https://orlo.uk/xQz72"
    target = "https://policeprofessional.com/news/police-dog-hailed-a-hero-after-handler-makes-multiple-arrests-in-a-single-shift/"
    assert g.of("LINKS_TO") == {
        (t("1377266697850257410"), short),  # the LINKS_TO goes to the link as shared; it REDIRECTS_TO the target
        (t("1377650277642338305"), "https://instagram.com/p/CNIQbqSrZRL/"),
        (t("1377650529766154240"), "https://instagram.com/p/CNIQwHSjoWT/"),
    }
    assert g.of("REDIRECTS_TO") == {(short, target)}
    assert g.of("HOSTED_ON") == {
        (short, "orlo.uk"),
        (target, "policeprofessional.com"),
        ("https://instagram.com/p/CNIQbqSrZRL/", "instagram"),
        ("https://instagram.com/p/CNIQwHSjoWT/", "instagram"),
    }
    assert g.props[("Url", short)]["raw_forms"] == ["http://orlo.uk/xQz72"]
    assert g.props[("Url", short)]["expanded_forms"][0].endswith(
        "?utm_source=Twitter&utm_medium=social&utm_campaign=Orlo"
    )
    assert g.props[("Platform", "instagram")] == {"kind": "social"}
    assert g.post("1377650090978992134")["media_keys"] == ["3_1377650087799754753"]


# -------------------------------------------------------------------------------------------------- API v1.1


def test_v1_retweet_with_truncated_original() -> None:
    g = load(read_twitter_v1(PT / "post_retweet.json"))
    rt, orig = "967465567773839360", "967413349473574913"
    assert g.posts == {t(rt), t(orig)} and g.placeholders == set()
    assert g.accounts == {t("372018022"), t("31653264")}
    assert g.rel_counts() == {"ON": 2, "POSTED": 2, "REPOSTS": 1}
    assert g.of("REPOSTS") == {(t(rt), t(orig))}
    assert not g.post(rt)["text"].startswith("RT @")
    assert g.post(rt)["text"] == g.post(orig)["text"]
    assert g.post(orig)["text_truncated"] is True  # the original itself is compat-mode truncated, no extended_tweet
    assert "retweet_count" not in g.post(rt) and "like_count" not in g.post(rt)
    assert (g.post(orig)["retweet_count"], g.post(orig)["like_count"]) == (678, 1375)
    assert g.keys("Url") == set()  # the original's only URL is its i/web/status self-link


def test_v1_compat_and_extended_mode_of_one_tweet() -> None:
    compat = load(read_twitter_v1(PT / "3.2" / "extended_tweet_in_compat_mode.json"))
    extended = load(read_twitter_v1(PT / "3.2" / "extended_tweet_in_extended_mode.json"))
    tid = "782737772490600448"
    assert compat.posts == extended.posts == {t(tid)}
    assert compat.post(tid)["text_truncated"] is True and compat.post(tid)["text"].endswith(
        "pytho… https://t.co/et3OTOxWSa"
    )
    assert "text_truncated" not in extended.post(tid)
    assert extended.post(tid)["text"].endswith("python_twitter.egg-info/SOURCE https://t.co/JWSPztfoyt")
    assert extended.post(tid)["media_keys"] == ["3_782737766455119872"]
    assert compat.keys("Url") == extended.keys("Url") == set()
    assert compat.rel_counts() == extended.rel_counts() == {"ON": 1, "POSTED": 1}


def test_v1_streaming_extended_tweet_takes_full_text_and_entities() -> None:
    g = load(read_twitter_v1(PT / "streaming" / "streaming_extended_tweet.json"))
    tid = "971726741583605760"
    assert g.posts == {t(tid)}
    assert g.post(tid)["text"].endswith("OutLook from ClouData & Multiverse -  https://t.co/cnCBNJvu6T")  # &amp; undone
    amazon = (
        "https://amazon.com/gp/product/1782167897/ref=as_li_tf_tl"
        "?camp=1789&creative=9325&creativeASIN=1782167897&ie=UTF8&linkCode=as2&tag=hardwaresoftw-20"
    )
    shop = "https://hwswworld.com/index.php?path=13&route=product/category"
    assert g.of("LINKS_TO") == {(t(tid), amazon), (t(tid), shop)}  # not the top-level i/web/status self-link
    assert g.of("HOSTED_ON") == {(amazon, "amazon.com"), (shop, "hwswworld.com")}
    assert (g.post(tid)["reply_count"], g.post(tid)["quote_count"]) == (0, 0)


def test_v1_promoted_video_tweet() -> None:
    g = load(read_twitter_v1(PT / "get_status_promoted_video_tweet.json"))
    tid = "778307811012780032"
    assert g.posts == {t(tid)} and g.accounts == {t("5162861")}
    assert g.of("TAGS") == {(t(tid), "amiibo"), (t(tid), "picross")}
    url = "https://nintendo.com/games/detail/picross-3d-round-2-3ds"
    assert g.of("LINKS_TO") == {(t(tid), url)}
    assert g.props[("Url", url)]["raw_forms"] == ["http://www.nintendo.com/games/detail/picross-3d-round-2-3ds"]
    post = g.post(tid)
    assert (post["media_keys"], post["has_video"], post["video_duration_ms"]) == (["7_778025997606105089"], True, 62996)
    assert (post["retweet_count"], post["like_count"]) == (119, 609)


def test_v1_quote_with_media_and_a_reply_placeholder() -> None:
    g = load(read_twitter_v1(PT / "models" / "status_quoted_tweet_with_media.json"))
    quote, quoted, replied = "850413178534211584", "850408344175222784", "850397557939372032"
    assert g.posts == {t(quote), t(quoted)}
    assert g.placeholders == {t(replied)}
    assert g.accounts == {t("20944497"), t("39384517")}
    assert g.rel_counts() == {"ON": 2, "POSTED": 3, "QUOTES": 1, "REPLIES_TO": 1}
    assert g.of("QUOTES") == {(t(quote), t(quoted))}
    assert g.of("REPLIES_TO") == {(t(quoted), t(replied))}
    assert (t("39384517"), t(replied)) in g.of("POSTED")  # the replied-to author is known from in_reply_to_*
    assert g.post(quoted)["text"].startswith("ICE agents & officers")
    assert g.keys("Url") == set()  # the quote permalink is not a shared link


def test_v1_search_response_with_bitly_links() -> None:
    g = load(read_twitter_v1(PT / "get_search_geocode.json"))
    assert len(g.posts) == 15 and g.placeholders == set()
    assert len(g.accounts) == 10
    counts = g.rel_counts()
    assert counts == {"ON": 10, "POSTED": 15, "REPOSTS": 1, "TAGS": 55, "LINKS_TO": 14, "HOSTED_ON": 13}
    assert g.of("REPOSTS") == {(t("675124333967245314"), t("675110205311606785"))}
    shared = "https://bit.ly/219bPDA"  # the retweet shares its original's link
    assert {p for p, u in g.of("LINKS_TO") if u == shared} == {t("675124333967245314"), t("675110205311606785")}
    assert {u for _, u in g.of("HOSTED_ON")} == {"bit.ly"} and g.props[("Platform", "bit.ly")] == {"kind": "shortener"}
    assert {tag for p, tag in g.of("TAGS") if p == t("675124333967245314")} == {
        "it",
        "job",
        "paloalto",
        "jobs",
        "hiring",
    }
    assert g.post("676089021005701120")["text"].startswith("<iMike> monty python")
    assert g.of("MENTIONS") == set()


def test_v1_tweet_without_user_is_rejected() -> None:
    path = FIXTURES / "tweet_parser" / "original_format_missing_user.json"
    g = load(read_twitter_v1(path))
    assert g.props == {}
    assert [(r.file, r.line, r.reason) for r in g.rejects] == [(str(path), 1, "tweet 867833721579122688 has no user")]
    assert g.rejects[0].excerpt.startswith('{"display_text_range":[0,48]') and len(g.rejects[0].excerpt) <= 200


# ------------------------------------------------------------------------------------------------ twarc-csv


def test_twarc_csv_media_tweet_matches_the_json() -> None:
    from_csv = load(read_twarc_csv(TWARC / "generated" / "media_tweet.csv"))
    from_json = load(read_twarc2(TWARC / "media_tweet.jsonl"))
    assert from_csv.posts == from_json.posts and from_csv.rels == from_json.rels
    tid = "1558553189766631429"
    for key in ("text", "created_at", "media_keys", "has_video", "video_views", "retweet_count", "like_count"):
        assert from_csv.post(tid)[key] == from_json.post(tid)[key], key


def test_twarc_csv_quoted_edit_references_become_placeholders() -> None:
    g = load(read_twarc_csv(TWARC / "generated" / "quoted_edit.csv"))
    reply, quoted, replied, jane = "1576995594388000768", "1576994746135764992", "1576994789110992896", t("337119125")
    assert g.posts == {t(reply)} and g.placeholders == {t(quoted), t(replied)}
    assert g.keys("Account") == {t("1494167419413094401")} and g.keys("Account", placeholder=True) == {jane}
    assert g.props[("Account", jane)]["handle"] == "wongmjane"
    assert g.rel_counts() == {"ON": 2, "POSTED": 3, "QUOTES": 1, "REPLIES_TO": 1, "MENTIONS": 1}
    assert g.of("POSTED") >= {(jane, t(quoted)), (jane, t(replied))}
    assert g.of("MENTIONS") == {(t(reply), jane)}  # '@wongmjane' resolved through in_reply_to_username
    assert g.post(reply)["text"] == "@wongmjane Test \nhttps://t.co/rBFwqjVr6B"  # the '\n' pair is a newline again
    assert g.keys("Url") == set()


# ------------------------------------------------------------------------------ synthetic traps (tmp files)


def _jsonl(tmp_path: Path, name: str, *objs: Any) -> Path:
    path = tmp_path / name
    path.write_bytes(b"\n".join(orjson.dumps(o) for o in objs) + b"\n")
    return path


def _user(uid: str, handle: str) -> dict[str, Any]:
    return {"id": uid, "username": handle, "name": handle.title(), "created_at": "2015-01-01T00:00:00.000Z"}


def test_v2_errors_unavailable_tweets_and_suspended_users(tmp_path: Path) -> None:
    page = {
        "data": [
            {
                "id": "10",
                "author_id": "1",
                "text": "RT @gone: placeholder text…",
                "created_at": "2015-11-14T09:00:00.000Z",
                "referenced_tweets": [{"type": "retweeted", "id": "20"}],
                "entities": {"mentions": [{"start": 3, "end": 8, "username": "gone"}]},
            },
            {
                "id": "11",
                "author_id": "1",
                "text": "@Ghost hello",
                "created_at": "2015-11-14T09:01:00.000Z",
                "entities": {"mentions": [{"start": 0, "end": 6, "username": "Ghost"}]},
            },
        ],
        "includes": {"users": [_user("1", "beacon"), _user("2", "gone")]},
        "errors": [
            {
                "value": "20",
                "detail": "Could not find tweet with referenced_tweets.id: [20].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "referenced_tweets.id",
                "resource_id": "20",
            },
            {
                "value": "Ghost",
                "detail": "User has been suspended: [Ghost].",
                "title": "Forbidden",
                "resource_type": "user",
                "parameter": "entities.mentions.username",
                "resource_id": "Ghost",
            },
        ],
        "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all", "version": "2.14.0"},
    }
    g = load(read_twarc2(_jsonl(tmp_path, "page.jsonl", page)))
    assert g.posts == {t("10"), t("11")} and g.placeholders == {t("20")}
    assert g.props[("Post", t("20"))]["unavailable"] == "Not Found Error"
    assert g.of("REPOSTS") == {(t("10"), t("20"))}
    assert (t("2"), t("20")) in g.of("POSTED")  # the original's author from 'RT @gone:'
    assert g.post("10")["text_truncated"] is True
    assert g.of("MENTIONS") == {(t("11"), "twitter:handle:ghost")}  # not the RT prefix; unknown id -> handle uid
    assert g.props[("Account", "twitter:handle:ghost")]["suspended"] is True
    assert len(g.warnings) == 2 and "suspended" in g.warnings[1]


def test_v2_stream_object_note_tweet_and_flat_lines(tmp_path: Path) -> None:
    long_text = "placeholder " * 40 + "#LongTag https://example.org/page"
    stream = {
        "data": {
            "id": "30",
            "author_id": "3",
            "text": "placeholder… https://t.co/x",
            "created_at": "2023-01-01T00:00:00.000Z",
            "note_tweet": {
                "text": long_text,
                "entities": {
                    "hashtags": [{"start": 480, "end": 488, "tag": "LongTag"}],
                    "urls": [
                        {
                            "url": "https://t.co/y",
                            "expanded_url": "https://example.org/page",
                            "display_url": "example.org/page",
                        }
                    ],
                },
            },
        },
        "includes": {"users": [_user("3", "writer")]},
        "matching_rules": [{"id": "1", "tag": None}],
    }
    flat = {
        "id": "31",
        "author_id": "3",
        "text": "a quote",
        "created_at": "2023-01-01T00:01:00.000Z",
        "author": _user("3", "writer"),
        "referenced_tweets": [
            {
                "type": "quoted",
                "id": "32",
                "text": "quoted text",
                "author_id": "4",
                "author": _user("4", "source"),
                "created_at": "2022-12-31T00:00:00.000Z",
            }
        ],
        "entities": {
            "urls": [
                {
                    "url": "https://t.co/z",
                    "expanded_url": "https://twitter.com/source/status/32",
                    "display_url": "twitter.com/source/statu…",
                }
            ]
        },
    }
    assert looks_like_twarc2(stream) and not looks_like_twarc2_flat(stream)
    assert looks_like_twarc2_flat(flat) and not looks_like_twarc2(flat)
    g = load(read_twarc2(_jsonl(tmp_path, "mixed.jsonl", stream, flat)))
    assert g.post("30")["text"] == long_text
    assert g.of("TAGS") == {(t("30"), "longtag")}
    assert g.of("LINKS_TO") == {(t("30"), "https://example.org/page")}
    assert g.posts == {t("30"), t("31"), t("32")} and g.of("QUOTES") == {(t("31"), t("32"))}
    assert g.props[("Account", t("4"))]["handle"] == "source"
    assert (
        load(read_twarc2_flat(_jsonl(tmp_path, "flat.jsonl", flat))).rels
        == load(read_twarc2(_jsonl(tmp_path, "flat2.jsonl", flat))).rels
    )


def test_v1_jsonl_with_notices_a_bad_line_and_a_retweet_of_a_quote(tmp_path: Path) -> None:
    def tweet(tid: str, uid: str, text: str, **extra: Any) -> dict[str, Any]:
        user = {"id_str": uid, "screen_name": f"user{uid}", "created_at": "Wed Jun 08 15:23:27 +0000 2011"}
        return {
            "id_str": tid,
            "created_at": "Sat Nov 14 09:00:00 +0000 2015",
            "text": text,
            "user": user,
            "entities": {"hashtags": [], "urls": [], "user_mentions": []},
            **extra,
        }

    quoted = tweet("300", "3", "quoted placeholder text")
    original = tweet(
        "200",
        "2",
        "original text https://t.co/q",
        quoted_status_id_str="300",
        quoted_status=quoted,
        is_quote_status=True,
    )
    original["entities"]["urls"] = [
        {
            "url": "https://t.co/q",
            "expanded_url": "https://twitter.com/user3/status/300",
            "display_url": "twitter.com/user3/status/…",
        }
    ]
    retweet = tweet(
        "100",
        "1",
        "RT @user2: original text",
        retweeted_status=original,
        is_quote_status=True,
        quoted_status_id_str="300",
    )
    mention = tweet("101", "1", "@Someone hi", in_reply_to_status_id_str="99", in_reply_to_screen_name="Someone")
    mention["entities"]["user_mentions"] = [{"screen_name": "Someone", "indices": [0, 8]}]
    path = tmp_path / "stream.jsonl"
    lines = [
        orjson.dumps(retweet),
        b'{"delete":{"status":{"id_str":"5","user_id_str":"6"}}}',
        b'{"id_str": "7", "tex',
        orjson.dumps(mention),
        orjson.dumps({"limit": {"track": 3}}),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    g = load(read_twitter_v1(path))
    assert [(r.line, r.reason.split(":")[0]) for r in g.rejects] == [(3, "invalid JSON")]
    assert g.posts == {t("100"), t("200"), t("300"), t("101")} and g.placeholders == {t("99")}
    assert g.of("REPOSTS") == {(t("100"), t("200"))}
    assert g.of("QUOTES") == {(t("200"), t("300"))}  # the retweet itself quotes nothing
    assert g.of("REPLIES_TO") == {(t("101"), t("99"))}
    assert g.of("MENTIONS") == {(t("101"), "twitter:handle:someone")}
    assert ("twitter:handle:someone", t("99")) in g.of("POSTED")
    assert g.keys("Url") == set()
    assert g.post("100")["created_at"] == datetime(2015, 11, 14, 9, 0, tzinfo=UTC)


def test_v1_single_documents_array_and_search_response(tmp_path: Path) -> None:
    pretty = tmp_path / "array.json"
    tweets = orjson.loads((PT / "get_search_geocode.json").read_bytes())["statuses"][:3]
    pretty.write_bytes(orjson.dumps(tweets, option=orjson.OPT_INDENT_2))
    g = load(read_twitter_v1(pretty))
    assert g.posts == {t(x["id_str"]) for x in tweets}
    broken = tmp_path / "broken.json"
    broken.write_bytes(orjson.dumps(tweets[0], option=orjson.OPT_INDENT_2)[:-20])
    rejects = load(read_twitter_v1(broken)).rejects
    assert [(r.line, r.reason.split(":")[0]) for r in rejects] == [(1, "invalid JSON document")]


@pytest.mark.parametrize(
    ("reader", "path"),
    [
        (read_twarc2, PT / "post_retweet.json"),
        (read_twarc2, TWARC / "generated" / "media_tweet.csv"),
        (read_twitter_v1, TWARC / "two_tweets.jsonl"),
        (read_twarc_csv, TWARC / "two_tweets.jsonl"),
    ],
)
def test_a_file_of_another_format_raises_source_format_error(reader: Callable[[Path], Any], path: Path) -> None:
    with pytest.raises(SourceFormatError, match=str(path.name)):
        list(reader(path))


def test_v2_errors_only_line_and_users_pages(tmp_path: Path) -> None:
    errors_only = {
        "errors": [
            {
                "resource_type": "user",
                "parameter": "in_reply_to_user_id",
                "value": "77",
                "resource_id": "77",
                "title": "Forbidden",
                "detail": "User has been suspended: [77].",
            }
        ]
    }
    g = load(read_twarc2(_jsonl(tmp_path, "errors.jsonl", errors_only)))
    assert g.props[("Account", t("77"))] == {"platform": "twitter", "suspended": True}
    assert g.posts == set() and g.warnings == ["API error: User has been suspended: [77]."]
    users_page = {"data": [_user("1", "someone")], "meta": {"result_count": 1}}
    with pytest.raises(SourceFormatError, match="users.jsonl: line 1 is not a Twitter API v2 page"):
        list(read_twarc2(_jsonl(tmp_path, "users.jsonl", users_page)))


def test_sniffers() -> None:
    first = orjson.loads((TWARC / "two_tweets.jsonl").read_bytes())
    assert looks_like_twarc2(first) and not looks_like_twitter_v1(first)
    v1 = orjson.loads((PT / "post_retweet.json").read_bytes())
    assert looks_like_twitter_v1(v1) and not looks_like_twarc2(v1) and not looks_like_twarc2_flat(v1)
    header = (TWARC / "generated" / "quoted_edit.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert looks_like_twarc_csv(header) and not looks_like_twarc_csv(["id", "text", "user"])
