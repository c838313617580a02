"""Shareable links: one canonical address, the raw forms people actually paste, and the precomputed strings
(t.co wrappers, display forms) that the writers reuse so no per-post URL work is needed.
"""

from __future__ import annotations

import random
from typing import Any

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
YT_ALPHABET = ALNUM + "-_"
SHORTENER_SHARE = 0.08  # of a link's Twitter shares go through bit.ly (expanded_url bit.ly, unwound_url the target)

# Twitter's display_url cuts long links with an ellipsis; never a usable URL (docs/formats.md, twarc2).
DISPLAY_CHARS = 26


def code(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def display_url(raw: str) -> str:
    text = raw.split("://", 1)[-1]
    if text.startswith("www."):
        text = text[4:]
    return text if len(text) <= DISPLAY_CHARS else text[:DISPLAY_CHARS] + "\u2026"


class Link:
    """A shareable address. `raw` holds its raw forms (the first is the primary form), `cum` their cumulative
    weights; `tweet_entities[i]` is the url-entity template (t.co, expanded, display) for raw form i."""

    __slots__ = (
        "canonical",
        "host",
        "kind",
        "raw",
        "cum",
        "tweet_entities",
        "telegram_forms",
        "first_ms",
        "removed_ms",
        "release",
        "label",
    )

    def __init__(
        self,
        rng: random.Random,
        canonical: str,
        host: str,
        kind: str,
        raw: list[str],
        weights: list[float],
        *,
        label: str,
        release: int = -1,
        telegram_forms: list[str] | None = None,
    ) -> None:
        self.canonical = canonical
        self.host = host
        self.kind = kind  # "copy" | "page" | "telegram"
        self.raw = raw
        total = 0.0
        self.cum: list[float] = []
        for w in weights:
            total += w
            self.cum.append(total)
        self.tweet_entities: list[dict[str, Any]] = [
            {"url": "https://t.co/" + code(rng, 10), "expanded_url": r, "display_url": display_url(r)} for r in raw
        ]
        short = "https://bit.ly/" + code(rng, 7)
        self.tweet_entities.append(
            {
                "url": "https://t.co/" + code(rng, 10),
                "expanded_url": short,
                "display_url": display_url(short),
                "unwound_url": raw[0],
                "status": 200,
            }
        )
        self.telegram_forms = telegram_forms or raw
        self.first_ms = 0
        self.removed_ms: int | None = None
        self.release = release
        self.label = label

    def variant(self, rng: random.Random) -> int:
        x = rng.random() * self.cum[-1]
        for i, c in enumerate(self.cum):
            if x < c:
                return i
        return len(self.cum) - 1

    def tweet_entity(self, rng: random.Random) -> dict[str, Any]:
        if rng.random() < SHORTENER_SHARE:
            return self.tweet_entities[-1]
        return self.tweet_entities[self.variant(rng)]

    def telegram_form(self, rng: random.Random) -> str:
        return self.telegram_forms[rng.randrange(len(self.telegram_forms))]

    def alive_at(self, ms: int) -> bool:
        return self.first_ms <= ms and (self.removed_ms is None or ms < self.removed_ms)


def copy_link(rng: random.Random, host: str, release: int, lang: str, label: str) -> Link:
    """A new copy of a video on `host`, with that host's real URL shapes."""
    if host == "archive.org":
        ident = f"r{release:02d}{lang}_{code(rng, 6, LOWER_ALNUM)}"
        canon = f"https://archive.org/details/{ident}"
        raw = [
            canon,
            f"http://archive.org/details/{ident}",
            f"https://www.archive.org/details/{ident}",
            f"https://archive.org/download/{ident}/{ident}.mp4",
        ]
        weights = [0.55, 0.15, 0.1, 0.2]
    elif host == "youtube.com":
        vid = code(rng, 11, YT_ALPHABET)
        canon = f"https://youtube.com/watch?v={vid}"
        raw = [
            f"https://www.youtube.com/watch?v={vid}",
            f"https://youtu.be/{vid}",
            f"http://www.youtube.com/watch?v={vid}",
            f"https://m.youtube.com/watch?v={vid}&feature=youtu.be",
        ]
        weights = [0.5, 0.3, 0.1, 0.1]
    elif host == "liveleak.com":
        item = f"{code(rng, 3, 'abcdef0123456789')}_{1447400000 + rng.randrange(2_000_000)}"
        canon = f"https://liveleak.com/view?i={item}"
        raw = [
            f"http://www.liveleak.com/view?i={item}",
            f"https://www.liveleak.com/view?i={item}",
            f"https://liveleak.com/view?i={item}&utm_source=twitter",
        ]
        weights = [0.6, 0.3, 0.1]
    elif host == "videopress.com":
        vid = code(rng, 8)
        canon = f"https://videopress.com/v/{vid}"
        raw = [canon, f"http://videopress.com/v/{vid}", f"https://videopress.com/v/{vid}?utm_source=telegram"]
        weights = [0.7, 0.2, 0.1]
    elif host == "drive.google.com":
        fid = "0B" + code(rng, 26, YT_ALPHABET)
        canon = f"https://drive.google.com/file/d/{fid}"
        raw = [
            f"https://drive.google.com/file/d/{fid}/view?usp=sharing",
            f"https://drive.google.com/file/d/{fid}/view",
            f"https://drive.google.com/open?id={fid}",
        ]
        weights = [0.6, 0.3, 0.1]
    else:
        raise ValueError(f"unknown host {host!r}")
    return Link(rng, canon, host, "copy", raw, weights, label=label, release=release)


def page_link(rng: random.Random, site: str, release: int, label: str) -> Link:
    """A new aggregator page (justpaste.it or shortwiki.com) for a release."""
    if site == "justpaste.it":
        page = code(rng, 5, LOWER_ALNUM)
        canon = f"https://justpaste.it/{page}"
        raw = [
            canon,
            f"http://justpaste.it/{page}",
            f"https://justpaste.it/{page}?utm_source=twitter&utm_medium=social",
        ]
        weights = [0.7, 0.2, 0.1]
        typed = [canon, f"justpaste.it/{page}"]
    else:
        page = code(rng, 6, ALNUM)
        canon = f"https://shortwiki.com/{page}"
        raw = [canon, f"http://www.shortwiki.com/{page}", f"http://shortwiki.com/{page}"]
        weights = [0.6, 0.2, 0.2]
        typed = [canon, f"shortwiki.com/{page}"]
    return Link(rng, canon, site, "page", raw, weights, label=label, release=release, telegram_forms=typed)


def telegram_post_link(rng: random.Random, handle: str, msg_id: int, ms: int) -> Link:
    """A link to a Telegram channel post, as a bridge account tweets it."""
    canon = f"https://t.me/{handle.lower()}/{msg_id}"
    raw = [f"https://t.me/{handle}/{msg_id}", f"http://telegram.me/{handle}/{msg_id}"]
    link = Link(rng, canon, "t.me", "telegram", raw, [0.9, 0.1], label=f"{handle}/{msg_id}")
    link.first_ms = ms
    return link
