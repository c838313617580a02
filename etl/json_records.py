"""One JSON record (a JSONL line, an array element, a Telegram message) parsed under the limits of etl/limits.py.

orjson parses first (the fast path). A record it refuses gets a second, slower reading that keeps what can honestly
be kept: invalid UTF-8 is replaced (U+FFFD) and a number beyond 64 bits or beyond a double (`1e400`) becomes null,
each with a warning noted for the load summary (etl.limits.note). A record nested deeper than the depth limit, or
still not JSON (a NUL or a broken structure), raises RecordError: its reader rejects it, the rest loads.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from etl.limits import INT64_MAX, INT64_MIN, Limits, current, note


class RecordError(ValueError):
    """A record that cannot be read: the reason, said for the rejects file."""


_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_PAIR = re.compile(rb"\{\}|\[\]")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'{}[]"')


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether a well-formed JSON text nests arrays and objects deeper than `limit`, without recursing: escapes are
    removed, then everything but brackets and quotes, then what is left of strings; then one level of innermost
    pairs per pass (C regex passes; a record rarely nests deeper than ~10)."""
    if raw.count(b"{") + raw.count(b"[") <= limit:
        return False
    brackets = _STRING.sub(b"", _ESCAPE.sub(b"", raw).translate(None, _NOT_STRUCTURE))
    for _ in range(limit):
        if not brackets:
            return False
        brackets = _PAIR.sub(b"", brackets)
    return bool(brackets)


def loads_record(
    raw: bytes, where: str = "", *, line: int = 0, depth_checked: bool = False, limits: Limits | None = None
) -> Any:
    """The parsed record; RecordError when it is too deep or not JSON. `where` (a file, or file:line) and `line`
    head the warnings; `limits`: the limits in force (read from the environment when not given)."""
    limits = limits or current()
    if not depth_checked and json_depth_exceeds(raw, limits.max_depth):
        raise RecordError(f"nested deeper than {limits.max_depth} levels (SWARMGRAPH_MAX_DEPTH)")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        first = str(exc)
    if len(raw) > limits.max_record_bytes:
        raise RecordError(f"larger than {limits.max_record_bytes:,} bytes (SWARMGRAPH_MAX_RECORD_BYTES)")
    return _lenient(raw, f"{where}:{line}" if line else where, first)


def _lenient(raw: bytes, where: str, first: str) -> Any:
    flags: list[str] = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        flags.append("invalid UTF-8 replaced by U+FFFD")

    def bounded_int(digits: str) -> int | None:
        if len(digits) <= 20 and INT64_MIN <= (value := int(digits)) <= INT64_MAX:
            return value
        flags.append(f"an integer beyond 64 bits ({digits[:20]}..., {len(digits)} characters) left out")
        return None

    def bounded_float(literal: str) -> float | None:
        value = float(literal)
        if value in (float("inf"), float("-inf")):
            flags.append(f"a number beyond a double ({literal[:30]}) left out")
            return None
        return value

    def no_constant(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(text, parse_int=bounded_int, parse_float=bounded_float, parse_constant=no_constant)
    except (ValueError, RecursionError) as exc:
        raise RecordError(f"invalid JSON: {first}") from exc
    if not flags:  # orjson refused something the standard parser takes (e.g. a lone surrogate escape)
        return value
    for flag in dict.fromkeys(flags):
        note(f"{where}: {flag}" if where else flag)
    return value
