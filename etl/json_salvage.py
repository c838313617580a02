"""What can be kept of a JSON record that does not parse whole: a twarc2 page (`{"data": [...], "includes": {...}}`)
whose one tweet holds a NUL, a broken string or too deep a value keeps its other tweets and includes. The page is
walked by etl/json_stream.py: each element of `data`, `includes.*` and `errors` is parsed on its own; a damaged one
comes back as a Reject (file, line, position in the line, reason), the rest as a page rebuilt without it."""

from __future__ import annotations

import io
from typing import Any

from etl.json_stream import iter_document
from etl.records import Reject

_INCLUDES = ("users", "tweets", "media", "places", "polls")
_TARGETS = frozenset({"data", "errors", *(f"includes.{k}" for k in _INCLUDES)})
_DESCEND = frozenset({"", "includes"})


def salvage_page(raw: bytes, file: str, lineno: int) -> tuple[dict[str, Any], list[Reject]] | None:
    """The page without its damaged elements and a Reject for each; None when nothing of a page can be kept."""
    page: dict[str, Any] = {}
    rejects: list[Reject] = []
    for kind, prefix, found in iter_document(io.BytesIO(raw), f"{file}:{lineno}", descend=_DESCEND,
                                             targets=_TARGETS):  # fmt: skip
        if kind == "element":
            section = page.setdefault("includes", {}) if prefix.startswith("includes.") else page
            items = section.setdefault(prefix.removeprefix("includes."), [])
            if found.error is None:
                items.append(found.value)
                continue
            what = "tweet" if prefix == "data" else f"{prefix} item"
            rejects.append(Reject(file, lineno, f"{what} #{found.index} of the page (byte {found.offset:,} of the "
                                  f"line) cannot be read: {found.error}", found.excerpt))  # fmt: skip
        elif kind == "scalar" and "." not in prefix and prefix:
            page[prefix] = found
        elif kind == "damaged":
            rejects.append(Reject(file, lineno, f"the page is broken at byte {found.offset:,} of the line: "
                                  f"{found.error}", found.excerpt))  # fmt: skip
    if not page.get("data"):
        return None
    return page, rejects
