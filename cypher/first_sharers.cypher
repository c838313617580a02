// name: first_sharers
// description: The earliest shares of a video or URL on each platform ("patient zero") and how far each platform lags the first
// param: video string = null  -- a video uid (video:<platform>:<id>, or video:<id> from videos.csv); give this or url
// param: url string = null  -- a canonical URL (as stored on Url.url); give this or video
// param: min_confidence float = null  -- with video: also follow suggested SAME_WORK_AS (SUGGESTED_VERSION_OF with include_versions) edges at or above this confidence; null follows certain ones only
// param: include_versions bool = false  -- with video: take every language version of its release
// param: via_pages bool = true  -- count posts linking an aggregator page that lists the content
// param: per_platform int = 3  -- earliest shares listed per platform
// mode: read
//
// A post shares the content when it links it, a short link to it, or (via_pages) an aggregator page listing it or a
// short link to such a page, from when a snapshot first showed the page listing it (LISTS.seen_at: conservative, as
// snapshots come hours apart). lag_hours is the time from the first share on any platform to the first on this one.
// A video stands for its work, as in video_reach: the copies of every Video SAME_WORK_AS it (certain edges; suggested
// ones from min_confidence); each share's `joined` says how the copy it reached joined ('self', 'same_work',
// 'suggested', 'version'; 'self' for a url seed).
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
  MATCH (target:Url)-[:SERVES]->(v)
  RETURN target, rank
  UNION
  MATCH (target:Url {url: $url})
  RETURN target, 0 AS rank
}
WITH target, min(rank) AS rank
CALL (target) {
  RETURN target AS l, null AS since
  UNION
  MATCH (l:Url)-[:REDIRECTS_TO]->(target) RETURN l, null AS since
  UNION
  MATCH (l:Url)-[r:LISTS]->(target) WHERE $via_pages RETURN l, r.seen_at AS since
  UNION
  MATCH (l:Url)-[:REDIRECTS_TO]->(:Url)-[r:LISTS]->(target) WHERE $via_pages RETURN l, r.seen_at AS since
}
WITH l, min(since) AS since, min(rank) AS rank
MATCH (p:Post)-[:LINKS_TO]->(l)
WHERE p.created_at IS NOT NULL AND (since IS NULL OR p.created_at >= since)
WITH p, p.created_at AS at, collect(l) AS links, min(rank) AS rank
// the counts read every share, the details only the earliest few (a busy page brings 100,000 shares)
MATCH (a:Account)-[:POSTED]->(p)
WITH p, a, at, links, rank ORDER BY at, p.uid
WITH p.platform AS platform, count(p) AS posts, count(DISTINCT a) AS accounts, collect([p, a, links, rank, at]) AS all
WITH platform, posts, accounts, all[0] AS first,
     [x IN all[0..$per_platform] | {post: x[0].uid, account: x[1].uid, handle: x[1].handle, at: x[4],
                                    urls: [l IN x[2] | l.url], joined: ['self', 'same_work', 'suggested', 'version'][x[3]]}]
       AS shares
WITH collect({platform: platform, posts: posts, accounts: accounts, at: first[4], account: first[1].uid,
              handle: first[1].handle, shares: shares}) AS rows
WITH rows, apoc.coll.min([r IN rows | r.at]) AS earliest
UNWIND rows AS r
RETURN r.platform AS platform, r.at AS first_share,
       round(duration.inSeconds(earliest, r.at).seconds / 3600.0, 3) AS lag_hours,
       r.account AS first_account, r.handle AS first_handle, r.posts AS posts,
       r.accounts AS accounts, r.shares AS earliest_shares
  ORDER BY first_share, platform
