"""Neo4j values -> plain JSON-able Python: temporal values as ISO strings, graph entities as small dicts."""

from __future__ import annotations

from typing import Any

from neo4j.graph import Node, Path, Relationship
from neo4j.spatial import Point
from neo4j.time import Date, DateTime, Duration, Time


def to_plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, DateTime | Date | Time | Duration):
        return value.iso_format()
    if hasattr(value, "isoformat"):  # native datetime/date/time
        return value.isoformat()
    if isinstance(value, Node):
        return {"labels": sorted(value.labels), "properties": to_plain(dict(value))}
    if isinstance(value, Relationship):
        return {
            "type": value.type,
            "start": _node_ref(value.start_node),
            "end": _node_ref(value.end_node),
            "properties": to_plain(dict(value)),
        }
    if isinstance(value, Path):
        return {
            "nodes": [to_plain(n) for n in value.nodes],
            "relationships": [to_plain(r) for r in value.relationships],
        }
    if isinstance(value, Point):
        return {"srid": value.srid, "coordinates": list(value)}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return str(value)


def _node_ref(node: Node | None) -> dict[str, Any] | None:
    if node is None:
        return None
    return {"labels": sorted(node.labels), "properties": to_plain(dict(node))}
