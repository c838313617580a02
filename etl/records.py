"""The contract between readers and the writer: a reader turns one source record into a Fragment of graph facts.

Readers are pure (no database, no network). The writer (etl/writer.py) groups fragments by label and relationship
type, deduplicates them and MERGEs them in batches. Keys are the model's identity keys (docs/model.md):
Platform.name, Account.uid, Post.uid, Hashtag.tag, Url.url, Video.uid, UrlCheck.uid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphdb.schema import KEYS

# Identity key property of each label a reader may assert (LoadRun is the loader's own).
NODE_KEYS: dict[str, str] = {label: key for label, key in KEYS.items() if label not in ("LoadRun", "AnalysisRun")}

Props = dict[str, Any]


@dataclass(frozen=True)
class NodeRef:
    """Points at a node by label and identity key value."""

    label: str
    key: str


@dataclass
class Node:
    """A node asserted by a source record.

    props are plain values only (str, int, float, bool, datetime in UTC, lists of those); None values are dropped
    by the writer, so a missing field never erases a known one.
    placeholder=True means "this node is referenced but its record is absent from the data": the writer creates it
    with placeholder=true only if it does not exist, and a later real record clears the flag. A placeholder's props
    only fill properties the node lacks; a real record's replace them.
    """

    label: str
    key: str
    props: Props = field(default_factory=dict)
    placeholder: bool = False

    @property
    def ref(self) -> NodeRef:
        return NodeRef(self.label, self.key)


@dataclass
class Rel:
    """A relationship asserted by a source record; one per (type, start, end): repeats merge into one."""

    type: str
    start: NodeRef
    end: NodeRef
    props: Props = field(default_factory=dict)


@dataclass
class Fragment:
    """Everything one source record asserts. The writer creates every NodeRef'd node it has not seen as a Node."""

    nodes: list[Node] = field(default_factory=list)
    rels: list[Rel] = field(default_factory=list)
    # An unparseable-but-not-fatal detail worth telling the user (kept in the load summary, not a reject).
    warnings: list[str] = field(default_factory=list)


@dataclass
class Reject:
    """A source record that could not be turned into graph facts. Goes to the rejects file; the load goes on."""

    file: str
    line: int  # 1-based position of the record in the file, counted in `unit`
    reason: str
    excerpt: str  # at most ~200 characters of the raw record
    # What `line` counts: "line" (a physical line: JSONL, CSV rows, a document's first line), "message" (a Telegram
    # export's messages, 1-based), "record" (a WARC's records) or "byte" (where a compressed input breaks).
    unit: str = "line"

    @property
    def where(self) -> str:
        """`file:12` for a line, `file (message 12)` for any other position: what a message names."""
        return f"{self.file}:{self.line}" if self.unit == "line" else f"{self.file} ({self.unit} {self.line})"


ReaderItem = Fragment | Reject
