"""A prepared query's comment header: parsing it, and checking it against the `$parameters` the body uses.

    // name: first_sharers
    // description: The earliest shares of a video or URL per platform, and which platform leads.
    // param: video string = null  -- a video uid (video:<id>); give this or url
    // param: per_platform int = 5  -- shares listed per platform
    // mode: read

A query that reads what an analysis materialised names it: `// materialised: reports` (the analysis whose
AnalysisRun says whether the figures cover the data loaded since; graphdb/analytics/runs.py). `// materialised:
reports, else live` says the query computes its answer from the graph itself where that analysis has not written it
(slower, never wrong); `// live_with: posts` that given this parameter it computes from the selection instead, so
what the analysis wrote does not matter then.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cypher.params import REQUIRED, TYPES, Param, coerce
from graphdb.errors import QueryFileError, SwarmgraphError

MODES = ("read", "write")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_HEADER_KEY = re.compile(r"^//\s*(name|description|param|mode|materialised|live_with)\s*:\s*(.*?)\s*$")
_MATERIALISED = re.compile(r"^([a-z][a-z0-9_]*)(\s*,\s*else live)?$")
_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s+([a-z]+)(?:\s*=\s*(.*?))?(?:\s+--\s*(.*))?$")
_PARAM_USE = re.compile(r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|`([^`]+)`)")


@dataclass(frozen=True)
class PreparedQuery:
    name: str
    description: str
    params: tuple[Param, ...]
    mode: str
    text: str
    path: Path | None = None
    comments: tuple[str, ...] = field(default=())
    materialised: str | None = None  # the analysis whose results the query reads (see the module docstring)
    live_fallback: bool = False  # where that analysis wrote nothing, the query computes the answer itself
    live_with: tuple[str, ...] = ()  # parameters that, given, make the query compute from the selection instead

    @property
    def statement(self) -> str:
        """The text sent to Neo4j: the whole file (comments included), without a trailing semicolon."""
        return self.text.rstrip().removesuffix(";").rstrip()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def bind(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Typed parameter values: defaults applied, strings (from the CLI) converted, unknown names refused."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise SwarmgraphError(
                f"Query {self.name!r} has no parameter {', '.join(map(repr, unknown))} "
                f"(its parameters: {', '.join(known) or 'none'})."
            )
        bound: dict[str, Any] = {}
        for p in self.params:
            if p.name in given:
                bound[p.name] = coerce(p, given[p.name], self.name)
            elif p.required:
                raise SwarmgraphError(f"Query {self.name!r} needs --param {p.name}=<{p.type}> ({p.doc or 'required'}).")
            else:
                bound[p.name] = p.default
        return bound

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "params": [p.as_dict() for p in self.params]}


def parse_query_text(text: str, source: str = "<text>", expected_name: str | None = None) -> PreparedQuery:
    """Parse a query file's header and check it against the body. Raises QueryFileError naming file and line."""
    fields, params, comments = _read_header(text, source)
    for key in ("name", "description", "mode"):
        if not fields.get(key):
            raise QueryFileError(f"{source}: the header lacks '// {key}: ...'.")
    name, mode = fields["name"], fields["mode"]
    if not NAME.match(name):
        raise QueryFileError(f"{source}: query name {name!r} must be lower_snake_case.")
    if expected_name is not None and name != expected_name:
        raise QueryFileError(f"{source}: the header names the query {name!r}, the file is {expected_name!r}.")
    if mode not in MODES:
        raise QueryFileError(f"{source}: mode must be read or write, not {mode!r}.")
    _check_body(text, source, {p.name for p in params})
    analysis, fallback = _materialised(fields.get("materialised"), source)
    live_with = tuple(x.strip() for x in fields.get("live_with", "").split(",") if x.strip())
    if unknown := [x for x in live_with if x not in {p.name for p in params}]:
        raise QueryFileError(f"{source}: 'live_with:' names {', '.join(unknown)}, not among its parameters.")
    if live_with and analysis is None:
        raise QueryFileError(f"{source}: 'live_with:' without 'materialised:'.")
    return PreparedQuery(name, fields["description"], tuple(params), mode, text, None, tuple(comments), analysis,
                         fallback, live_with)  # fmt: skip


def _materialised(value: str | None, source: str) -> tuple[str | None, bool]:
    """`reports` or `reports, else live` -> (the analysis, whether the query falls back to a live computation)."""
    if not value:
        return None, False
    match = _MATERIALISED.match(value)
    if match is None:
        raise QueryFileError(f"{source}: 'materialised: {value}' is not '<analysis>' or '<analysis>, else live'.")
    return match.group(1), match.group(2) is not None


def _read_header(text: str, source: str) -> tuple[dict[str, str], list[Param], list[str]]:
    """The header's keys, its parameters and its other comment lines (up to the first line of code)."""
    fields: dict[str, str] = {}
    params: list[Param] = []
    comments: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("//"):
            break
        match = _HEADER_KEY.match(line)
        if match is None:
            comments.append(line[2:].strip())
            continue
        key, value = match.groups()
        if key == "param":
            param = _parse_param(value, f"{source}:{lineno}")
            if any(p.name == param.name for p in params):
                raise QueryFileError(f"{source}:{lineno}: parameter {param.name!r} is declared twice.")
            params.append(param)
        elif key in fields:
            raise QueryFileError(f"{source}:{lineno}: '{key}:' appears twice in the header.")
        else:
            fields[key] = value
    return fields, params, comments


def _check_body(text: str, source: str, declared: set[str]) -> None:
    """One statement, and exactly the declared parameters used."""
    code = strip_comments_and_strings(text)
    if ";" in code.rstrip().removesuffix(";"):
        raise QueryFileError(f"{source}: one statement per file (found a ';' before the end).")
    if not code.strip():
        raise QueryFileError(f"{source}: the file has a header but no statement.")
    used = used_params(text)
    if used != declared:
        parts = []
        if used - declared:
            parts.append(f"used but not declared: {', '.join(sorted(used - declared))}")
        if declared - used:
            parts.append(f"declared but not used: {', '.join(sorted(declared - used))}")
        raise QueryFileError(f"{source}: parameters differ from the header ({'; '.join(parts)}).")


def _parse_param(spec: str, where: str) -> Param:
    match = _PARAM.match(spec)
    if match is None:
        raise QueryFileError(f"{where}: cannot read parameter {spec!r} (expected 'name type [= default] [-- what]').")
    name, typ, default_text, doc = match.groups()
    if typ not in TYPES:
        raise QueryFileError(f"{where}: parameter {name!r} has unknown type {typ!r} (one of {', '.join(TYPES)}).")
    if default_text is None or default_text == "":
        return Param(name, typ, REQUIRED, (doc or "").strip())
    try:
        literal = json.loads(_json_literal(default_text))
    except json.JSONDecodeError as exc:
        raise QueryFileError(f"{where}: the default of {name!r} is not a literal: {default_text!r}.") from exc
    try:
        default = None if literal is None else coerce(Param(name, typ), literal, where)
    except SwarmgraphError as exc:
        raise QueryFileError(f"{where}: bad default: {exc}") from exc
    return Param(name, typ, default, (doc or "").strip())


def _json_literal(text: str) -> str:
    """Cypher-style literals in defaults: single-quoted strings become JSON strings."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return json.dumps(text[1:-1])
    return text


def strip_comments_and_strings(text: str) -> str:
    """The Cypher text with comments, string literals and backquoted names blanked (so `$x` in them is not a use)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" and c != "`" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def used_params(text: str) -> set[str]:
    """The `$parameter` names a Cypher text uses outside comments and string literals."""
    # Backquoted parameter names ($`odd name`) survive; other literals and comments are dropped.
    code = re.sub(r"\$`([^`]+)`", lambda m: "$" + re.sub(r"\W", "_", m.group(1)), text)
    return {a or b for a, b in _PARAM_USE.findall(strip_comments_and_strings(code))}
