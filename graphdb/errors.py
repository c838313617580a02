"""swarmgraph's exceptions: one root, a few kinds. The CLI turns any of them into one line on stderr and exit 1."""

from __future__ import annotations


class SwarmgraphError(Exception):
    """Root of every error swarmgraph raises on purpose."""


class RuntimeSetupError(SwarmgraphError):
    """The local Neo4j runtime cannot be prepared or started (no Java, no Maven, a port taken, a bad setting)."""


class DatabaseError(SwarmgraphError):
    """The database refused or could not be reached; the message carries the context, never a secret."""


class ReadOnlyViolation(DatabaseError):
    """A statement tried to write in a read-only session."""


class QueryFileError(SwarmgraphError):
    """A prepared query file is malformed or its declared parameters differ from those it uses."""


class AnalysisError(SwarmgraphError):
    """An analysis was asked for with options it cannot use (a bad window, an unknown algorithm, a removal spec)."""


class AnalysisTooLarge(SwarmgraphError):
    """An analysis whose estimated memory does not fit the server (GDS estimates, checked before projecting)."""
