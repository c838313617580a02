"""Gnip Activity Streams on the public pair of samples (the same 25 tweets in original format and in Activity
Streams, tests/fixtures/SOURCES.md), twarc2 counts refused, and damaged activities.

The facts were read off activity_streams_examples.json by hand: 25 activities, 3 of them shares; with the tweets
they embed (shared originals, quoted tweets) 29 distinct tweet ids, by 5 accounts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_twitter_readers import load

from etl.detect import detect_format
from etl.errors import SourceFormatError
from etl.readers.gnip_activity import looks_like_gnip_activity, read_gnip_activity
from etl.readers.twitter_v1 import read_twitter_v1
from etl.readers.twitter_v2 import read_twarc2
from etl.records import Fragment, Reject

FIXTURES = Path(__file__).parent.parent / "fixtures"
AS = FIXTURES / "gnip" / "activity_streams_examples.json"
ORIGINAL = FIXTURES / "gnip" / "original_format_examples.json"
COUNTS = FIXTURES / "twarc2-counts" / "counts.jsonl.txt"

# Properties Activity Streams does not carry (docs/formats.md, gnip-activity-streams): every other property, node
# and relationship is the same in both formats.
AS_LACKS = {("Post", "reply_count"), ("Post", "quote_count"), ("Account", "protected")}


def t(tweet_id: str) -> str:
    return f"twitter:{tweet_id}"


def test_activity_streams_sample_facts() -> None:
    g = load(read_gnip_activity(AS))
    assert g.rejects == [] and g.warnings == []
    assert len(g.posts) == 29 and g.placeholders == set()
    # two authors (RobotPrincessFi, notFromShrek) and three accounts known only from mentions
    assert g.accounts == {t("815279070241955840"), t("2382763597"), t("16958875"), t("43194865"), t("783214")}
    assert g.keys("Account") == {t("815279070241955840"), t("2382763597")}
    assert g.rel_counts() == {"POSTED": 29, "ON": 5, "REPOSTS": 3, "QUOTES": 8, "REPLIES_TO": 6, "MENTIONS": 12,
                              "TAGS": 4, "LINKS_TO": 3, "HOSTED_ON": 2}  # fmt: skip
    # a share: RT by RobotPrincessFi of notFromShrek's tweet, text from the original
    share, original = "867478524235366400", "861651727614746624"
    assert (t(share), t(original)) in g.of("REPOSTS")
    assert g.post(share)["text"].startswith("Since I feel like I shouldn't be someone")
    assert "retweet_count" not in g.post(share)
    assert g.post(share)["created_at"] == datetime(2017, 5, 24, 20, 32, 51, tzinfo=UTC)
    # the reply's parent author comes from the mention of the handle in inReplyTo.link
    assert (t("867837275152842752"), t("861645830863822848")) in g.of("REPLIES_TO")
    assert (t("2382763597"), t("861645830863822848")) in g.of("POSTED")
    # long_object: the full text (164 characters), not the body cut at 140 with '…' and an i/web/status link
    long_text = g.post("867471562613575680")["text"]
    assert len(long_text) == 164 and long_text.endswith("consectetur adipi https://t.co/x2MZliBLyk")
    # Gnip's unwound URL: a REDIRECTS_TO-free link (expanded equals the final form after canonicalisation)
    url = "https://smittenkitchen.com/2009/12/ridiculously-easy-butterscotch-sauce/"
    assert g.of("LINKS_TO") >= {(t("867470833744191488"), url)}
    assert g.props[("Url", url)]["expanded_forms"] == [
        "http://smittenkitchen.com/2009/12/ridiculously-easy-butterscotch-sauce/"
    ]
    assert g.keys("Hashtag") == {"hashtag", "hashtags", "quotetweet", "tweet"}
    account = g.props[("Account", t("815279070241955840"))]
    assert (account["handle"], account["name"], account["followers"]) == ("RobotPrincessFi", "jk no", 1)


def test_the_same_tweets_in_both_formats_give_the_same_graph() -> None:
    v1, activity = load(read_twitter_v1(ORIGINAL)), load(read_gnip_activity(AS))
    assert set(v1.props) == set(activity.props) and v1.real == activity.real
    assert v1.rels == activity.rels
    differ: set[tuple[str, str]] = set()
    for key, props in v1.props.items():
        other = activity.props[key]
        differ |= {(key[0], p) for p in set(props) | set(other) if props.get(p) != other.get(p)}
    # retweet_count: Gnip leaves retweetCount out of embedded activities (4 shared or quoted originals);
    # Account created_at: actor.postedTime has milliseconds, v1.1 user.created_at whole seconds.
    assert differ == AS_LACKS | {("Post", "retweet_count"), ("Account", "created_at")}
    for key, props in v1.props.items():
        if key[0] == "Account" and "created_at" in props:
            assert activity.props[key]["created_at"].replace(microsecond=0) == props["created_at"]
    missing_retweets = {k for k, p in v1.props.items() if "retweet_count" in p and "retweet_count" not in
                        activity.props[k]}  # fmt: skip
    assert len(missing_retweets) == 4
    assert all(activity.props[k].get("retweet_count") == v1.props[k].get("retweet_count") for k in v1.props
               if k not in missing_retweets and k[0] == "Post")  # fmt: skip


def test_detection_and_the_v1_reader_point_at_the_right_format(tmp_path: Path) -> None:
    assert detect_format(AS) == "gnip-activity-streams"
    with pytest.raises(SourceFormatError, match="line 1 is not a Twitter v1.1 tweet"):
        list(read_twitter_v1(AS))  # forced the wrong way, the whole file is refused
    page = tmp_path / "search.json"
    first = AS.read_text(encoding="utf-8").splitlines()[0]
    page.write_text(json.dumps({"results": [json.loads(first)], "next": "abc"}) + "\n")
    assert detect_format(page) == "gnip-activity-streams"
    g = load(read_gnip_activity(page))
    assert g.posts == {t("887453193294282752")} and g.rejects == []


def test_twarc2_counts_are_refused_as_counts_not_tweets() -> None:
    with pytest.raises(SourceFormatError, match="holds tweet counts per time bucket .* not tweets"):
        detect_format(COUNTS)
    with pytest.raises(SourceFormatError, match="counts.jsonl.txt: a twarc2 counts file"):
        list(read_twarc2(COUNTS))


def test_damaged_lines_are_rejected_and_the_rest_loads(tmp_path: Path) -> None:
    lines = AS.read_text(encoding="utf-8").splitlines()
    bad = [
        lines[0],
        '{"id": "tag:search.twitter.com,2005:1", "verb": "post", "objectType": "activity", "actor": "x"',  # cut
        json.dumps({"id": "tag:search.twitter.com,2005:2", "verb": "favorite", "objectType": "activity"}),
        json.dumps({"id": "tag:search.twitter.com,2005:3", "verb": "delete", "objectType": "activity"}),
        json.dumps({"id": "tag:search.twitter.com,2005:4", "verb": "post", "objectType": "activity", "actor": {}}),
        json.dumps({"id": "not-a-tag", "verb": "post", "objectType": "activity", "actor": {}}),
        lines[24],
        json.dumps({"info": {"message": "Replay Request Completed", "activity_count": 2}}),
    ]
    path = tmp_path / "damaged.json"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    g = load(read_gnip_activity(path))
    assert g.posts == {t("887453193294282752"), t("867468138991964160")}
    reasons = {r.line: r.reason for r in g.rejects}
    assert set(reasons) == {2, 3, 5, 6}
    assert reasons[2].startswith("invalid JSON")
    assert reasons[3] == "activity verb 'favorite' is not a post or share"
    assert reasons[5] == "tweet 4 has no user"
    assert reasons[6] == "activity without a twitter.com tag id"
    assert all(r.file == str(path) for r in g.rejects)


def test_sniffer() -> None:
    assert looks_like_gnip_activity(json.loads(AS.read_text(encoding="utf-8").splitlines()[0]))
    assert not looks_like_gnip_activity(json.loads(ORIGINAL.read_text(encoding="utf-8").splitlines()[0]))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_KEYS = st.sampled_from(["id", "verb", "actor", "object", "body", "postedTime", "long_object", "twitter_entities",
                         "twitter_quoted_status", "inReplyTo", "gnip", "retweetCount", "twitter_lang"])  # fmt: skip
_PLAIN = (str, int, float, bool, datetime)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(activities=st.lists(st.dictionaries(_KEYS, _JSON, max_size=10) | _JSON, max_size=4))
def test_random_activities_never_crash(tmp_path: Path, activities: list[object]) -> None:
    base = json.loads(AS.read_text(encoding="utf-8").splitlines()[10])  # a share: two levels to damage
    records = [base] + [{**base, **a} if isinstance(a, dict) else a for a in activities]
    path = tmp_path / "fuzz.json"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    items = list(read_gnip_activity(path))
    assert len(items) >= 1 and isinstance(items[0], Fragment)
    for item in items:
        if isinstance(item, Reject):
            assert item.file == str(path) and item.line >= 2 and item.reason
            continue
        for node in item.nodes:
            for value in node.props.values():
                assert (
                    value is None
                    or isinstance(value, _PLAIN)
                    or (isinstance(value, list) and all(isinstance(v, _PLAIN) for v in value))
                ), (node.key, value)
