"""The limits every reader holds whatever the input (docs/inputs.md, "Limits and damaged records").

Each is read from its environment variable when a load starts (``current()``), so a user can raise or lower it for
one run: ``SWARMGRAPH_MAX_DEPTH=64 swarmgraph load ...``. A value that is not a positive integer is an error.

* ``SWARMGRAPH_MAX_DEPTH`` (256): nesting of JSON arrays and objects. A record nested deeper is rejected with its
  position; the readers count depth, they never recurse into it nor build it.
* ``SWARMGRAPH_MAX_RECORD_BYTES`` (16 MiB): one record (a JSONL or CSV line, a Telegram message, an element of a
  JSON array). A longer one is rejected and skipped without being held in memory.
* ``SWARMGRAPH_MAX_TEXT_CHARS`` (1,000,000): one text property. A longer one is cut to the limit, the node gets
  ``<property>_truncated = true`` and the load summary a warning; the record is kept.
* Numbers: an integer beyond 64 bits or a number beyond a double (``1e400``) is left out of its record (null)
  with a warning; the record is kept.
* Detection reads at most ``SNIFF_BYTES`` of a file and ``DETECT_EVENTS`` JSON events in them.

Warnings that arise below a reader (a number left out, bad UTF-8 replaced) are noted here with ``note()`` and
attached to the next fragment the reader yields (etl/readers/common.read_guarded): a reader need not carry them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from etl.errors import SourceFormatError

SNIFF_BYTES = 64 * 1024
DETECT_EVENTS = 20_000
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

_DEFAULTS = {
    "SWARMGRAPH_MAX_DEPTH": 256,
    "SWARMGRAPH_MAX_RECORD_BYTES": 16 * 1024 * 1024,
    "SWARMGRAPH_MAX_TEXT_CHARS": 1_000_000,
}


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_record_bytes: int
    max_text_chars: int


def _env_int(name: str) -> int:
    raw = os.environ.get(name, "").strip().replace("_", "")
    if not raw:
        return _DEFAULTS[name]
    if not raw.isdigit() or int(raw) < 1:
        raise SourceFormatError(f"{name}={os.environ[name]!r}: a positive whole number is needed")
    return int(raw)


def current() -> Limits:
    """The limits in force now (the environment read again: cheap, and a test may change it)."""
    return Limits(
        _env_int("SWARMGRAPH_MAX_DEPTH"), _env_int("SWARMGRAPH_MAX_RECORD_BYTES"), _env_int("SWARMGRAPH_MAX_TEXT_CHARS")
    )


_notes: list[str] = []


def note(message: str) -> None:
    """A warning about the record being read, handed to the next fragment (see the module docstring)."""
    if len(_notes) < 1000:  # a flood of warnings from one record is not kept whole
        _notes.append(message)


def take_notes() -> list[str]:
    """The warnings noted since the last call, and forget them."""
    if not _notes:
        return []
    taken = _notes[:]
    _notes.clear()
    return taken
