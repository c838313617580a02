// name: video_timeline
// description: The copies of a video and the aggregator pages listing them, each with its platform and times: the URL side of a dissemination timeline
// param: video string  -- a video uid (video:<platform>:<id>, or video:<id> from videos.csv)
// param: min_confidence float = null  -- also follow suggested SAME_WORK_AS (SUGGESTED_VERSION_OF with include_versions) edges at or above this confidence; null follows certain ones only
// param: include_versions bool = false  -- take every language version of its release
// mode: read
//
// kind 'copy': a URL serving the video; first_seen is its first share (or first check), removed_at the earliest check
// that found it removed, views its views. kind 'page': an aggregator page listing a copy; listed_at is when a
// snapshot first showed it listing one, points_to the copies it was seen listing. The video stands for its work as
// in video_reach (the copies of every Video SAME_WORK_AS it); `joined` says how a copy's Video joined ('self',
// 'same_work', 'suggested', 'version'; null for pages).
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
  RETURN v, rank
}
MATCH (v)<-[s:SERVES]-(copy:Url)
WITH copy, min(rank) AS rank, max(s.views) AS views
WITH collect(copy) AS copies, apoc.map.fromPairs(collect([copy.url, views])) AS views,
     apoc.map.fromPairs(collect([copy.url, ['self', 'same_work', 'suggested', 'version'][rank]])) AS joined
CALL (copies) {
  UNWIND copies AS copy
  RETURN copy AS u, 'copy' AS kind, null AS listed_at, [] AS points_to
  UNION
  UNWIND copies AS copy
  MATCH (page:Url)-[l:LISTS]->(copy)
  WITH page, min(l.seen_at) AS listed_at, apoc.coll.sort(collect(DISTINCT copy.url)) AS points_to
  RETURN page AS u, 'page' AS kind, listed_at, points_to
}
RETURN u.url AS url, kind, u.platform AS platform, u.first_seen AS first_seen, listed_at, u.last_seen AS last_seen,
       u.removed_at AS removed_at, views[u.url] AS views, points_to,
       CASE kind WHEN 'copy' THEN joined[u.url] END AS joined
  ORDER BY kind, coalesce(listed_at, u.first_seen), url
