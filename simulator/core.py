"""simulate(): plan the world, then generate and write posts hour by hour (Telegram first, then Twitter)."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from simulator.aux_files import known_successors, write_accounts, write_snapshots, write_url_checks, write_videos
from simulator.evidence_files import EvidenceWriter
from simulator.params import Parameters, SimulationError, parameters_for
from simulator.plan import HOUR, Planner, hour_counts
from simulator.releases import build_releases
from simulator.telegram import TelegramWriter
from simulator.timefmt import DAY_MS, day_name, parse_start
from simulator.truth import ground_truth, write_ground_truth
from simulator.twitter import TwitterWriter
from simulator.world import NameMaker, World, build_accounts, build_channels

ProgressCallback = Callable[[int, int], None]
INPUTS = ("real", "csv")  # the hosting layer as the archiving tools' files (default), or as swarmgraph's own inputs
CSV_INPUTS = ("videos.csv", "url_checks.csv", "snapshots.jsonl")
EVIDENCE_DIRS = ("hosted", "archive.org", "wayback", "warc")


@dataclass
class SimulationSummary:
    out: Path
    seed: int
    posts: int  # tweets + Telegram messages written
    tweets: int
    twitter_pages: int
    telegram_messages: int
    accounts: int
    channels: int
    videos: int
    copies: int
    pages: int
    snapshots: int
    url_checks: int
    inputs: str = "real"
    files: list[Path] = field(default_factory=list)


def build_world(params: Parameters, rng: random.Random) -> World:
    start = parse_start(params.start)
    world = World(params, start, start + params.days * DAY_MS)
    names = NameMaker(rng)
    build_accounts(world, rng, names)
    build_channels(world, rng, names)
    build_releases(world, rng)
    planner = Planner(world, rng)
    planner.events()
    planner.suspensions()
    planner.bursts()
    planner.announcements()
    planner.finish()
    return world


def _prepare_output(out: Path) -> None:
    """Create `out`, or reuse it when empty or holding an earlier simulation (whose export files are removed, so a
    shorter run leaves no stray days or channels). Any other non-empty directory is refused: it may hold real data.
    """
    if out.exists() and not out.is_dir():
        raise SimulationError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / "ground_truth.json").is_file():
        raise SimulationError(
            f"{out} is not empty and holds no earlier simulation (no ground_truth.json); choose "
            "an empty or new directory"
        )
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(out.glob("twitter/*.jsonl")) + sorted(out.glob("telegram/*/result.json")):
        path.unlink()
    for channel_dir in sorted(out.glob("telegram/*")):
        if channel_dir.is_dir() and not any(channel_dir.iterdir()):
            channel_dir.rmdir()
    # The hosting layer of an earlier run in the other input mode would be loaded beside this one's.
    for name in CSV_INPUTS:
        (out / name).unlink(missing_ok=True)
    for name in EVIDENCE_DIRS:
        if (out / name).is_dir():
            shutil.rmtree(out / name)


def _write_posts(world: World, rng: random.Random, out: Path, progress: ProgressCallback | None
                 ) -> tuple[TwitterWriter, TelegramWriter]:  # fmt: skip
    """Tweets and Telegram messages hour by hour, in time order across both platforms (the planned posts of each hour
    first), as they are made."""
    counts = hour_counts(world)
    total = (
        sum(counts.telegram)
        + sum(counts.baseline)
        + sum(map(sum, counts.tagged))
        + sum(map(sum, counts.flood))
        + len(world.planned_telegram)
        + len(world.planned_twitter)
    )
    telegram = TelegramWriter(world, rng, out)
    twitter = TwitterWriter(
        world, rng, out, telegram, baseline_total=sum(counts.baseline), tagged_total=sum(map(sum, counts.tagged))
    )
    tw_next = tg_next = 0
    for h in range(len(counts.baseline)):
        t0 = world.start_ms + h * HOUR
        if h % 24 == 0:
            twitter.pages.open_day(day_name(t0))
        tg_end = tg_next
        while tg_end < len(world.planned_telegram) and world.planned_telegram[tg_end][0] < t0 + HOUR:
            tg_end += 1
        tw_end = tw_next
        while tw_end < len(world.planned_twitter) and world.planned_twitter[tw_end][0] < t0 + HOUR:
            tw_end += 1
        telegram.begin_hour(t0)
        telegram.run_hour(t0, world.planned_telegram[tg_next:tg_end], counts.telegram[h])
        twitter.begin_hour(t0)
        twitter.run_hour(
            t0,
            world.planned_twitter[tw_next:tw_end],
            counts.baseline[h],
            [c[h] for c in counts.tagged],
            [c[h] for c in counts.flood],
        )
        tg_next, tw_next = tg_end, tw_end
        if progress is not None:
            progress(min(total, telegram.messages + twitter.pages.tweets + len(twitter.pages.data)), total)
    twitter.pages.close_day()
    telegram.close()

    return twitter, telegram


def simulate(
    out: Path,
    *,
    seed: int = 1,
    posts: int | None = None,
    scale: str = "medium",
    days: int = 14,
    progress: ProgressCallback | None = None,
    start: str | None = None,
    inputs: str = "real",
) -> SimulationSummary:
    """Write a synthetic swarmcast to `out`: twitter/, telegram/, the hosting layer, accounts.csv, ground_truth.json.

    inputs 'real' (the default) writes the hosting layer as the archiving tools' files (simulator/evidence_files.py:
    info.json, archive.org metadata, CDX, WARC); 'csv' as swarmgraph's own videos.csv, url_checks.csv and
    snapshots.jsonl. Both plant the same world. The same arguments always write byte-identical files. Memory stays
    flat: posts are written as they are made.
    """
    if inputs not in INPUTS:
        raise SimulationError(f"inputs {inputs!r} is not one of {', '.join(INPUTS)}")
    params = parameters_for(seed=seed, posts=posts, scale=scale, days=days, start=start)
    rng = random.Random(seed)
    world = build_world(params, rng)
    _prepare_output(out)
    twitter, telegram = _write_posts(world, rng, out, progress)

    known = known_successors(world, rng)
    hosting, (n_copies, n_checks, n_snapshots) = _write_hosting(world, rng, out, inputs)
    write_accounts(world, known, out / "accounts.csv")
    tweets, messages = twitter.pages.tweets, telegram.messages
    truth = ground_truth(
        world,
        telegram,
        known,
        {"tweets": tweets, "telegram_messages": messages, "twitter_pages": twitter.pages.pages},
        inputs,
    )
    write_ground_truth(truth, out / "ground_truth.json")
    if progress is not None:
        progress(tweets + messages, tweets + messages)
    files = twitter.pages.files + telegram.files + hosting + [out / "accounts.csv", out / "ground_truth.json"]
    return SimulationSummary(
        out=out,
        seed=seed,
        posts=tweets + messages,
        tweets=tweets,
        twitter_pages=twitter.pages.pages,
        telegram_messages=messages,
        accounts=len(world.accounts),
        channels=len(world.channels),
        videos=len(world.videos),
        copies=n_copies,
        pages=len(world.pages),
        snapshots=n_snapshots,
        url_checks=n_checks,
        inputs=inputs,
        files=files,
    )


def _write_hosting(world: World, rng: random.Random, out: Path, inputs: str) -> tuple[list[Path], tuple[int, int, int]]:
    """The hosting layer in the chosen input mode: its files and (copies, URL checks, page captures) written."""
    if inputs == "csv":
        n_copies = write_videos(world, out / "videos.csv")
        n_checks = write_url_checks(world, rng, out / "url_checks.csv")
        n_snapshots = write_snapshots(world, rng, out / "snapshots.jsonl")
        return [out / name for name in CSV_INPUTS], (n_copies, n_checks, n_snapshots)
    evidence = EvidenceWriter(world, rng, out)
    counts = evidence.write()
    return evidence.files, (len(world.copies), counts.url_checks, counts.page_captures)
