"""Content identity across copies: title keys, id tokens and the scoring of one pair (no database)."""

from __future__ import annotations

from graphdb.analytics.copies import VideoFacts, score_pair
from graphdb.analytics.titles import id_tokens, title_key, title_script, url_ids


def test_title_key_removes_what_uploaders_change_and_keeps_the_work() -> None:
    key = title_key("Release 3 (fr)")
    assert key == "release 3"
    for variant in ("RELEASE 3 [FR] HD", "release_3 - French.mp4", "  Release 3 (FR) | mirror  ", "Réléase 3 (fr)"):
        assert title_key(variant) == key, variant
    assert title_key("Release 4 (fr)") != key
    assert title_key("HD 720p mirror") is None and title_key(None) is None


def test_arabic_titles_fold_diacritics_tatweel_and_letter_variants() -> None:
    # the same title typed with harakat and a tatweel, and with alef hamza / ta marbuta variants
    assert title_key("الإصدارُ الثالـث") == title_key("الاصدار الثالث")
    assert title_key("رسالة") == title_key("رساله")
    assert title_script("الاصدار الثالث") == "arabic" and title_script("Release 3") == "latin"


def test_url_ids_and_id_tokens() -> None:
    assert url_ids("https://youtube.com/watch?v=AbCdEfGhIj1") == ["AbCdEfGhIj1"]
    assert url_ids("https://archive.org/details/r03fr_k2j9xa") == ["r03fr_k2j9xa"]
    assert url_ids("https://drive.google.com/file/d/0Bxyz123") == ["0Bxyz123"]
    # tubeup names an archive.org mirror of a YouTube video after the video's id
    assert "abcdefghij1" in id_tokens(["youtube-AbCdEfGhIj1"]) & id_tokens(["AbCdEfGhIj1"])
    assert id_tokens(["r03fr_k2j9xa"]) == {"r03fr_k2j9xa", "r03fr", "k2j9xa"}
    assert id_tokens(["release", "2015", "mp4"]) == set()  # words and years are not ids


def _v(uid: str, **kw: object) -> VideoFacts:
    base: dict[str, object] = {"title": None, "language": None, "duration": None, "hashes": set(), "ids": set(),
                               "pages": set(), "channels": set(), "first_share": None}  # fmt: skip
    base.update(kw)
    return VideoFacts(uid, **base)  # type: ignore[arg-type]


def test_equal_hashes_are_certain_whatever_else_differs() -> None:
    s = score_pair(_v("a", hashes={"sha1:x"}, duration=10.0), _v("b", hashes={"sha1:x"}, duration=99.0), {})
    assert s is not None and s.certain and s.confidence == 1.0 and s.basis == ["hash"]


def test_title_and_duration_within_two_seconds_suggest_the_same_work() -> None:
    a = _v("a", title="Release 3 (fr)", language="fr", duration=610.0)
    s = score_pair(a, _v("b", title="RELEASE 3 HD", language="fr", duration=611.5), {})
    assert s is not None and s.kind == "same_work" and not s.certain and s.confidence == 0.9
    assert score_pair(a, _v("c", title="Release 3 (fr)", language="fr", duration=613.0), {}) is None  # 3 s apart
    # the title alone, a duration unknown: weaker
    s = score_pair(a, _v("d", title="Release 3", language="fr"), {})
    assert s is not None and s.confidence == 0.6


def test_a_duration_alone_is_no_evidence_and_combined_evidence_adds_up() -> None:
    a = _v("a", duration=610.0, channels={"telegram:channel1"}, pages={"https://justpaste.it/x"})
    assert score_pair(_v("a", duration=610.0), _v("b", duration=610.0), {}) is None
    s = score_pair(a, _v("b", duration=611.0, channels={"telegram:channel1"}, pages={"https://justpaste.it/x"}), {})
    assert s is not None and s.basis == ["channel", "duration", "pages"]
    assert s.confidence == round(1 - 0.8 * 0.7 * 0.6, 4)


def test_shared_ids_count_unless_too_common() -> None:
    a, b = _v("a", ids={"r03fr"}), _v("b", ids={"r03fr"})
    s = score_pair(a, b, {"r03fr": 2})
    assert s is not None and s.basis == ["ids"] and s.confidence == 0.8
    assert score_pair(a, b, {"r03fr": 10_000}) is None


def test_different_languages_with_the_same_length_are_a_version_not_the_same_work() -> None:
    fr = _v("fr", title="Release 3 (fr)", language="fr", duration=610.0, first_share=200)
    en = _v("en", title="Release 3 (en)", language="en", duration=610.0, first_share=100)
    s = score_pair(fr, en, {})
    assert s is not None and s.kind == "version_of" and (s.a, s.b) == ("fr", "en") and s.language == "fr"
    assert s.basis == ["duration", "title"] and s.confidence == round(1 - 0.7 * 0.4, 4)
    assert score_pair(fr, _v("x", title="Release 3 (en)", language="en", duration=700.0), {}) is None
    observed = _v("fr", title="Release 3 (fr)", language="fr", duration=610.0, versions={"en"})
    assert score_pair(observed, en, {}) is None  # an observed VERSION_OF stands
