"""swarmgraph's own input files (docs/inputs.md): videos.csv, url_checks.csv, snapshots.jsonl, accounts.csv."""

from __future__ import annotations

import csv
import html
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from simulator.timefmt import HOUR_MS, iso_z
from simulator.world import Copy, Page, World

MINUTE = 60_000
CHECK_EVERY_FIRST_DAY = HOUR_MS  # checks are hourly for a copy's first day (YouTube removes within hours) ...
CHECK_EVERY_LATER = 6 * HOUR_MS  # ... then every six hours
UNKNOWN_SHARE = 0.02  # checks that time out (status unknown, no HTTP code)
REMOVED_STATUS = {"videopress.com": 410}  # other hosts answer 404 for a removed copy
SITE_HOME = {"justpaste.it": "https://justpaste.it/", "shortwiki.com": "https://shortwiki.com/"}


@contextmanager
def _csv_rows(path: Path, header: list[str]) -> Iterator[Any]:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        yield writer


def write_videos(world: World, path: Path) -> int:
    with _csv_rows(path, ["url", "video_id", "title", "language", "version_of", "views", "duration", "hash"]) as writer:
        for video in world.videos:
            for copy in video.copies:
                writer.writerow(
                    [
                        copy.link.raw[0],
                        video.video_id,
                        video.title,
                        video.language,
                        video.version_of or "",
                        copy.views,
                        video.duration_s,
                        video.hash,
                    ]
                )
    return len(world.copies)


def copy_checks(world: World, rng: random.Random, copy: Copy) -> list[tuple[int, str, str]]:
    """(time, http_status, status) checks of one copy: alive until its takedown, then one or two 'removed'."""
    link = copy.link
    out: list[tuple[int, str, str]] = []
    t = link.first_ms + rng.randint(10 * MINUTE, 50 * MINUTE)
    removed_seen = 0
    while t < world.end_ms and removed_seen < 2:
        if rng.random() < UNKNOWN_SHARE:
            out.append((t, "", "unknown"))
        elif link.removed_ms is not None and t >= link.removed_ms:
            out.append((t, str(REMOVED_STATUS.get(link.host, 404)), "removed"))
            removed_seen += 1
        else:
            out.append((t, "200", "alive"))
        step = CHECK_EVERY_FIRST_DAY if t - link.first_ms < 24 * HOUR_MS else CHECK_EVERY_LATER
        t += step + rng.randint(-5 * MINUTE, 5 * MINUTE)
    return out


def write_url_checks(world: World, rng: random.Random, path: Path) -> int:
    rows = 0
    with _csv_rows(path, ["url", "checked_at", "http_status", "status"]) as writer:
        for copy in world.copies:
            for t, code, status in copy_checks(world, rng, copy):
                writer.writerow([copy.link.raw[0], iso_z(t), code, status])
                rows += 1
    return rows


def page_content(page: Page, t: int, forms: list[str], fmt: str | None = None) -> str:
    """The page as saved at `t` (its own format, or `fmt`): the rows listed then, in the raw forms `forms`."""
    title = f"Release {page.release}: mirror list"
    rows = [
        (copy, forms[i])
        for i, (copy, listed, delisted) in enumerate(page.listing)
        if listed <= t and (delisted is None or t < delisted)
    ]
    if (fmt or page.fmt) == "html":
        items = "".join(
            f'<li>{c.link.label}: <a href="{html.escape(url)}">{html.escape(url)}</a></li>\n' for c, url in rows
        )
        return (
            f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head><body>\n'
            f'<nav><a href="{SITE_HOME[page.site]}">{page.site}</a></nav>\n<h1>{title}</h1>\n<ul>\n{items}</ul>\n'
            "</body></html>\n"
        )
    lines = [title, ""] + [f"{c.link.label}: {url}" for c, url in rows] + ["", f"Home: {SITE_HOME[page.site]}"]
    return "\n".join(lines) + "\n"


def page_forms(page: Page, rng: random.Random) -> list[str]:
    """The raw form in which the page lists each of its copies (drawn once per page)."""
    return [copy.link.raw[copy.link.variant(rng)] for copy, _, _ in page.listing]


def write_snapshots(world: World, rng: random.Random, path: Path) -> int:
    """Each page saved at its capture times; the listing follows uploads and takedowns with an editing lag."""
    n = 0
    with open(path, "wb") as fh:
        for page in world.pages:
            forms = page_forms(page, rng)
            for t in page.captures:
                record = {
                    "page_url": page.link.canonical,
                    "captured_at": iso_z(t),
                    "format": page.fmt,
                    "content": page_content(page, t, forms),
                }
                fh.write(orjson.dumps(record) + b"\n")
                n += 1
    return n


def known_successors(world: World, rng: random.Random) -> list[int]:
    """The successor accounts whose same-actor link investigators already know (written to accounts.csv)."""
    return [a.idx for a in world.accounts if a.predecessor >= 0 and rng.random() < world.params.known_successor_share]


def write_accounts(world: World, known: list[int], path: Path) -> int:
    header = ["uid", "platform", "handle", "name", "created_at", "suspended_at", "same_actor_as", "evidence"]
    rows = 0
    known_set = set(known)
    with _csv_rows(path, header) as writer:
        for ch in world.channels:
            writer.writerow([ch.uid, "telegram", ch.handle, ch.name, iso_z(ch.created_ms), "", "", ""])
            rows += 1
        for acc in world.accounts:
            suspended = iso_z(acc.suspended_ms) if acc.suspended_ms is not None else ""
            same, evidence = "", ""
            if acc.channel >= 0:
                ch = world.channels[acc.channel]
                same = ch.uid
                evidence = f"same handle {acc.username} on Twitter and Telegram; tweets links to t.me/{ch.handle} posts"
            elif acc.idx in known_set:
                old = world.accounts[acc.predecessor]
                same = old.uid
                evidence = f"returned as @{acc.username} after @{old.username} was suspended; announced it in a tweet"
            if suspended or same:
                writer.writerow(
                    [acc.uid, "twitter", acc.username, acc.name, iso_z(acc.created_ms), suspended, same, evidence]
                )
                rows += 1
    return rows
