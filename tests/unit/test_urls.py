"""URL identity: canonical forms, platforms and hostile inputs, as a table of cases worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from etl.records import NodeRef
from etl.urls import (
    InvalidUrl,
    canonical_url,
    identify_url,
    is_twitter_internal_link,
    platform_of_domain,
    twitter_status_id,
    url_fragment,
)

YT = "https://youtube.com/watch?v=dQw4w9WgXcQ"

# (raw, canonical, platform, kind)
CASES = [
    # generic rules: scheme, case, www, default port, fragment, trackers, query order
    ("http://example.com/a", "https://example.com/a", "example.com", "other"),
    ("https://example.com/a", "https://example.com/a", "example.com", "other"),
    ("example.com/a", "https://example.com/a", "example.com", "other"),
    ("//example.com/a", "https://example.com/a", "example.com", "other"),
    ("  HTTP://WWW.Example.COM:80/a#top \n", "https://example.com/a", "example.com", "other"),
    ("https://example.com:443", "https://example.com/", "example.com", "other"),
    ("https://example.com:8443/x", "https://example.com:8443/x", "example.com", "other"),
    ("https://user:secret@example.com/x", "https://example.com/x", "example.com", "other"),
    (
        "https://example.com/p?b=2&a=1&utm_source=tw&utm_medium=social",
        "https://example.com/p?a=1&b=2",
        "example.com",
        "other",
    ),
    ("https://example.com/p?fbclid=IwAR0x&gclid=abc&si=xyz&id=7", "https://example.com/p?id=7", "example.com", "other"),
    ("https://example.com/a/./b/../c", "https://example.com/a/c", "example.com", "other"),
    ("https://example.com/a%7eb%2fc%e2%41", "https://example.com/a~b%2Fc%E2A", "example.com", "other"),
    ("https://example.com/caf\u00e9 menu", "https://example.com/caf%C3%A9%20menu", "example.com", "other"),
    ("https://example.com/100%", "https://example.com/100%25", "example.com", "other"),
    ("https://m.example.org/news", "https://example.org/news", "example.org", "other"),
    ("https://mobile.example.org/news", "https://example.org/news", "example.org", "other"),
    ("https://m.me/page", "https://m.me/page", "m.me", "other"),  # stripping 'm.' would leave a bare TLD
    ("https://B\u00fccher.example/x", "https://xn--bcher-kva.example/x", "xn--bcher-kva.example", "other"),
    (
        "https://\u4f8b\u3048\u3002\u30c6\u30b9\u30c8/",
        "https://xn--r8jz45g.xn--zckzah/",
        "xn--r8jz45g.xn--zckzah",
        "other",
    ),
    ("hxxps://bad-site[.]org/payload", "https://bad-site.org/payload", "bad-site.org", "other"),
    ("https://93.184.216.34/x", "https://93.184.216.34/x", "93.184.216.34", "other"),
    # YouTube: every form of one video is one Url
    ("https://youtu.be/dQw4w9WgXcQ", YT, "youtube", "hosting"),
    ("youtu.be/dQw4w9WgXcQ?si=Ab12&t=42", YT, "youtube", "hosting"),
    ("http://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=youtu.be", YT, "youtube", "hosting"),
    ("https://m.youtube.com/watch?list=PL123&v=dQw4w9WgXcQ&t=1m2s&index=3", YT, "youtube", "hosting"),
    ("https://www.youtube.com/embed/dQw4w9WgXcQ?autoplay=1", YT, "youtube", "hosting"),
    ("https://youtube.com/shorts/dQw4w9WgXcQ", YT, "youtube", "hosting"),
    ("https://www.youtube.com/v/dQw4w9WgXcQ", YT, "youtube", "hosting"),
    ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", YT, "youtube", "hosting"),
    ("https://www.youtube.com/channel/UC123?feature=share", "https://youtube.com/channel/UC123", "youtube", "hosting"),
    # archive.org: the item, whatever file or view
    (
        "https://archive.org/details/Paris_Release_12",
        "https://archive.org/details/Paris_Release_12",
        "archive.org",
        "hosting",
    ),
    (
        "http://archive.org/details/Paris_Release_12/part2.mp4",
        "https://archive.org/details/Paris_Release_12",
        "archive.org",
        "hosting",
    ),
    (
        "https://archive.org/download/Paris_Release_12/video%20HD.mp4",
        "https://archive.org/details/Paris_Release_12",
        "archive.org",
        "hosting",
    ),
    (
        "https://ia800300.us.archive.org/12/items/Paris_Release_12/a.mp4",
        "https://archive.org/details/Paris_Release_12",
        "archive.org",
        "hosting",
    ),
    (
        "https://ia800300.us.archive.org/fullview/a.pdf",
        "https://ia800300.us.archive.org/fullview/a.pdf",
        "archive.org",
        "hosting",
    ),
    # Telegram
    ("https://t.me/SomeChannel/123", "https://t.me/somechannel/123", "telegram", "social"),
    ("https://t.me/s/SomeChannel/123?single", "https://t.me/somechannel/123", "telegram", "social"),
    ("http://telegram.me/somechannel/123", "https://t.me/somechannel/123", "telegram", "social"),
    ("https://t.me/joinchat/AbCdEf123", "https://t.me/joinchat/AbCdEf123", "telegram", "social"),
    # Twitter status permalinks
    (
        "https://twitter.com/SomeUser/status/1394735776701816833",
        "https://twitter.com/i/web/status/1394735776701816833",
        "twitter",
        "social",
    ),
    (
        "https://x.com/SomeUser/status/1394735776701816833?s=20&t=AbC",
        "https://twitter.com/i/web/status/1394735776701816833",
        "twitter",
        "social",
    ),
    (
        "https://mobile.twitter.com/i/web/status/1394735776701816833",
        "https://twitter.com/i/web/status/1394735776701816833",
        "twitter",
        "social",
    ),
    ("http://twitter.com/SomeUser/statuses/42", "https://twitter.com/i/web/status/42", "twitter", "social"),
    ("https://twitter.com/#!/SomeUser/status/42", "https://twitter.com/i/web/status/42", "twitter", "social"),
    ("https://twitter.com/SomeUser", "https://twitter.com/someuser", "twitter", "social"),
    # platforms from the table, suffix matches, shorteners
    ("http://bit.ly/1JIH78A", "https://bit.ly/1JIH78A", "bit.ly", "shortener"),
    ("https://goo.gl/AbC", "https://goo.gl/AbC", "goo.gl", "shortener"),
    ("https://t.co/uXqSAGWkWJ", "https://t.co/uXqSAGWkWJ", "t.co", "shortener"),
    ("http://orlo.uk/xQz72", "https://orlo.uk/xQz72", "orlo.uk", "shortener"),  # from ural's shortener list
    ("http://justpaste.it/abc12", "https://justpaste.it/abc12", "justpaste.it", "aggregator"),
    ("https://www.shortwiki.org/x", "https://shortwiki.org/x", "shortwiki", "aggregator"),
    ("https://isdarat.tv/12345", "https://isdarat.tv/12345", "isdarat", "hosting"),
    ("https://www.liveleak.com/view?i=abc&utm_campaign=x", "https://liveleak.com/view?i=abc", "liveleak", "hosting"),
    ("https://videopress.com/v/AbCd1234", "https://videopress.com/v/AbCd1234", "videopress", "hosting"),
    (
        "https://drive.google.com/file/d/1AbCdEfGhIjKlMn/view?usp=sharing",
        "https://drive.google.com/file/d/1AbCdEfGhIjKlMn",
        "google-drive",
        "hosting",
    ),
    (
        "https://drive.google.com/open?id=1AbCdEfGhIjKlMn",
        "https://drive.google.com/file/d/1AbCdEfGhIjKlMn",
        "google-drive",
        "hosting",
    ),
    ("https://www.dropbox.com/s/abc/video.mp4?dl=0", "https://dropbox.com/s/abc/video.mp4", "dropbox", "hosting"),
    ("https://ipfs.io/ipfs/QmHash", "https://ipfs.io/ipfs/QmHash", "ipfs", "hosting"),
    ("https://m.facebook.com/story.php?id=5&fbclid=x", "https://facebook.com/story.php?id=5", "facebook", "social"),
]


@pytest.mark.parametrize(("raw", "canonical", "platform", "kind"), CASES)
def test_identify_url(raw: str, canonical: str, platform: str, kind: str) -> None:
    identity = identify_url(raw)
    assert (identity.url, identity.platform, identity.kind) == (canonical, platform, kind)
    assert canonical_url(raw) == canonical
    assert canonical_url(canonical) == canonical  # canonical forms are fixed points


def test_case_table_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    "raw",
    [
        "javascript:alert(1)",
        "JavaScript://%0Aalert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "mailto:someone@example.com",
        "ftp://example.com/file",
        "",
        "   \t\n ",
        "http://",
        "https:///path/only",
        "just words",
        "localhost",
        "http://exa mple.com/",
        "https://a..b.com/",
        "https://" + "a" * 64 + ".com/",
        "https://example.com/" + "x" * 9000,
        "http://999.1.1.1/",
        "http://example.com:99999/",
        "https://[::1/",
        "https://example.com\x00.evil/",
        "https://example.123/",
    ],
)
def test_hostile_inputs_raise_invalid_url(raw: str) -> None:
    with pytest.raises(InvalidUrl):
        canonical_url(raw)


def test_invalid_url_is_a_value_error_and_non_strings_are_refused() -> None:
    assert issubclass(InvalidUrl, ValueError)
    with pytest.raises(InvalidUrl):
        canonical_url(None)  # type: ignore[arg-type]


def test_identity_domain_drops_www_and_port() -> None:
    identity = identify_url("http://www.Example.com:8080/x")
    assert identity.url == "https://example.com:8080/x"
    assert identity.domain == "example.com"


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("archive.org", ("archive.org", "hosting")),
        ("ia800300.us.archive.org", ("archive.org", "hosting")),
        ("www.youtube.com", ("youtube", "hosting")),
        ("youtu.be", ("youtube", "hosting")),
        ("docs.google.com", ("google-drive", "hosting")),
        ("mail.google.com", ("mail.google.com", "other")),
        ("isdarat.co.uk", ("isdarat", "hosting")),
        ("notisdarat.tv", ("notisdarat.tv", "other")),
        ("dweb.link", ("ipfs", "hosting")),
        ("x.com", ("twitter", "social")),
        ("telegram.me", ("telegram", "social")),
        ("shortwiki.com", ("shortwiki", "aggregator")),
    ],
)
def test_platform_of_domain(domain: str, expected: tuple[str, str]) -> None:
    assert platform_of_domain(domain) == expected


def test_url_fragment_of_a_short_link_redirecting_to_youtube() -> None:
    seen = datetime(2015, 11, 14, 9, 0, tzinfo=UTC)
    nodes, rels, ref = url_fragment(
        "http://bit.ly/AbC", expanded="https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share", seen_at=seen
    )
    assert ref == NodeRef("Url", "https://bit.ly/AbC")
    by_key = {(n.label, n.key): n for n in nodes}
    assert set(by_key) == {("Url", "https://bit.ly/AbC"), ("Url", YT), ("Platform", "bit.ly"), ("Platform", "youtube")}
    short = by_key[("Url", "https://bit.ly/AbC")].props
    assert short == {
        "domain": "bit.ly",
        "platform": "bit.ly",
        "raw_forms": ["http://bit.ly/AbC"],
        "expanded_forms": ["https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share"],
        "first_seen": seen,
        "last_seen": seen,
    }
    assert by_key[("Platform", "bit.ly")].props == {"kind": "shortener"}
    assert by_key[("Platform", "youtube")].props == {"kind": "hosting"}
    assert sorted((r.type, r.start.key, r.end.key) for r in rels) == [
        ("HOSTED_ON", "https://bit.ly/AbC", "bit.ly"),
        ("HOSTED_ON", YT, "youtube"),
        ("REDIRECTS_TO", "https://bit.ly/AbC", YT),
    ]


def test_url_fragment_without_redirect_when_expanded_is_the_same_address() -> None:
    nodes, rels, ref = url_fragment("http://justpaste.it/abc", expanded="https://justpaste.it/abc?utm_source=x")
    assert ref.key == "https://justpaste.it/abc"
    assert [n.key for n in nodes] == ["https://justpaste.it/abc", "justpaste.it"]
    assert nodes[0].props == {
        "domain": "justpaste.it",
        "platform": "justpaste.it",
        "raw_forms": ["http://justpaste.it/abc"],
        "expanded_forms": ["https://justpaste.it/abc?utm_source=x"],
    }
    assert [r.type for r in rels] == ["HOSTED_ON"]


def test_url_fragment_ignores_an_invalid_expansion_but_refuses_an_invalid_raw_link() -> None:
    nodes, rels, _ = url_fragment("https://t.co/abc", expanded="javascript:alert(1)")
    assert [n.key for n in nodes] == ["https://t.co/abc", "t.co"]
    assert "expanded_forms" not in nodes[0].props
    with pytest.raises(InvalidUrl):
        url_fragment("not a url")


@pytest.mark.parametrize(
    ("url", "tweet_id", "internal"),
    [
        ("https://twitter.com/i/web/status/967413349473574913", "967413349473574913", True),  # self-link
        ("https://twitter.com/IgorBrigadir/status/1558553189766631429/video/1", "1558553189766631429", True),
        ("https://twitter.com/Manie_DS/status/1377640162566496258/photo/1", "1", True),  # media of another tweet
        ("pic.twitter.com/uXqSAGWkWJ", None, True),
        ("https://twitter.com/wongmjane/status/1576994746135764992", None, True),  # any permalink without an id
        ("https://twitter.com/wongmjane/status/1576994746135764992", "1576995594388000768", False),
        ("https://x.com/a/status/5", "5", True),
        ("https://twitter.com/wongmjane", None, False),
        ("https://example.com/status/5", "5", False),
    ],
)
def test_is_twitter_internal_link(url: str, tweet_id: str | None, internal: bool) -> None:
    assert is_twitter_internal_link(url, tweet_id) is internal


def test_twitter_status_id() -> None:
    assert twitter_status_id("https://twitter.com/Manie_DS/status/1377640162566496258") == "1377640162566496258"
    assert twitter_status_id("https://mobile.twitter.com/i/web/status/42") == "42"
    assert twitter_status_id("https://example.com/a/status/42") is None
    assert twitter_status_id("https://twitter.com/wongmjane") is None


def test_a_youtube_playlist_keeps_its_list_id() -> None:
    assert canonical_url("https://www.youtube.com/playlist?list=PL0&si=x") == "https://youtube.com/playlist?list=PL0"
    assert (
        canonical_url("https://youtube.com/watch?v=AbCdEfGhIjK&list=PL0") == "https://youtube.com/watch?v=AbCdEfGhIjK"
    )
