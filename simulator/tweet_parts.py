"""Small parts the Twitter simulation builds tweets with: a ring of recent tweets, weighted choice, a tweet's text
with its entity offsets, and t.co wrappers."""

from __future__ import annotations

import bisect
import random
from typing import Any, Generic, TypeVar

from simulator.world import Account

T = TypeVar("T")


class Ring(Generic[T]):
    """The last n items, with uniform random access."""

    def __init__(self, size: int) -> None:
        self.items: list[T] = []
        self.size = size
        self.pos = 0

    def add(self, item: T) -> None:
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            self.items[self.pos] = item
            self.pos = (self.pos + 1) % self.size

    def pick(self, rng: random.Random) -> T:
        return self.items[int(rng.random() * len(self.items))]


class Weighted(Generic[T]):
    """Weighted random choice by bisecting cumulative weights."""

    def __init__(self, items: list[T], weights: list[float]) -> None:
        self.items = items
        self.cum: list[float] = []
        total = 0.0
        for w in weights:
            total += w
            self.cum.append(total)

    def pick(self, rng: random.Random) -> T | None:
        return self.one(rng) if self.items else None

    def one(self, rng: random.Random) -> T:
        """A pick from a pool known to be non-empty."""
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


class Text:
    """Builds a tweet's text and its entities with code-point offsets."""

    __slots__ = ("parts", "pos", "entities")

    def __init__(self, start: str = "") -> None:
        self.parts = [start]
        self.pos = len(start)
        self.entities: dict[str, list[dict[str, Any]]] = {}

    def plain(self, s: str) -> None:
        self.parts.append(s)
        self.pos += len(s)

    def _entity(self, kind: str, s: str, extra: dict[str, Any]) -> None:
        entity = {"start": self.pos, "end": self.pos + len(s)}
        entity.update(extra)
        self.entities.setdefault(kind, []).append(entity)
        self.plain(s)

    def url(self, template: dict[str, Any]) -> None:
        self._entity("urls", template["url"], template)

    def tag(self, tag: str) -> None:
        self._entity("hashtags", "#" + tag, {"tag": tag})

    def mention(self, acc: Account, with_id: bool = True) -> None:
        extra = {"username": acc.username, "id": acc.id} if with_id else {"username": acc.username}
        self._entity("mentions", "@" + acc.username, extra)

    def text(self) -> str:
        return "".join(self.parts)


def tco(n: int) -> str:
    """A t.co wrapper that looks random but is unique per n (a bijection of n modulo 62**10)."""
    x = (n * 0x9E3779B97F4A7C15) % (62**10)
    chars = []
    for _ in range(10):
        x, r = divmod(x, 62)
        chars.append("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[r])
    return "https://t.co/" + "".join(chars)


def retweet_text(
    orig: dict[str, Any], author: Account, limit: int
) -> tuple[str, dict[str, list[dict[str, Any]]], list[str]]:
    """A retweet's "RT @user: " text cut to `limit` characters with an ellipsis, the original's entities shifted
    behind the prefix (those cut off dropped), and the usernames of the mentions kept, in order."""
    prefix = f"RT @{author.username}: "
    full = prefix + orig["text"]
    cut = len(full) if len(full) <= limit else limit - 1
    text = full if cut == len(full) else full[:cut] + "\u2026"
    off = len(prefix)
    entities: dict[str, list[dict[str, Any]]] = {
        "mentions": [{"start": 3, "end": off - 2, "username": author.username, "id": author.id}]
    }
    mentioned: list[str] = []
    for kind, items in orig.get("entities", {}).items():
        for e in items:
            if e["end"] + off <= cut:
                shifted = dict(e)
                shifted["start"] += off
                shifted["end"] += off
                entities.setdefault(kind, []).append(shifted)
                if kind == "mentions":
                    mentioned.append(e["username"])
    return text, entities, mentioned
