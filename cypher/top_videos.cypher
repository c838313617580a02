// name: top_videos
// description: The most viewed videos (optionally among given ones): copies, hosts, views and the posts linking a copy directly
// param: videos list = null  -- only these video uids (a selection); null for every video
// param: limit int = 5  -- videos returned (most views first)
// mode: read
//
// views: the sum of the views of its copies (SERVES.views). direct_posts: posts linking one of its copies (not counting
// short links and aggregator pages; video_reach counts those).
MATCH (v:Video) WHERE $videos IS NULL OR v.uid IN $videos
MATCH (v)<-[s:SERVES]-(u:Url)
WITH v, count(u) AS copies, sum(coalesce(s.views, 0)) AS views, collect(DISTINCT u.platform) AS hosts, collect(u) AS urls
ORDER BY views DESC, copies DESC, v.uid
LIMIT $limit
CALL (urls) {
  UNWIND urls AS u
  MATCH (p:Post)-[:LINKS_TO]->(u)
  RETURN count(DISTINCT p) AS direct_posts
}
RETURN v.uid AS video, v.title AS title, v.language AS language, copies, views, apoc.coll.sort(hosts) AS hosts,
       direct_posts
  ORDER BY views DESC, copies DESC, video
