"""The planned world: accounts, channels, releases and everything scheduled in advance (see plan.py, releases.py).

Only this compact state lives through a run; posts are generated hour by hour from it and written at once.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from simulator.links import Link
from simulator.params import Parameters
from simulator.timefmt import DAY_MS, parse_start

CONSONANTS = "bdfgklmnprstvz"
VOWELS = "aeiou"
# Account creation dates of pre-existing accounts spread over these years; ids rise with creation time.
ACCOUNT_EPOCH_MS = parse_start("2010-01-01T00:00:00Z")
FIRST_NEW_USER_ID = 4_200_000_000


@dataclass(eq=False, slots=True)
class Account:
    """A Twitter account. role: hub | member | dispersed | flooder | coordinated."""

    idx: int
    id: str
    username: str
    name: str
    role: str
    created_ms: int
    lang: str
    weight: float = 1.0
    followers: int = 0
    following: int = 0
    base_tweets: int = 0
    hub: int = -1  # member: the hub it engages with
    group: int = -1  # coordinated: its group
    channel: int = -1  # bridge: its Telegram channel
    suspended_ms: int | None = None
    active_from_ms: int = 0
    predecessor: int = -1
    successor: int = -1
    generation: int = 1  # 1 for an original account, 2 for name2, 3 for name3 ...
    base_handle: str = ""
    tweets: int = 0  # posted so far in the run
    last_links: list[Link] = field(default_factory=list)
    last_tweet: dict[str, Any] | None = None

    @property
    def uid(self) -> str:
        return f"twitter:{self.id}"

    def active(self, ms: int) -> bool:
        return self.active_from_ms <= ms and (self.suspended_ms is None or ms < self.suspended_ms)


@dataclass(eq=False, slots=True)
class Channel:
    """A public Telegram channel. role: origin (announces releases first) | relay (forwards, chats)."""

    idx: int
    id: int
    handle: str
    name: str
    role: str
    created_ms: int
    weight: float
    bridge: int = -1  # the Twitter account run under the same handle

    @property
    def uid(self) -> str:
        return f"telegram:channel{self.id}"


@dataclass(eq=False, slots=True)
class Copy:
    """One copy of a video on a host; first_ms is its first share (the Telegram post that announced it)."""

    link: Link
    video: Video
    views: int
    delay_hours: float  # the drawn time to takedown (may run past the window: censored)
    reupload_of: Copy | None = None


@dataclass(eq=False, slots=True)
class Video:
    idx: int
    video_id: str
    release: int
    language: str
    title: str
    version_of: str | None
    published_ms: int
    duration_s: int
    hash: str
    origin_channel: int
    copies: list[Copy] = field(default_factory=list)

    @property
    def uid(self) -> str:
        return f"video:{self.video_id}"


@dataclass(eq=False, slots=True)
class Page:
    """An aggregator page listing a release's mirrors; listing rows are (copy, listed_ms, delisted_ms or None)."""

    link: Link
    site: str
    release: int
    platforms: tuple[str, ...]
    created_ms: int
    fmt: str
    listing: list[tuple[Copy, int, int | None]] = field(default_factory=list)
    captures: list[int] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Release:
    idx: int
    published_ms: int
    videos: list[Video] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class HashtagEvent:
    """An event hashtag: volume rises from start to peak (quadratic), then halves every half_life, until end."""

    tag: str
    start_ms: int
    peak_ms: int
    end_ms: int
    half_life_ms: int
    size: float

    def intensity(self, ms: int) -> float:
        if ms < self.start_ms or ms >= self.end_ms:
            return 0.0
        if ms < self.peak_ms:
            x = (ms - self.start_ms) / (self.peak_ms - self.start_ms)
            return max(x * x, 0.02)
        return math.pow(0.5, (ms - self.peak_ms) / self.half_life_ms)


@dataclass(eq=False)
class World:
    params: Parameters
    start_ms: int
    end_ms: int
    accounts: list[Account] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    videos: list[Video] = field(default_factory=list)
    copies: list[Copy] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    events: list[HashtagEvent] = field(default_factory=list)
    hubs: list[int] = field(default_factory=list)
    groups: list[list[int]] = field(default_factory=list)
    bursts: list[tuple[int, int, Link]] = field(default_factory=list)  # (group, first post ms, link)
    # Planned posts: (ms, seq, kind, payload...) tuples, sorted; see plan.py for the kinds.
    planned_twitter: list[tuple[Any, ...]] = field(default_factory=list)
    planned_telegram: list[tuple[Any, ...]] = field(default_factory=list)
    first_announcements: dict[int, tuple[int, int]] = field(default_factory=dict)  # video idx -> (channel, ms)
    # The planted route of each video as written: video idx -> [(kind, platform, account uid, post uid, ms, source)]
    routes: dict[int, list[tuple[str, str, str, str, int, str | None]]] = field(default_factory=dict)
    user_ids: set[str] = field(default_factory=set)


class NameMaker:
    """Neutral pronounceable handles (no digits, so successors' numbered handles stand out), never reused."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def handle(self, syllables: int = 3, suffix: str = "") -> str:
        for attempt in range(1000):
            if attempt == 50:
                syllables += 1
            word = "".join(self.rng.choice(CONSONANTS) + self.rng.choice(VOWELS) for _ in range(syllables))
            if self.rng.random() < 0.3:
                word += "_" + self.rng.choice(CONSONANTS) + self.rng.choice(VOWELS)
            word += suffix
            if word not in self.used:
                self.used.add(word)
                return word
        raise RuntimeError("could not find an unused handle")


def _display_name(handle: str) -> str:
    return " ".join(part.capitalize() for part in handle.split("_"))


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def build_accounts(world: World, rng: random.Random, names: NameMaker) -> None:
    """Hubs and their members, the dispersed cluster, flooders and coordinated groups (pre-existing accounts)."""
    p = world.params
    specs: list[tuple[str, int, int]] = []  # (role, hub idx or -1, group or -1)
    n_accounts = 0
    cluster_sizes = [rng.randint(*p.members_per_cluster) for _ in range(p.influencer_clusters)]
    for size in cluster_sizes:
        hub = n_accounts
        specs.append(("hub", -1, -1))
        specs.extend(("member", hub, -1) for _ in range(size))
        n_accounts += 1 + size
    specs.extend(("dispersed", -1, -1) for _ in range(p.dispersed_accounts))
    specs.extend(("flooder", -1, -1) for _ in range(p.flooders))
    for g in range(p.coordinated_groups):
        specs.extend(("coordinated", -1, g) for _ in range(rng.randint(*p.coordinated_group_size)))
    ids = sorted(rng.sample(range(20_000_000, FIRST_NEW_USER_ID), len(specs)))
    order = list(range(len(specs)))
    rng.shuffle(order)
    span = world.start_ms - 5 * DAY_MS - ACCOUNT_EPOCH_MS
    for idx, (role, hub, group) in enumerate(specs):
        user_id = ids[order[idx]]
        created = ACCOUNT_EPOCH_MS + span * (user_id - 20_000_000) // (FIRST_NEW_USER_ID - 20_000_000)
        handle = names.handle()
        lang = "en" if role == "flooder" else rng.choices(p.languages, weights=(5, 3, 2)[: len(p.languages)])[0]
        acc = Account(
            idx,
            str(user_id),
            handle,
            _display_name(handle),
            role,
            created,
            lang,
            hub=hub,
            group=group,
            base_handle=handle,
        )
        acc.weight = min(5.0, _lognormal(rng, 1.0, 0.6)) if role in ("dispersed", "member") else 1.0
        acc.followers = {
            "hub": rng.randint(5_000, 20_000),
            "member": rng.randint(50, 500),
            "dispersed": int(_lognormal(rng, 600, 0.8)),
            "flooder": rng.randint(20, 2_000),
            "coordinated": rng.randint(100, 900),
        }[role]
        acc.following = rng.randint(50, 1_500)
        acc.base_tweets = rng.randint(200, 20_000)
        world.accounts.append(acc)
        world.user_ids.add(acc.id)
    world.hubs = [a.idx for a in world.accounts if a.role == "hub"]
    world.groups = [[a.idx for a in world.accounts if a.group == g] for g in range(p.coordinated_groups)]


def build_channels(world: World, rng: random.Random, names: NameMaker) -> None:
    """Origin and relay channels; the first relays are bridges, run with a Twitter account of the same handle."""
    p = world.params
    ids = sorted(rng.sample(range(1_000_000_000, 1_100_000_000), p.origin_channels + p.relay_channels))
    for i in range(p.origin_channels + p.relay_channels):
        role = "origin" if i < p.origin_channels else "relay"
        handle = names.handle(syllables=3, suffix="_ch")
        created = world.start_ms - rng.randint(10, 200) * DAY_MS
        weight = 2.0 if role == "origin" else _lognormal(rng, 1.0, 0.5)
        world.channels.append(Channel(i, ids[i], handle, _display_name(handle), role, created, weight))
    relays = [c for c in world.channels if c.role == "relay"]
    dispersed = [a for a in world.accounts if a.role == "dispersed"]
    for channel, acc in zip(relays[: p.bridge_accounts], dispersed[: p.bridge_accounts], strict=False):
        # The bridge's Twitter account takes the channel's handle: the same actor on both platforms.
        names.used.discard(acc.username)
        acc.username = acc.base_handle = channel.handle
        acc.name = channel.name
        acc.channel = channel.idx
        acc.weight = 3.0
        channel.bridge = acc.idx


def add_successor(world: World, rng: random.Random, old: Account, return_ms: int) -> Account:
    """A suspended account's return: a new account, same display name, handle with the next number."""
    user_id = FIRST_NEW_USER_ID + (return_ms - world.start_ms) // 1000
    while str(user_id) in world.user_ids:
        user_id += 1
    world.user_ids.add(str(user_id))
    generation = old.generation + 1
    new = Account(
        len(world.accounts),
        str(user_id),
        f"{old.base_handle}{generation}",
        old.name,
        old.role,
        return_ms - rng.randint(60_000, 1_800_000),
        old.lang,
        weight=old.weight,
        followers=max(5, old.followers // 10),
        following=rng.randint(20, 300),
        base_tweets=0,
        active_from_ms=return_ms,
        predecessor=old.idx,
        generation=generation,
        base_handle=old.base_handle,
    )
    old.successor = new.idx
    world.accounts.append(new)
    return new
