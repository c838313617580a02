"""The whole-graph reports, materialised: hashtag_lifecycle, amplifiers, cross_platform_bridges, case_counts,
activity_over_time (of every post) and hashtag_volume read most of the graph (2-7 s at 1M posts, growing with it:
docs/benchmarks.md), so `swarmgraph analyze reports` computes their figures once and writes them on the nodes or in
summary nodes; the prepared queries only filter, sort, add up and round them.

Written (every value unrounded, so the queries' parameters apply exactly as on the live computation):
  Hashtag   lifecycle_posts, lifecycle_first_seen, lifecycle_last_seen, lifecycle_peak_hour, lifecycle_peak_count,
            lifecycle_half_life, lifecycle_span_hours, lifecycle_active_from, lifecycle_active_until,
            lifecycle_flood_share, lifecycle_peak_day_share,
            lifecycle_platforms,
            lifecycle_hours, lifecycle_hour_posts, lifecycle_hour_flood (hashtag_volume: each hour with posts, in
            time order, its posts and those of flooding accounts)
  Account   amplifies (uid of the one account it ever engages with), amplify_engagements
  Account   bridge_posts, bridge_out_cross, bridge_in_cross, bridge_cross, bridge_platforms   (cross > 0 only)
  Url       bridge_flow, bridge_cross, bridge_role, bridge_host, bridge_platforms               (cross > 0 only)
  Summary   {report: 'case_counts', label, platform, nodes, first, last}: one per row of case_counts
  Summary   {report: 'activity', platform, hours, posts}: one per platform, each hour with posts and their number
each node also `reports_run`; an AnalysisRun {analysis: 'reports'} lists the LoadRuns covered (analytics/runs.py).
What each figure means is in the query files (cypher/hashtag_lifecycle.cypher ...). The work is cut in batches of
hashtags, accounts and URLs, so no statement holds the whole graph in the server's heap, and READERS batches run at
once (the two cores); a hashtag with more than TAG_POSTS posts gets a statement of its own, so big hashtags spread
over both. The summaries are aggregates (a row per label and platform, per platform and hour), computed and written
by the server in one statement each.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from graphdb.analytics import chunks, new_run_id, write_rows
from graphdb.analytics.runs import begin_run, end_run
from graphdb.db import Database

ANALYSIS = "reports"
COMMAND = "swarmgraph analyze reports"
REPORTS = ("hashtag_lifecycle", "amplifiers", "cross_platform_bridges", "case_counts", "activity_over_time",
           "hashtag_volume")
BATCH = 2_000  # accounts or URLs per statement
TAG_BATCH, TAG_POSTS = 20, 50_000  # hashtags per statement, until their posts pass TAG_POSTS
READERS = 2  # read statements at a time: the 2 cores of the machine the project is sized for

# ----- hashtag_lifecycle ------------------------------------------------------------------------------------------
# Accounts that never share a URL ("flooding" accounts), found once for every hashtag's statement.
FLOODERS = """
MATCH (a:Account) WHERE NOT EXISTS { (a)-[:POSTED]->(:Post)-[:LINKS_TO]->(:Url) }
RETURN a.uid AS uid
"""
# Each hashtag's posts are read once: their times (and platforms) are collected per account, so the passes below
# go over values in memory, not over nodes and their properties again.
LIFECYCLE = """
UNWIND $tags AS tag
MATCH (h:Hashtag {tag: tag})
CALL (h) {
  MATCH (h)<-[:TAGS]-(p:Post)
  WHERE p.created_at IS NOT NULL
  OPTIONAL MATCH (a:Account)-[:POSTED]->(p)
  WITH a, collect(p.created_at) AS times, collect(DISTINCT p.platform) AS platforms
  WITH times, platforms, a IS NOT NULL AND a.uid IN $flooders AS flood
  WITH sum(size(times)) AS total, sum(CASE WHEN flood THEN size(times) ELSE 0 END) AS flooded,
       collect({times: times, flood: flood}) AS groups,
       apoc.coll.toSet(apoc.coll.flatten(collect(platforms))) AS platforms
  WHERE total > 0
  CALL (groups) {
    // hashtag_volume's curve: posts per hour, and those of flooding accounts, hour by hour in time order
    UNWIND groups AS g
    UNWIND g.times AS t
    WITH datetime.truncate('hour', t) AS hour, count(*) AS n, sum(CASE WHEN g.flood THEN 1 ELSE 0 END) AS f
    ORDER BY hour
    RETURN collect(hour) AS hours, collect(n) AS hour_posts, collect(f) AS hour_flood
  }
  // the peak: the busiest hour, the earliest of equals
  WITH total, flooded, groups, platforms, hours, hour_posts, hour_flood,
       reduce(best = 0, i IN range(0, size(hours) - 1) |
              CASE WHEN hour_posts[i] > hour_posts[best] THEN i ELSE best END) AS peak
  WITH total, flooded, groups, platforms, hours, hour_posts, hour_flood, hours[peak] AS peak_hour,
       hour_posts[peak] AS peak_count
  CALL (groups, peak_hour) {
    UNWIND groups AS g
    UNWIND g.times AS t
    WITH t, t.epochSeconds AS s, (t.epochSeconds - peak_hour.epochSeconds) / 3600.0 AS from_peak
    RETURN min(t) AS first_seen, max(t) AS last_seen,
           percentileDisc(s, 0.05) AS s05, percentileDisc(s, 0.95) AS s95,
           percentileCont(CASE WHEN from_peak >= 0 THEN from_peak END, 0.5) AS half_life,
           toFloat(sum(CASE WHEN abs(from_peak - 0.5) <= 12.0 THEN 1 ELSE 0 END)) / count(*) AS peak_day_share
  }
  RETURN total, flooded, peak_hour, peak_count, first_seen, last_seen, s05, s95, half_life, peak_day_share, platforms,
         hours, hour_posts, hour_flood
}
// Times go out as text and come back through datetime(): a round trip through the driver would turn an offset
// (2015-08-29T20:00Z) into a named zone (...[UTC]), which prints differently from the posts' own times.
RETURN h.tag AS tag, total AS posts, toString(first_seen) AS first_seen, toString(last_seen) AS last_seen,
       toString(peak_hour) AS peak_hour, peak_count, half_life, [x IN hours | toString(x)] AS hours, hour_posts,
       hour_flood, (s95 - s05) / 3600.0 AS span_hours, toString(datetime({epochSeconds: s05})) AS active_from,
       toString(datetime({epochSeconds: s95})) AS active_until, toFloat(flooded) / total AS flood_share,
       peak_day_share, apoc.coll.sort(platforms) AS platforms
"""
WRITE_LIFECYCLE = """
UNWIND $rows AS row
MATCH (h:Hashtag {tag: row.tag})
SET h.lifecycle_posts = row.posts, h.lifecycle_first_seen = datetime(row.first_seen),
    h.lifecycle_last_seen = datetime(row.last_seen), h.lifecycle_peak_hour = datetime(row.peak_hour),
    h.lifecycle_peak_count = row.peak_count, h.lifecycle_half_life = row.half_life,
    h.lifecycle_span_hours = row.span_hours, h.lifecycle_active_from = datetime(row.active_from),
    h.lifecycle_active_until = datetime(row.active_until), h.lifecycle_flood_share = row.flood_share,
    h.lifecycle_peak_day_share = row.peak_day_share, h.lifecycle_platforms = row.platforms,
    h.lifecycle_hours = [x IN row.hours | datetime(x)], h.lifecycle_hour_posts = row.hour_posts,
    h.lifecycle_hour_flood = row.hour_flood, h.reports_run = $run
"""

# ----- amplifiers ---------------------------------------------------------------------------------------------------
AMPLIFIERS = """
UNWIND $uids AS uid
MATCH (a:Account {uid: uid})
CALL (a) {
  MATCH (a)-[:POSTED]->(:Post)-[:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]->(:Post)<-[:POSTED]-(t:Account)
  WHERE a <> t
  RETURN t
  UNION ALL
  MATCH (a)-[:POSTED]->(:Post)-[:MENTIONS|FORWARDED_FROM]->(t:Account)
  WHERE a <> t
  RETURN t
}
WITH a, t, count(*) AS n
WITH a, collect({t: t.uid, n: n}) AS targets
WHERE size(targets) = 1
RETURN a.uid AS uid, targets[0].t AS target, targets[0].n AS n
"""
WRITE_AMPLIFIERS = """
UNWIND $rows AS row
MATCH (a:Account {uid: row.uid})
SET a.amplifies = row.target, a.amplify_engagements = row.n, a.reports_run = $run
"""

# ----- cross_platform_bridges ---------------------------------------------------------------------------------------
# Links from other platforms to an account's own posts or profile, counted from the (few) social-post URLs.
LINKS_IN = """
CALL () {
  MATCH (u:Url {domain: 't.me'})<-[:LINKS_TO]-(p:Post)
  WHERE p.platform <> 'telegram'
  WITH split(u.url, '/')[3] AS handle, p
  MATCH (a:Account {platform: 'telegram'}) WHERE toLower(a.handle) = handle
  RETURN a, p
  UNION
  MATCH (u:Url {domain: 'twitter.com'})<-[:LINKS_TO]-(p:Post)
  WHERE p.platform <> 'twitter' AND u.url STARTS WITH 'https://twitter.com/i/web/status/'
  MATCH (a:Account)-[:POSTED]->(:Post {uid: 'twitter:' + split(u.url, '/')[-1]})
  RETURN a, p
}
RETURN a.uid AS uid, count(DISTINCT p) AS n, collect(DISTINCT p.platform) AS platforms
"""
# Posts linking another social platform's content, counted from the social URLs' side.
LINKS_OUT = """
MATCH (pl:Platform {kind: 'social'})<-[:HOSTED_ON]-(:Url)<-[:LINKS_TO]-(p:Post)<-[:POSTED]-(a:Account)
WHERE pl.name <> a.platform
RETURN a.uid AS uid, count(DISTINCT p) AS n, collect(DISTINCT pl.name) AS platforms
"""
ACCOUNT_BRIDGES = """
UNWIND $rows AS row
MATCH (a:Account {uid: row.uid})
RETURN a.uid AS uid, COUNT { (a)-[:POSTED]->() } AS posts, row.out_cross AS out_cross, row.in_cross AS in_cross,
       apoc.coll.sort(apoc.coll.toSet([a.platform] + row.others)) AS platforms
"""
WRITE_ACCOUNT_BRIDGES = """
UNWIND $rows AS row
MATCH (a:Account {uid: row.uid})
SET a.bridge_posts = row.posts, a.bridge_out_cross = row.out_cross, a.bridge_in_cross = row.in_cross,
    a.bridge_cross = row.out_cross + row.in_cross, a.bridge_platforms = row.platforms, a.reports_run = $run
"""
URL_FLOWS = """
UNWIND $urls AS key
MATCH (u:Url {url: key})-[:HOSTED_ON]->(host:Platform)
WITH u, host,
     CASE host.kind WHEN 'aggregator' THEN 'aggregator' WHEN 'hosting' THEN 'store' WHEN 'social' THEN 'beacon'
                    WHEN 'shortener' THEN 'shortener' ELSE 'other' END AS role
CALL (u) {
  MATCH (p:Post)-[:LINKS_TO]->(:Url)-[:REDIRECTS_TO*0..1]->(u)
  WITH p.platform AS platform, count(DISTINCT p) AS n
  RETURN collect({platform: platform, n: n}) AS per_platform, sum(n) AS flow, max(n) AS busiest
}
WITH u, host, role, per_platform, flow,
     CASE WHEN host.kind = 'social' THEN reduce(s = 0, x IN per_platform | s + CASE WHEN x.platform <> host.name
          THEN x.n ELSE 0 END)
          ELSE flow - busiest END AS cross
WHERE cross > 0
RETURN u.url AS url, host.name AS host, role, flow, cross, apoc.coll.sort([x IN per_platform | x.platform]) AS platforms
"""
WRITE_URL_BRIDGES = """
UNWIND $rows AS row
MATCH (u:Url {url: row.url})
SET u.bridge_flow = row.flow, u.bridge_cross = row.cross, u.bridge_role = row.role, u.bridge_host = row.host,
    u.bridge_platforms = row.platforms, u.reports_run = $run
"""

# ----- case_counts and activity_over_time: summary nodes ---------------------------------------------------------
SUMMARY_CASE_COUNTS = """
MATCH (n) WHERE NOT n:LoadRun AND NOT n:AnalysisRun AND NOT n:Summary
WITH head(labels(n)) AS label, CASE WHEN n:Platform THEN n.name ELSE n.platform END AS platform,
     coalesce(n.created_at, n.first_seen, n.checked_at) AS at
WITH label, platform, count(*) AS nodes, min(at) AS first, max(at) AS last
CREATE (s:Summary {report: 'case_counts', reports_run: $run})
SET s.label = label, s.platform = platform, s.nodes = nodes, s.first = first, s.last = last
"""
SUMMARY_ACTIVITY = """
MATCH (p:Post) WHERE p.created_at IS NOT NULL
WITH p.platform AS platform, datetime.truncate('hour', p.created_at) AS hour, count(*) AS n
ORDER BY hour
WITH platform, collect(hour) AS hours, collect(n) AS posts
CREATE (s:Summary {report: 'activity', reports_run: $run})
SET s.platform = platform, s.hours = hours, s.posts = posts
"""
CLEAR_SUMMARIES = "MATCH (s:Summary) WHERE s.reports_run IS NOT NULL DELETE s"

KEYS = {
    "hashtags": "MATCH (h:Hashtag) RETURN h.tag AS key, COUNT { (h)<-[:TAGS]-() } AS posts ORDER BY key",
    "accounts": "MATCH (a:Account) RETURN a.uid AS key ORDER BY key",
    "urls": "MATCH (u:Url) RETURN u.url AS key ORDER BY key",
}
# An earlier run's values go first (nodes it wrote may no longer qualify).
CLEAR = """
CALL () {
  MATCH (n:Hashtag) WHERE n.reports_run IS NOT NULL RETURN n
  UNION ALL
  MATCH (n:Account) WHERE n.reports_run IS NOT NULL RETURN n
  UNION ALL
  MATCH (n:Url) WHERE n.reports_run IS NOT NULL RETURN n
}
CALL (n) {
  REMOVE n.lifecycle_posts, n.lifecycle_first_seen, n.lifecycle_last_seen, n.lifecycle_peak_hour,
         n.lifecycle_peak_count, n.lifecycle_half_life, n.lifecycle_span_hours, n.lifecycle_active_from,
         n.lifecycle_active_until, n.lifecycle_flood_share,
         n.lifecycle_peak_day_share, n.lifecycle_platforms, n.lifecycle_hours, n.lifecycle_hour_posts,
         n.lifecycle_hour_flood, n.amplifies, n.amplify_engagements, n.bridge_posts,
         n.bridge_out_cross, n.bridge_in_cross, n.bridge_cross, n.bridge_platforms, n.bridge_flow, n.bridge_role,
         n.bridge_host, n.reports_run
} IN TRANSACTIONS OF 10000 ROWS
"""


@dataclass
class ReportsResult:
    run: str
    load_runs: int  # the LoadRuns the run covers
    hashtags: int  # hashtags with a lifecycle
    amplifiers: int  # accounts that engage with one other account only
    bridge_accounts: int  # accounts and URLs whose flow crosses platforms
    bridge_urls: int
    summaries: int  # Summary nodes: case_counts rows and activity platforms
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def _keys(db: Database, kind: str) -> list[str]:
    _, rows = db.read(KEYS[kind])
    return [r["key"] for r in rows]


def _parallel(db: Database, query: str, batches: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One read statement per batch of parameters, READERS at a time; the rows in the batches' order."""
    with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="swarmgraph-reports") as pool:
        return [row for rows in pool.map(lambda params: db.read(query, params)[1], batches) for row in rows]


def _batched(db: Database, query: str, name: str, keys: list[Any], size: int) -> list[dict[str, Any]]:
    return _parallel(db, query, ({name: batch} for batch in chunks(keys, size)))


def tag_batches(tags: list[tuple[str, int]]) -> list[list[str]]:
    """(tag, posts) in order, cut into batches of at most TAG_BATCH tags; a batch takes no further tag that would
    bring its posts past TAG_POSTS (so a bigger hashtag is a batch of its own)."""
    batches: list[list[str]] = [[]]
    posts = 0
    for tag, n in tags:
        if len(batches[-1]) == TAG_BATCH or (batches[-1] and posts + n > TAG_POSTS):
            batches.append([])
            posts = 0
        batches[-1].append(tag)
        posts += n
    return [b for b in batches if b]


def lifecycle_rows(db: Database) -> list[dict[str, Any]]:
    """Every hashtag's lifecycle, READERS statements at a time (a big hashtag gets a statement of its own)."""
    flooders = [r["uid"] for r in db.read(FLOODERS)[1]]
    tags = [(r["key"], int(r["posts"])) for r in db.read(KEYS["hashtags"])[1]]
    return _parallel(db, LIFECYCLE, ({"tags": names, "flooders": flooders} for names in tag_batches(tags)))


def amplifier_rows(db: Database, accounts: list[str]) -> list[dict[str, Any]]:
    return _batched(db, AMPLIFIERS, "uids", accounts, BATCH)


def account_bridge_rows(db: Database) -> list[dict[str, Any]]:
    """Accounts whose flow crosses platforms: links to other platforms' content, or linked from them."""
    links_in = {r["uid"]: r for r in db.read(LINKS_IN)[1]}
    links_out = {r["uid"]: r for r in db.read(LINKS_OUT)[1]}
    crossing = []
    for uid in sorted(set(links_in) | set(links_out)):
        lin, lout = links_in.get(uid), links_out.get(uid)
        crossing.append({"uid": uid, "out_cross": lout["n"] if lout else 0, "in_cross": lin["n"] if lin else 0,
                         "others": (lout["platforms"] if lout else []) + (lin["platforms"] if lin else [])})
    return _batched(db, ACCOUNT_BRIDGES, "rows", crossing, BATCH)


def url_bridge_rows(db: Database) -> list[dict[str, Any]]:
    return _batched(db, URL_FLOWS, "urls", _keys(db, "urls"), BATCH)


def materialise_reports(db: Database) -> ReportsResult:
    """Compute the three reports' figures over the whole graph and replace the previous run's."""
    run = new_run_id(ANALYSIS)
    load_runs = begin_run(db, run, ANALYSIS)
    seconds: dict[str, float] = {}
    t0 = time.monotonic()
    lifecycle = lifecycle_rows(db)
    seconds["hashtag_lifecycle"] = time.monotonic() - t0
    t0 = time.monotonic()
    amplifiers = amplifier_rows(db, _keys(db, "accounts"))
    seconds["amplifiers"] = time.monotonic() - t0
    t0 = time.monotonic()
    bridge_accounts = account_bridge_rows(db)
    bridge_urls = url_bridge_rows(db)
    seconds["cross_platform_bridges"] = time.monotonic() - t0
    t0 = time.monotonic()
    db.run_autocommit(CLEAR)
    write_rows(db, WRITE_LIFECYCLE, lifecycle, run=run)
    write_rows(db, WRITE_AMPLIFIERS, amplifiers, run=run)
    write_rows(db, WRITE_ACCOUNT_BRIDGES, bridge_accounts, run=run)
    write_rows(db, WRITE_URL_BRIDGES, bridge_urls, run=run)
    db.write(CLEAR_SUMMARIES)
    seconds["write"] = time.monotonic() - t0
    summaries = 0
    for report, statement in (("case_counts", SUMMARY_CASE_COUNTS), ("activity_over_time", SUMMARY_ACTIVITY)):
        t0 = time.monotonic()
        summaries += db.write_counters(statement, {"run": run}).get("nodes_created", 0)
        seconds[report] = time.monotonic() - t0
    end_run(db, run, len(lifecycle) + len(amplifiers) + len(bridge_accounts) + len(bridge_urls) + summaries)
    return ReportsResult(run, len(load_runs), len(lifecycle), len(amplifiers), len(bridge_accounts), len(bridge_urls),
                         summaries, {k: round(v, 2) for k, v in seconds.items()})  # fmt: skip
