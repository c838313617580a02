"""Time as integer epoch milliseconds, and the exact string forms each export writes."""

from __future__ import annotations

from datetime import UTC, datetime

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids count milliseconds from here


def parse_start(text: str) -> int:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms // 1000, tz=UTC)


def iso_z(ms: int) -> str:
    """2015-11-14T09:00:00Z (ground truth, snapshots, URL checks, accounts)."""
    return _dt(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_offset(ms: int) -> str:
    """2015-11-14T09:00:00+00:00 (twarc's retrieved_at)."""
    return _dt(ms).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def day_name(ms: int) -> str:
    return _dt(ms).strftime("%Y-%m-%d")


class DayClock:
    """Fast per-post time strings: the date part is cached per day, the clock part is plain arithmetic."""

    def __init__(self) -> None:
        self._day = -1
        self._date = ""

    def _clock(self, ms: int) -> str:
        day, rest = divmod(ms, DAY_MS)
        if day != self._day:
            self._day = day
            self._date = _dt(day * DAY_MS).strftime("%Y-%m-%dT")
        s = rest // 1000
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{self._date}{h:02d}:{m:02d}:{s:02d}"

    def twitter(self, ms: int) -> str:
        """2015-11-14T09:00:00.000Z (API v2 created_at: always .000)."""
        return self._clock(ms) + ".000Z"

    def telegram(self, ms: int) -> str:
        """2015-11-14T09:00:00 (Telegram Desktop's naive local time; the simulated exporter runs on UTC)."""
        return self._clock(ms)


def snowflake(ms: int, sequence: int) -> str:
    """A Twitter snowflake id for a post at `ms`; ids rise with time, so their order is the posting order."""
    return str(((ms - TWITTER_EPOCH_MS) << 22) | (sequence & 0x3FFFFF))
