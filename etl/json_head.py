"""Parse events over a file's sniffed head, the way ijson.parse names them, but bounded: at most `max_events`
events and never deeper than the depth limit (etl/limits.py). ijson builds each event's prefix from the whole path,
so a head nested 60,000 levels deep took gigabytes; here the walk stops at the limit and at the first byte that is
not JSON, and what was seen before counts (detection judges what parses)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from etl.limits import DETECT_EVENTS, current

_TOKEN = re.compile(
    rb'[ \t\r\n]*(?:([{}\[\],:])|("[^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*")'
    rb"|(-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null))"
)
_SCALAR_EVENTS = {b"true": ("boolean", True), b"false": ("boolean", False), b"null": ("null", None)}


def iter_head_events(head: bytes, max_events: int = DETECT_EVENTS) -> Iterator[tuple[str, str, Any]]:
    """(prefix, event, value) like ijson.parse(..., multiple_values=True) over `head`, until the head ends, stops
    being JSON, nests deeper than the limit or `max_events` events were given."""
    max_depth = current().max_depth
    stack: list[tuple[bool, str]] = []  # (is an object, the container's prefix)
    key = ""
    expect_key = False
    pos = 0
    for _ in range(max_events):
        m = _TOKEN.match(head, pos)
        if m is None:
            return
        pos = m.end()
        punct, string, scalar = m.groups()
        if punct is not None:
            if punct in b"{[":
                if len(stack) >= max_depth:
                    return
                prefix = _value_prefix(stack, key)
                is_map = punct == b"{"
                yield prefix, "start_map" if is_map else "start_array", None
                stack.append((is_map, prefix))
                expect_key = is_map
            elif punct in b"}]":
                if not stack:
                    return
                is_map, prefix = stack.pop()
                yield prefix, "end_map" if is_map else "end_array", None
                expect_key = False
            elif punct == b",":
                expect_key = bool(stack) and stack[-1][0]
            continue
        if string is not None:
            try:
                text = orjson.loads(string)
            except orjson.JSONDecodeError:
                return
            if expect_key and stack:
                key = text
                expect_key = False
                yield stack[-1][1], "map_key", text
            else:
                yield _value_prefix(stack, key), "string", text
            continue
        value: Any
        event, value = _SCALAR_EVENTS.get(scalar, ("number", None))
        if event == "number" and len(scalar) <= 40:  # a longer number decides nothing (and int() refuses 4,300+)
            value = float(scalar) if scalar.strip(b"-0123456789") else int(scalar)
        yield _value_prefix(stack, key), event, value


def _value_prefix(stack: list[tuple[bool, str]], key: str) -> str:
    if not stack:
        return ""
    is_map, prefix = stack[-1]
    part = key if is_map else "item"
    return f"{prefix}.{part}" if prefix else part
