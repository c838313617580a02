"""Telegram Desktop channel exports (`telegram/<handle>/result.json`), written message by message as they happen.

Each file is the single-chat export shape (docs/formats.md): 1-space indentation like Telegram Desktop, `date` in the
exporter's local time (the simulated exporter runs on UTC) and `date_unixtime` as a string; forwards carry only the
source channel's display name (`forwarded_from`), never its id, exactly as Telegram Desktop writes them.
"""

from __future__ import annotations

import bisect
import json
import math
import random
from pathlib import Path
from typing import IO, Any

from simulator.links import Link
from simulator.plan import TG_ANNOUNCE, TG_FORWARD, TG_REUPLOAD
from simulator.timefmt import HOUR_MS, DayClock
from simulator.world import Channel, World

RECENT_KEPT = 30  # messages per channel remembered for forwards and t.me links
ANCHORS = ("mirror list", "mirrors", "download", "all links")

Part = str | dict[str, Any]


class TelegramWriter:
    def __init__(self, world: World, rng: random.Random, out: Path) -> None:
        self.world = world
        self.rng = rng
        self.clock = DayClock()
        self.files: list[Path] = []
        self.handles: list[IO[str]] = []
        for ch in world.channels:
            path = out / "telegram" / ch.handle / "result.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed in close()
            fh.write(f'{{\n "name": {json.dumps(ch.name)},\n "type": "public_channel",\n "id": {ch.id},\n')
            fh.write(' "messages": [')
            self.files.append(path)
            self.handles.append(fh)
        n = len(world.channels)
        self.next_id = [1] * n
        self.recent: list[list[tuple[int, int, list[Part]]]] = [[] for _ in range(n)]
        self.keyed: dict[tuple[int, tuple[str, int]], tuple[int, list[Part]]] = {}
        self.messages = 0
        self.comment = 0
        self.links: list[Link] = []
        self.cum: list[float] = []
        total = 0.0
        self.channel_cum: list[float] = []
        for ch in world.channels:
            total += ch.weight
            self.channel_cum.append(total)

    # ------------------------------------------------------------------------------------------------- lookups

    def message_id(self, channel: int, key: tuple[str, int]) -> int | None:
        hit = self.keyed.get((channel, key))
        return hit[0] if hit else None

    def latest_before(self, channel: int, ms: int) -> int | None:
        for at, msg_id, _ in reversed(self.recent[channel]):
            if at < ms:
                return msg_id
        return None

    # ------------------------------------------------------------------------------------------------- writing

    def _write(
        self,
        ch: Channel,
        ms: int,
        parts: list[Part],
        *,
        forwarded: Channel | None = None,
        reply_to: int | None = None,
        key: tuple[str, int] | None = None,
    ) -> int:
        msg_id = self.next_id[ch.idx]
        self.next_id[ch.idx] += 1
        msg: dict[str, Any] = {
            "id": msg_id,
            "type": "message",
            "date": self.clock.telegram(ms),
            "date_unixtime": str(ms // 1000),
            "from": ch.name,
            "from_id": f"channel{ch.id}",
        }
        if forwarded is not None:
            msg["forwarded_from"] = forwarded.name
        if reply_to is not None:
            msg["reply_to_message_id"] = reply_to
        msg["text"] = parts
        msg["text_entities"] = [{"type": "plain", "text": p} if isinstance(p, str) else p for p in parts]
        body = json.dumps(msg, ensure_ascii=False, indent=1).replace("\n", "\n  ")
        self.handles[ch.idx].write(("\n  " if msg_id == 1 else ",\n  ") + body)
        recent = self.recent[ch.idx]
        recent.append((ms, msg_id, parts))
        if len(recent) > RECENT_KEPT:
            del recent[0]
        if key is not None:
            self.keyed[(ch.idx, key)] = (msg_id, parts)
        self.messages += 1
        return msg_id

    def close(self) -> None:
        for ch, fh in zip(self.world.channels, self.handles, strict=True):
            fh.write("\n ]\n}" if self.next_id[ch.idx] > 1 else "]\n}")
            fh.close()

    # ------------------------------------------------------------------------------------------------- content

    def _link_part(self, link: Link, anchored: bool) -> dict[str, Any]:
        if anchored:
            return {"type": "text_link", "text": self.rng.choice(ANCHORS), "href": link.raw[link.variant(self.rng)]}
        return {"type": "link", "text": link.telegram_form(self.rng)}

    def _announcement(self, video_idx: int, ms: int) -> list[Part]:
        w, rng = self.world, self.rng
        video = w.videos[video_idx]
        parts: list[Part] = [f"{video.title}, part 1: announcement\n"]
        for page in w.releases[video.release - 1].pages:
            if "telegram" in page.platforms:
                parts += [self._link_part(page.link, anchored=rng.random() < 0.5), "\n"]
        alive = [c.link for c in video.copies if c.link.alive_at(ms)]
        for link in rng.sample(alive, min(3, len(alive))):
            parts += [self._link_part(link, anchored=False), "\n"]
        parts.append({"type": "hashtag", "text": "#newrelease"})
        return parts

    def _chatter(self, ms: int) -> list[Part]:
        rng = self.rng
        self.comment += 1
        first = self._pick_link()
        parts: list[Part] = [f"Comment {self.comment} on release {first.release}: "]
        parts.append(self._link_part(first, anchored=rng.random() < 0.3))
        if rng.random() < 0.3:
            parts += [" ", self._link_part(self._pick_link(), anchored=False)]
        if rng.random() < 0.4:
            parts += [" ", {"type": "hashtag", "text": "#" + rng.choice(self.world.params.steady_hashtags)}]
        return parts

    def _pick_link(self) -> Link:
        return self.links[bisect.bisect_right(self.cum, self.rng.random() * self.cum[-1])]

    # ------------------------------------------------------------------------------------------------- hours

    def begin_hour(self, t0: int) -> None:
        """Links channels share this hour: live copies and Telegram-side pages, recent releases first."""
        w = self.world
        self.links, self.cum = [], []
        total = 0.0
        for link, weight in shareable(w, t0, "telegram"):
            total += weight
            self.links.append(link)
            self.cum.append(total)

    def run_hour(self, t0: int, planned: list[tuple[Any, ...]], n_random: int) -> None:
        rng = self.rng
        events: list[tuple[Any, ...]] = list(planned)
        if not self.links:
            n_random = 0
        for i in range(n_random):
            events.append((t0 + int(rng.random() * HOUR_MS), -1 - i, 0, -1, None, None))
        events.sort(key=lambda e: (e[0], e[1]))
        for ms, _seq, kind, channel, b, c in events:
            if kind == TG_ANNOUNCE:
                self._write(self.world.channels[channel], ms, self._announcement(b, ms), key=("video", b))
            elif kind == TG_FORWARD:
                self._forward(ms, channel, b, c)
            elif kind == TG_REUPLOAD:
                self._reupload(ms, channel, b)
            else:
                self._random_message(ms)

    def _forward(self, ms: int, channel: int, source: int, key: tuple[str, int]) -> None:
        hit = self.keyed.get((source, key))
        if hit is None:
            return
        w = self.world
        self._write(w.channels[channel], ms, hit[1], forwarded=w.channels[source], key=key)

    def _reupload(self, ms: int, channel: int, copy_idx: int) -> None:
        copy = self.world.copies[copy_idx]
        video = copy.video
        part = 1 + sum(1 for c in video.copies[: video.copies.index(copy) + 1] if c.reupload_of is not None)
        parts: list[Part] = [f"{video.title}, part {part}: new mirror\n", self._link_part(copy.link, False)]
        reply_to = self.message_id(channel, ("video", video.idx))
        self._write(self.world.channels[channel], ms, parts, reply_to=reply_to, key=("copy", copy_idx))

    def _random_message(self, ms: int) -> None:
        rng, w = self.rng, self.world
        ch = w.channels[bisect.bisect_right(self.channel_cum, rng.random() * self.channel_cum[-1])]
        if rng.random() < 0.4:
            source = w.channels[rng.randrange(len(w.channels))]
            recent = [r for r in self.recent[source.idx][-10:] if r[0] < ms]
            if source is not ch and recent:
                self._write(ch, ms, rng.choice(recent)[2], forwarded=source)
                return
        self._write(ch, ms, self._chatter(ms))


def shareable(world: World, t0: int, platform: str) -> list[tuple[Link, float]]:
    """(link, weight) of what sympathisers share at t0: live copies and the platform's pages, newest releases
    weighted up (a three-day decay), pages three times as likely as any one copy."""
    out: list[tuple[Link, float]] = []
    for release in world.releases:
        if release.published_ms > t0:
            continue
        recency = math.exp(-(t0 - release.published_ms) / (72 * HOUR_MS)) + 0.05
        for page in release.pages:
            if platform in page.platforms:
                out.append((page.link, 3.0 * recency))
        for video in release.videos:
            for copy in video.copies:
                if copy.link.alive_at(t0):
                    out.append((copy.link, recency))
    return out
