"""Defanging: addresses rewritten so that they stay readable and are no longer links (`hxxps://example[.]org`), for
exports handed to colleagues who should not open them by a slip of the mouse.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Attributes whose whole value is an address, scheme or not (`domain` is a bare host; a platform without an entry
# in etl/data/domains.csv is named by its domain): defanged as one URL; any other string is free text.
URL_FIELDS = frozenset({"url", "domain", "expanded_url", "canonical_url", "raw_url", "final_url", "platform"})

_SCHEME = re.compile(r"^(?P<scheme>https?|ftps?)://", re.IGNORECASE)
_DEFANGED_SCHEME = {"http": "hxxp", "https": "hxxps", "ftp": "fxp", "ftps": "fxps"}
# scheme://host inside free text; the path keeps its dots (only scheme and host make a link clickable)
_URL_IN_TEXT = re.compile(r"\b(?:https?|ftps?)://[^\s/?#\\<>\"'`|(),;{}]+", re.IGNORECASE)
_WWW_IN_TEXT = re.compile(r"\bwww\.[^\s/?#\\<>\"'`|(),;{}]+", re.IGNORECASE)
_BARE_DOT = re.compile(r"(?<!\[)\.(?!\])")
_HOST_END = re.compile(r"[/?#\s]")


def defang_url(url: str) -> str:
    """`https://example.org/x` -> `hxxps://example[.]org/x`; a bare `example.org/x` -> `example[.]org/x`.

    Only the scheme and the dots of the host change, so the address stays readable and is no longer a link.
    Idempotent: a defanged URL comes back unchanged.
    """
    prefix, rest = "", url
    match = _SCHEME.match(url)
    if match:
        prefix = _DEFANGED_SCHEME[match["scheme"].lower()] + "://"
        rest = url[match.end() :]
    end = _HOST_END.search(rest)
    cut = end.start() if end else len(rest)
    return prefix + _BARE_DOT.sub("[.]", rest[:cut]) + rest[cut:]


def defang_text(text: str) -> str:
    """Defang every http(s)/ftp(s) URL and every `www.` host inside free text; other text is left alone."""
    text = _URL_IN_TEXT.sub(lambda m: defang_url(m.group(0)), text)
    return _WWW_IN_TEXT.sub(lambda m: defang_url(m.group(0)), text)


def defang_field(name: str, value: str) -> str:
    return defang_url(value) if name in URL_FIELDS else defang_text(value)


def defang_tree(value: Any) -> Any:
    if isinstance(value, str):
        return defang_text(value)
    if isinstance(value, Mapping):
        return {k: (defang_field(k, v) if isinstance(v, str) else defang_tree(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [defang_tree(v) for v in value]
    return value
