"""ground_truth.json: everything planted, in the graph's identities (account uids, canonical URLs, video uids)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import orjson

from etl.urls import canonical_url
from simulator.evidence_files import copy_video_uid
from simulator.telegram import TelegramWriter
from simulator.timefmt import iso_z
from simulator.world import Video, World


def _takedown_stats(world: World) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for host, (median, sigma) in sorted(world.params.takedown.items()):
        copies = [c for c in world.copies if c.link.host == host]
        removed = [c for c in copies if c.link.removed_ms is not None]
        out[host] = {
            "distribution": "lognormal",
            "measured_from": "first share (the Telegram post announcing the copy)",
            "median_hours": median,
            "sigma": sigma,
            "planted_median_hours": round(statistics.median(c.delay_hours for c in copies), 3) if copies else None,
            "copies": len(copies),
            "removed_in_window": len(removed),
            "censored": len(copies) - len(removed),
        }
    return out


def ground_truth(
    world: World, telegram: TelegramWriter, known_successors: list[int], counts: dict[str, int], inputs: str = "real"
) -> dict[str, Any]:
    """Everything planted, keyed as the graph keys it (written with sorted keys: the order here does not matter).

    `videos` are the planted works (one per language version, `video:release-<r>-<lang>`). With the csv inputs a
    work is one Video that every copy SERVES; with the real inputs every copy is its own Video
    (`video:<platform>:<id>`) and `copy_videos` names them (copy URL -> Video uid); `seed_video` is the Video to
    ask the video queries about (the lowest uid of the work's archive.org copies, whose shared hash ties them together
    for certain: the uid top_videos lists the work under).
    """
    copy_urls = {id(c): canonical_url(c.link.raw[0]) for c in world.copies}
    return {
        "inputs": inputs,
        "window": {"start": iso_z(world.start_ms), "end": iso_z(world.end_ms)},
        "counts": counts,
        **_network_truth(world, known_successors),
        **_content_truth(world, telegram, copy_urls, inputs),
        "parameters": world.params.to_json(),
    }


def _network_truth(world: World, known_successors: list[int]) -> dict[str, Any]:
    """Who is who: clusters, bridges, coordinated groups, flooders, suspensions and successors, channels."""
    accounts = world.accounts
    hubs = [accounts[h] for h in world.hubs]
    canon = canonical_url  # the graph's own rule, so ground truth names URLs exactly as the graph does
    return {
        "hubs": [h.uid for h in hubs],
        "influencer_clusters": {h.uid: [a.uid for a in accounts if a.hub == h.idx] for h in hubs},
        "dispersed_cluster": [a.uid for a in accounts if a.role == "dispersed"],
        "bridge_accounts": [
            {"twitter": a.uid, "telegram": world.channels[a.channel].uid, "handle": a.username}
            for a in accounts
            if a.channel >= 0
        ],
        "coordinated_groups": [[accounts[i].uid for i in group] for group in world.groups],
        "coordinated_bursts": [
            {"group": g, "time": iso_z(ms), "url": canon(link.canonical)} for g, ms, link in world.bursts
        ],
        "coordination_window_seconds": world.params.coordination_window_seconds,
        "flooders": [a.uid for a in accounts if a.role == "flooder"],
        "suspended": {a.uid: iso_z(a.suspended_ms) for a in accounts if a.suspended_ms is not None},
        "successors": {accounts[a.predecessor].uid: a.uid for a in accounts if a.predecessor >= 0},
        "known_successors": {accounts[accounts[i].predecessor].uid: accounts[i].uid for i in known_successors},
        "telegram_channels": {
            c.uid: {
                "handle": c.handle,
                "name": c.name,
                "role": c.role,
                "bridge_twitter": accounts[c.bridge].uid if c.bridge >= 0 else None,
            }
            for c in world.channels
        },
    }


def _copy_videos(video: Video, copy_urls: dict[int, str], inputs: str) -> dict[str, str]:
    if inputs == "csv":
        return {copy_urls[id(c)]: video.uid for c in video.copies}
    return {copy_urls[id(c)]: copy_video_uid(c) for c in video.copies}


def _seed_video(video: Video, inputs: str) -> str:
    if inputs == "csv":
        return video.uid
    return min(copy_video_uid(c) for c in video.copies if c.link.host == "archive.org")


def _content_truth(world: World, telegram: TelegramWriter, copy_urls: dict[int, str], inputs: str) -> dict[str, Any]:
    """What was shared: videos and their copies, aggregator pages, hashtags, first announcements, takedowns."""
    canon = canonical_url
    first: dict[str, Any] = {}
    for video_idx, (channel_idx, ms) in sorted(world.first_announcements.items()):
        first[world.videos[video_idx].uid] = {
            "channel": world.channels[channel_idx].uid,
            "message_id": telegram.message_id(channel_idx, ("video", video_idx)),
            "time": iso_z(ms),
        }
    return {
        "videos": {
            v.uid: {
                "title": v.title,
                "language": v.language,
                "version_of": f"video:{v.version_of}" if v.version_of else None,
                "published": iso_z(v.published_ms),
                "copies": [copy_urls[id(c)] for c in v.copies],
                "hosts": sorted({c.link.host for c in v.copies}),
                "views": sum(c.views for c in v.copies),
                "hash": v.hash,
                "copy_videos": _copy_videos(v, copy_urls, inputs),
                "seed_video": _seed_video(v, inputs),
            }
            for v in world.videos
        },  # fmt: skip
        "bridge_pages": [canon(p.link.canonical) for p in world.pages if len(p.platforms) == 2],
        "pages": {
            canon(p.link.canonical): {
                "release": p.release,
                "site": p.site,
                "platforms": list(p.platforms),
                "created": iso_z(p.created_ms),
                "snapshots": len(p.captures),
            }
            for p in world.pages
        },  # fmt: skip
        "event_hashtags": {
            e.tag: {
                "start": iso_z(e.start_ms),
                "peak": iso_z(e.peak_ms),
                "end": iso_z(e.end_ms),
                "half_life_hours": round(e.half_life_ms / 3_600_000, 3),
            }
            for e in world.events
        },  # fmt: skip
        "steady_hashtags": list(world.params.steady_hashtags),
        "first_announcements": first,
        # Per video, the planted route as written: the origin's announcement, the relays' forwards, the hubs' and
        # bridges' tweets (times in whole seconds, as the exports carry them).
        "routes": _routes(world),
        "takedowns": {copy_urls[id(c)]: iso_z(c.link.removed_ms) for c in world.copies if c.link.removed_ms},
        "censored_copies": [copy_urls[id(c)] for c in world.copies if c.link.removed_ms is None],
        "takedown_delay_hours": _takedown_stats(world),
    }


def write_ground_truth(truth: dict[str, Any], path: Path) -> None:
    path.write_bytes(orjson.dumps(truth, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")


def _routes(world: World) -> dict[str, list[dict[str, Any]]]:
    """Per video uid, every planted share in time order: kind, platform, account, post, time and what it came from."""
    return {
        world.videos[idx].uid: [
            {"kind": kind, "platform": platform, "account": account, "post": post, "time": iso_z(ms), "from": source}
            for kind, platform, account, post, ms, source in sorted(shares, key=lambda s: (s[4], s[3]))
        ]
        for idx, shares in sorted(world.routes.items())
    }
