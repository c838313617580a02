"""What the evidence readers share (docs/formats.md): availability observations, hosted copies, capture times,
language codes and streamed JSON documents.

An observation becomes `(Url)-[:CHECKED]->(UrlCheck {checked_at, status, http_status, source, rule})` exactly as the
URL checks input makes it (same uid, same removed_at / last_alive_at rules on the Url).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import ijson

from etl.readers.common import open_text, parse_iso_utc, source_mtime
from etl.readers.telegram_stream import open_json
from etl.records import Fragment, Node, NodeRef, Rel
from etl.urls import url_fragment

SIDECAR_SUFFIX = ".captured_at"
MAX_DOCUMENT_DEPTH = 64  # deeper JSON nesting than any of these formats has is refused (hostile input)


def check_uid(canonical: str, checked_at: datetime) -> str:
    """The UrlCheck identity of docs/inputs.md: sha1(canonical URL + checked_at as UTC ISO 8601), 20 hex chars."""
    return hashlib.sha1((canonical + checked_at.isoformat()).encode("utf-8")).hexdigest()[:20]


def add_check(
    frag: Fragment,
    url_ref: NodeRef,
    url_node: Node,
    checked_at: datetime,
    status: str,
    source: str,
    **props: Any,
) -> NodeRef:
    """Append one availability observation of the Url `url_ref` (whose Node is `url_node`) to `frag`."""
    if status == "removed":
        url_node.props["removed_at"] = checked_at  # the writer keeps the earliest
    elif status == "alive":
        url_node.props["last_alive_at"] = checked_at  # ... and the latest
    check = Node(
        "UrlCheck",
        check_uid(url_ref.key, checked_at),
        {"url": url_ref.key, "checked_at": checked_at, "status": status, "source": source, **props},
    )
    frag.nodes.append(check)
    frag.rels.append(Rel("CHECKED", url_ref, check.ref))
    return check.ref


def observation(url: str, checked_at: datetime, status: str, source: str, **props: Any) -> Fragment:
    """A Fragment holding one observation of `url` (InvalidUrl when it is not a URL)."""
    nodes, rels, ref = url_fragment(url)
    frag = Fragment(nodes=nodes, rels=rels)
    add_check(frag, ref, nodes[0], checked_at, status, source, **props)
    return frag


def capture_time(path: Path, captured_at: datetime | str | None = None) -> tuple[datetime, str]:
    """When an answer saved in `path` was fetched, and how that is known: the reader option `captured_at`, else
    the sidecar file `<name>.captured_at` (one ISO 8601 time), else the file's modification time."""
    if captured_at is not None:
        return (parse_iso_utc(captured_at) if isinstance(captured_at, str) else captured_at), "option"
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    try:
        with open_text(sidecar) as fh:
            text = fh.read(200).strip()
    except OSError:
        return source_mtime(path), "mtime"
    try:
        return parse_iso_utc(text), "sidecar"
    except ValueError as exc:
        raise ValueError(f"{sidecar}: not an ISO 8601 time: {text[:40]!r}") from exc


# ISO 639-1 for the language names and 639-2 codes archive.org and uploaders write ('eng', 'English', 'ara').
_LANGUAGES = {
    "english": "en", "eng": "en", "arabic": "ar", "ara": "ar", "french": "fr", "fre": "fr", "fra": "fr",
    "german": "de", "ger": "de", "deu": "de", "russian": "ru", "rus": "ru", "turkish": "tr", "tur": "tr",
    "spanish": "es", "spa": "es", "urdu": "ur", "urd": "ur", "persian": "fa", "farsi": "fa", "per": "fa",
    "fas": "fa", "indonesian": "id", "ind": "id", "kurdish": "ku", "kur": "ku", "pashto": "ps", "pus": "ps",
    "bengali": "bn", "ben": "bn", "chinese": "zh", "chi": "zh", "zho": "zh", "italian": "it", "ita": "it",
    "dutch": "nl", "dut": "nl", "nld": "nl", "portuguese": "pt", "por": "pt", "somali": "so", "som": "so",
    "hausa": "ha", "hau": "ha", "uighur": "ug", "uyghur": "ug", "uig": "ug", "bosnian": "bs", "bos": "bs",
    "albanian": "sq", "alb": "sq", "sqi": "sq", "hebrew": "he", "heb": "he", "hindi": "hi", "hin": "hi",
}  # fmt: skip


def language_code(value: Any) -> str | None:
    """'en' for 'en', 'en-US', 'EN', 'eng' or 'English'; the first of a list; None when empty. Unknown names stay
    as written (lower-cased) rather than being guessed."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().lower()
    if len(text) >= 2 and text[:2].isalpha() and (len(text) == 2 or text[2] in "-_"):
        return text[:2]
    return _LANGUAGES.get(text, text[:40])


def iter_top_level(path: Path, keep: frozenset[str]) -> Iterator[tuple[str, Any]]:
    """(key, value) of a JSON document's top-level object for the keys in `keep`, streamed: every other value
    (large arrays of signed media URLs, captions, playlist entries) is passed over without being built.
    ijson.JSONError on bad JSON; ValueError when the document is not an object or nests deeper than
    MAX_DOCUMENT_DEPTH."""
    with open_json(path) as fh:
        events = ijson.parse(fh, use_float=True)
        first = next(events, None)
        if first is None or first[1] != "start_map":
            raise ValueError("the document is not a JSON object")
        key: str | None = None
        builder: ijson.ObjectBuilder | None = None
        depth = 0
        for _prefix, event, value in events:
            if builder is None and depth == 0:
                if event == "map_key":
                    key = value
                    continue
                if event == "end_map":
                    return
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > MAX_DOCUMENT_DEPTH:
                    raise ValueError(f"JSON nested deeper than {MAX_DOCUMENT_DEPTH} levels")
            elif event in ("end_map", "end_array"):
                depth -= 1
            if key not in keep:
                continue
            if builder is None:
                builder = ijson.ObjectBuilder()
            builder.event(event, value)
            if depth == 0:
                yield key or "", builder.value
                builder = None
