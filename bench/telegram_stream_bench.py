"""Streaming benchmark of the Telegram collectors' readers: peak memory and throughput on generated multi-GB files.

    python -m bench.telegram_stream_bench                       # the issue's figure: 2 GB files (hours when loaded)
    python -m bench.telegram_stream_bench --sizes-mb 100 400    # two sizes: memory must not grow with the file
    python -m bench.telegram_stream_bench --sizes-mb 50 300 --link-pool 10000   # links recur: small URL caches
    python -m bench.telegram_stream_bench --sizes-mb 100 2048 --link-pool 10000 --readers telethon tgdataset

For each size, in a temporary directory deleted afterwards, it writes a Telethon JSON-lines file (messages shaped like
the BDA-KTS samples: a forward, entities, a link preview, emoji), a TGDataset-shaped file (channels of 20,000
messages), and, as the baseline, a Telegram Desktop single-chat export of the same size read by the existing
Desktop reader. Each file is parsed by its reader (every Fragment and Reject built, nothing written to Neo4j) in a
child process of its own, which reports its peak RSS (VmHWM, its own high-water mark) and time; reading the bytes
alone (`cat`-like, 1 MB blocks) is a second baseline for the disk. Results go to bench/results/telegram_stream.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

RESULTS = Path(__file__).parent / "results" / "telegram_stream.json"
MB = 1 << 20
LINK_POOL = [0]  # distinct story links (0: a new link in every message); set by --link-pool
_CHILD = r"""
import json, re, sys, time
from pathlib import Path
from etl.records import Reject
reader, path = sys.argv[1], Path(sys.argv[2])
t0 = time.perf_counter()
items = rejects = 0
if reader == "bytes":
    with open(path, "rb") as fh:
        while fh.read(1 << 20):
            items += 1
else:
    from etl.readers import FORMATS
    for item in FORMATS[reader](path):
        items += 1
        rejects += isinstance(item, Reject)
from etl.urls import identify_url
print(json.dumps({"seconds": time.perf_counter() - t0, "items": items, "rejects": rejects,
                  "peak_rss_mb": int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024,
                  "url_cache_entries": identify_url.cache_info().currsize}))
"""


def _story(i: int) -> int:
    return i % LINK_POOL[0] if LINK_POOL[0] else i


def _telethon_message(i: int) -> dict[str, Any]:
    text = f"🔥 Breaking #{i % 97}: read https://news.example.org/story/{_story(i)} and tell @editor_{i % 13} 🇬🇧"
    return {
        "_": "Message", "id": i, "peer_id": {"_": "PeerChannel", "channel_id": 1799276919},
        "date": "2023-06-29 17:35:02.000000", "message": text, "out": False, "post": True, "from_id": None,
        "fwd_from": {"_": "MessageFwdHeader", "date": "2023-05-17 18:38:59.000000",
                     "from_id": {"_": "PeerChannel", "channel_id": 1724102370 + i % 50}, "from_name": None,
                     "channel_post": 16000 + i, "post_author": None} if i % 3 == 0 else None,
        "reply_to": {"_": "MessageReplyHeader", "reply_to_msg_id": i - 1} if i % 7 == 0 and i > 1 else None,
        "media": {"_": "MessageMediaWebPage", "webpage": {"_": "WebPage", "url": f"https://news.example.org/story/{_story(i)}",
                  "display_url": f"news.example.org/story/{_story(i)}", "site_name": "News", "title": "A story",
                  "description": "words " * 20}},
        "entities": [{"_": "MessageEntityHashtag", "offset": 12, "length": 1 + len(str(i % 97))},
                     {"_": "MessageEntityUrl", "offset": 21 + len(str(i % 97)), "length": 31 + len(str(_story(i)))}],
        "views": 29 + i % 1000, "forwards": i % 5, "replies": {"_": "MessageReplies", "replies": 0},
        "edit_date": None, "post_author": None, "grouped_id": None, "noforwards": False, "restriction_reason": [],
    }  # fmt: skip


def _tgdataset_message(i: int) -> dict[str, Any]:
    return {
        "message": f"Breaking {i}: https://news.example.org/story/{_story(i)} and www.mirror.example/{i % 71} "
        + "text " * 30,
        "date": 1650000000.0 + i, "author": None, "is_forwarded": i % 3 == 0,
        "forwarded_from_id": 1000000000 + i % 50 if i % 3 == 0 else None,
        "forwarded_message_date": 1649990000.0 if i % 3 == 0 else None,
    }  # fmt: skip


def _desktop_message(i: int) -> dict[str, Any]:
    return {
        "id": i, "type": "message", "date": "2023-06-29T17:35:02", "date_unixtime": str(1688060102 + i),
        "from": "British News Patriot", "from_id": "channel1799276919",
        "forwarded_from": f"Origin {i % 50}" if i % 3 == 0 else None,
        "reply_to_message_id": i - 1 if i % 7 == 0 and i > 1 else None,
        "text": ["🔥 Breaking ", {"type": "hashtag", "text": f"#{i % 97}"}, ": read ",
                 {"type": "link", "text": f"https://news.example.org/story/{_story(i)}"},
                 f" and tell @editor_{i % 13} 🇬🇧"],
        "text_entities": [{"type": "plain", "text": "🔥 Breaking "}, {"type": "hashtag", "text": f"#{i % 97}"}],
        "photo": "(File not included. Change data exporting settings to download.)", "width": 800, "height": 600,
    }  # fmt: skip


def _write_lines(path: Path, size: int, make: Callable[[int], dict[str, Any]]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        while fh.tell() < size:
            count += 1
            fh.write(json.dumps(make(count), ensure_ascii=False) + "\n")
    return count


def _write_tgdataset(path: Path, size: int) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("{")
        channel = 0
        while fh.tell() < size:
            channel += 1
            head = {"username": f"chan{channel}", "title": f"Channel {channel}", "description": "about " * 10,
                    "scam": False, "verified": False, "n_subscribers": 1000 + channel,
                    "creation_date": 1600000000.0}  # fmt: skip
            fh.write(("," if channel > 1 else "") + json.dumps(str(1000000000 + channel)) + ":")
            fh.write(json.dumps(head)[:-1] + ', "text_messages": {')
            for j in range(20_000):
                count += 1
                _item(fh, j, str(j + 1), _tgdataset_message(count))
                if fh.tell() >= size:
                    break
            fh.write('}, "generic_media": {}}')
        fh.write("}\n")
    return count


def _write_desktop(path: Path, size: int) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"name": "British News Patriot", "type": "public_channel", "id": 1799276919, "messages": [')
        while fh.tell() < size:
            count += 1
            fh.write(("," if count > 1 else "") + json.dumps(_desktop_message(count), ensure_ascii=False))
        fh.write("]}\n")
    return count


def _item(fh: TextIO, index: int, key: str, value: dict[str, Any]) -> None:
    fh.write(("," if index else "") + json.dumps(key) + ":" + json.dumps(value, ensure_ascii=False))


def _parse(reader: str, path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, reader, str(path)], capture_output=True, text=True, check=True,
        cwd=Path(__file__).parents[1],
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["mb_per_s"] = round(path.stat().st_size / MB / result["seconds"], 1)
    result["seconds"] = round(result["seconds"], 1)
    result["peak_rss_mb"] = round(result["peak_rss_mb"], 1)
    return result


def run(
    sizes_mb: list[int], workdir: Path | None, link_pool: int = 0, readers: list[str] | None = None
) -> dict[str, Any]:
    LINK_POOL[0] = link_pool
    report: dict[str, Any] = {"machine": platform.platform(), "cpus": os.cpu_count(), "load_avg": os.getloadavg(),
                              "link_pool": link_pool, "sizes": []}  # fmt: skip
    for size_mb in sizes_mb:
        tmp = Path(tempfile.mkdtemp(prefix="tg-stream-", dir=workdir))
        try:
            size = size_mb * MB
            files: dict[str, tuple[Path, Callable[[Path, int], int]]] = {
                "telethon": (tmp / "telethon.jsonl", lambda p, n: _write_lines(p, n, _telethon_message)),
                "tgdataset": (tmp / "tgdataset.json", _write_tgdataset),
                "telegram": (tmp / "desktop.json", _write_desktop),
            }
            row: dict[str, Any] = {"size_mb": size_mb, "readers": {}}
            for reader, (path, write) in files.items():
                if readers and reader not in readers:
                    continue
                t0 = time.perf_counter()
                messages = write(path, size)
                print(f"{size_mb} MB {reader}: wrote {messages:,} messages in {time.perf_counter() - t0:.0f} s",
                      flush=True)  # fmt: skip
                result = _parse(reader, path)
                result["messages"] = messages
                result["file_mb"] = round(path.stat().st_size / MB, 1)
                row["readers"][reader] = result
                print(f"    {reader:10} {result['mb_per_s']:7.1f} MB/s  peak RSS {result['peak_rss_mb']:7.1f} MB  "
                      f"({result['seconds']} s, {result['rejects']} rejects, "
                      f"{result['url_cache_entries']} cached URLs)", flush=True)  # fmt: skip
                if reader == "telethon":
                    row["readers"]["bytes"] = _parse("bytes", path)
                    print(f"    {'bytes':10} {row['readers']['bytes']['mb_per_s']:7.1f} MB/s", flush=True)
                path.unlink()
            report["sizes"].append(row)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    report["load_avg_after"] = os.getloadavg()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[2048], help="file sizes in MiB (default 2048)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the temporary files go (default: $TMPDIR)")
    parser.add_argument("--link-pool", type=int, default=0,
                        help="distinct story links the messages share (default 0: a new link in every message, which "
                        "fills the URL caches of etl/urls.py; e.g. 10000 keeps them small)")  # fmt: skip
    parser.add_argument("--readers", nargs="+", choices=("telethon", "tgdataset", "telegram"), default=None,
                        help="which readers to run (default: all three)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None,
                        help="results file (default bench/results/telegram_stream[_pool<N>].json)")  # fmt: skip
    args = parser.parse_args()
    report = run(args.sizes_mb, args.workdir, args.link_pool, args.readers)
    out = args.out or (
        RESULTS if not args.link_pool else RESULTS.with_name(f"telegram_stream_pool{args.link_pool}.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
