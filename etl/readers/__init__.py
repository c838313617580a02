"""The reader registry: format name -> reader. Readers are imported on first use, so naming a format costs nothing.

Every reader takes the path of one file and yields Fragment or Reject items (etl/records.py); options such as
Telegram's `assume_tz` or the QUT CSV's `platform` are keyword arguments (bind them with functools.partial).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path
from typing import Any, Protocol

from etl.records import ReaderItem


class Reader(Protocol):
    """A reader: the path of one file (and keyword options of that reader) -> Fragment or Reject items."""

    def __call__(self, path: Path, /, **options: Any) -> Iterator[ReaderItem]: ...


def _lazy(module: str, function: str) -> Reader:
    def read(path: Path, /, **options: Any) -> Iterator[ReaderItem]:
        reader: Callable[..., Iterator[ReaderItem]] = getattr(import_module(module), function)
        return reader(path, **options)

    read.__name__ = read.__qualname__ = function
    read.__doc__ = f"{module}.{function}, imported on first use."
    return read


FORMATS: dict[str, Reader] = {
    "twarc2": _lazy("etl.readers.twitter_v2", "read_twarc2"),
    "twarc2-flat": _lazy("etl.readers.twitter_v2", "read_twarc2_flat"),
    "twarc-csv": _lazy("etl.readers.twarc_csv", "read_twarc_csv"),
    "twitter-v1": _lazy("etl.readers.twitter_v1", "read_twitter_v1"),
    "gnip-activity-streams": _lazy("etl.readers.gnip_activity", "read_gnip_activity"),
    "bluesky": _lazy("etl.readers.bluesky", "read_bluesky"),
    "bluesky-jetstream": _lazy("etl.readers.bluesky_jetstream", "read_bluesky_jetstream"),
    "telegram": _lazy("etl.readers.telegram", "read_telegram"),
    "telethon": _lazy("etl.readers.telethon", "read_telethon"),
    "4cat-telegram": _lazy("etl.readers.telethon", "read_4cat_telegram"),
    "tgdataset": _lazy("etl.readers.tgdataset", "read_tgdataset"),
    "qut-csv": _lazy("etl.readers.research_csv", "read_qut_csv"),
    "isis-kaggle": _lazy("etl.readers.research_csv", "read_isis_kaggle"),
    "isis-fanboy": _lazy("etl.readers.research_csv", "read_isis_fanboy"),
    "twitter-io": _lazy("etl.readers.twitter_archives", "read_twitter_io"),
    "fivethirtyeight-ira": _lazy("etl.readers.twitter_archives", "read_fivethirtyeight_ira"),
    "tags-archive": _lazy("etl.readers.twitter_archives", "read_tags_archive"),
    "videos": _lazy("etl.readers.swarmgraph_inputs", "read_videos_csv"),
    "url-checks": _lazy("etl.readers.swarmgraph_inputs", "read_url_checks_csv"),
    "snapshots": _lazy("etl.readers.swarmgraph_inputs", "read_snapshots_jsonl"),
    "accounts": _lazy("etl.readers.swarmgraph_inputs", "read_accounts_csv"),
    "ytdlp": _lazy("etl.readers.ytdlp", "read_ytdlp_info"),
    "archive-org": _lazy("etl.readers.archive_org", "read_archive_org_item"),
    "archive-org-search": _lazy("etl.readers.archive_org", "read_archive_org_search"),
    "youtube-api": _lazy("etl.readers.youtube_api", "read_youtube_api"),
    "cdx": _lazy("etl.readers.wayback", "read_cdx_text"),
    "cdx-json": _lazy("etl.readers.wayback", "read_cdx_json"),
    "wayback-available": _lazy("etl.readers.wayback", "read_wayback_available"),
    "warc": _lazy("etl.readers.warc", "read_warc"),
}
