// name: video_timeline
// description: The copies of a video and the aggregator pages listing them, each with its platform and times: the URL side of a dissemination timeline
// param: video string  -- a video uid (video:<id>)
// mode: read
//
// kind 'copy': a URL serving the video; first_seen is its first share (or first check), removed_at the earliest check
// that found it removed, views its views. kind 'page': an aggregator page listing a copy; listed_at is when a
// snapshot first showed it listing one, points_to the copies it was seen listing.
MATCH (:Video {uid: $video})<-[s:SERVES]-(copy:Url)
WITH collect(copy) AS copies, apoc.map.fromPairs(collect([copy.url, s.views])) AS views
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
       u.removed_at AS removed_at, views[u.url] AS views, points_to
  ORDER BY kind, coalesce(listed_at, u.first_seen), url
