"""Releases: language versions, copies on hosts with their takedowns and re-uploads, and aggregator pages."""

from __future__ import annotations

import hashlib
import math
import random

from simulator.links import copy_link, page_link
from simulator.world import Copy, Page, Release, Video, World

HOUR = 3_600_000
MINUTE = 60_000
# Copies per language version: (host, min, max, probability of having any).
HOST_COPIES: tuple[tuple[str, int, int, float], ...] = (
    ("archive.org", 3, 6, 1.0),
    ("youtube.com", 1, 3, 1.0),
    ("liveleak.com", 1, 1, 0.6),
    ("videopress.com", 1, 1, 0.5),
    ("drive.google.com", 1, 2, 0.5),
)
# Pareto scale of views per copy on each host (shape PARETO_SHAPE: heavy tail).
VIEW_SCALE = {"archive.org": 200, "youtube.com": 300, "liveleak.com": 150, "videopress.com": 80, "drive.google.com": 50}
PARETO_SHAPE = 1.3
MAX_REUPLOADS = 5


def _pareto(rng: random.Random, scale: float) -> int:
    return int(scale * (1.0 - rng.random()) ** (-1.0 / PARETO_SHAPE))


def _takedown_delay(world: World, rng: random.Random, host: str) -> float:
    median, sigma = world.params.takedown[host]
    return median * math.exp(rng.gauss(0.0, sigma))


def _add_copy(world: World, rng: random.Random, video: Video, host: str, first_ms: int, of: Copy | None) -> Copy:
    n = len(video.copies) + 1
    link = copy_link(rng, host, video.release, video.language, f"{video.title} mirror {n}")
    link.first_ms = first_ms
    delay = _takedown_delay(world, rng, host)
    removed = first_ms + int(delay * HOUR)
    link.removed_ms = removed if removed < world.end_ms else None
    copy = Copy(link, video, _pareto(rng, VIEW_SCALE[host]), delay, of)
    video.copies.append(copy)
    world.copies.append(copy)
    return copy


def _copies_for(world: World, rng: random.Random, video: Video) -> None:
    for host, low, high, probability in HOST_COPIES:
        if rng.random() >= probability:
            continue
        for _ in range(rng.randint(low, high)):
            copy = _add_copy(world, rng, video, host, video.published_ms, None)
            for _ in range(MAX_REUPLOADS):
                # A removed copy comes back on the same host a few hours later, while the window lasts.
                if copy.link.removed_ms is None or rng.random() >= world.params.reupload_probability:
                    break
                again = copy.link.removed_ms + rng.randint(HOUR, 12 * HOUR)
                if again >= world.end_ms - HOUR:
                    break
                copy = _add_copy(world, rng, video, host, again, copy)


def _headline_views(world: World, video: Video) -> None:
    """One work's Archive.org copies together show about headline_archive_views (the seed's half a million)."""
    archive = [c for c in video.copies if c.link.host == "archive.org"]
    total = sum(c.views for c in archive) or 1
    for c in archive:
        c.views = max(1, c.views * world.params.headline_archive_views // total)


def _pages_for(world: World, rng: random.Random, release: Release) -> None:
    p = world.params
    n_pages = rng.randint(*p.pages_per_release)
    copies = [c for v in release.videos for c in v.copies]
    for i in range(n_pages):
        site = "justpaste.it" if i % 2 == 0 else "shortwiki.com"
        if i == 0:
            platforms = ("telegram", "twitter") if rng.random() < p.bridge_page_probability else ("telegram",)
        else:
            platforms = ("telegram",) if i == 1 else ("twitter",)
        created = release.published_ms - rng.randint(5 * MINUTE, 30 * MINUTE)
        link = page_link(rng, site, release.idx, f"Release {release.idx}: mirror list")
        link.first_ms = release.published_ms
        page = Page(link, site, release.idx, platforms, created, "html" if site == "justpaste.it" else "text")
        for copy in copies:
            if i > 0 and rng.random() < 0.15:
                continue  # pages differ a little in which mirrors they carry
            first = copy.link.first_ms
            listed = created if first <= release.published_ms else first + rng.randint(30 * MINUTE, 8 * HOUR)
            removed = copy.link.removed_ms
            delisted = removed + rng.randint(HOUR, 24 * HOUR) if removed is not None else None
            page.listing.append((copy, listed, delisted))
        t = created + rng.randint(5 * MINUTE, HOUR)
        while t < world.end_ms:
            page.captures.append(t)
            t += rng.randint(12 * HOUR, 36 * HOUR)
        release.pages.append(page)
        world.pages.append(page)


def build_releases(world: World, rng: random.Random) -> None:
    """Releases over the first release_span_days, each in 1-3 language versions, copies and pages."""
    p = world.params
    span = int(p.release_span_days * 24 * HOUR)
    first = world.start_ms + rng.randint(2 * HOUR, 10 * HOUR)
    times = sorted([first] + [first + rng.randrange(max(1, span - 10 * HOUR)) for _ in range(p.releases - 1)])
    origins = [c.idx for c in world.channels if c.role == "origin"]
    for r, published in enumerate(times, start=1):
        release = Release(r, published)
        n_lang = min(len(p.languages), rng.choices((1, 2, 3), weights=(2, 4, 4))[0])
        langs = [p.languages[0]] + rng.sample(p.languages[1:], n_lang - 1)
        original = f"release-{r}-{langs[0]}"
        origin = origins[(r - 1) % len(origins)]
        for i, lang in enumerate(langs):
            at = published if i == 0 else min(published + rng.randint(HOUR, 24 * HOUR), world.end_ms - 2 * HOUR)
            at = max(at, published)
            video_id = f"release-{r}-{lang}"
            digest = hashlib.sha256(f"{p.seed}/{video_id}".encode()).hexdigest()
            drawn = rng.randint(300, 2400)  # drawn for every version so the random stream is the same
            # A language version is a dub or a subtitled cut of the original: it keeps the original's length.
            duration = drawn if i == 0 else release.videos[0].duration_s
            video = Video(
                len(world.videos),
                video_id,
                r,
                lang,
                f"Release {r} ({lang})",
                None if i == 0 else original,
                at,
                duration,
                digest,
                origin,
            )
            release.videos.append(video)
            world.videos.append(video)
            _copies_for(world, rng, video)
        world.releases.append(release)
        _pages_for(world, rng, release)
    _headline_views(world, world.videos[0])
