"""Content identity across hosted copies: which Videos are the same work, and which are language versions of one.

A Video is what one or more Urls SERVE. Loaded from per-copy evidence (one info.json or archive.org item per copy)
every copy is its own Video, so the same work appears many times. This analysis suggests, never merges:
  (a:Video)-[:SAME_WORK_AS {confidence, certain, evidence, basis, run, suggested: true}]->(b:Video)
  (v:Video)-[:SUGGESTED_VERSION_OF {confidence, evidence, basis, language, run, suggested: true}]->(earlier:Video)
Equal content hashes (`hash`, or any of `hashes`) are certain (confidence 1.0). Otherwise each piece of evidence has a
reliability and they combine as independent evidence (noisy-OR, WEIGHTS):
  title     the same language-aware title key (graphdb/analytics/titles.py); with durations within 2 s: title+duration
  ids       a rare uploader-given id token in common (archive.org identifiers, file names, `upload_ids`, host ids)
  pages     an aggregator page listing a copy of each (LISTS): one page, or two and more
  channel   the same release channel: the account whose post first linked a copy, or the uploader (POSTED)
  duration  durations within 2 s
Two Videos whose languages are both known and differ are not the same work but may be versions of one: that needs
durations within 2 s (a dub or subtitle keeps the length) and combines duration, channel, pages and title. Durations
both known and more than 2 s apart rule out both. Suggestions are kept apart from observed VERSION_OF edges (so
queries over observed data never follow a guess) and replaced by each run; docs/model.md describes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from graphdb.analytics import new_run_id, write_rows
from graphdb.analytics.titles import id_tokens, title_key, title_script, url_ids
from graphdb.db import Database

VIDEOS = """
MATCH (v:Video)
WHERE EXISTS { (:Url)-[:SERVES]->(v) }
OPTIONAL CALL (v) {
  MATCH (u:Url)-[:SERVES]->(v)
  CALL (u) {
    RETURN u AS l
    UNION
    MATCH (l:Url)-[:REDIRECTS_TO]->(u) RETURN l
  }
  MATCH (a:Account)-[:POSTED]->(p:Post)-[:LINKS_TO]->(l)
  RETURN a.uid AS announcer, p.created_at AS first_share ORDER BY first_share, announcer LIMIT 1
}
RETURN v.uid AS uid, v.title AS title, v.language AS language, v.duration AS duration, v.hash AS hash,
       v.hashes AS hashes, v.upload_ids AS upload_ids, announcer, first_share.epochSeconds AS first_share,
       COLLECT { MATCH (u:Url)-[:SERVES]->(v) RETURN u.url } AS urls,
       COLLECT { MATCH (page:Url)-[:LISTS]->(:Url)-[:SERVES]->(v) RETURN DISTINCT page.url } AS pages,
       COLLECT { MATCH (acc:Account)-[:POSTED]->(v) RETURN acc.uid } AS uploaders,
       COLLECT { MATCH (v)-[:VERSION_OF*1..2]-(w:Video) WHERE w <> v RETURN DISTINCT w.uid } AS versions
"""

CLEAR = "MATCH (:Video)-[r:SAME_WORK_AS|SUGGESTED_VERSION_OF]->(:Video) DELETE r"

WRITE_SAME = """
UNWIND $rows AS row
MATCH (a:Video {uid: row.a}) MATCH (b:Video {uid: row.b})
MERGE (a)-[r:SAME_WORK_AS]->(b)
SET r.confidence = row.confidence, r.certain = row.certain, r.evidence = row.evidence, r.basis = row.basis,
    r.run = $run, r.suggested = true
"""

WRITE_VERSION = """
UNWIND $rows AS row
MATCH (a:Video {uid: row.a}) MATCH (b:Video {uid: row.b})
MERGE (a)-[r:SUGGESTED_VERSION_OF]->(b)
SET r.confidence = row.confidence, r.evidence = row.evidence, r.basis = row.basis, r.language = row.language,
    r.run = $run, r.suggested = true
"""

WEIGHTS = {"title+duration": 0.9, "title": 0.6, "ids": 0.8, "pages": 0.4, "pages2": 0.6, "channel": 0.3,
           "duration": 0.2}  # fmt: skip
VERSION_WEIGHTS = {"title": 0.6, "duration": 0.3, "channel": 0.3, "pages": 0.4, "pages2": 0.6}
DURATION_TOLERANCE = 2.0  # seconds
MAX_BLOCK = 200  # a key shared by more Videos than this (a naming convention, a page listing everything) is no evidence


@dataclass
class VideoFacts:
    uid: str
    title: str | None
    language: str | None
    duration: float | None
    hashes: set[str]
    ids: set[str]
    pages: set[str]
    channels: set[str]
    first_share: int | None
    versions: set[str] = field(default_factory=set)

    @property
    def key(self) -> str | None:
        return title_key(self.title)


@dataclass
class Suggestion:
    kind: str  # same_work | version_of
    a: str
    b: str
    confidence: float
    basis: list[str]
    evidence: str
    certain: bool = False
    language: str | None = None

    def row(self) -> dict[str, Any]:
        return {"kind": self.kind, "a": self.a, "b": self.b, "confidence": self.confidence, "certain": self.certain,
                "basis": self.basis, "evidence": self.evidence, "language": self.language}  # fmt: skip


@dataclass
class CopiesResult:
    run: str
    videos: int
    pairs_considered: int
    suggestions: list[Suggestion]

    def as_dict(self) -> dict[str, Any]:
        same = [s for s in self.suggestions if s.kind == "same_work"]
        return {"run": self.run, "videos": self.videos, "pairs_considered": self.pairs_considered,
                "same_work": len(same), "certain": sum(1 for s in same if s.certain),
                "version_of": len(self.suggestions) - len(same),
                "suggestions": [s.row() for s in self.suggestions]}  # fmt: skip


def _facts(row: dict[str, Any]) -> VideoFacts:
    hashes = {h.strip().lower() for h in [row["hash"], *(row["hashes"] or [])] if isinstance(h, str) and h.strip()}
    ids = list(row["upload_ids"] or []) + [i for u in row["urls"] for i in url_ids(u)]
    channels = {c for c in [row["announcer"], *row["uploaders"]] if c}
    duration = row["duration"]
    return VideoFacts(row["uid"], row["title"], row["language"], float(duration) if duration is not None else None,
                      hashes, id_tokens([str(i) for i in ids]), set(row["pages"]), channels, row["first_share"],
                      set(row["versions"]))  # fmt: skip


def _noisy_or(weights: Iterable[float]) -> float:
    miss = 1.0
    for w in weights:
        miss *= 1.0 - w
    return round(1.0 - miss, 4)


def _candidate_pairs(videos: list[VideoFacts]) -> set[tuple[int, int]]:
    """Pairs sharing a hash, title key, id token, page or channel (blocks larger than MAX_BLOCK are skipped)."""
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, v in enumerate(videos):
        keys = [("hash", h) for h in v.hashes] + [("id", t) for t in v.ids] + [("page", p) for p in v.pages]
        keys += [("channel", c) for c in v.channels]
        if v.key:
            keys.append(("title", v.key))
        for k in keys:
            blocks[k].append(i)
    pairs: set[tuple[int, int]] = set()
    for (kind, _), members in blocks.items():
        if kind == "channel":  # a channel releases many works: only pairs of similar length are candidates
            timed = sorted((d, i) for i in members if (d := videos[i].duration) is not None)
            for x, (di, i) in enumerate(timed):
                for dj, j in timed[x + 1 :]:
                    if dj - di > DURATION_TOLERANCE:
                        break
                    pairs.add((min(i, j), max(i, j)))
            continue
        if len(members) > MAX_BLOCK and kind != "hash":
            continue
        pairs.update((min(i, j), max(i, j)) for i, j in combinations(sorted(set(members)), 2))
    return pairs


def _shared_ids(a: VideoFacts, b: VideoFacts, id_counts: dict[str, int]) -> list[str]:
    return sorted(t for t in a.ids & b.ids if id_counts[t] <= MAX_BLOCK)


def _languages(a: VideoFacts, b: VideoFacts) -> tuple[str | None, str | None]:
    """Both given languages; else, when neither has one, both titles' scripts; else unknown (compatible)."""
    if a.language and b.language:
        return a.language.lower(), b.language.lower()
    if not a.language and not b.language:
        return title_script(a.title), title_script(b.title)
    return None, None


def _delta(a: VideoFacts, b: VideoFacts) -> float | None:
    return abs(a.duration - b.duration) if a.duration is not None and b.duration is not None else None


def score_pair(a: VideoFacts, b: VideoFacts, id_counts: dict[str, int]) -> Suggestion | None:
    """The suggestion for one candidate pair, or None when the facts rule it out or too little links them."""
    if a.uid in b.versions or b.uid in a.versions:
        return None  # an observed VERSION_OF (to each other or to one original) already says what they are
    if a.hashes & b.hashes:
        h = sorted(a.hashes & b.hashes)[0]
        return Suggestion("same_work", a.uid, b.uid, 1.0, ["hash"], f"same content hash {h}", certain=True)
    delta = _delta(a, b)
    if delta is not None and delta > DURATION_TOLERANCE:
        return None
    same_length = delta is not None
    same_title = a.key is not None and a.key == b.key
    basis: list[str] = []
    parts = [f"durations {a.duration:g} s and {b.duration:g} s"] if same_length else []
    pages = sorted(a.pages & b.pages)
    if pages:
        basis.append("pages2" if len(pages) > 1 else "pages")
        parts.append(f"listed together on {len(pages)} aggregator page(s) ({', '.join(pages[:2])})")
    channels = sorted(a.channels & b.channels)
    if channels:
        basis.append("channel")
        parts.append(f"same release channel {channels[0]}")
    lang_a, lang_b = _languages(a, b)
    if lang_a and lang_b and lang_a != lang_b:
        if not same_length:  # a dub or a subtitled version keeps the length
            return None
        basis.append("duration")
        if same_title:
            basis.append("title")
            parts.append(f"same title apart from the language ({a.key!r})")
        parts.append(f"languages {lang_a} and {lang_b}")
        later, earlier = (a, b) if (a.first_share or 0, a.uid) > (b.first_share or 0, b.uid) else (b, a)
        return Suggestion("version_of", later.uid, earlier.uid, _noisy_or(VERSION_WEIGHTS[k] for k in basis),
                          sorted(basis), "; ".join(parts), language=lang_a if later is a else lang_b)  # fmt: skip
    ids = _shared_ids(a, b, id_counts)
    if ids:
        basis.append("ids")
        parts.append(f"same uploader-given id {ids[0]}")
    if same_title:
        basis.append("title+duration" if same_length else "title")
        parts.append(f"same title {a.key!r}")
    elif same_length:
        basis.append("duration")
    if not basis or basis == ["duration"]:
        return None
    return Suggestion("same_work", a.uid, b.uid, _noisy_or(WEIGHTS[k] for k in basis), sorted(basis),
                      "; ".join(parts))  # fmt: skip


def suggest_copies(db: Database, *, min_confidence: float = 0.5, write: bool = True) -> CopiesResult:
    """Score candidate pairs of Videos; write the suggestions at or above min_confidence (certain ones always)."""
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence {min_confidence} is not between 0 and 1")
    _, rows = db.read(VIDEOS)
    videos = [_facts(r) for r in rows]
    id_counts: dict[str, int] = defaultdict(int)
    for v in videos:
        for t in v.ids:
            id_counts[t] += 1
    pairs = _candidate_pairs(videos)
    suggestions = []
    for i, j in sorted(pairs):
        s = score_pair(videos[i], videos[j], id_counts)
        if s is not None and (s.certain or s.confidence >= min_confidence):
            suggestions.append(s)
    suggestions.sort(key=lambda s: (s.kind, -s.confidence, s.a, s.b))
    run = new_run_id("copies")
    if write:
        db.run_autocommit(CLEAR)
        write_rows(db, WRITE_SAME, [s.row() for s in suggestions if s.kind == "same_work"], run=run)
        write_rows(db, WRITE_VERSION, [s.row() for s in suggestions if s.kind == "version_of"], run=run)
    return CopiesResult(run, len(videos), len(pairs), suggestions)
