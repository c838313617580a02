"""The hosting layer in the files investigators' archiving tools write (docs/inputs.md, "The simulator"), the
default in place of videos.csv, url_checks.csv and snapshots.jsonl:

  hosted/<platform>/<id>.info.json   yt-dlp --write-info-json --skip-download, one per copy off archive.org
  archive.org/items/<identifier>.json  `ia metadata <identifier>`, one per archive.org copy; its original file's
                                     sha1 is the work's, shared by every copy of one language version
  archive.org/search.json            an advanced-search answer listing every item with its downloads (the views)
  wayback/<host>.cdx.txt             Wayback CDX captures of the copies on hosts that answer 404/410 once a copy is
                                     gone (archive.org as output=json, the others as the text form)
  warc/youtube-watch-pages.warc.gz   captures of the YouTube watch pages: YouTube answers 200 either way, so its
                                     copies are observed through the page body (player status or removal notice)
  warc/aggregator-pages.warc.gz      the justpaste.it and shortwiki.com pages at each capture (a revisit record
                                     when the page has not changed since its last capture)

The observation times are exactly those of url_checks.csv (aux_files.copy_checks, the same random draws): hourly
for a copy's first day, then six-hourly, until two removed captures; so a removal is observed within 30 minutes of
its planted time during a copy's first day (within 3 hours after). Extra draws (upload and fetch times, notice
wording, digests) come from a random stream of their own, so both input modes plant the same world.
"""

from __future__ import annotations

import base64
import hashlib
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from etl.urls import identify_url
from simulator.aux_files import REMOVED_STATUS, copy_checks, page_content, page_forms
from simulator.timefmt import iso_z
from simulator.world import Copy, Video, World

MINUTE = 60_000
ARCHIVE = "archive.org"
YOUTUBE = "youtube.com"
# archive.org writes ISO 639-2 codes (docs/formats.md, "archive.org"); yt-dlp the host's own code.
ISO_639_2 = {"ar": "ara", "en": "eng", "fr": "fre", "de": "ger", "ru": "rus", "tr": "tur"}
# What YouTube's watch page says for a copy that is gone (each is recognised by etl/data/removal_rules.csv).
YOUTUBE_NOTICES = (
    "This video has been removed for violating YouTube's Terms of Service.",
    "This video has been removed for violating YouTube's Community Guidelines.",
    "This video is no longer available because the YouTube account associated with this video has been terminated.",
    "This video has been removed by the uploader",
)
STATUS_LINE = {200: "200 OK", 404: "404 Not Found", 410: "410 Gone", 429: "429 Too Many Requests",
               503: "503 Service Unavailable"}  # fmt: skip
UNKNOWN_STATUS = {YOUTUBE: 429}  # a check that got no usable answer: YouTube rate-limits, others fail with 503
WARC_NAMESPACE = uuid.UUID("5a1f0c2e-0d4e-4c59-9a55-53776172676d")


@dataclass
class EvidenceCounts:
    info_json: int = 0
    archive_items: int = 0
    cdx_captures: int = 0
    warc_checks: int = 0
    page_captures: int = 0
    url_checks: int = 0  # every observation written (CDX rows, WARC watch pages, info.json and item fetches)


def platform_of(copy: Copy) -> str:
    return identify_url(copy.link.canonical).platform


def host_id(copy: Copy) -> str:
    """The copy's id on its host, as yt-dlp's extractor and archive.org name it."""
    parts = urlsplit(copy.link.canonical)
    if copy.link.host == YOUTUBE:
        return parse_qs(parts.query)["v"][0]
    if copy.link.host == "liveleak.com":
        return parse_qs(parts.query)["i"][0]
    return parts.path.rstrip("/").rsplit("/", 1)[-1]  # /details/<id>, /v/<id>, /file/d/<id>


def copy_video_uid(copy: Copy) -> str:
    """The graph's Video uid for this copy when it arrives as per-copy evidence (etl/readers/ytdlp.py, archive_org)."""
    return f"video:{platform_of(copy)}:{host_id(copy)}"


def work_sha1(video: Video) -> str:
    return hashlib.sha1(f"{video.hash}/original".encode()).hexdigest()


class EvidenceWriter:
    def __init__(self, world: World, rng: random.Random, out: Path) -> None:
        self.world, self.rng, self.out = world, rng, out
        self.extra = random.Random(f"{world.params.seed}/evidence")
        self.counts = EvidenceCounts()
        self.files: list[Path] = []

    def write(self) -> EvidenceCounts:
        checks = {id(c): copy_checks(self.world, self.rng, c) for c in self.world.copies}
        fetched = {id(c): self._fetch_time(c) for c in self.world.copies}
        for copy in self.world.copies:
            if copy.link.host == ARCHIVE:
                self._archive_item(copy, fetched[id(copy)])
            else:
                self._info_json(copy, fetched[id(copy)])
        self._archive_search()
        self._cdx(checks)
        self._youtube_warc(checks)
        self._pages_warc()
        self.counts.url_checks += self.counts.cdx_captures + self.counts.warc_checks
        return self.counts

    def _path(self, *parts: str) -> Path:
        path = self.out.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.files.append(path)
        return path

    def _fetch_time(self, copy: Copy) -> int:
        """When the investigator's tool fetched the copy's metadata: minutes after its first share, while alive."""
        t = copy.link.first_ms + self.extra.randint(2 * MINUTE, 9 * MINUTE)
        removed = copy.link.removed_ms
        return min(t, removed - 1000) if removed is not None else t

    def _uploaded(self, copy: Copy) -> int:
        # Uploaded just before the announcement (the clock of takedown_survival starts at the earlier of the two).
        return copy.link.first_ms - self.extra.randint(1 * MINUTE, 4 * MINUTE)

    # ------------------------------------------------------------------------------------------ per-copy metadata
    def _info_json(self, copy: Copy, fetched: int) -> None:
        video, link = copy.video, copy.link
        platform, vid = platform_of(copy), host_id(copy)
        uploaded = self._uploaded(copy) // 1000
        day = iso_z(uploaded * 1000)[:10].replace("-", "")
        info: dict[str, Any] = {
            "id": vid, "title": video.title, "fulltitle": video.title, "duration": video.duration_s,
            "view_count": copy.views, "webpage_url": link.raw[0], "original_url": link.raw[0],
            "webpage_url_basename": link.raw[0].rstrip("/").rsplit("/", 1)[-1],
            "webpage_url_domain": urlsplit(link.raw[0]).hostname, "extractor": _EXTRACTOR[link.host].lower(),
            "extractor_key": _EXTRACTOR[link.host], "display_id": vid, "language": video.language,
            "timestamp": uploaded, "upload_date": day, "availability": "public" if link.host == YOUTUBE else None,
            "live_status": "not_live" if link.host == YOUTUBE else None, "epoch": fetched // 1000,
            "_type": "video", "_version": {"version": "2023.11.16", "release_git_head": None, "repository":
                                           "yt-dlp/yt-dlp"},
        }  # fmt: skip
        self._path("hosted", platform, f"{vid}.info.json").write_bytes(orjson.dumps(info, option=orjson.OPT_INDENT_2))
        self.counts.info_json += 1
        self.counts.url_checks += 1

    def _archive_item(self, copy: Copy, fetched: int) -> None:
        """The metadata API's answer, fetched at `fetched` (its `created`); the original file carries the work's
        sha1, the derivatives their own."""
        video, ident = copy.video, host_id(copy)
        added = iso_z(self._uploaded(copy)).replace("T", " ").rstrip("Z")
        original = f"{ident}.mp4"
        sha1 = work_sha1(video)
        files = [
            {"name": original, "source": "original", "format": "MPEG4", "length": f"{video.duration_s}.04",
             "size": str(video.duration_s * 61_000), "md5": hashlib.md5(sha1.encode()).hexdigest(), "sha1": sha1},
            {"name": f"{ident}.ogv", "source": "derivative", "format": "Ogg Video", "original": original,
             "length": f"{video.duration_s}.04", "sha1": hashlib.sha1(f"{ident}/ogv".encode()).hexdigest()},
            {"name": f"{ident}_meta.xml", "source": "original", "format": "Metadata",
             "sha1": hashlib.sha1(f"{ident}/meta".encode()).hexdigest()},
        ]  # fmt: skip
        answer = {
            "created": fetched // 1000, "d1": "ia800300.us.archive.org", "dir": f"/7/items/{ident}",
            "files": files, "files_count": len(files), "item_last_updated": fetched // 1000,
            "metadata": {"identifier": ident, "mediatype": "movies", "collection": ["opensource_movies"],
                         "title": video.title, "language": ISO_639_2.get(video.language, video.language),
                         "addeddate": added, "publicdate": added, "uploader": "uploader@example.org"},
            "server": "ia800300.us.archive.org", "uniq": 1_400_000_000 + copy.video.idx,
        }  # fmt: skip
        self._path("archive.org", "items", f"{ident}.json").write_bytes(orjson.dumps(answer))
        self.counts.archive_items += 1
        self.counts.url_checks += 1

    def _archive_search(self) -> None:
        docs = [
            {"identifier": host_id(c), "downloads": c.views, "title": c.video.title,
             "language": ISO_639_2.get(c.video.language, c.video.language), "mediatype": "movies"}
            for c in self.world.copies if c.link.host == ARCHIVE
        ]  # fmt: skip
        answer = {
            "responseHeader": {
                "status": 0,
                "QTime": 12,
                "params": {
                    "query": "collection:opensource_movies",
                    "fl": "identifier,downloads,title,language,mediatype",
                    "rows": str(len(docs)),
                    "output": "json",
                },
            },
            "response": {"numFound": len(docs), "start": 0, "docs": docs},
        }
        self._path("archive.org", "search.json").write_bytes(orjson.dumps(answer))

    # ------------------------------------------------------------------------------------------- availability
    def _cdx(self, checks: dict[int, list[tuple[int, str, str]]]) -> None:
        rows: dict[str, list[list[str]]] = defaultdict(list)
        for copy in self.world.copies:
            host = copy.link.host
            if host == YOUTUBE:
                continue
            original = copy.link.raw[0]
            key = _surt(original)
            codes = {"alive": 200, "removed": REMOVED_STATUS.get(host, 404), "unknown": 503}
            # the same answer has the same payload digest in every capture
            digests = {c: base64.b32encode(hashlib.sha1(f"{original} {c}".encode()).digest()).decode()
                       for c in codes.values()}  # fmt: skip
            for t, _, status in checks[id(copy)]:
                code = codes[status]
                rows[host].append([key, _stamp(t), original, "text/html", str(code), digests[code],
                                   str(900 + len(original) + code)])  # fmt: skip
        for host, found in sorted(rows.items()):
            found.sort(key=lambda r: (r[0], r[1]))
            self.counts.cdx_captures += len(found)
            if host == ARCHIVE:  # output=json: a header row naming the fields, then one array per capture
                header = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
                body = b"[" + b",\n".join(orjson.dumps(r) for r in [header, *found]) + b"]\n"
                self._path("wayback", f"{host}.cdx.json").write_bytes(body)
            else:
                text = "".join(" ".join(r) + "\n" for r in found)
                self._path("wayback", f"{host}.cdx.txt").write_text(text, encoding="utf-8")

    def _youtube_warc(self, checks: dict[int, list[tuple[int, str, str]]]) -> None:
        captures = []
        for copy in self.world.copies:
            if copy.link.host != YOUTUBE:
                continue
            notice = self.extra.choice(YOUTUBE_NOTICES)
            for t, _, status in checks[id(copy)]:
                captures.append((t, copy, status, notice))
        captures.sort(key=lambda c: (c[0], c[1].link.canonical))
        with _Warc(self._path("warc", "youtube-watch-pages.warc.gz"), self.world) as warc:
            for t, copy, status, notice in captures:
                if status == "unknown":
                    code, body = UNKNOWN_STATUS[YOUTUBE], b"<html><body>Too many requests</body></html>"
                else:
                    code, body = 200, _watch_page(copy.video.title, None if status == "alive" else notice)
                warc.response(copy.link.raw[0], t, code, body)
                self.counts.warc_checks += 1

    def _pages_warc(self) -> None:
        captures = []
        for page in self.world.pages:
            forms = page_forms(page, self.rng)
            captures += [(t, page, forms) for t in page.captures]
        captures.sort(key=lambda c: (c[0], c[1].link.canonical))
        last: dict[int, tuple[str, int]] = {}  # page -> (payload digest, time) of its previous full capture
        with _Warc(self._path("warc", "aggregator-pages.warc.gz"), self.world) as warc:
            for t, page, forms in captures:
                body = page_content(page, t, forms, "html").encode()
                digest = _sha1_digest(body)
                previous = last.get(id(page))
                if previous is not None and previous[0] == digest:
                    warc.revisit(page.link.canonical, t, digest, previous[1])
                else:
                    warc.response(page.link.canonical, t, 200, body)
                    last[id(page)] = (digest, t)
                self.counts.page_captures += 1


_EXTRACTOR = {"youtube.com": "Youtube", "liveleak.com": "LiveLeak", "videopress.com": "WordpressMiniPlayer",
              "drive.google.com": "GoogleDrive"}  # fmt: skip


def _stamp(ms: int) -> str:
    """The 14-digit UTC timestamp of a Wayback capture."""
    return datetime.fromtimestamp(ms // 1000, tz=UTC).strftime("%Y%m%d%H%M%S")


def _surt(url: str) -> str:
    """The CDX urlkey: host labels reversed (no www), ')' and the lower-cased path and query."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return ",".join(reversed(host.split("."))) + ")" + tail.lower()


def _sha1_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def _watch_page(title: str, notice: str | None) -> bytes:
    """A YouTube watch page cut to what the removal rules read: the embedded player status and, when the copy is
    gone, the notice the player shows."""
    from html import escape

    if notice is None:
        player = '{"playabilityStatus":{"status":"OK","playableInEmbed":true}}'
        shown = f"<h1>{escape(title)}</h1>"
    else:
        player = '{"playabilityStatus":{"status":"ERROR","reason":"Video unavailable"}}'
        shown = f'<div class="reason">Video unavailable</div><div class="subreason">{escape(notice)}</div>'
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)} - YouTube</title></head>'
        f"<body>{shown}<script>var ytInitialPlayerResponse = {player};</script></body></html>\n"
    ).encode()


class _Warc:
    """A gzipped WARC/1.1 file written in time order, with record ids derived from the content so the same world
    writes the same bytes."""

    def __init__(self, path: Path, world: World) -> None:
        self.path, self.world = path, world
        self.n = 0

    def __enter__(self) -> _Warc:
        self.fh = open(self.path, "wb")  # noqa: SIM115 - closed in __exit__
        self.writer = WARCWriter(self.fh, gzip=True, warc_version="1.1")
        info = self.writer.create_warcinfo_record(self.path.name, {"software": "swarmgraph simulator",
                                                                    "format": "WARC File Format 1.1"})  # fmt: skip
        info.rec_headers.replace_header("WARC-Date", iso_z(self.world.start_ms))
        info.rec_headers.replace_header("WARC-Record-ID", self._id("warcinfo"))
        self.writer.write_record(info)
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()

    def _id(self, key: str) -> str:
        self.n += 1
        return f"<urn:uuid:{uuid.uuid5(WARC_NAMESPACE, f'{self.world.params.seed}/{self.path.name}/{self.n}/{key}')}>"

    def _headers(self, url: str, ms: int) -> dict[str, str]:
        return {"WARC-Record-ID": self._id(url), "WARC-Date": iso_z(ms)}

    def response(self, url: str, ms: int, code: int, body: bytes) -> None:
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        http = StatusAndHeaders(STATUS_LINE[code], headers, protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict=self._headers(url, ms),
        )  # fmt: skip
        self.writer.write_record(record)

    def revisit(self, url: str, ms: int, digest: str, earlier_ms: int) -> None:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = self.writer.create_revisit_record(url, digest, url, iso_z(earlier_ms), http_headers=http,
                                                   warc_headers_dict=self._headers(url, ms))  # fmt: skip
        self.writer.write_record(record)
