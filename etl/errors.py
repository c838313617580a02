"""Errors of data loading; the root lives in graphdb.errors so every layer shares one hierarchy."""

from __future__ import annotations

from graphdb.errors import SwarmgraphError

__all__ = ["SwarmgraphError", "SourceFormatError"]


class SourceFormatError(SwarmgraphError):
    """A whole file is in no known format (or not in the forced one); the message names the file and what was tried."""
