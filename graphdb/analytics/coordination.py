"""Coordinated link sharing (CooRnet / CooRTweet / QUT coordination-network-toolkit semantics).

Two accounts co-share when they post the same object (a canonical URL: a short link counts as its target; or, with
by="video", any copy of the same video) within `window` seconds of each other. A pair's weight is the number of
distinct objects it co-shared. A pair becomes a COORDINATED_WITH edge when
  * its weight is at least `min_repeats` (CooRTweet's min_repetition);
  * its weight is at or above the `percentile` of all co-sharing pairs' weights (CooRnet's edge percentile; off by
    default: it keeps a fixed top share of pairs, so where coordinated pairs are many it cuts true groups);
  * it is unlikely by chance (p <= `alpha` / the number of co-sharing pairs: Bonferroni, since every co-sharing pair
    is a test). Busy accounts sharing the same fresh links co-share by accident now and
    then. The null model jitters each share within `null_window` seconds: a pair of shares of the same object that
    fall within null_window of each other lands within `window` with probability window / null_window, so the
    co-shares expected by chance are (window / null_window) x the pair's share pairs within null_window, and the
    observed co-shares are tested against a Poisson tail (scipy's survival function, in log space: a p-value of
    1e-45 is stored as 1e-45, and `log10_p_value` keeps the size of one too small for a float).
The connected components of the edges are the coordinated groups. Reposts and forwards are not shares of their own
(a retweet or a Telegram forward carries its original's links: it is amplification, not posting).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphdb.analytics import new_run_id, write_rows
from graphdb.db import Database
from graphdb.errors import AnalysisError

# The object of each URL is worked out once per URL (its redirect target, with by="video" the video it serves), then
# its shares are read: resolving it per share row repeated the two lookups for every post of a busy URL.
SHARES = """
MATCH (u:Url)
OPTIONAL CALL (u) {
  MATCH (u)-[:REDIRECTS_TO]->(t:Url) RETURN t ORDER BY t.url LIMIT 1
}
WITH coalesce(t, u) AS target, u
OPTIONAL CALL (target) {
  WITH target WHERE $by = 'video'
  MATCH (target)-[:SERVES]->(v:Video) RETURN v ORDER BY v.uid LIMIT 1
}
WITH coalesce(v.uid, target.url) AS object, u
MATCH (a:Account)-[:POSTED]->(p:Post)-[:LINKS_TO]->(u)
WHERE p.created_at IS NOT NULL AND NOT EXISTS { (p)-[:REPOSTS|FORWARDS|FORWARDED_FROM]->() }
WITH DISTINCT object, a.uid AS account, p, p.created_at.epochSeconds AS at
WITH object, collect([account, at]) AS shares
WHERE size(shares) > 1
RETURN object, shares
"""

CLEAR_EDGES = """
MATCH ()-[r:COORDINATED_WITH]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS
"""

CLEAR_GROUPS = """
MATCH (a:Account) WHERE a.coordination_group IS NOT NULL
CALL (a) { REMOVE a.coordination_group } IN TRANSACTIONS OF 10000 ROWS
"""

WRITE_EDGES = """
UNWIND $rows AS row
MATCH (a:Account {uid: row.a})
MATCH (b:Account {uid: row.b})
MERGE (a)-[r:COORDINATED_WITH]->(b)
SET r.weight = row.weight, r.window = $window, r.run = $run, r.objects = row.objects, r.co_shares = row.co_shares,
    r.first_at = datetime({epochSeconds: row.first_at}), r.last_at = datetime({epochSeconds: row.last_at}),
    r.expected = row.expected, r.p_value = row.p_value, r.log10_p_value = row.log10_p_value,
    r.min_repeats = $min_repeats, r.percentile = $percentile, r.alpha = $alpha
"""

WRITE_GROUPS = """
UNWIND $rows AS row
MATCH (a:Account {uid: row.uid})
SET a.coordination_group = row.group
"""

MAX_EVIDENCE = 50  # objects kept on an edge as evidence
Shares = dict[str, list[tuple[str, int]]]  # object -> [(account uid, epoch seconds)]


@dataclass
class PairEvidence:
    objects: set[str] = field(default_factory=set)
    co_shares: int = 0  # share pairs within the window
    first_at: int = 0
    last_at: int = 0
    near: int = 0  # share pairs within the null window
    expected: float = 0.0
    p_value: float = 1.0
    log_p: float = 0.0  # ln p_value, exact where p_value itself underflows to 0.0

    @property
    def weight(self) -> int:
        return len(self.objects)

    def add(self, obj: str, at: int) -> None:
        if not self.objects:
            self.first_at = self.last_at = at
        self.objects.add(obj)
        self.co_shares += 1
        self.first_at = min(self.first_at, at)
        self.last_at = max(self.last_at, at)


@dataclass
class CoordinationResult:
    run: str
    window: int
    min_repeats: int
    percentile: float
    alpha: float
    null_window: int
    by: str
    objects: int  # objects shared by two or more accounts
    candidate_pairs: int  # pairs that co-shared at least once within the window
    threshold: float  # the weight an edge needs (max of min_repeats and the percentile)
    chance_rejected: int  # pairs above the threshold rejected as likely accidental
    edges: int
    groups: list[list[str]]
    coordination_interval: float | None  # CooRnet's estimate, seconds

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def _sorted(shares: Shares) -> Shares:
    return {obj: sorted(s, key=lambda x: x[1]) for obj, s in shares.items()}


def co_shares(shares: Shares, window: int) -> dict[tuple[str, str], PairEvidence]:
    """Every pair of distinct accounts that posted the same object within `window` seconds (a sorted sweep, in numpy:
    see `_share_pairs`)."""
    accounts = sorted({a for items in shares.values() for a, _ in items})
    index = {a: i for i, a in enumerate(accounts)}
    width = max(1, len(accounts))
    objects = list(shares)
    found: list[tuple[Any, Any, Any, Any, Any]] = []  # per object: pair codes, object, share pairs, first, last
    for number, obj in enumerate(objects):
        items = shares[obj]
        if len(items) < 2:
            continue
        acc = np.fromiter((index[a] for a, _ in items), dtype=np.int64, count=len(items))
        at = np.fromiter((t for _, t in items), dtype=np.int64, count=len(items))
        for code, later in _share_pairs(acc, at, window, width):
            if len(code):
                unique, inverse = np.unique(code, return_inverse=True)
                first = np.full(len(unique), np.iinfo(np.int64).max)
                last = np.full(len(unique), np.iinfo(np.int64).min)
                np.minimum.at(first, inverse, later)
                np.maximum.at(last, inverse, later)
                count = np.bincount(inverse, minlength=len(unique))
                found.append((unique, np.full(len(unique), number), count, first, last))
    pairs: dict[tuple[str, str], PairEvidence] = {}
    if not found:
        return pairs
    codes, numbers, counts, firsts, lasts = (np.concatenate([f[i] for f in found]) for i in range(5))
    order = np.argsort(codes, kind="stable")
    codes, numbers, counts, firsts, lasts = codes[order], numbers[order], counts[order], firsts[order], lasts[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    co = np.add.reduceat(counts, starts).tolist()
    lo, hi = np.minimum.reduceat(firsts, starts).tolist(), np.maximum.reduceat(lasts, starts).tolist()
    ends = np.r_[starts[1:], len(codes)]
    for k, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        c = int(codes[s])
        pairs[(accounts[c // width], accounts[c % width])] = PairEvidence(
            objects={objects[i] for i in numbers[s:e].tolist()}, co_shares=co[k], first_at=lo[k], last_at=hi[k]
        )
    return pairs


NEAR_CHUNK = 4_000_000  # share pairs enumerated at once by either sweep (a few arrays of this many int64s)


def _share_pairs(acc: Any, at: Any, span: int, width: int) -> Iterator[tuple[Any, Any]]:
    """Every pair of shares of one object (sorted by time) at most `span` seconds apart, by distinct accounts, in
    chunks of about NEAR_CHUNK: (the pair's code, lower account index x width + higher; the later share's time)."""
    n = len(at)
    ends = np.searchsorted(at, at + span, side="right")
    counts = ends - np.arange(n) - 1  # the later shares each share pairs with
    total = np.cumsum(counts)
    start = 0
    while start < n:
        before = int(total[start - 1]) if start else 0
        stop = max(start + 1, int(np.searchsorted(total, before + NEAR_CHUNK, side="right")))
        per = counts[start:stop]
        first = np.repeat(np.arange(start, stop), per)
        second = first + 1 + np.arange(len(first)) - np.repeat(np.cumsum(per) - per, per)
        a, b = acc[first], acc[second]
        distinct = a != b
        yield np.minimum(a, b)[distinct] * width + np.maximum(a, b)[distinct], at[second][distinct]
        start = stop


def chance_test(pairs: dict[tuple[str, str], PairEvidence], shares: Shares, window: int, null_window: int) -> None:
    """Set each pair's co-shares expected under the jitter null and the Poisson tail of what it observed.

    Counting the share pairs within the null window is the bulk of the analysis on a large collection (an hour is
    60 one-minute windows: about 4M share pairs at 1M posts, a hundred times that at 10M), so it runs in numpy: per
    object, the shares of accounts in a tested pair as arrays, every pair of them within the null window enumerated
    in chunks, coded as one integer per account pair and counted against the tested pairs' codes."""
    if not pairs:
        return
    accounts = sorted({a for pair in pairs for a in pair})
    index = {a: i for i, a in enumerate(accounts)}
    width = len(accounts)
    tested = list(pairs)
    codes = np.array([index[a] * width + index[b] for a, b in tested], dtype=np.int64)  # a < b: index[a] < index[b]
    order = np.argsort(codes, kind="stable")
    keys = codes[order]
    near = np.zeros(len(keys), dtype=np.int64)
    for items in shares.values():
        kept = [(index[a], t) for a, t in items if a in index]
        if len(kept) < 2:
            continue
        acc = np.fromiter((a for a, _ in kept), dtype=np.int64, count=len(kept))
        at = np.fromiter((t for _, t in kept), dtype=np.int64, count=len(kept))
        _count_near(acc, at, null_window, width, keys, near)
    ratio = window / null_window
    for position, p in enumerate(order.tolist()):
        pairs[tested[p]].near = int(near[position])
    evidence_list = list(pairs.values())
    observed = np.array([e.co_shares for e in evidence_list], dtype=np.int64)
    expected = np.array([ratio * e.near for e in evidence_list], dtype=np.float64)
    for evidence, mean, log_p in zip(evidence_list, expected.tolist(), log_poisson_tails(observed, expected),
                                     strict=True):
        evidence.expected = mean
        evidence.log_p = log_p
        evidence.p_value = math.exp(log_p)


def _count_near(acc: Any, at: Any, null_window: int, width: int, keys: Any, near: Any) -> None:
    """Add to `near` (aligned with the sorted pair codes `keys`) every pair of these shares of one object within
    null_window of each other, by distinct accounts."""
    for code, _ in _share_pairs(acc, at, null_window, width):
        position = np.searchsorted(keys, code)
        inside = position < len(keys)
        position, code = position[inside], code[inside]
        near += np.bincount(position[keys[position] == code], minlength=len(keys))


def log_poisson_tails(k: Any, mean: Any) -> list[float]:
    """log_poisson_tail for arrays of counts and means, one scipy call for all (per pair it was most of the test's
    time); the few that underflow go the scalar way."""
    from scipy.stats import poisson

    if len(k) == 0:
        return []
    with np.errstate(divide="ignore", invalid="ignore"):
        log_sf = poisson.logsf(k - 1, mean)
    out: list[float] = []
    for ki, mi, value in zip(k.tolist(), mean.tolist(), log_sf.tolist(), strict=True):
        if ki <= 0:
            out.append(0.0)
        elif mi <= 0:
            out.append(-math.inf)
        elif value > -700:
            out.append(float(value))
        else:
            out.append(log_poisson_tail(ki, mi))
    return out


def log_poisson_tail(k: int, mean: float) -> float:
    """ln P(X >= k) for X ~ Poisson(mean), from scipy's survival function; far in the tail, where that underflows,
    from the sum of the first terms of the tail (each is mean / (k + j) times the one before, so 60 suffice)."""
    from scipy.special import logsumexp
    from scipy.stats import poisson

    if k <= 0:
        return 0.0
    if mean <= 0:
        return -math.inf
    log_sf = float(poisson.logsf(k - 1, mean))
    if log_sf > -700:  # exp() of it is still a normal float
        return log_sf
    return float(logsumexp([poisson.logpmf(k + j, mean) for j in range(60)]))


def poisson_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean); 0.0 only below the smallest float (log_poisson_tail keeps the size)."""
    return math.exp(log_poisson_tail(k, mean))


def quantile(values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation (R type 7, as CooRnet's `quantile`)."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def coordination_interval(shares: Shares, q: float = 0.1, p: float = 0.5) -> float | None:
    """CooRnet: seconds within which the quickest q of objects reach p of their shares."""
    spans = []
    for items in shares.values():
        times = sorted(t for _, t in items)
        k = max(1, math.ceil(p * len(times)) - 1)  # at least the second share: the first alone is no spread
        spans.append(float(times[k] - times[0]))
    return quantile(spans, q) if spans else None


def connected_groups(edges: list[tuple[str, str]]) -> list[list[str]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for x in parent:
        groups[find(x)].append(x)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g[0]))


def find_coordinated_pairs(
    shares: Shares, *, window: int, min_repeats: int, percentile: float, alpha: float, null_window: int
) -> tuple[dict[tuple[str, str], PairEvidence], dict[tuple[str, str], PairEvidence], float]:
    """(all co-sharing pairs, the coordinated ones, the weight threshold): the pure part of the analysis."""
    shares = _sorted(shares)
    pairs = co_shares(shares, window)
    threshold = max(float(min_repeats), quantile([float(e.weight) for e in pairs.values()], percentile))
    strong = {k: e for k, e in pairs.items() if e.weight >= threshold}
    chance_test(strong, shares, window, null_window)
    cutoff = alpha / max(1, len(pairs))
    return pairs, {k: e for k, e in strong.items() if e.p_value <= cutoff}, threshold


def detect_coordination(
    db: Database, *, window: int = 60, min_repeats: int = 2, percentile: float = 0.0, alpha: float = 0.01,
    null_window: int = 3600, by: str = "url", write: bool = True,
) -> CoordinationResult:  # fmt: skip
    """Find coordinated link sharing and (unless write=False) replace the COORDINATED_WITH edges with the result."""
    if window <= 0 or null_window <= window or min_repeats < 1 or not 0.0 <= percentile <= 1.0 or not 0 < alpha <= 1:
        raise AnalysisError(
            "need window > 0, null_window > window, min_repeats >= 1, 0 <= percentile <= 1 and 0 < alpha <= 1"
        )
    if by not in ("url", "video"):
        raise AnalysisError(f"by must be url or video, not {by!r}")
    _, rows = db.read(SHARES, {"by": by})
    shares = {r["object"]: [(a, int(t)) for a, t in r["shares"]] for r in rows}
    pairs, kept, threshold = find_coordinated_pairs(
        shares, window=window, min_repeats=min_repeats, percentile=percentile, alpha=alpha, null_window=null_window
    )
    strong = sum(1 for e in pairs.values() if e.weight >= threshold)
    groups = connected_groups(list(kept))
    run = new_run_id("coordination")
    if write:
        db.run_autocommit(CLEAR_EDGES)
        db.run_autocommit(CLEAR_GROUPS)
        edge_rows = [
            {"a": a, "b": b, "weight": e.weight, "co_shares": e.co_shares, "objects": sorted(e.objects)[:MAX_EVIDENCE],
             "first_at": e.first_at, "last_at": e.last_at, "expected": round(e.expected, 4), "p_value": e.p_value,
             "log10_p_value": round(e.log_p / math.log(10), 3) if math.isfinite(e.log_p) else None}
            for (a, b), e in sorted(kept.items())
        ]  # fmt: skip
        write_rows(db, WRITE_EDGES, edge_rows, window=window, run=run, min_repeats=min_repeats, percentile=percentile,
                   alpha=alpha)  # fmt: skip
        write_rows(db, WRITE_GROUPS, [{"uid": uid, "group": i} for i, g in enumerate(groups, 1) for uid in g])
    return CoordinationResult(
        run=run, window=window, min_repeats=min_repeats, percentile=percentile, alpha=alpha, null_window=null_window,
        by=by, objects=len(shares), candidate_pairs=len(pairs), threshold=threshold,
        chance_rejected=strong - len(kept), edges=len(kept), groups=groups,
        coordination_interval=coordination_interval(shares),
    )  # fmt: skip
