"""Representative parameters for every prepared query, picked from whatever graph is loaded: the docs, the
benchmark and the smoke tests run each query on real seeds (the busiest video, account, hashtag ...) this way.
"""

from __future__ import annotations

from typing import Any

from graphdb.db import Database

SEEDS = """
CALL () {
  OPTIONAL MATCH (v:Video)<-[:SERVES]-(u:Url)
  WITH v, count(u) AS copies ORDER BY copies DESC, v.uid LIMIT 1
  RETURN v.uid AS video
}
CALL () {
  OPTIONAL MATCH (u:Url)<-[:LINKS_TO]-(p:Post)
  WHERE EXISTS { (u)-[:SERVES]->(:Video) } OR EXISTS { (:Url)-[:LISTS]->(u) }
  WITH u, count(p) AS posts ORDER BY posts DESC, u.url LIMIT 1
  RETURN u.url AS url
}
CALL () {
  OPTIONAL MATCH (u:Url)<-[:LINKS_TO]-(p:Post)
  WITH u, count(p) AS posts ORDER BY posts DESC, u.url LIMIT 1
  RETURN u.url AS any_url
}
CALL () {
  OPTIONAL MATCH (a:Account)-[:POSTED]->(p:Post)
  WITH a, count(p) AS posts ORDER BY posts DESC, a.uid LIMIT 1
  RETURN a.uid AS account
}
CALL () {
  OPTIONAL MATCH (a:Account) WHERE a.coordination_group IS NOT NULL
  RETURN a.uid AS coordinated ORDER BY a.coordination_group, a.uid LIMIT 1
}
CALL () {
  OPTIONAL MATCH (h:Hashtag)<-[:TAGS]-(p:Post)
  WITH h, count(p) AS posts ORDER BY posts DESC, h.tag LIMIT 1
  RETURN h.tag AS hashtag
}
CALL () {
  OPTIONAL MATCH (p:Post)-[:LINKS_TO]->(:Url)
  WHERE p.created_at IS NOT NULL
  RETURN p.uid AS post ORDER BY p.created_at, p.uid LIMIT 1
}
RETURN video, coalesce(url, any_url) AS url, account, coordinated, hashtag, post
"""


def seeds(db: Database) -> dict[str, Any]:
    """The busiest video, shared URL, account and hashtag, a coordinated account and the earliest post with a link."""
    _, rows = db.read(SEEDS)
    return dict(rows[0]) if rows else {}


def example_params(db: Database) -> dict[str, dict[str, Any]]:
    """Parameters for every prepared query (queries whose seed is missing from the graph get a harmless one)."""
    s = seeds(db)
    video = s.get("video") or "video:none"
    account = s.get("account") or "none:0"
    seed = ({"video": s["video"]} if s.get("video") else {"url": s["url"]} if s.get("url")
            else {"post": s.get("post") or "none:0"})  # fmt: skip
    return {
        "account_profile": {"account": account},
        "activity_over_time": {},
        "analysis_runs": {},
        "case_counts": {},
        "hashtag_volume": {"tags": [s["hashtag"]] if s.get("hashtag") else []},
        "load_runs": {},
        "top_videos": {},
        "video_timeline": {"video": video},
        "amplifiers": {},
        "bridging_nodes": {},
        "communities": {},
        "coordinated_link_sharing": {"account": s["coordinated"]} if s.get("coordinated") else {},
        "copy_suggestions": {},
        "cross_platform_bridges": {},
        "dissemination_paths": seed,
        "first_sharers": {"video": video} if s.get("video") else {"url": s.get("url") or "https://none.invalid/"},
        "hashtag_lifecycle": {},
        "successors": {},
        "takedown_survival": {},
        "video_reach": {"video": video},
    }
