// name: dissemination_paths
// description: Time-respecting paths from a seed (video, url, post, account or hashtag) across platforms: each hop with its platform and time
// param: video string = null  -- start from the earliest posts sharing this video uid (the copies of its work, short links or pages)
// param: min_confidence float = null  -- with video: also take the Videos suggested SAME_WORK_AS it at or above this confidence (null: certain ones only)
// param: include_versions bool = false  -- with video: take every language version of its release
// param: url string = null  -- start from the earliest posts linking this canonical URL
// param: post string = null  -- start from this post uid
// param: account string = null  -- start from this account's earliest posts with links
// param: hashtag string = null  -- start from the earliest posts with this hashtag (without #)
// param: starts int = 3  -- start posts taken from the seed (earliest first)
// param: max_hops int = 4  -- relationships per path at most (routes have 1 to 4)
// param: max_hours float = 72.0  -- a path ends within this many hours of its start
// param: cross_only bool = true  -- only paths that end on another platform than they start
// param: max_paths int = 25  -- paths returned (earliest arrival first)
// mode: read
//
// Content travels from a post to a later post (each no earlier than the one before, within max_hours): through a URL
// both link; through an aggregator page the first links and a mirror the page was seen listing (LISTS.seen_at) by
// the time the second links it; through a short link and its target; or as a repost, quote, reply or forward (one
// or two deep). For every post so reached (on another platform, with cross_only) the shortest route is kept; paths
// are listed by arrival, earliest first; then_amplified counts the reposts, quotes, replies and forwards the reached
// post got within the window (the spread that continues on its platform). Give exactly one seed parameter; a video
// seed counts a post linking a page only from when a snapshot showed the page listing a copy; it stands for its work
// as in video_reach (the copies of every Video SAME_WORK_AS it).
CALL () {
  MATCH (v0:Video {uid: $video})
  CALL (v0) {
    // the work: v0 and the Videos SAME_WORK_AS it (certain edges; suggested ones from min_confidence), 2 steps deep
    MATCH (v0)-[r:SAME_WORK_AS WHERE r.certain OR r.confidence >= coalesce($min_confidence, 2.0)]-{0,2}(v:Video)
    RETURN v, CASE WHEN size(r) = 0 THEN 0 WHEN all(x IN r WHERE x.certain) THEN 1 ELSE 2 END AS rank
    UNION
    // include_versions: its language versions (VERSION_OF; SUGGESTED_VERSION_OF from min_confidence) and their works
    WITH v0 WHERE $include_versions
    MATCH (v0)-[r:SAME_WORK_AS WHERE r.certain OR r.confidence >= coalesce($min_confidence, 2.0)]-{0,2}(w:Video)
    WITH DISTINCT w
    MATCH (w)-[q:VERSION_OF|SUGGESTED_VERSION_OF
               WHERE q.suggested IS NULL OR q.confidence >= coalesce($min_confidence, 2.0)]-{1,2}(x:Video)
    WITH DISTINCT x
    MATCH (x)-[r:SAME_WORK_AS WHERE r.certain OR r.confidence >= coalesce($min_confidence, 2.0)]-{0,1}(v:Video)
    RETURN DISTINCT v, 3 AS rank
  }
  WITH v, min(rank) AS rank
  MATCH (v)<-[:SERVES]-(copy:Url)
  CALL (copy) {
    RETURN copy AS u, null AS since
    UNION
    MATCH (u:Url)-[:REDIRECTS_TO]->(copy) RETURN u, null AS since
    UNION
    MATCH (u:Url)-[r:LISTS]->(copy) RETURN u, r.seen_at AS since
  }
  MATCH (p:Post)-[:LINKS_TO]->(u)
  WHERE since IS NULL OR p.created_at >= since
  RETURN p
  UNION
  MATCH (u:Url {url: $url})
  OPTIONAL MATCH (via:Url)-[:REDIRECTS_TO]->(u)
  WITH u, collect(via) AS vias
  UNWIND [u] + vias AS x
  MATCH (p:Post)-[:LINKS_TO]->(x)
  RETURN p
  UNION
  MATCH (p:Post {uid: $post})
  RETURN p
  UNION
  MATCH (:Account {uid: $account})-[:POSTED]->(p:Post)
  WHERE EXISTS { (p)-[:LINKS_TO]->() }
  RETURN p
  UNION
  MATCH (:Hashtag {tag: toLower($hashtag)})<-[:TAGS]-(p:Post)
  RETURN p
}
WITH DISTINCT p AS s WHERE s.created_at IS NOT NULL
ORDER BY s.created_at, s.uid
LIMIT $starts
WITH collect({s: s, t0: s.created_at, t1: s.created_at + duration({seconds: toInteger($max_hours * 3600)}),
              platform: s.platform}) AS starts
WITH starts, apoc.coll.min([x IN starts | x.t0]) AS from, apoc.coll.max([x IN starts | x.t1]) AS until
// Reached posts first (no paths built yet), then the shortest route to each. The start posts often link the same
// busy URLs and pages (a busy mirror is linked by tens of thousands of posts): the posts linking a URL, mirror or
// short link within the starts' windows are read once for all the starts that reach it, and each start keeps the
// earliest of them.
CALL (starts, from, until) {
  CALL (starts) {
    // a URL the start links
    UNWIND starts AS st
    WITH st, st.s AS s
    MATCH (s)-[:LINKS_TO]->(x:Url)
    RETURN x, collect({st: st, since: null}) AS by
    UNION ALL
    // a mirror a page it links lists: once per start, however many of those pages list it, from the earliest time
    // one was seen listing it (never seen: always)
    UNWIND starts AS st
    WITH st, st.s AS s
    MATCH (s)-[:LINKS_TO]->(:Url)-[l:LISTS]->(x:Url)
    WITH st, x, count(l) AS lists, collect(l.seen_at) AS seen
    RETURN x, collect({st: st, since: CASE WHEN size(seen) < lists THEN null ELSE apoc.coll.min(seen) END}) AS by
    UNION ALL
    // a short link to or from a URL it links
    UNWIND starts AS st
    WITH st, st.s AS s
    MATCH (s)-[:LINKS_TO]->(:Url)-[:REDIRECTS_TO]-(x:Url)
    WITH DISTINCT st, x
    RETURN x, collect({st: st, since: null}) AS by
  }
  CALL (x, by, from, until) {
    MATCH (x)<-[:LINKS_TO]-(e:Post)
    WHERE from <= e.created_at <= until
    WITH collect({e: e, at: e.created_at, platform: e.platform}) AS reached
    UNWIND by AS b
    CALL (b, reached) {
      UNWIND reached AS r
      WITH r WHERE b.st.t0 <= r.at <= b.st.t1 AND r.e <> b.st.s AND (b.since IS NULL OR b.since <= r.at)
        AND (NOT $cross_only OR r.platform <> b.st.platform)
      RETURN r.e AS e ORDER BY r.at LIMIT $max_paths
    }
    RETURN b.st.s AS s, e
  }
  RETURN s, e
  UNION
  UNWIND starts AS st
  WITH st.s AS s, st.t0 AS t0, st.t1 AS t1
  MATCH (s)<-[:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]-(e:Post)
  WHERE t0 <= e.created_at <= t1
    AND (NOT $cross_only OR e.platform <> s.platform)
  RETURN s, e
  UNION
  UNWIND starts AS st
  WITH st.s AS s, st.t0 AS t0, st.t1 AS t1
  MATCH (s)<-[:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]-(m:Post)<-[:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]-(e:Post)
  WHERE t0 <= m.created_at <= e.created_at <= t1
    AND (NOT $cross_only OR e.platform <> s.platform)
  RETURN s, e
}
WITH s, e ORDER BY e.created_at, s.created_at, e.uid
LIMIT $max_paths
WITH s, s.created_at AS t0, s.created_at + duration({seconds: toInteger($max_hours * 3600)}) AS t1, e
CALL (s, t0, t1, e) {
  MATCH path = (s)<-[:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]-(e)
  RETURN path
  UNION
  MATCH path = (s)-[:LINKS_TO]->(:Url)<-[:LINKS_TO]-(e)
  RETURN path
  UNION
  MATCH path = (s)-[:LINKS_TO]->(:Url)-[l:LISTS]->(:Url)<-[:LINKS_TO]-(e)
  WHERE l.seen_at IS NULL OR l.seen_at <= e.created_at
  RETURN path
  UNION
  MATCH path = (s)-[:LINKS_TO]->(:Url)-[:REDIRECTS_TO]-(:Url)<-[:LINKS_TO]-(e)
  RETURN path
  UNION
  MATCH path = (s)<-[:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]-(m:Post)<-[:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]-(e)
  WHERE t0 <= m.created_at <= e.created_at
  RETURN path
}
WITH s, t0, t1, e, path
WHERE length(path) <= $max_hops
WITH s, t1, e, path ORDER BY length(path), [n IN nodes(path) | coalesce(n.uid, n.url)]
WITH s, t1, e, head(collect(path)) AS path
ORDER BY e.created_at, length(path), s.created_at, e.uid
WITH s, e, path, t1,
     [n IN nodes(path) |
       CASE WHEN n:Post THEN {node: n.uid, kind: 'post', platform: n.platform, at: n.created_at,
                             account: [(a:Account)-[:POSTED]->(n) | a.uid][0]}
            ELSE {node: n.url, kind: 'url', platform: [(n)-[:HOSTED_ON]->(pl:Platform) | pl.name][0], at: null,
                  account: null} END] AS hops
RETURN s.uid AS start, s.platform AS start_platform, s.created_at AS started, e.uid AS reached,
       e.platform AS reached_platform, e.created_at AS arrived,
       round(duration.inSeconds(s.created_at, e.created_at).seconds / 3600.0, 3) AS hours, length(path) AS length,
       reduce(seq = [], h IN hops | CASE WHEN size(seq) > 0 AND seq[-1] = h.platform THEN seq ELSE seq + h.platform END)
         AS platforms,
       [r IN relationships(path) | type(r)] AS steps, hops,
       COUNT { MATCH (e)<-[:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]-(x:Post) WHERE x.created_at <= t1 } AS then_amplified
