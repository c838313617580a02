"""Representative parameters for every prepared query, picked from whatever graph is loaded: the docs, the
benchmark and the smoke tests run each query on real seeds (the busiest video, account, hashtag ...) this way.

Which parameters get a seed is read from each query's header, so a new query file needs nothing here: a required
parameter named after a kind of seed (video, url, account, post, hashtag or tag) gets that seed, a required list
named after the plural (tags, videos ...) a list of it; a query whose
seeds are all optional and several ("give this or url") gets the first one the graph has; a single optional seed
stays at its default (null: every row).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cypher.catalogue import SUPPORT_DIR, load_catalogue, parse_query_file
from cypher.header import PreparedQuery
from cypher.run import run_query

if TYPE_CHECKING:
    from graphdb.db import Database

SEED_OF = {"video": "video", "url": "url", "account": "account", "post": "post", "hashtag": "hashtag", "tag": "hashtag"}
# A list parameter named after a kind in the plural (tags, videos ...) gets a list of that one seed.
LIST_SEED_OF = {"videos": "video", "urls": "url", "accounts": "account", "posts": "post", "hashtags": "hashtag",
                "tags": "hashtag"}  # fmt: skip
# What a query gets when the graph has no such seed: a harmless key that matches nothing.
PLACEHOLDER = {"video": "video:none", "url": "https://none.invalid/", "account": "none:0", "post": "none:0",
               "hashtag": "none"}  # fmt: skip


def seeds(db: Database) -> dict[str, Any]:
    """The busiest video, shared URL, account and hashtag, and the earliest post with a link (None when absent)."""
    _, rows = run_query(db, parse_query_file(SUPPORT_DIR / "example_seeds.cypher"))
    return dict(rows[0]) if rows else {}


def params_for(query: PreparedQuery, found: dict[str, Any]) -> dict[str, Any]:
    """The seed parameters of one query, by the rule above."""
    seedable = [p for p in query.params if p.name in SEED_OF and p.type == "string"]

    def value(name: str) -> Any:
        kind = SEED_OF[name]
        return found.get(kind) or PLACEHOLDER[kind]

    params = {p.name: value(p.name) for p in seedable if p.required}
    for p in query.params:
        if p.required and p.type == "list" and p.name in LIST_SEED_OF:
            kind = LIST_SEED_OF[p.name]
            params[p.name] = [found.get(kind) or PLACEHOLDER[kind]]
    optional = [p for p in seedable if not p.required]
    if not params and len(optional) > 1:
        chosen = next((p for p in optional if found.get(SEED_OF[p.name])), optional[0])
        params[chosen.name] = value(chosen.name)
    return params


def example_params(db: Database) -> dict[str, dict[str, Any]]:
    """Parameters for every prepared query of the catalogue, by name."""
    found = seeds(db)
    return {name: params_for(q, found) for name, q in load_catalogue().items()}
