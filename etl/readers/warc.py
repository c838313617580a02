"""WARC, WARC.GZ and WACZ web archives (Webrecorder, ArchiveBox, Browsertrix, `wget --warc-file`) -> availability
observations and aggregator page snapshots (docs/formats.md, "WARC / WACZ"). Read with warcio; bodies are parsed as
text, never executed, and nothing they reference is fetched.

A `response` (or `revisit`) record of an http(s) URL is an observation (UrlCheck source `warc`) when the URL is on a
hosting or aggregator platform, the answer is an HTML page, or it redirects; its status comes from the removal rules
(etl/availability.py) on the recorded status, Location and first bytes of the body. An HTML page answered 2xx and
not found removed is a snapshot, exactly like the snapshots input: an aggregator page's off-site links, and any other
page's links to hosting platforms, become `LISTS {seen_at: WARC-Date}`. A revisit record (same payload as an earlier
capture) repeats the links of that capture when it is in the same file. A shortener's recorded redirect is
REDIRECTS_TO. Other records (warcinfo, request, metadata, resource) and assets off those platforms are passed over.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from etl.availability import BODY_BYTES, decide
from etl.readers.common import ContainerError, open_binary, parse_iso_utc
from etl.readers.evidence import observation
from etl.readers.swarmgraph_inputs import snapshot_fragment, snapshot_links
from etl.records import Fragment, ReaderItem, Reject, Rel
from etl.urls import InvalidUrl, identify_url, url_fragment

SOURCE = "warc"
MAX_PAGE_BYTES = 8 * 1024 * 1024  # an HTML page is parsed for links up to this size; the rest is not read
MAX_REMEMBERED_PAGES = 10_000  # payload digests whose links a later revisit record may repeat
ZIP_MAGIC = b"PK\x03\x04"
# What warcio, gzip, zlib and zipfile raise on damaged input (warcio meets a record cut inside its headers with an
# AttributeError on the missing line): each becomes a Reject where the archive breaks.
DAMAGE = (ArchiveLoadFailed, OSError, EOFError, ValueError, AttributeError, zlib.error, zipfile.BadZipFile)


def read_warc(path: Path) -> Iterator[ReaderItem]:
    """Fragments from every record worth one; line = the record's position in the file (1-based, across a WACZ's
    WARC members). A damaged archive gives a Reject where it breaks; what came before stays loaded."""
    file = str(path)
    state = _State()
    try:
        yield from _read(path, file, state)
    except ContainerError as exc:  # compressed otherwise than warcio reads (bzip2, xz, one gzip member) and damaged
        yield Reject(file, state.index + 1, f"damaged archive: {exc}", "")


def _read(path: Path, file: str, state: _State) -> Iterator[ReaderItem]:
    with open_binary(path, keep_gzip=True) as fh:  # warcio reads a WARC gzipped record by record itself
        zipped = fh.read(4) == ZIP_MAGIC
        fh.seek(0)  # WACZ is a zip, read from its central directory at the end: the file must be seekable anyway
        if zipped:
            yield from _wacz(fh, file, state)
            return
        if not _gzipped_whole(fh):
            yield from _records(fh, file, "", state)
            return
    with open_binary(path) as whole:  # `gzip x.warc` makes one gzip member, which warcio refuses: inflate it first
        yield from _records(whole, file, "", state)


def _gzipped_whole(fh: IO[bytes]) -> bool:
    """A WARC gzipped as one member (a second record inside the first gzip member) rather than record by record."""
    head = fh.read(1 << 16)
    fh.seek(0)
    if not head.startswith(b"\x1f\x8b"):
        return False
    inflate = zlib.decompressobj(31)
    try:
        out = inflate.decompress(head, 1 << 20)
    except zlib.error:
        return False  # damaged: warcio says where
    return b"\r\n\r\nWARC/1." in out


class _State:
    """What one file's records share: the running record number and the links of pages a revisit may repeat."""

    def __init__(self) -> None:
        self.index = 0
        self.links: dict[str, list[str]] = {}


def _wacz(fh: IO[bytes], file: str, state: _State) -> Iterator[ReaderItem]:
    try:
        archive = zipfile.ZipFile(fh)
    except zipfile.BadZipFile as exc:
        yield Reject(file, 1, f"not a readable WACZ (zip) file: {exc}", "")
        return
    with archive:
        names = archive.namelist()
        members = sorted(n for n in names if n.startswith("archive/") and n.endswith((".warc", ".warc.gz")))
        if not members:
            yield Reject(file, 1, "a WACZ holds its WARC files under archive/: none found", ", ".join(names)[:200])
        for member in members:
            try:
                with archive.open(member) as stream:
                    yield from _records(stream, file, member, state)
            except DAMAGE as exc:
                yield Reject(file, state.index + 1, f"damaged WACZ member {member}: {exc}", "")


def _records(stream: IO[bytes], file: str, member: str, state: _State) -> Iterator[ReaderItem]:
    archive = ArchiveIterator(stream)
    records = iter(archive)
    while True:
        try:
            record = next(records)
        except StopIteration:
            if _cut_short(archive, stream):  # warcio ends quietly inside a truncated gzip member
                yield Reject(file, state.index + 1, f"the archive{' member ' + member if member else ''} ends "
                             f"inside a damaged or cut record after record {state.index}", "")  # fmt: skip
            return
        except DAMAGE as exc:  # a damaged gzip member or record header
            yield Reject(file, state.index + 1, f"damaged archive{' member ' + member if member else ''}: {exc}", "")
            return
        state.index += 1
        if record.rec_type not in ("response", "revisit"):
            continue
        try:
            item = _record(record, file, state)
        except DAMAGE as exc:  # a payload that cannot be decoded
            item = Reject(file, state.index, f"unreadable record payload: {exc}", _where(record, member))
        if item is not None:
            yield item


def _cut_short(archive: ArchiveIterator, stream: IO[bytes]) -> bool:
    """Bytes left after the last whole record (beyond the blank lines that end one): a record cut off."""
    try:
        end = archive.get_record_offset() + archive.get_record_length() if archive.member_info else 0
        return stream.tell() > end + 4
    except (AttributeError, TypeError, OSError, ValueError):  # no record at all, or a stream without tell()
        return False


def _record(record: Any, file: str, state: _State) -> ReaderItem | None:
    headers = record.rec_headers
    target = (headers.get_header("WARC-Target-URI") or "").strip()
    if not target.lower().startswith(("http://", "https://")):
        return None  # dns:, urn: and other non-web records
    try:
        captured_at = parse_iso_utc(headers.get_header("WARC-Date") or "")
        identity = identify_url(target)
    except ValueError as exc:  # InvalidUrl too
        return Reject(file, state.index, f"bad WARC-Target-URI or WARC-Date: {exc}", _where(record, ""))
    http = record.http_headers
    raw_status = http.get_statuscode() if http is not None else None
    status = int(raw_status) if raw_status and raw_status.isdigit() and len(raw_status) == 3 else None
    content_type = (http.get_header("Content-Type") or "").lower() if http is not None else ""
    location = http.get_header("Location") if http is not None and status and 300 <= status < 400 else None
    location = urljoin(target, location.strip()) if location else None
    html = "html" in content_type
    if not (identity.kind in ("hosting", "aggregator") or html or location):
        return None
    body = _body(record, html and status is not None and 200 <= status < 300)
    verdict = decide(target, status, location, body)
    frag = observation(target, captured_at, verdict.status, SOURCE, http_status=status, rule=verdict.rule,
                       location=location, record_id=headers.get_header("WARC-Record-ID"))  # fmt: skip
    where = f"{file}:{state.index}"
    if location and identity.kind == "shortener":
        _redirect(frag, target, location)
    if not html or status is None or not 200 <= status < 300 or verdict.status == "removed":
        return frag
    digest = headers.get_header("WARC-Payload-Digest") or ""
    if record.rec_type == "revisit":
        links = state.links.get(digest)
    else:
        links = snapshot_links(target, _decode(body or b"", content_type), "html")
        if digest and len(state.links) < MAX_REMEMBERED_PAGES:
            state.links[digest] = links
    if links:
        keep = None if identity.kind == "aggregator" else (lambda kind: kind == "hosting")
        snapshot = snapshot_fragment(target, captured_at, links, where, keep)
        frag.nodes += snapshot.nodes
        frag.rels += snapshot.rels
        frag.warnings += snapshot.warnings
    return frag


def _body(record: Any, whole_page: bool) -> bytes | None:
    """The decoded payload (chunked and Content-Encoding undone by warcio): a 2xx HTML page up to MAX_PAGE_BYTES,
    anything else its first BODY_BYTES. A revisit carries none."""
    if record.rec_type != "response":
        return None
    return bytes(record.content_stream().read(MAX_PAGE_BYTES if whole_page else BODY_BYTES))


def _decode(body: bytes, content_type: str) -> str:
    charset = content_type.split("charset=", 1)[1].split(";")[0].strip(" \"'") if "charset=" in content_type else ""
    try:
        return body.decode(charset or "utf-8", "replace")
    except LookupError:  # an unknown charset name
        return body.decode("utf-8", "replace")


def _redirect(frag: Fragment, target: str, location: str) -> None:
    try:
        nodes, rels, ref = url_fragment(location)
    except InvalidUrl:
        return
    source = next(n for n in frag.nodes if n.label == "Url")
    if ref.key != source.key:
        frag.nodes += nodes
        frag.rels += [*rels, Rel("REDIRECTS_TO", source.ref, ref)]


def _where(record: Any, member: str) -> str:
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    return f"{member} {record.rec_type} {uri}".strip()[:200]
