"""Parameter values: the one `--param name=value` parser of every command, and the typing of values.

A prepared query types each value by its header (`coerce`); an ad hoc statement (`swarmgraph cypher`) has no header,
so its values are read as JSON when they parse and as strings otherwise (`literal_value`). Either way an integer
must fit Neo4j's 64 bits: a larger one is refused with a clear message instead of failing inside the driver.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphdb.cypher_text import INT64_MAX, INT64_MIN
from graphdb.errors import SwarmgraphError

TYPES = ("int", "float", "string", "bool", "list", "datetime")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = REQUIRED
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "required": self.required,
                "default": None if self.required else self.default, "description": self.doc}  # fmt: skip

    def signature(self) -> str:
        if self.required:
            return f"{self.name} {self.type} (required)"
        return f"{self.name} {self.type} = {json.dumps(self.default)}"


def parse_assignments(pairs: Iterable[str] | None) -> dict[str, str]:
    """`name=value` strings (as given to --param) -> {name: raw value}; the values are typed afterwards."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise SwarmgraphError(f"Bad --param {pair!r}: use name=value.")
        out[name.strip()] = raw
    return out


def literal_value(name: str, raw: str) -> Any:
    """An untyped value (an ad hoc statement's): JSON when it parses (numbers, lists, maps), else the string."""
    try:
        value = json.loads(raw)
    except ValueError as exc:  # not JSON; or digits beyond Python's limit for reading an int
        if re.fullmatch(r"\s*-?\d+\s*", raw):
            raise SwarmgraphError(f"parameter {name!r}: {raw.strip()[:20]}... does not fit in a 64-bit integer, "
                                  "the largest Neo4j stores.") from exc
        return raw
    _check_int64(value, f"parameter {name!r}")
    return value


def literal_values(pairs: Iterable[str] | None) -> dict[str, Any]:
    """--param pairs of an ad hoc statement, each value read by literal_value."""
    return {name: literal_value(name, raw) for name, raw in parse_assignments(pairs).items()}


def _check_int64(value: Any, what: str) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise SwarmgraphError(f"{what}: {value} does not fit in a 64-bit integer, the largest Neo4j stores.")
    if isinstance(value, list):
        for item in value:
            _check_int64(item, what)
    elif isinstance(value, dict):
        for item in value.values():
            _check_int64(item, what)


# ----- typing by a query's header -------------------------------------------------------------------------------
class _Bad(Exception):
    """A value that is not of the declared type (turned into the caller's message by coerce)."""


def _as_string(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad
    return str(value)


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
        try:
            return int(value)
        except ValueError as exc:  # more digits than Python reads as an int: far beyond 64 bits anyway
            raise _Bad from exc
    raise _Bad


def _as_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Bad
    try:
        return float(value)
    except (ValueError, OverflowError) as exc:
        raise _Bad from exc


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Bad


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if not isinstance(value, str):
        raise _Bad
    s = value.strip()
    if not s.startswith("["):
        return [part.strip() for part in s.split(",") if part.strip()]
    try:
        parsed = json.loads(s)
    except json.JSONDecodeError as exc:
        raise _Bad from exc
    if not isinstance(parsed, list):
        raise _Bad
    return parsed


def _as_datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if not isinstance(value, str):
        raise _Bad
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise _Bad from exc
    return value.strip()


_COERCE: dict[str, Callable[[Any], Any]] = {
    "string": _as_string, "int": _as_int, "float": _as_float, "bool": _as_bool, "list": _as_list,
    "datetime": _as_datetime,
}  # fmt: skip


def coerce(param: Param, value: Any, where: str = "") -> Any:
    """One parameter value in its declared type; strings (as typed on a command line) are parsed."""
    if value is None:
        return None
    what = f"{where}: " if where else ""
    try:
        typed = _COERCE[param.type](value)
    except (_Bad, KeyError) as exc:
        raise SwarmgraphError(f"{what}parameter {param.name!r} expects {param.type}, got {value!r}.") from exc
    _check_int64(typed, f"{what}parameter {param.name!r}")
    return typed
