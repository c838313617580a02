// name: video_reach
// description: Every copy of a video (or of its whole release, all language versions): host, views, first seen, removal, the aggregator pages listing it, and the posts and accounts that linked it per platform, with totals
// param: video string  -- a video uid (video:<id>)
// param: include_versions bool = false  -- take the whole release: the original and every VERSION_OF it
// mode: read
//
// A post reaches a copy when it links the copy, a short link to it (REDIRECTS_TO), an aggregator page listing it
// (LISTS), or a short link to such a page; through a page only from when a snapshot first showed the page listing
// the copy (LISTS.seen_at). `via` counts the posts per route. The first row (url null, host '(total)')
// counts distinct posts and accounts over all copies.
CALL () {
  // one row per copy
  MATCH (v0:Video {uid: $video})
  OPTIONAL MATCH (v0)-[:VERSION_OF]->(original:Video)
  WITH v0, CASE WHEN $include_versions THEN coalesce(original, v0) ELSE v0 END AS root
  UNWIND CASE WHEN $include_versions THEN [root] + COLLECT { MATCH (w:Video)-[:VERSION_OF]->(root) RETURN w }
              ELSE [v0] END AS v
  WITH DISTINCT v
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
         posts, posts_by_platform, accounts, accounts_by_platform, first_share, via
  UNION ALL
  // the total: every post reaching any copy counted once
  MATCH (v0:Video {uid: $video})
  OPTIONAL MATCH (v0)-[:VERSION_OF]->(original:Video)
  WITH v0, CASE WHEN $include_versions THEN coalesce(original, v0) ELSE v0 END AS root
  UNWIND CASE WHEN $include_versions THEN [root] + COLLECT { MATCH (w:Video)-[:VERSION_OF]->(root) RETURN w }
              ELSE [v0] END AS v
  WITH DISTINCT v
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
         posts, posts_by_platform, accounts, accounts_by_platform, first_share, null AS via
}
RETURN video, language, url, host, views, first_seen, removed_at, pages, posts, posts_by_platform, accounts,
       accounts_by_platform, first_share, via
  ORDER BY url IS NOT NULL, video, posts DESC, url
