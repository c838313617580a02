"""What is scheduled before any post is written: event hashtags, suspensions and successors, coordinated bursts,
announcements and forwards, and how many ordinary posts fall in each hour.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from simulator.links import Link
from simulator.world import Account, Channel, HashtagEvent, World, add_successor

HOUR = 3_600_000
MINUTE = 60_000
DECAY_TO = 0.05  # an event hashtag has ended when its volume is under 5 % of its peak
HUB_SUSPENDED_FROM, HUB_SUSPENDED_TO = 0.4, 0.7  # share of the window
RESUSPENSION = 0.3

# Planned Twitter posts: (ms, seq, kind, a, b)
TW_HUB_ANNOUNCE = 1  # a: hub account idx, b: video idx
TW_BRIDGE_ANNOUNCE = 2  # a: bridge account idx, b: video idx (links the channel's forward of the announcement)
TW_BURST = 3  # a: account idx, b: Link (the group's shared link)
TW_COMEBACK = 4  # a: successor account idx
TW_SUSPENDED_MENTION = 5  # a: suspended account idx, b: "mention" | "reply"
# Planned Telegram messages: (ms, seq, kind, channel idx, b, c)
TG_ANNOUNCE = 1  # b: video idx
TG_FORWARD = 2  # b: source channel idx, c: message key ("video", idx) or ("copy", idx)
TG_REUPLOAD = 3  # b: copy idx (a re-upload, posted as a reply to the video's announcement)


class Planner:
    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.seq = 0
        self.copy_index = {id(c): i for i, c in enumerate(world.copies)}

    def _tw(self, ms: int, kind: int, a: object, b: object = None) -> None:
        if self.world.start_ms <= ms < self.world.end_ms:
            self.seq += 1
            self.world.planned_twitter.append((ms, self.seq, kind, a, b))

    def _tg(self, ms: int, kind: int, channel: int, b: object, c: object = None) -> bool:
        if not self.world.start_ms <= ms < self.world.end_ms:
            return False
        self.seq += 1
        self.world.planned_telegram.append((ms, self.seq, kind, channel, b, c))
        return True

    # ------------------------------------------------------------------------------------------ event hashtags

    def events(self) -> None:
        w, rng = self.world, self.rng
        available = w.end_ms - w.start_ms - 2 * HOUR
        for k in range(w.params.event_hashtags):
            rise = rng.randint(8 * HOUR, 36 * HOUR)
            half_life = rng.randint(6 * HOUR, 18 * HOUR)
            fade = int(half_life * math.log2(1 / DECAY_TO))
            factor = min(1.0, 0.8 * available / (rise + fade))
            rise, half_life, fade = int(rise * factor), int(half_life * factor), int(fade * factor)
            anchor = rng.choice(w.releases).published_ms + rng.randint(HOUR, 6 * HOUR)
            start = max(w.start_ms + HOUR, min(anchor, w.end_ms - rise - fade - HOUR))
            w.events.append(
                HashtagEvent(
                    f"event{k + 1}", start, start + rise, start + rise + fade, half_life, rng.uniform(0.5, 1.5)
                )
            )

    # ------------------------------------------------------------------------------ suspensions and successors

    def suspensions(self) -> None:
        w, rng, p = self.world, self.rng, self.world.params
        candidates = [a for a in w.accounts if a.role == "dispersed" and a.channel < 0]
        n = round(p.suspension_share * len(candidates))
        # Prominent (more active) accounts are likelier to be suspended.
        chosen: list[Account] = []
        pool = list(candidates)
        for _ in range(min(n, len(pool))):
            pick = rng.choices(range(len(pool)), weights=[a.weight for a in pool])[0]
            chosen.append(pool.pop(pick))
        first, last = w.start_ms + min(24 * HOUR, (w.end_ms - w.start_ms) // 5), w.end_ms - 12 * HOUR
        for acc in chosen:
            if last <= first:
                break
            at = rng.randint(first, last)
            current: Account | None = acc
            while current is not None:
                # A successor is itself suspended again with probability RESUSPENSION (name2 -> name3 ...).
                current = self._suspend(current, at)
                if current is None or rng.random() >= RESUSPENSION:
                    break
                at = current.active_from_ms + rng.randint(12 * HOUR, 72 * HOUR)
                if at >= w.end_ms - 6 * HOUR:
                    break
        hubs = [w.accounts[h] for h in w.hubs]
        for hub in hubs[len(hubs) - p.hub_suspensions :] if p.hub_suspensions else []:
            span = w.end_ms - w.start_ms
            at = w.start_ms + rng.randint(int(span * HUB_SUSPENDED_FROM), int(span * HUB_SUSPENDED_TO))
            self._suspend(hub, at, allow_successor=False)

    def _suspend(self, acc: Account, at: int, *, allow_successor: bool = True) -> Account | None:
        """Suspend at `at`; plan the mentions that surface it in later pages; maybe a successor (returned)."""
        w, rng = self.world, self.rng
        acc.suspended_ms = at
        # The first reference replies to its last tweet (an error naming the user id), the second may only mention
        # it (an error naming the handle).
        for mode in ("reply", rng.choice(("mention", "reply"))):
            self._tw(at + rng.randint(10 * MINUTE, 24 * HOUR), TW_SUSPENDED_MENTION, acc.idx, mode)
        if not allow_successor or rng.random() >= w.params.successor_probability:
            return None
        back = at + int(w.params.successor_delay_hours * HOUR * math.exp(rng.gauss(0.0, 0.8)))
        if back >= w.end_ms - HOUR:
            return None
        new = add_successor(w, rng, acc, back)
        self._tw(back + rng.randint(MINUTE, 20 * MINUTE), TW_COMEBACK, new.idx)
        return new

    # -------------------------------------------------------------------------------------- coordinated bursts

    def twitter_links_at(self, ms: int) -> list[Link]:
        w = self.world
        links = [c.link for c in w.copies if c.link.alive_at(ms)]
        links += [pg.link for pg in w.pages if "twitter" in pg.platforms and pg.link.first_ms <= ms]
        return links

    def bursts(self) -> None:
        w, rng, p = self.world, self.rng, self.world.params
        first = w.releases[0].published_ms + HOUR
        if first >= w.end_ms - 10 * MINUTE:
            return
        window_ms = p.coordination_window_seconds * 1000
        for g, members in enumerate(w.groups):
            for _ in range(p.coordinated_bursts):
                t = rng.randint(first, w.end_ms - 10 * MINUTE)
                links = self.twitter_links_at(t)
                if not links:
                    continue
                link = rng.choice(links)
                w.bursts.append((g, t, link))
                order = list(members)
                rng.shuffle(order)
                offsets = [0] + sorted(rng.randint(1000, int(window_ms * 0.8)) for _ in order[1:])
                for acc, off in zip(order, offsets, strict=True):
                    self._tw(t + off, TW_BURST, acc, link)

    # ---------------------------------------------------------------------------------- announcements, forwards

    def announcements(self) -> None:
        w, rng = self.world, self.rng
        relays = [c for c in w.channels if c.role == "relay"]
        for video in w.videos:
            origin = w.channels[video.origin_channel]
            if self._tg(video.published_ms, TG_ANNOUNCE, origin.idx, video.idx):
                w.first_announcements[video.idx] = (origin.idx, video.published_ms)
            forwards = self._forwards(video.published_ms, origin.idx, ("video", video.idx), relays, 0.85)
            for hub in w.hubs:
                at = video.published_ms + rng.randint(10 * MINUTE, 60 * MINUTE)
                if w.accounts[hub].active(at):
                    self._tw(at, TW_HUB_ANNOUNCE, hub, video.idx)
            for at, channel_idx in forwards:
                bridge = w.channels[channel_idx].bridge
                if bridge >= 0:
                    self._tw(at + rng.randint(5 * MINUTE, 30 * MINUTE), TW_BRIDGE_ANNOUNCE, bridge, video.idx)
            for copy in video.copies:
                if copy.reupload_of is not None:
                    idx = self.copy_index[id(copy)]
                    self._tg(copy.link.first_ms, TG_REUPLOAD, origin.idx, idx)
                    self._forwards(copy.link.first_ms, origin.idx, ("copy", idx), relays, 0.5)

    def _forwards(
        self, at: int, origin: int, key: tuple[str, int], relays: list[Channel], share: float
    ) -> list[tuple[int, int]]:
        """Relays forward a message within minutes, from the origin or from a relay that forwarded it earlier."""
        rng = self.rng
        timed = sorted(
            (at + int(20 * MINUTE * math.exp(rng.gauss(0.0, 0.9))), c.idx) for c in relays if rng.random() < share
        )
        done: list[tuple[int, int]] = []
        for ms, channel in timed:
            source = origin if not done or rng.random() < 0.6 else rng.choice(done)[1]
            if self._tg(ms, TG_FORWARD, channel, source, key):
                done.append((ms, channel))
        return done

    def finish(self) -> None:
        self.world.planned_twitter.sort(key=lambda e: (e[0], e[1]))
        self.world.planned_telegram.sort(key=lambda e: (e[0], e[1]))


@dataclass
class HourCounts:
    """Ordinary (unplanned) posts per hour: Telegram chatter, baseline tweets, and per event hashtag the
    sympathisers' tagged posts and the flooders' posts."""

    telegram: list[int]
    baseline: list[int]
    tagged: list[list[int]]  # [event][hour]
    flood: list[list[int]]  # [event][hour]


def allocate(total: int, weights: list[float]) -> list[int]:
    """Integer counts proportional to weights that sum exactly to total (carried rounding)."""
    s = sum(weights)
    if total <= 0 or s <= 0:
        return [0] * len(weights)
    out, acc, done = [], 0.0, 0
    for w in weights:
        acc += total * w / s
        n = int(acc + 0.5) - done
        out.append(n)
        done += n
    return out


def activity(world: World, ms: int) -> float:
    """Sympathisers' relative activity: a daily rhythm (evening peak, UTC), raised for a day or two by releases;
    nothing before the first release (there is nothing to share yet)."""
    if not world.releases or ms < world.releases[0].published_ms:
        return 0.0
    hour = (ms // HOUR) % 24
    value = 1.0 + 0.6 * math.cos(2 * math.pi * (hour - 19) / 24)
    boost = sum(1.5 * math.exp(-(ms - r.published_ms) / (36 * HOUR)) for r in world.releases if r.published_ms <= ms)
    return value * (1.0 + boost)


def hour_counts(world: World) -> HourCounts:
    p = world.params
    n_hours = (world.end_ms - world.start_ms) // HOUR
    mids = [world.start_ms + h * HOUR + HOUR // 2 for h in range(n_hours)]
    n_telegram = max(len(world.planned_telegram), round(p.posts * p.telegram_share))
    tweets_random = max(0, p.posts - n_telegram - len(world.planned_twitter))
    has_events = bool(world.events)
    flood_total = round(tweets_random * p.flood_share) if has_events else 0
    tagged_total = round(tweets_random * p.event_tag_share) if has_events else 0
    act = [activity(world, ms) for ms in mids]
    sizes = sum(e.size for e in world.events) or 1.0
    shapes = [[e.intensity(ms) for ms in mids] for e in world.events]
    return HourCounts(
        telegram=allocate(n_telegram - len(world.planned_telegram), act),
        baseline=allocate(tweets_random - flood_total - tagged_total, act),
        tagged=[allocate(round(tagged_total * e.size / sizes), s) for e, s in zip(world.events, shapes, strict=True)],
        flood=[allocate(round(flood_total * e.size / sizes), s) for e, s in zip(world.events, shapes, strict=True)],
    )
