"""swarmgraph's version: the one in pyproject.toml, read from the installed package's metadata."""

from __future__ import annotations

from functools import cache
from importlib import metadata


@cache
def swarmgraph_version() -> str:
    try:
        return metadata.version("swarmgraph")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"
