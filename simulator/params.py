"""The knobs of the simulated swarmcast, (defaults: docs/investigations.md); every run records them in ground truth.

Account and release counts grow with the square root (or a smaller power) of the post count, so a larger run is
a busier world rather than the same few accounts posting a million times.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from graphdb.errors import SwarmgraphError

SCALES: dict[str, int] = {"small": 5_000, "medium": 50_000, "large": 500_000}
REFERENCE_POSTS = 50_000  # the post count the per-world sizes below are tuned for

# Per host: lognormal time to takedown (median hours, sigma), counted from the copy's first share. YouTube removes
# within hours, Archive.org takes days to weeks (many copies outlive a 14-day window: "10+ days alive").
DEFAULT_TAKEDOWN: dict[str, tuple[float, float]] = {
    "youtube.com": (6.0, 0.8),
    "drive.google.com": (30.0, 0.8),
    "liveleak.com": (60.0, 0.7),
    "videopress.com": (96.0, 0.7),
    "archive.org": (288.0, 0.7),
}


class SimulationError(SwarmgraphError, ValueError):
    """Arguments that describe no simulation (an unknown scale, too few posts or days)."""


@dataclass
class Parameters:
    """Every parameter of one run (see simulator/__init__.py for what each planted structure means)."""

    seed: int = 1
    posts: int = REFERENCE_POSTS  # target posts: tweets + Telegram messages (planted posts can add a few)
    days: int = 14
    start: str = "2015-11-14T00:00:00Z"  # the day after the Paris attacks of 13 November 2015

    # Releases and hosting
    releases: int = 12  # "a dozen justification videos within ten days"
    release_span_days: float = 10.0
    languages: tuple[str, ...] = ("ar", "en", "fr")  # the first is the original; others are VERSION_OF it
    reupload_probability: float = 0.6  # a removed copy is re-uploaded on the same host
    takedown: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_TAKEDOWN))
    headline_archive_views: int = 500_000  # one work's Archive.org copies total about half a million views

    # Aggregator pages
    pages_per_release: tuple[int, int] = (2, 3)
    bridge_page_probability: float = 0.7  # a release's first page is shared on both platforms

    # Telegram
    telegram_share: float = 0.04
    origin_channels: int = 2
    relay_channels: int = 6
    bridge_accounts: int = 2  # relay channels that also run a Twitter account under the same handle

    # Twitter accounts
    influencer_clusters: int = 3
    hub_posts_per_day: float = 30.0  # at most; members' retweets of them are what grows with the post count
    members_per_cluster: tuple[int, int] = (20, 60)
    dispersed_accounts: int = 150
    flooders: int = 60
    coordinated_groups: int = 3
    coordinated_group_size: tuple[int, int] = (3, 6)
    coordinated_bursts: int = 33  # bursts per group (each member posts the same link once per burst)
    coordinated_solo_posts_per_day: float = 5.0  # at most: their ordinary posts between bursts
    coordination_window_seconds: int = 30  # all posts of a burst fall within 0.8 x this window

    # Suspensions
    suspension_share: float = 0.2  # of the dispersed cluster (bridges excluded)
    successor_probability: float = 0.7  # a suspended account returns as name2, name3, ...
    successor_delay_hours: float = 6.0  # median of a lognormal(sigma 0.8)
    known_successor_share: float = 0.5  # successor links written to accounts.csv; the rest are for detection
    hub_suspensions: int = 1  # hubs suspended mid-window (their clusters fall silent)

    # Hashtags and flooding
    event_hashtags: int = 4
    flood_share: float = 0.30  # of tweets: opponents posting in event hashtags, never with links
    event_tag_share: float = 0.10  # of tweets: sympathisers' linked posts carrying an event hashtag
    steady_hashtags: tuple[str, ...] = ("mirrors", "newrelease")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["takedown"] = {host: {"median_hours": m, "sigma": s} for host, (m, s) in sorted(self.takedown.items())}
        return data


def parameters_for(*, seed: int, posts: int | None, scale: str, days: int, start: str | None = None) -> Parameters:
    """Parameters for a run: the scale's post count unless `posts` is given, with world sizes scaled to it.
    `start` (ISO time, UTC) moves the window: tweet ids follow time, so worlds in different windows share none."""
    if posts is None:
        if scale not in SCALES:
            raise SimulationError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
        posts = SCALES[scale]
    if posts < 100:
        raise SimulationError(f"posts must be at least 100, got {posts}")
    if days < 1:
        raise SimulationError(f"days must be at least 1, got {days}")
    f = posts / REFERENCE_POSTS
    return Parameters(
        seed=seed,
        posts=posts,
        days=days,
        start=start or Parameters.start,
        releases=max(6, min(30, round(12 * f**0.2))),
        release_span_days=min(10.0, max(0.5, days * 0.7)),
        members_per_cluster=(max(5, round(20 * f**0.5)), max(8, round(60 * f**0.5))),
        dispersed_accounts=max(20, round(150 * f**0.5)),
        flooders=max(8, round(60 * f**0.5)),
        relay_channels=max(3, round(6 * f**0.25)),
        coordinated_bursts=max(8, round(8 + 25 * f**0.5)),
        event_hashtags=4 if days >= 4 else 2,
    )
