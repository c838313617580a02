"""The query catalogue: one `cypher/<name>.cypher` file per prepared query, with a comment header the loader reads.

A header names the query, says what it answers in one line, declares every `$parameter` with a type and (optionally)
a default, and says whether the query reads or writes:

    // name: first_sharers
    // description: The earliest shares of a video or URL per platform, and which platform leads.
    // param: video string = null  -- a video uid (video:<id>); give this or url
    // param: per_platform int = 5  -- shares listed per platform
    // mode: read

The loader derives the `$params` the body uses and refuses a file whose declared parameters differ. The file is
sent to Neo4j unchanged, so it runs as is in the Neo4j Browser once the parameters are set with `:param`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from graphdb.db import Database
from graphdb.errors import QueryFileError, SwarmgraphError

CATALOGUE_DIR = Path(__file__).parent
TYPES = ("int", "float", "string", "bool", "list", "datetime")
MODES = ("read", "write")

_HEADER_KEY = re.compile(r"^//\s*(name|description|param|mode)\s*:\s*(.*?)\s*$")
_PARAM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s+([a-z]+)(?:\s*=\s*(.*?))?(?:\s+--\s*(.*))?$")
_PARAM_USE = re.compile(r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|`([^`]+)`)")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = REQUIRED
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "required": self.required,
                "default": None if self.required else self.default, "description": self.doc}  # fmt: skip

    def signature(self) -> str:
        if self.required:
            return f"{self.name} {self.type} (required)"
        return f"{self.name} {self.type} = {json.dumps(self.default)}"


@dataclass(frozen=True)
class PreparedQuery:
    name: str
    description: str
    params: tuple[Param, ...]
    mode: str
    text: str
    path: Path | None = None
    comments: tuple[str, ...] = field(default=())

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


# ----------------------------------------------------------------------------------------------------- parsing


def parse_query_text(text: str, source: str = "<text>", expected_name: str | None = None) -> PreparedQuery:
    """Parse a query file's header and check it against the body. Raises QueryFileError naming file and line."""
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
    for key in ("name", "description", "mode"):
        if not fields.get(key):
            raise QueryFileError(f"{source}: the header lacks '// {key}: ...'.")
    name, mode = fields["name"], fields["mode"]
    if not _NAME.match(name):
        raise QueryFileError(f"{source}: query name {name!r} must be lower_snake_case.")
    if expected_name is not None and name != expected_name:
        raise QueryFileError(f"{source}: the header names the query {name!r}, the file is {expected_name!r}.")
    if mode not in MODES:
        raise QueryFileError(f"{source}: mode must be read or write, not {mode!r}.")
    code = strip_comments_and_strings(text)
    if ";" in code.rstrip().removesuffix(";"):
        raise QueryFileError(f"{source}: one statement per file (found a ';' before the end).")
    if not code.strip():
        raise QueryFileError(f"{source}: the file has a header but no statement.")
    used = used_params(text)
    declared = {p.name for p in params}
    if used != declared:
        parts = []
        if used - declared:
            parts.append(f"used but not declared: {', '.join(sorted(used - declared))}")
        if declared - used:
            parts.append(f"declared but not used: {', '.join(sorted(declared - used))}")
        raise QueryFileError(f"{source}: parameters differ from the header ({'; '.join(parts)}).")
    return PreparedQuery(name, fields["description"], tuple(params), mode, text, None, tuple(comments))


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
    except json.JSONDecodeError:
        raise QueryFileError(f"{where}: the default of {name!r} is not a literal: {default_text!r}.") from None
    try:
        default = None if literal is None else coerce(Param(name, typ), literal, where)
    except SwarmgraphError as exc:
        raise QueryFileError(f"{where}: bad default: {exc}") from None
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
    code = _blank_strings_keep_params(text)
    return {a or b for a, b in _PARAM_USE.findall(code)}


def _blank_strings_keep_params(text: str) -> str:
    # Backquoted parameter names ($`odd name`) survive; other literals and comments are dropped.
    code = re.sub(r"\$`([^`]+)`", lambda m: "$" + re.sub(r"\W", "_", m.group(1)), text)
    return strip_comments_and_strings(code)


# -------------------------------------------------------------------------------------------------- values


def coerce(param: Param, value: Any, where: str = "") -> Any:
    """One parameter value in its declared type; strings (as typed on a command line) are parsed."""
    if value is None:
        return None
    what = f"{where}: " if where else ""
    bad = SwarmgraphError(f"{what}parameter {param.name!r} expects {param.type}, got {value!r}.")
    t = param.type
    if t == "string":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise bad
        return str(value)
    if t == "int":
        if isinstance(value, bool):
            raise bad
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
            return int(value)
        raise bad
    if t == "float":
        if isinstance(value, bool):
            raise bad
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise bad from None
        raise bad
    if t == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1", "false", "no", "0"}:
            return value.strip().lower() in {"true", "yes", "1"}
        raise bad
    if t == "list":
        if isinstance(value, list | tuple):
            return list(value)
        if isinstance(value, str):
            s = value.strip()
            if s.startswith("["):
                try:
                    parsed = json.loads(s)
                except json.JSONDecodeError:
                    raise bad from None
                if isinstance(parsed, list):
                    return parsed
                raise bad
            return [part.strip() for part in s.split(",") if part.strip()]
        raise bad
    if t == "datetime":
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise bad from None
            return value.strip()
        raise bad
    raise bad


def parse_assignments(pairs: Iterable[str] | None) -> dict[str, str]:
    """`name=value` strings (as given to --param) -> {name: raw value}; values are typed later by the header."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise SwarmgraphError(f"Bad --param {pair!r}: use name=value.")
        out[name.strip()] = raw
    return out


# ------------------------------------------------------------------------------------------------ catalogue


def parse_query_file(path: Path) -> PreparedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFileError(f"{path}: cannot read: {exc}") from None
    query = parse_query_text(text, str(path), expected_name=path.stem)
    return PreparedQuery(query.name, query.description, query.params, query.mode, text, path, query.comments)


def query_files(directory: Path = CATALOGUE_DIR) -> list[Path]:
    return sorted(directory.glob("*.cypher"))


def load_catalogue(directory: Path = CATALOGUE_DIR) -> dict[str, PreparedQuery]:
    """Every prepared query, by name; one malformed file fails the whole catalogue (QueryFileError)."""
    return {q.name: q for q in (parse_query_file(p) for p in query_files(directory))}


def get_query(name: str, directory: Path = CATALOGUE_DIR) -> PreparedQuery:
    path = directory / f"{name}.cypher"
    if not _NAME.match(name) or not path.is_file():
        known = ", ".join(p.stem for p in query_files(directory))
        raise SwarmgraphError(f"No prepared query named {name!r}. Known: {known}. (`swarmgraph queries` lists them.)")
    return parse_query_file(path)


def run_query(
    db: Database, query: PreparedQuery | str, params: Mapping[str, Any] | None = None, *, limit: int | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Run a prepared query with typed parameters; `limit` sets its `limit` parameter, or cuts the rows."""
    q = get_query(query) if isinstance(query, str) else query
    given = dict(params or {})
    if limit is not None and q.param("limit") is not None:
        given["limit"] = limit
    bound = q.bind(given)
    run = db.write if q.mode == "write" else db.read
    try:
        keys, rows = run(q.statement, bound)
    except SwarmgraphError as exc:
        raise type(exc)(f"query {q.name!r}: {exc}") from None
    if limit is not None and q.param("limit") is None:
        rows = rows[:limit]
    return keys, rows


def run_prepared(
    db: Database, name: str, params: Mapping[str, Any] | None = None, *, limit: int | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Run the prepared query called `name` (what `swarmgraph query` and `export --query` use)."""
    return run_query(db, get_query(name), params, limit=limit)
