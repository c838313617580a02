"""The per-host removal rules (etl/availability.py, etl/data/removal_rules.csv) on answers in the shapes hosts give.

The bodies are small hand-made answers in the documented shapes (docs/inputs.md, "Removal rules"): the notice text,
the player state or the widget block a rule looks for, inside the markup around it.
"""

from __future__ import annotations

import pytest

from etl.availability import BODY_BYTES, decide, load_rules

YT = "https://www.youtube.com/watch?v=AbCdEfGhIjK"
YT_PAGE = "<html><head><title>{title} - YouTube</title></head><body><script>var ytInitialPlayerResponse = {player};"

OK_PLAYER = '{"responseContext":{},"playabilityStatus":{"status":"OK","playableInEmbed":true},"videoDetails":{}}'
ERROR_PLAYER = '{"responseContext":{},"playabilityStatus":{"status":"ERROR","reason":"Video unavailable"}}'
PRIVATE_PLAYER = '{"playabilityStatus":{"status":"LOGIN_REQUIRED","reason":"Private video","messages":["Sign in"]}}'
TG_MISSING = '<div class="tgme_widget_message_wrap"><div class="tgme_widget_message_error">Post not found</div></div>'
TG_SHOWN = '<div class="tgme_widget_message_bubble"><div class="tgme_widget_message_text js-message_text">x</div></div>'

# (rule expected, url, status, location, body, decision)
CASES = [
    ("justpaste-notice", "https://justpaste.it/abc12", 200, None,
     "<html><body><div class='notice'>This content has been removed.</div></body></html>", "removed"),
    ("youtube-oembed-not-found", "https://www.youtube.com/oembed?url=" + YT + "&format=json", 404, None, b"Not Found",
     "removed"),
    ("youtube-oembed-unauthorized", "https://youtube.com/oembed?url=" + YT, 401, None, b"Unauthorized", "unknown"),
    ("youtube-oembed-answer", "https://youtube.com/oembed?url=" + YT, 200, None,
     b'{"title":"Placeholder","author_name":"Channel","type":"video"}', "alive"),
    ("youtube-removed-by-uploader", YT, 200, None, "<div>This video has been removed by the uploader</div>", "removed"),
    ("youtube-removed-for-violation", YT, 200, None,
     "This video has been removed for violating YouTube's Community Guidelines", "removed"),
    ("youtube-account-terminated", "https://youtu.be/AbCdEfGhIjK", 200, None,
     "This video is no longer available because the YouTube account associated with this video has been terminated.",
     "removed"),
    ("youtube-copyright-claim", YT, 200, None,
     "This video is no longer available due to a copyright claim by Placeholder Rights", "removed"),
    ("youtube-channel-terminated", "https://www.youtube.com/channel/UC0000000000000000000000", 200, None,
     "<p>This account has been terminated for a violation of YouTube's Terms of Service.</p>", "removed"),
    ("youtube-private", YT, 200, None, YT_PAGE.format(title="Private video", player=PRIVATE_PLAYER), "removed"),
    ("youtube-region-blocked", YT, 200, None, "The uploader has not made this video available in your country",
     "unknown"),
    ("youtube-player-error", YT, 200, None, YT_PAGE.format(title="", player=ERROR_PLAYER).encode(), "removed"),
    ("youtube-player-ok", YT, 200, None, YT_PAGE.format(title="Placeholder", player=OK_PLAYER).encode(), "alive"),
    ("youtube-200-unrecognised", YT, 200, None, None, "unknown"),
    ("telegram-post-not-found", "https://t.me/somechannel/42?embed=1", 200, None, TG_MISSING, "removed"),
    ("telegram-post-shown", "https://t.me/s/somechannel/42", 200, None, TG_SHOWN, "alive"),
    ("telegram-200-unrecognised", "https://t.me/somechannel/42", 200, None, "<html><title>Telegram</title>",
     "unknown"),
    ("archive-metadata-empty", "https://archive.org/metadata/release3-fr", 200, None, b"{}", "removed"),
    ("archive-metadata-dark", "https://archive.org/metadata/release3-fr", 200, None,
     b'{"created": 1448000000, "is_dark": true, "metadata": {"identifier": "release3-fr"}}', "removed"),
    ("archive-metadata-item", "https://archive.org/metadata/release3-fr", 200, None,
     b'{"created": 1448000000, "files": [], "metadata": {"identifier": "release3-fr"}}', "alive"),
    ("archive-metadata-unrecognised", "https://archive.org/metadata/release3-fr", 200, None, None, "unknown"),
    ("pastebin-page-removed", "https://pastebin.com/b9wwkSxe", 200, None,
     "<head>\n<title>Pastebin.com - Page Removed</title>", "removed"),
    ("twitter-suspended-page", "https://twitter.com/someaccount", 200, None, "<title>Account suspended</title>",
     "removed"),
    ("redirect-twitter-suspended", "https://t.co/AbCdEf", 301, "https://twitter.com/account/suspended", None,
     "removed"),
    ("redirect-youtube-removed", "https://bit.ly/abc", 302, "https://www.youtube.com/error?src=404", None, "removed"),
    ("gone", "https://archive.org/details/release3-fr", 404, None, b"<title>Item not found</title>", "removed"),
    ("answered", "https://archive.org/details/release3-fr", 200, None, None, "alive"),
    ("redirect-other", "https://justpaste.it/abc12", 302, "https://justpaste.it/login", None, "unknown"),
    ("no-answer", "https://justpaste.it/abc12", None, None, None, "unknown"),
    ("other-status", "https://justpaste.it/abc12", 503, None, b"Service Unavailable", "unknown"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "url", "status", "location", "body", "decision"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_decides_the_answer_it_cites(
    rule: str, url: str, status: int | None, location: str | None, body: bytes | str | None, decision: str
) -> None:
    verdict = decide(url, status, location, body)
    assert (verdict.rule, verdict.status) == (rule, decision)
    assert verdict.response  # every rule cites the response it matches


def test_every_rule_of_the_data_file_is_exercised() -> None:
    assert {r.name for r in load_rules()} == {c[0] for c in CASES}


def test_an_unrecognised_page_is_never_removed() -> None:
    notice = "<html><body><h1>This page is gone</h1><p>removed, deleted, suspended, terminated</p></body></html>"
    for url in (YT, "https://t.me/c/42", "https://justpaste.it/abc12", "https://example.org/x"):
        assert decide(url, 200, None, notice).status != "removed"
    # the word alone, outside the element a rule looks for, decides nothing on t.me
    assert decide("https://t.me/somechannel/42", 200, None, "Post not found").rule == "telegram-200-unrecognised"


def test_a_redirect_elsewhere_or_to_the_same_item_decides_nothing() -> None:
    assert decide(YT, 301, "https://youtube.com/watch?v=AbCdEfGhIjK", None).status == "unknown"
    assert decide("http://archive.org/details/x", 301, "https://archive.org/details/x", None).rule == "redirect-other"
    # a Location on a non-redirect is not a redirect
    assert decide("https://example.org/x", 200, "https://twitter.com/account/suspended", None).rule == "answered"


def test_status_alone_on_hosts_that_answer_200_for_removed_items() -> None:
    """A CDX row carries no body: a 200 capture of a YouTube watch page or a t.me post proves nothing."""
    assert decide(YT, 200).status == "unknown"
    assert decide("https://t.me/somechannel/42", 200).status == "unknown"
    assert decide(YT, 404).rule == "gone"  # a real 404 still is one
    assert decide("https://archive.org/details/release3-fr", 410).status == "removed"


def test_only_the_first_bytes_count_and_bad_bytes_do_not_fail() -> None:
    late = b"x" * BODY_BYTES + b"This video has been removed by the uploader"
    assert decide(YT, 200, None, late).rule == "youtube-200-unrecognised"
    assert decide(YT, 200, None, b"\xff\xfe\x00 This video has been removed by the uploader").status == "removed"


def test_a_url_that_does_not_parse_gets_the_rules_for_any_host() -> None:
    assert decide("not a url at all", 404).rule == "gone"
    assert decide("http://[bad", 200).rule == "answered"
