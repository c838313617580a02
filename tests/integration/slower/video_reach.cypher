// name: video_reach
// description: Every copy of a video's work (or of its whole release, all language versions): host, views, first seen, removal, the aggregator pages listing it, and the posts and accounts that linked it per platform, with totals
// param: video string  -- a video uid (video:<platform>:<id>, or video:<id> from videos.csv)
// param: min_confidence float = null  -- also follow suggested SAME_WORK_AS (and, with include_versions, SUGGESTED_VERSION_OF) edges at or above this confidence; null follows certain ones only
// param: include_versions bool = false  -- take the whole release: every language version (VERSION_OF) of the work
// mode: read
//
// The video stands for its work: the Videos it is SAME_WORK_AS (`swarmgraph analyze copies`; certain edges, equal
// content hashes, always; suggested ones from min_confidence), two steps deep. `joined` says how a copy's Video
// joined: 'self' (the video asked about), 'same_work' (certain), 'suggested', 'version' (include_versions).
// A post reaches a copy when it links the copy, a short link to it (REDIRECTS_TO), an aggregator page listing it
// (LISTS), or a short link to such a page; through a page only from when a snapshot first showed the page listing
// the copy (LISTS.seen_at). `via` counts the posts per route. The first row (url null, host '(total)')
// counts distinct posts and accounts over all copies.
CALL () {
  // one row per copy
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
  WITH v, ['self', 'same_work', 'suggested', 'version'][min(rank)] AS joined
  MATCH (copy:Url)-[serves:SERVES]->(v)
  CALL (copy) {
    CALL (copy) {
      RETURN copy AS l, 'direct' AS via, null AS since
      UNION
      MATCH (l:Url)-[:REDIRECTS_TO]->(copy) RETURN l, 'short link' AS via, null AS since
      UNION
      MATCH (l:Url)-[r:LISTS]->(copy) RETURN l, 'aggregator page' AS via, r.seen_at AS since
      UNION
      MATCH (l:Url)-[:REDIRECTS_TO]->(:Url)-[r:LISTS]->(copy) RETURN l, 'aggregator page' AS via, r.seen_at AS since
    }
    MATCH (a:Account)-[:POSTED]->(p:Post)-[:LINKS_TO]->(l)
    WHERE since IS NULL OR p.created_at >= since
    WITH p.platform AS platform, count(DISTINCT p) AS posts, count(DISTINCT a) AS accounts, min(p.created_at) AS first,
         count(DISTINCT CASE via WHEN 'direct' THEN p END) AS direct,
         count(DISTINCT CASE via WHEN 'short link' THEN p END) AS short,
         count(DISTINCT CASE via WHEN 'aggregator page' THEN p END) AS page
    RETURN apoc.map.fromPairs(collect([platform, posts])) AS posts_by_platform,
           apoc.map.fromPairs(collect([platform, accounts])) AS accounts_by_platform,
           sum(posts) AS posts, sum(accounts) AS accounts, min(first) AS first_share,
           {direct: sum(direct), `short link`: sum(short), `aggregator page`: sum(page)} AS via
  }
  RETURN v.uid AS video, v.language AS language, copy.url AS url, [(copy)-[:HOSTED_ON]->(h:Platform) | h.name][0] AS host,
         serves.views AS views, copy.first_seen AS first_seen, copy.removed_at AS removed_at,
         COLLECT { MATCH (page:Url)-[:LISTS]->(copy) RETURN page.url ORDER BY page.url } AS pages,
         posts, posts_by_platform, accounts, accounts_by_platform, first_share, via, joined
  UNION ALL
  // the total: every post reaching any copy counted once
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
  WITH v, ['self', 'same_work', 'suggested', 'version'][min(rank)] AS joined
  MATCH (copy:Url)-[serves:SERVES]->(v)
  WITH collect(copy) AS copies, sum(coalesce(serves.views, 0)) AS views, min(copy.first_seen) AS first_seen
  CALL (copies) {
    UNWIND copies AS copy
    CALL (copy) {
      RETURN copy AS l, null AS since
      UNION
      MATCH (l:Url)-[:REDIRECTS_TO]->(copy) RETURN l, null AS since
      UNION
      MATCH (l:Url)-[r:LISTS]->(copy) RETURN l, r.seen_at AS since
      UNION
      MATCH (l:Url)-[:REDIRECTS_TO]->(:Url)-[r:LISTS]->(copy) RETURN l, r.seen_at AS since
    }
    WITH l, min(since) AS since, max(CASE WHEN since IS NULL THEN 1 ELSE 0 END) AS always
    WITH l, CASE WHEN always = 1 THEN null ELSE since END AS since
    MATCH (a:Account)-[:POSTED]->(p:Post)-[:LINKS_TO]->(l)
    WHERE since IS NULL OR p.created_at >= since
    WITH p.platform AS platform, count(DISTINCT p) AS posts, count(DISTINCT a) AS accounts, min(p.created_at) AS first
    RETURN apoc.map.fromPairs(collect([platform, posts])) AS posts_by_platform,
           apoc.map.fromPairs(collect([platform, accounts])) AS accounts_by_platform,
           sum(posts) AS posts, sum(accounts) AS accounts, min(first) AS first_share
  }
  RETURN $video AS video, null AS language, null AS url, '(total)' AS host, views, first_seen, null AS removed_at,
         apoc.coll.sort(apoc.coll.toSet(apoc.coll.flatten([c IN copies | COLLECT {
           MATCH (page:Url)-[:LISTS]->(c) RETURN page.url }]))) AS pages,
         posts, posts_by_platform, accounts, accounts_by_platform, first_share, null AS via, null AS joined
}
RETURN video, language, url, host, views, first_seen, removed_at, pages, posts, posts_by_platform, accounts,
       accounts_by_platform, first_share, via, joined
  ORDER BY url IS NOT NULL, video, posts DESC, url
