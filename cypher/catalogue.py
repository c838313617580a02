"""The catalogue of prepared queries: every `cypher/<name>.cypher` file, read and checked by its header."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cypher.header import NAME, PreparedQuery, parse_query_text
from graphdb.errors import QueryFileError, SwarmgraphError

CATALOGUE_DIR = Path(__file__).parent
SUPPORT_DIR = CATALOGUE_DIR / "support"  # the project's own statements in the same format, not in the catalogue


def parse_query_file(path: Path) -> PreparedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFileError(f"{path}: cannot read: {exc}") from exc
    return dataclasses.replace(parse_query_text(text, str(path), expected_name=path.stem), path=path)


def query_files(directory: Path = CATALOGUE_DIR) -> list[Path]:
    return sorted(directory.glob("*.cypher"))


def load_catalogue(directory: Path = CATALOGUE_DIR) -> dict[str, PreparedQuery]:
    """Every prepared query, by name; one malformed file fails the whole catalogue (QueryFileError)."""
    return {q.name: q for q in (parse_query_file(p) for p in query_files(directory))}


def get_query(name: str, directory: Path = CATALOGUE_DIR) -> PreparedQuery:
    path = directory / f"{name}.cypher"
    if not NAME.match(name) or not path.is_file():
        known = ", ".join(p.stem for p in query_files(directory))
        raise SwarmgraphError(f"No prepared query named {name!r}. Known: {known}. (`swarmgraph queries` lists them.)")
    return parse_query_file(path)
