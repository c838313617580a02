"""archive.org item metadata (`ia metadata <id>`, `archive.org/metadata/<id>`) and search answers (advanced search,
scrape API) -> hosted copies (docs/formats.md, "archive.org").

The item is the copy `https://archive.org/details/<identifier>`, serving the Video `video:archive.org:<identifier>`.
Original files' sha1/md5 are content hashes (`Video.hashes`): two items holding a file with the same sha1 hold the
same work. An item metadata answer is an observation at its capture time: the reader option `captured_at`, a
`<file>.captured_at` sidecar, the answer's own `created`, or the file's modification time, in that order; `{}` (no
such item) and `is_dark: true` are removed, decided by the removal rules (etl/availability.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import ijson
import orjson

from etl.availability import decide
from etl.readers.common import content_name, excerpt, parse_iso_utc
from etl.readers.evidence import add_check, capture_time, epoch_time, iter_top_level, language_code, top_level_keys
from etl.readers.telegram_stream import open_json
from etl.records import Fragment, Node, ReaderItem, Reject, Rel
from etl.urls import InvalidUrl, url_fragment

SOURCE = "archive.org"
PLATFORM = "archive.org"
ITEM_FIELDS = frozenset({"created", "metadata", "is_dark", "item_last_updated", "files_count"})
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# archive.org's own bookkeeping files in every item: not part of the uploaded work.
_BOOKKEEPING = ("_meta.xml", "_files.xml", "_meta.sqlite", "_reviews.xml", "__ia_thumb.jpg", ".torrent")
_HEX = re.compile(r"^[0-9a-f]{32}$|^[0-9a-f]{40}$")
MAX_HASHED_FILES = 1000  # an item with more original files keeps the hashes of the first 1000 (a warning says so)


def read_archive_org_item(
    path: Path, *, captured_at: datetime | str | None = None, identifier: str | None = None
) -> Iterator[ReaderItem]:
    """One Fragment: the item's copy, its Video and the observation of the answer. An empty answer `{}` names no
    item: the identifier comes from the option `identifier` or the file name (`<identifier>.json`)."""
    file = str(path)
    try:
        answer = dict(iter_top_level(path, ITEM_FIELDS))
        when, how = capture_time(path, captured_at)
    except (ijson.JSONError, ValueError) as exc:
        yield Reject(file, 1, f"not an archive.org metadata answer: {exc}", "")
        return
    found = answer.get("metadata")
    meta: dict[str, Any] = found if isinstance(found, dict) else {}
    item = _identifier(meta.get("identifier")) or _identifier(identifier) or _identifier(_name_stem(path))
    if item is None:
        yield Reject(file, 1, "no item identifier: metadata.identifier is missing and the file name is not "
                              "<identifier>.json (pass identifier=)", excerpt(orjson.dumps(answer)))  # fmt: skip
        return
    created = epoch_time(answer.get("created"))
    if how == "mtime" and created is not None:
        when, how = created, "created"  # the answer's own time beats the file's
    frag = _item_copy(item, meta, file)
    if isinstance(frag, Reject):
        yield frag
        return
    hashes, duration, names = _files(path, frag)
    video = next(n for n in frag.nodes if n.label == "Video")
    video.props["hashes"] = sorted(hashes) if hashes else None
    video.props["upload_ids"] = sorted({item, *names})  # what the uploader named the item and its files
    video.props["duration"] = duration
    essential: dict[str, Any] = {}  # the answer's shape, for the rules: {} / dark / an item
    if answer:
        essential = {"is_dark": True} if answer.get("is_dark") is True else {"metadata": {}}
    verdict = decide(f"https://archive.org/metadata/{item}", 200, None, orjson.dumps(essential))
    url_ref = next(r.start for r in frag.rels if r.type == "SERVES")
    url_node = next(n for n in frag.nodes if n.label == "Url")
    add_check(frag, url_ref, url_node, when, verdict.status, SOURCE, http_status=200, rule=verdict.rule,
              captured_by=how)  # fmt: skip
    yield frag


def read_archive_org_search(path: Path) -> Iterator[ReaderItem]:
    """One Fragment per search hit (advanced search `response.docs`, scrape API `items`); `downloads` are views.
    A search answer says nothing about items it does not list, so it makes no observations."""
    file = str(path)
    try:
        with open_json(path) as fh:
            prefix = _search_prefix(path)
            for index, doc in enumerate(ijson.items(fh, prefix, use_float=True)):
                if not isinstance(doc, dict) or _identifier(doc.get("identifier")) is None:
                    yield Reject(file, index + 1, "a search hit needs an identifier", excerpt(str(doc)))
                    continue
                yield _item_copy(doc["identifier"], doc, file, views=doc.get("downloads"), line=index + 1)
    except ijson.JSONError as exc:
        yield Reject(file, 1, f"not an archive.org search answer: {exc}", "")


def _search_prefix(path: Path) -> str:
    keys = top_level_keys(path)
    return "items.item" if "items" in keys and "response" not in keys else "response.docs.item"


def _item_copy(item: str, meta: dict[str, Any], file: str, views: Any = None, line: int = 1) -> Fragment | Reject:
    added = _when(meta.get("addeddate")) or _when(meta.get("publicdate"))
    try:
        nodes, rels, url_ref = url_fragment(f"https://archive.org/details/{item}", seen_at=added)
    except InvalidUrl as exc:
        return Reject(file, line, f"identifier does not make a URL: {exc}", excerpt(str(meta)))
    frag = Fragment(nodes=nodes, rels=rels)
    video = Node("Video", f"video:{PLATFORM}:{item}", {
        "video_id": item, "platform": PLATFORM, "title": _first_text(meta.get("title")),
        "language": language_code(meta.get("language")), "added_at": added,
        "published_at": _when(meta.get("publicdate")), "mediatype": _first_text(meta.get("mediatype")),
    })  # fmt: skip
    frag.nodes.append(video)
    count = _count(views)
    if views is not None and count is None:
        frag.warnings.append(f"{file}:{line}: downloads {str(views)[:40]!r} is not a count; left out")
    frag.rels.append(Rel("SERVES", url_ref, video.ref, {"views": count}))
    return frag


def _files(path: Path, frag: Fragment) -> tuple[set[str], float | None, set[str]]:
    """Content hashes and names of the item's original files (not archive.org's bookkeeping) and the first media
    length."""
    hashes: set[str] = set()
    names: set[str] = set()
    duration: float | None = None
    seen = 0
    try:
        with open_json(path) as fh:
            for entry in ijson.items(fh, "files.item", use_float=True):
                if not isinstance(entry, dict) or entry.get("source") != "original":
                    continue
                name = entry["name"] if isinstance(entry.get("name"), str) else ""
                if name.endswith(_BOOKKEEPING):
                    continue
                seen += 1
                if seen <= MAX_HASHED_FILES and name:
                    names.add(name[:200])
                if seen > MAX_HASHED_FILES:
                    frag.warnings.append(f"{path}: over {MAX_HASHED_FILES} original files; the rest are not hashed")
                    break
                for kind in ("sha1", "md5"):
                    value = entry.get(kind)
                    if isinstance(value, str) and _HEX.match(value.strip().lower()):
                        hashes.add(f"{kind}:{value.strip().lower()}")
                if duration is None:
                    duration = _length(entry.get("length"))
    except ijson.JSONError as exc:  # damage after the metadata: the item stays, with what was read of its files
        frag.warnings.append(f"{path}: the files list is damaged ({str(exc).splitlines()[0][:120]}); "
                             f"{len(hashes)} hashes read before it kept")
    return hashes, duration, names


def _length(value: Any) -> float | None:
    """archive.org's `length`: seconds ('610.52') or 'mm:ss' / 'hh:mm:ss'."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if value >= 0 else None
    if not isinstance(value, str) or not re.fullmatch(r"\d+(?:\.\d+)?|\d+(?::\d{1,2}){1,2}(?:\.\d+)?", value.strip()):
        return None
    total = 0.0
    for part in value.strip().split(":"):
        total = total * 60 + float(part)
    return round(total, 3)


def _identifier(value: Any) -> str | None:
    return value if isinstance(value, str) and IDENTIFIER.match(value) else None


def _name_stem(path: Path) -> str:
    name = content_name(path.name)
    stem = name[: -len(".json")] if name.lower().endswith(".json") else name
    for suffix in ("_metadata", ".metadata"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    return stem


def _first_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    return value.strip() or None if isinstance(value, str) else None


def _when(value: Any) -> datetime | None:
    """archive.org's 'YYYY-MM-DD HH:MM:SS' (UTC) or ISO 8601 ('2015-11-14T09:00:00Z')."""
    text = _first_text(value)
    if text is None:
        return None
    try:
        return parse_iso_utc(text.replace(" ", "T", 1) if len(text) > 10 else text)
    except ValueError:
        return None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
