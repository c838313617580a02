// name: first_sharers
// description: The earliest shares of a video or URL on each platform ("patient zero") and how far each platform lags the first
// param: video string = null  -- a video uid (video:<id>); give this or url
// param: url string = null  -- a canonical URL (as stored on Url.url); give this or video
// param: include_versions bool = false  -- with video: take every language version of its release
// param: via_pages bool = true  -- count posts linking an aggregator page that lists the content
// param: per_platform int = 3  -- earliest shares listed per platform
// mode: read
//
// A post shares the content when it links it, a short link to it, or (via_pages) an aggregator page listing it or a
// short link to such a page, from when a snapshot first showed the page listing it (LISTS.seen_at: conservative, as
// snapshots come hours apart). lag_hours is the time from the first share on any platform to the first on this one.
CALL () {
  MATCH (v0:Video {uid: $video})
  OPTIONAL MATCH (v0)-[:VERSION_OF]->(original:Video)
  WITH v0, CASE WHEN $include_versions THEN coalesce(original, v0) ELSE v0 END AS root
  WITH CASE WHEN $include_versions THEN [root] + COLLECT { MATCH (w:Video)-[:VERSION_OF]->(root) RETURN w }
            ELSE [v0] END AS videos
  UNWIND videos AS v
  MATCH (target:Url)-[:SERVES]->(v)
  RETURN target
  UNION
  MATCH (target:Url {url: $url})
  RETURN target
}
CALL (target) {
  RETURN target AS l, null AS since
  UNION
  MATCH (l:Url)-[:REDIRECTS_TO]->(target) RETURN l, null AS since
  UNION
  MATCH (l:Url)-[r:LISTS]->(target) WHERE $via_pages RETURN l, r.seen_at AS since
  UNION
  MATCH (l:Url)-[:REDIRECTS_TO]->(:Url)-[r:LISTS]->(target) WHERE $via_pages RETURN l, r.seen_at AS since
}
WITH l, min(since) AS since
MATCH (a:Account)-[:POSTED]->(p:Post)-[:LINKS_TO]->(l)
WHERE p.created_at IS NOT NULL AND (since IS NULL OR p.created_at >= since)
WITH p, a, collect(DISTINCT l.url) AS urls ORDER BY p.created_at, p.uid
WITH p.platform AS platform, count(p) AS posts, count(DISTINCT a) AS accounts,
     collect({post: p.uid, account: a.uid, handle: a.handle, at: p.created_at, urls: urls}) AS shares
WITH collect({platform: platform, posts: posts, accounts: accounts, shares: shares}) AS rows
WITH rows, apoc.coll.min([r IN rows | r.shares[0].at]) AS earliest
UNWIND rows AS r
RETURN r.platform AS platform, r.shares[0].at AS first_share,
       round(duration.inSeconds(earliest, r.shares[0].at).seconds / 3600.0, 3) AS lag_hours,
       r.shares[0].account AS first_account, r.shares[0].handle AS first_handle, r.posts AS posts,
       r.accounts AS accounts, r.shares[0..$per_platform] AS earliest_shares
  ORDER BY first_share, platform
