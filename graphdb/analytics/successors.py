"""Resurgence (Wright et al. 2016): a suspended actor returning under a new account.

For each suspended account (suspended_at, or a `suspended` flag dated by its last post) the candidates are accounts on
the same platform whose first post comes after the suspended account's last one, within `max_gap_days`. Evidence:
  handle    the same handle with a new number (kotimi -> kotimi2, kotimi2 -> kotimi3), else string similarity
  name      the same display name
  links     the predecessor's last shared links re-shared among the candidate's first links
  audience  accounts that engaged with the predecessor (repost, quote, reply, mention) and then with the candidate
  timing    how soon after the suspension the candidate began
The suggestions are written as (candidate)-[:SAME_ACTOR_AS {confidence, evidence, run, suggested: true}]->(suspended):
never merges, and never over an identity asserted by a loaded file (those carry `runs`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from graphdb.analytics import new_run_id, write_rows
from graphdb.db import Database

SUSPENDED = """
MATCH (s:Account)
WHERE s.suspended_at IS NOT NULL OR s.suspended = true
CALL (s) {
  MATCH (s)-[:POSTED]->(p:Post)
  RETURN max(p.created_at) AS last_post
}
WITH s, last_post, coalesce(s.suspended_at, last_post) AS gone
CALL (s, gone) {
  MATCH (s)-[:POSTED]->(p:Post)-[:LINKS_TO]->(u:Url)
  WHERE p.created_at <= gone
  WITH u, max(p.created_at) AS at ORDER BY at DESC LIMIT $links
  RETURN collect(u.url) AS links
}
RETURN s.uid AS uid, s.platform AS platform, s.handle AS handle, s.name AS name, gone.epochSeconds AS gone,
       last_post.epochSeconds AS last_post, links,
       COLLECT { MATCH (s)-[:POSTED]->(:Post)<-[:REPOSTS|QUOTES|REPLIES_TO]-(:Post)<-[:POSTED]-(f:Account)
                 RETURN DISTINCT f.uid } AS audience_a,
       COLLECT { MATCH (f:Account)-[:POSTED]->(:Post)-[:MENTIONS]->(s) RETURN DISTINCT f.uid } AS audience_b
"""

FIRST_POSTS = """
MATCH (c:Account)-[:POSTED]->(p:Post)
WHERE c.platform IN $platforms
WITH c, min(p.created_at) AS first_post
WHERE first_post.epochSeconds >= $from AND first_post.epochSeconds <= $to
RETURN c.uid AS uid, c.platform AS platform, c.handle AS handle, c.name AS name, first_post.epochSeconds AS first_post
"""

CANDIDATE_EVIDENCE = """
UNWIND $uids AS uid
MATCH (c:Account {uid: uid})
CALL (c) {
  MATCH (c)-[:POSTED]->(p:Post)-[:LINKS_TO]->(u:Url)
  WITH u, min(p.created_at) AS at ORDER BY at LIMIT $links
  RETURN collect(u.url) AS links
}
RETURN c.uid AS uid, links,
       COLLECT { MATCH (c)-[:POSTED]->(:Post)<-[:REPOSTS|QUOTES|REPLIES_TO]-(:Post)<-[:POSTED]-(f:Account)
                 RETURN DISTINCT f.uid } +
       COLLECT { MATCH (f:Account)-[:POSTED]->(:Post)-[:MENTIONS]->(c) RETURN DISTINCT f.uid } AS audience
"""

CLEAR = """
MATCH ()-[r:SAME_ACTOR_AS]->() WHERE r.suggested = true AND r.runs IS NULL
DELETE r
"""

WRITE = """
UNWIND $rows AS row
MATCH (c:Account {uid: row.candidate})
MATCH (s:Account {uid: row.suspended})
WHERE NOT EXISTS { (c)-[a:SAME_ACTOR_AS]-(s) WHERE a.runs IS NOT NULL }
MERGE (c)-[r:SAME_ACTOR_AS]->(s)
SET r.confidence = row.confidence, r.evidence = row.evidence, r.run = $run, r.suggested = true,
    r.handle_score = row.handle, r.name_score = row.name, r.link_score = row.links, r.audience_score = row.audience,
    r.gap_hours = row.gap_hours
"""

WEIGHTS = {"handle": 0.35, "name": 0.15, "links": 0.25, "audience": 0.15, "timing": 0.10}
_TRAILING_DIGITS = re.compile(r"^(.*?)(\d*)$")


@dataclass
class Suspended:
    uid: str
    platform: str
    handle: str | None
    name: str | None
    gone: int
    last_post: int | None
    links: list[str]
    audience: set[str]


@dataclass
class Candidate:
    uid: str
    platform: str
    handle: str | None
    name: str | None
    first_post: int
    links: list[str] = field(default_factory=list)
    audience: set[str] = field(default_factory=set)


@dataclass
class Suggestion:
    suspended: str
    candidate: str
    confidence: float
    scores: dict[str, float]
    gap_hours: float
    evidence: str

    def row(self) -> dict[str, Any]:
        return {"suspended": self.suspended, "candidate": self.candidate, "confidence": self.confidence,
                "evidence": self.evidence, "gap_hours": round(self.gap_hours, 2), **self.scores}  # fmt: skip


@dataclass
class SuccessorsResult:
    run: str
    suspended: int
    candidates: int
    suggestions: list[Suggestion]

    def as_dict(self) -> dict[str, Any]:
        return {"run": self.run, "suspended": self.suspended, "candidates": self.candidates,
                "suggestions": [s.row() for s in self.suggestions]}  # fmt: skip


def handle_score(old: str | None, new: str | None) -> tuple[float, str]:
    """1.0 when the new handle is the old one with a higher number, 0.5 with a lower one; else their similarity
    when it is at least 0.75 (0 below)."""
    if not old or not new:
        return 0.0, ""
    a, b = old.lower(), new.lower()
    ma, mb = _TRAILING_DIGITS.match(a), _TRAILING_DIGITS.match(b)
    assert ma is not None and mb is not None
    base_a, num_a = ma.group(1), int(ma.group(2) or 1)
    base_b, num_b = mb.group(1), int(mb.group(2) or 1)
    if base_a and base_a == base_b:
        if num_b > num_a:
            return 1.0, f"handle @{new} continues @{old}"
        return 0.5, f"handle @{new} shares the stem of @{old}"  # a step back: an older account of the same actor
    ratio = SequenceMatcher(None, a, b).ratio()
    return (ratio, f"handle @{new} resembles @{old} ({ratio:.2f})") if ratio >= 0.75 else (0.0, "")


def score(s: Suspended, c: Candidate, max_gap_hours: float) -> Suggestion:
    parts: list[str] = []
    handle, why = handle_score(s.handle, c.handle)
    if why:
        parts.append(why)
    name = 1.0 if s.name and c.name and s.name.strip().lower() == c.name.strip().lower() else 0.0
    if name:
        parts.append(f"same name {c.name!r}")
    shared = [u for u in c.links if u in set(s.links)]
    links = len(shared) / max(1, min(len(s.links), len(c.links))) if shared else 0.0
    if shared:
        parts.append(f"re-shared {len(shared)} of its last links ({', '.join(shared[:3])})")
    common = s.audience & c.audience
    audience = len(common) / max(1, len(c.audience)) if common else 0.0
    if common:
        parts.append(f"{len(common)} of its audience engaged with both")
    gap = max(0.0, (c.first_post - s.gone) / 3600)
    timing = max(0.0, 1.0 - gap / max_gap_hours)
    parts.append(f"first post {gap:.1f} h after the suspension")
    scores = {"handle": round(handle, 4), "name": name, "links": round(links, 4), "audience": round(audience, 4),
              "timing": round(timing, 4)}  # fmt: skip
    confidence = round(sum(WEIGHTS[k] * v for k, v in scores.items()), 4)
    return Suggestion(s.uid, c.uid, confidence, scores, gap, "; ".join(parts))


def _suspended(db: Database, links: int) -> list[Suspended]:
    _, rows = db.read(SUSPENDED, {"links": links})
    return [
        Suspended(r["uid"], r["platform"], r["handle"], r["name"], int(r["gone"]),
                  None if r["last_post"] is None else int(r["last_post"]), list(r["links"]),
                  set(r["audience_a"]) | set(r["audience_b"]))
        for r in rows if r["gone"] is not None
    ]  # fmt: skip


def suggest_successors(
    db: Database, *, max_gap_days: float = 7.0, min_confidence: float = 0.5, per_account: int = 3, links: int = 10,
    write: bool = True,
) -> SuccessorsResult:  # fmt: skip
    """Score candidate successors of every suspended account; write the suggestions at or above min_confidence."""
    suspended = _suspended(db, links)
    max_gap = max_gap_days * 86400
    starts = [s.last_post if s.last_post is not None else s.gone for s in suspended]
    candidates: dict[str, Candidate] = {}
    if suspended:
        _, rows = db.read(
            FIRST_POSTS,
            {
                "platforms": sorted({s.platform for s in suspended}),
                "from": min(starts) - 3600,
                "to": max(s.gone for s in suspended) + max_gap,
            },
        )
        candidates = {r["uid"]: Candidate(r["uid"], r["platform"], r["handle"], r["name"], int(r["first_post"]))
                      for r in rows}  # fmt: skip
    pairs = [
        (s, c) for s, start in zip(suspended, starts, strict=True) for c in candidates.values()
        if c.uid != s.uid and c.platform == s.platform and start <= c.first_post <= s.gone + max_gap
    ]  # fmt: skip
    needed = sorted({c.uid for _, c in pairs})
    if needed:
        _, rows = db.read(CANDIDATE_EVIDENCE, {"uids": needed, "links": links})
        for r in rows:
            candidates[r["uid"]].links = list(r["links"])
            candidates[r["uid"]].audience = set(r["audience"])
    by_account: dict[str, list[Suggestion]] = {}
    for s, c in pairs:
        suggestion = score(s, c, max_gap / 3600)
        if suggestion.confidence >= min_confidence:
            by_account.setdefault(s.uid, []).append(suggestion)
    suggestions = [x for uid in sorted(by_account) for x in
                   sorted(by_account[uid], key=lambda x: (-x.confidence, x.candidate))[:per_account]]  # fmt: skip
    run = new_run_id("successors")
    if write:
        db.run_autocommit(CLEAR)
        write_rows(db, WRITE, [x.row() for x in suggestions], run=run)
    return SuccessorsResult(run, len(suspended), len(needed), suggestions)
