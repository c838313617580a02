"""Write a selected subgraph (a networkx MultiDiGraph) to GraphML, GEXF, node-link JSON or CSV, with a manifest.

The in-memory model: node ids are "<Label>:<key>" with attributes `label` (the node type), `key`, `platform` and the
node's properties; every edge has `type` plus properties. Gephi gives `label` and (in GEXF) edge `type` a meaning of
its own, so the Gephi-facing formats (GraphML, GEXF, CSV) carry the node type as `node_type`, the relationship type
as `rel_type`, and a readable `label` (handle, tag, title, text excerpt). JSON keeps the in-memory model as it is.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, get_args

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from graphdb.defang import defang_field as _defang_field
from graphdb.defang import defang_text, defang_tree, defang_url
from graphdb.errors import SwarmgraphError
from graphdb.version import swarmgraph_version

__all__ = ["FORMATS", "ExportError", "defang_text", "defang_url", "export_graph"]

ExportFormat = Literal["graphml", "gexf", "json", "csv"]
FORMATS: tuple[str, ...] = get_args(ExportFormat)

# A node's GEXF interval: it appears when first seen and disappears when removed or suspended.
START_FIELDS = ("created_at", "first_seen")
END_FIELDS = ("removed_at", "suspended_at")
EDGE_START_FIELDS = ("seen_at", "created_at")
# Per label, the fields that hold its address (defanged as one URL).
URL_KEYED = {"Url": frozenset({"key", "url"}), "Platform": frozenset({"key", "name"})}
LIST_SEPARATOR = "|"
LABEL_CHARS = 60

Scalar = str | int | float | bool
Attrs = dict[str, Scalar]


class ExportError(SwarmgraphError):
    """An export cannot be written (bad format, unwritable path, ids that collide once defanged)."""


def _node_id_map(g: nx.MultiDiGraph, defang: bool) -> dict[Any, str]:
    """Old node id -> id written out; with defang the key part of "<Label>:<key>" is defanged like the key."""
    if not defang:
        return {n: str(n) for n in g.nodes}
    out: dict[Any, str] = {}
    for node, data in g.nodes(data=True):
        label, text = str(data.get("label", "")), str(node)
        if label and text.startswith(label + ":"):
            key = text[len(label) + 1 :]
            out[node] = f"{label}:{defang_url(key) if label in URL_KEYED else defang_text(key)}"
        else:
            out[node] = defang_text(text)
    if len(set(out.values())) != len(out):
        raise ExportError("two node ids become the same once defanged; export without --defang")
    return out


# ------------------------------------------------------------------------------------------------ values


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _native(value: Any) -> Any:
    """Driver temporal types and numpy scalars -> Python values (the selection should not hand them over)."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


def _plain(value: Any, name: str, defang: bool) -> Any:
    """A JSON value: datetimes as ISO strings, sets as sorted lists, None stays None (dropped by the caller)."""
    value = _native(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return _defang_field(name, value) if defang else value
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    if isinstance(value, list | tuple):
        return [_plain(v, name, defang) for v in value if v is not None]
    if isinstance(value, Mapping):
        return {str(k): _plain(v, str(k), defang) for k, v in value.items() if v is not None}
    return _plain(str(value), name, defang)


def _flat(value: Any, name: str, defang: bool) -> Scalar | None:
    """A Gephi attribute value: one scalar; lists joined with LIST_SEPARATOR, mappings as JSON, None -> None."""
    value = _plain(value, name, defang)
    if isinstance(value, list):
        return LIST_SEPARATOR.join(_text(v) for v in value) if value else None
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else None
    scalar: Scalar | None = value
    return scalar


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _as_time(value: Any) -> datetime | None:
    value = _native(value)
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            return _utc(datetime.fromisoformat(value.strip()))
        except ValueError:
            return None
    return None


def _earliest(data: Mapping[str, Any], fields: Iterable[str]) -> datetime | None:
    times = [t for t in (_as_time(data.get(f)) for f in fields) if t is not None]
    return min(times) if times else None


def _harmonise(rows: list[Attrs]) -> None:
    """One type per attribute name, as GraphML and GEXF declare a type per key: ints+floats -> float, else text."""
    kinds: dict[str, set[type]] = {}
    for row in rows:
        for k, v in row.items():
            kinds.setdefault(k, set()).add(type(v))
    for k, types in kinds.items():
        if len(types) < 2:
            continue
        cast = float if types <= {int, float} else _text
        for row in rows:
            if k in row:
                row[k] = cast(row[k])


# Characters XML 1.0 cannot carry at all; hostile or broken text would make the file unreadable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(rows: Iterable[Attrs]) -> None:
    for row in rows:
        for k, v in row.items():
            if isinstance(v, str) and _XML_INVALID.search(v):
                row[k] = _XML_INVALID.sub("\ufffd", v)


# ---------------------------------------------------------------------------------------- Gephi-facing rows


def display_label(data: Mapping[str, Any], max_chars: int = LABEL_CHARS) -> str:
    """A short human label for a node: handle, #tag, title, name, a post's text excerpt, else its key.

    No leading "@": spreadsheets read a cell starting with "@" as a formula (see _cell).
    """
    kind = data.get("label")
    for field, prefix in (("handle", ""), ("tag", "#"), ("title", ""), ("name", ""), ("text", "")):
        value = data.get(field)
        if value not in (None, "") and not (field == "text" and kind != "Post"):
            text = " ".join(str(value).split())
            text = text if text.startswith(prefix) else prefix + text
            return text if len(text) <= max_chars else text[: max_chars - 1] + "\u2026"
    return str(data.get("key", ""))


_NODE_RESERVED = frozenset({"id", "pid", "viz", "start", "end", "node_type", "label"})
_EDGE_RESERVED = frozenset({"id", "key", "label", "type", "start", "end", "rel_type", "networkx_key", "edge_key"})


def _field_name(name: str, reserved: frozenset[str]) -> str:
    return f"{name}_" if name in reserved else name


def _node_row(data: Mapping[str, Any], defang: bool) -> Attrs:
    kind = str(data.get("label", ""))
    row: Attrs = {"label": "", "node_type": kind}
    for name, value in data.items():
        field = "url" if name in URL_KEYED.get(kind, ()) else name
        flat = _flat(value, field, defang)
        if name != "label" and flat is not None:
            row[_field_name(name, _NODE_RESERVED)] = flat
    row["label"] = display_label({**row, "label": kind})
    return row


def _edge_row(data: Mapping[str, Any], defang: bool) -> Attrs:
    rel = str(data.get("type", ""))
    row: Attrs = {"label": rel, "rel_type": rel}
    for name, value in data.items():
        flat = _flat(value, name, defang)
        if name == "type" or flat is None:
            continue
        if name == "weight" and (isinstance(flat, bool) or not isinstance(flat, int | float)):
            name = "weight_"  # Gephi reads weight as a number
        row[_field_name(name, _EDGE_RESERVED)] = flat
    return row


def _gephi_graph(g: nx.MultiDiGraph, ids: Mapping[Any, str], defang: bool, *, xml: bool) -> nx.MultiDiGraph:
    """A copy of g with flat, typed, Gephi-safe attributes and the ids that will be written.

    Edges get document-wide ids e0, e1 ... as keys (Gephi drops an edge whose id repeats, and multigraph keys
    only differ per node pair); the original key travels as the `edge_key` attribute.
    """
    out = nx.MultiDiGraph()
    node_rows = [(ids[n], _node_row(d, defang)) for n, d in g.nodes(data=True)]
    edge_rows = [
        (ids[u], ids[v], f"e{i}", {**_edge_row(d, defang), "edge_key": _text(_plain(k, "key", defang))})
        for i, (u, v, k, d) in enumerate(g.edges(keys=True, data=True))
    ]
    for rows in ([r for _, r in node_rows], [r for *_, r in edge_rows]):
        _harmonise(rows)
        if xml:
            _xml_safe(rows)
    out.add_nodes_from(node_rows)
    out.add_edges_from(edge_rows)
    return out


# ------------------------------------------------------------------------------------------------- writers


def _write_graphml(g: nx.MultiDiGraph, ids: Mapping[Any, str], path: Path, defang: bool) -> list[Path]:
    nx.write_graphml(_gephi_graph(g, ids, defang, xml=True), path, encoding="utf-8", named_key_ids=True)
    return [path]


def _write_gexf(g: nx.MultiDiGraph, ids: Mapping[Any, str], path: Path, defang: bool) -> list[Path]:
    """GEXF 1.2 with node intervals (first seen .. removed) so Gephi's timeline can play the spread."""
    out = _gephi_graph(g, ids, defang, xml=True)
    for u, v, k in out.edges(keys=True):
        out.edges[u, v, k]["id"] = k
    for node, data in g.nodes(data=True):
        start, end = _earliest(data, START_FIELDS), _earliest(data, END_FIELDS)
        if start is not None:
            out.nodes[ids[node]]["start"] = start.isoformat()
        if end is not None and (start is None or end >= start):
            out.nodes[ids[node]]["end"] = end.isoformat()
    for i, (u, v, data) in enumerate(g.edges(data=True)):  # the order _gephi_graph numbered them in
        start = _earliest(data, EDGE_START_FIELDS)
        if start is not None:
            out.edges[ids[u], ids[v], f"e{i}"]["start"] = start.isoformat()
    writer = GEXFWriter(encoding="utf-8", version="1.2draft")
    writer.add_graph(out)
    # networkx renames every attribute called "key" to "networkx_key"; a node's key is ours, so name it back.
    for attributes in writer.graph_element.findall("attributes"):
        for attribute in attributes.findall("attribute") if attributes.get("class") == "node" else ():
            if attribute.get("title") == "networkx_key":
                attribute.set("title", "key")
    # networkx declares timeformat="date" for ISO strings; Gephi's date parser keeps the time of day.
    writer.write(path)
    return [path]


def _write_json(g: nx.MultiDiGraph, ids: Mapping[Any, str], path: Path, defang: bool) -> list[Path]:
    out = nx.MultiDiGraph(**_plain(dict(g.graph), "graph", defang))
    for node, data in g.nodes(data=True):
        out.add_node(ids[node], **_plain_attrs(data, defang, URL_KEYED.get(data.get("label"), frozenset())))
    for u, v, k, data in g.edges(keys=True, data=True):
        out.add_edge(ids[u], ids[v], key=k, **_plain_attrs(data, defang))
    doc = nx.node_link_data(out, edges="edges")
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return [path]


def _plain_attrs(data: Mapping[str, Any], defang: bool, url_fields: frozenset[str] = frozenset()) -> dict[str, Any]:
    out = {}
    for name, value in data.items():
        field = "url" if name in url_fields else name
        plain = _plain(value, field, defang)
        if plain is not None:
            out[name] = plain
    return out


# Spreadsheets run cells that start like a formula; a post reading "=HYPERLINK(...)" must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Scalar | None) -> str:
    if value is None:
        return ""
    text = _text(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def _write_csv(g: nx.MultiDiGraph, ids: Mapping[Any, str], path: Path, defang: bool) -> list[Path]:
    """Gephi's spreadsheet import: nodes (Id, Label, ...) and edges (Source, Target, Type, ...) in two files."""
    flat = _gephi_graph(g, ids, defang, xml=False)
    stem = path.with_suffix("") if path.suffix.lower() == ".csv" else path
    nodes_path, edges_path = Path(f"{stem}.nodes.csv"), Path(f"{stem}.edges.csv")
    node_fields = _columns((d for _, d in flat.nodes(data=True)), ("label", "node_type", "key", "platform"))
    with nodes_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Id", "Label", *node_fields[1:]])
        for node, data in flat.nodes(data=True):
            writer.writerow([_cell(node), *(_cell(data.get(c)) for c in node_fields)])
    edge_fields = _columns((d for *_, d in flat.edges(keys=True, data=True)), ("label", "rel_type", "edge_key"))
    with edges_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Source", "Target", "Type", "Label", *edge_fields[1:]])
        for u, v, data in flat.edges(data=True):
            writer.writerow([_cell(u), _cell(v), "Directed", *(_cell(data.get(c)) for c in edge_fields)])
    return [nodes_path, edges_path]


def _columns(rows: Iterable[Mapping[str, Any]], first: tuple[str, ...]) -> list[str]:
    seen = {k for row in rows for k in row}
    return [*first, *sorted(seen - set(first))]


_WRITERS = {"graphml": _write_graphml, "gexf": _write_gexf, "json": _write_json, "csv": _write_csv}


# ------------------------------------------------------------------------------------------------ manifest


def graph_counts(g: nx.MultiDiGraph) -> dict[str, Any]:
    """Node and edge counts, overall and per node label / relationship type."""
    labels = Counter(str(d.get("label", "")) for _, d in g.nodes(data=True))
    types = Counter(str(d.get("type", "")) for *_, d in g.edges(keys=True, data=True))
    return {
        "nodes": g.number_of_nodes(),
        "edges": g.number_of_edges(),
        "nodes_by_label": dict(sorted(labels.items())),
        "edges_by_type": dict(sorted(types.items())),
    }


def _json_default(value: Any) -> Any:
    return _plain(value, "", False)


def _write_manifest(
    path: Path, manifest: Mapping[str, Any], g: nx.MultiDiGraph, fmt: str, files: list[Path], defang: bool
) -> Path:
    doc: dict[str, Any] = dict(manifest)
    doc.setdefault("swarmgraph_version", swarmgraph_version())
    doc.update(format=fmt, defanged=defang, counts=graph_counts(g), files=[p.name for p in files])
    text = json.dumps(doc, ensure_ascii=False, indent=2, default=_json_default)
    if defang:
        text = json.dumps(defang_tree(json.loads(text)), ensure_ascii=False, indent=2)
    target = Path(f"{path}.manifest.json")
    target.write_text(text + "\n", encoding="utf-8")
    return target


# -------------------------------------------------------------------------------------------------- entry


def export_graph(
    g: nx.MultiDiGraph, path: Path, fmt: ExportFormat, *, manifest: Mapping[str, Any], defang: bool = False
) -> list[Path]:
    """Write g to path in fmt, and `<path>.manifest.json` beside it; returns every file written (manifest last).

    graphml/gexf: one file Gephi opens (GEXF 1.2 with node time intervals); json: networkx node-link data
    (`edges` key); csv: `<stem>.nodes.csv` and `<stem>.edges.csv` for Gephi's spreadsheet import. The manifest is
    the given one (selection, parameters, database, time ...) plus format, counts and file names. defang=True
    rewrites URLs (hxxps://example[.]org) in node ids, keys, every string attribute and the manifest.
    """
    if fmt not in _WRITERS:
        raise ExportError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ids = _node_id_map(g, defang)
        files = _WRITERS[fmt](g, ids, path, defang)
        files.append(_write_manifest(path, manifest, g, fmt, files, defang))
    except OSError as e:
        raise ExportError(f"cannot write {fmt} export {path}: {e.strerror or e}") from e
    return files
