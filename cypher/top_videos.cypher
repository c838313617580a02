// name: top_videos
// description: The most viewed videos (optionally among given ones), a work once: copies, hosts, views and the posts linking a copy directly
// param: videos list = null  -- only these video uids (a selection); null for every video
// param: limit int = 5  -- videos returned (most views first)
// mode: read
//
// A work whose copies arrived as one Video each (info.json, archive.org items) is listed once, under the lowest uid
// of the Videos certainly SAME_WORK_AS each other (equal content hashes, from `swarmgraph analyze copies`), with the
// copies of all of them; `videos` counts them (1 where no certain edge joins it). views: the sum of the views of
// its copies (SERVES.views). direct_posts: posts linking one of its copies (not counting short links and aggregator
// pages; video_reach counts those).
MATCH (v:Video) WHERE $videos IS NULL OR v.uid IN $videos
WITH v, COLLECT { MATCH (v)-[:SAME_WORK_AS {certain: true}]-(w:Video) RETURN DISTINCT w } AS same
WHERE all(w IN same WHERE v.uid < w.uid OR ($videos IS NOT NULL AND NOT w.uid IN $videos))
UNWIND [v] + same AS member
MATCH (member)<-[s:SERVES]-(u:Url)
WITH v, size(same) + 1 AS videos, count(u) AS copies, sum(coalesce(s.views, 0)) AS views,
     collect(DISTINCT u.platform) AS hosts, collect(u) AS urls
ORDER BY views DESC, copies DESC, v.uid
LIMIT $limit
CALL (urls) {
  UNWIND urls AS u
  MATCH (p:Post)-[:LINKS_TO]->(u)
  RETURN count(DISTINCT p) AS direct_posts
}
RETURN v.uid AS video, v.title AS title, v.language AS language, videos, copies, views, apoc.coll.sort(hosts) AS hosts,
       direct_posts
  ORDER BY views DESC, copies DESC, video
