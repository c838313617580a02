"""The one escaping helper for names that must be interpolated into Cypher (labels, types, property keys).

Values never go through here: they are always parameters.
"""

from __future__ import annotations

import re

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def ident(name: str) -> str:
    """A label, relationship type or property key, backtick-quoted when it is not a plain identifier."""
    if _PLAIN.fullmatch(name):
        return name
    if not name or "\x00" in name:
        raise ValueError(f"not a usable Cypher name: {name!r}")
    return "`" + name.replace("`", "``") + "`"
