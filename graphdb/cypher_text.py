"""The one escaping helper for names that must be interpolated into Cypher (labels, types, property keys), and the
range of the integers Neo4j stores.

Values never go through here: they are always parameters.
"""

from __future__ import annotations

import re

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1  # Neo4j's integers; a larger Python int cannot be stored
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def ident(name: str) -> str:
    """A label, relationship type or property key, backtick-quoted when it is not a plain identifier."""
    if _PLAIN.fullmatch(name):
        return name
    if not name or "\x00" in name:
        raise ValueError(f"not a usable Cypher name: {name!r}")
    return "`" + name.replace("`", "``") + "`"
