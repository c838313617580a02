"""Defanging: URLs rewritten so they stay readable but are no longer links (`hxxps://example[.]org/x`), in single
values, free text, JSON-like trees and whole subgraphs. Exports, views and reports all defang through here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import networkx as nx

from graphdb.errors import SwarmgraphError

# Attributes whose whole value is an address, scheme or not (`domain` is a bare host; a platform without an entry
# in etl/data/domains.csv is named by its domain): defanged as one URL. Per label, the fields that hold its address.
URL_FIELDS = frozenset({"url", "domain", "expanded_url", "canonical_url", "raw_url", "final_url", "platform"})
URL_KEYED = {"Url": frozenset({"key", "url"}), "Platform": frozenset({"key", "name"})}


class DefangError(SwarmgraphError):
    """A subgraph cannot be defanged: two node ids would become one."""


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


def _defang_tree(value: Any) -> Any:
    if isinstance(value, str):
        return defang_text(value)
    if isinstance(value, Mapping):
        return {k: (defang_field(k, v) if isinstance(v, str) else _defang_tree(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_defang_tree(v) for v in value]
    return value


def defang_tree(value: Any) -> Any:
    """Every string in a JSON-like value defanged: fields named like URLs (URL_FIELDS) as one address, other text
    for the URLs inside it. Non-string values are kept."""
    return _defang_tree(value)


def defang_graph(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of g with node ids and every string attribute defanged (as `export --defang` writes them); times and
    numbers unchanged, so views and reports can draw it as they draw g."""
    ids = defang_ids(g)
    if len(set(ids.values())) != len(ids):
        raise DefangError("two node ids become the same once defanged; draw it without --defang")
    out = nx.MultiDiGraph(**g.graph)
    for node, data in g.nodes(data=True):
        urlish = URL_KEYED.get(data.get("label"), frozenset())
        out.add_node(ids[node], **{k: _defang_value(k, v, k in urlish) for k, v in data.items()})
    for u, v, key, data in g.edges(keys=True, data=True):
        out.add_edge(ids[u], ids[v], key=key, **{k: _defang_value(k, x, False) for k, x in data.items()})
    return out


def _defang_value(name: str, value: Any, url: bool) -> Any:
    if isinstance(value, str):
        return defang_url(value) if url else defang_field(name, value)
    if isinstance(value, list | tuple):
        return [_defang_value(name, v, url) for v in value]
    return value


def defang_ids(g: nx.MultiDiGraph) -> dict[Any, str]:
    """Node id -> defanged id: the key part of "<Label>:<key>" is defanged as the key is. Ids may collide (two
    keys differing only in what defanging rewrites); callers check."""
    out: dict[Any, str] = {}
    for node, data in g.nodes(data=True):
        label, text = str(data.get("label", "")), str(node)
        if label and text.startswith(label + ":"):
            key = text[len(label) + 1 :]
            out[node] = f"{label}:{defang_url(key) if label in URL_KEYED else defang_text(key)}"
        else:
            out[node] = defang_text(text)
    return out
