// name: example_seeds
// description: Representative seeds in whatever graph is loaded: the video with most copies, the most shared URL (one serving a video or listed on a page when there is one), the busiest account and hashtag, and the earliest post with a link.
// mode: read
// Not a prepared query of the catalogue: cypher/examples.py fills every query's seed parameters from its row.
CALL () {
  OPTIONAL MATCH (v:Video)<-[:SERVES]-(u:Url)
  WITH v, count(u) AS copies ORDER BY copies DESC, v.uid LIMIT 1
  RETURN v.uid AS video
}
CALL () {
  OPTIONAL MATCH (u:Url)<-[:LINKS_TO]-(p:Post)
  WHERE EXISTS { (u)-[:SERVES]->(:Video) } OR EXISTS { (:Url)-[:LISTS]->(u) }
  WITH u, count(p) AS posts ORDER BY posts DESC, u.url LIMIT 1
  RETURN u.url AS url
}
CALL () {
  OPTIONAL MATCH (u:Url)<-[:LINKS_TO]-(p:Post)
  WITH u, count(p) AS posts ORDER BY posts DESC, u.url LIMIT 1
  RETURN u.url AS any_url
}
CALL () {
  OPTIONAL MATCH (a:Account)-[:POSTED]->(p:Post)
  WITH a, count(p) AS posts ORDER BY posts DESC, a.uid LIMIT 1
  RETURN a.uid AS account
}
CALL () {
  OPTIONAL MATCH (h:Hashtag)<-[:TAGS]-(p:Post)
  WITH h, count(p) AS posts ORDER BY posts DESC, h.tag LIMIT 1
  RETURN h.tag AS hashtag
}
CALL () {
  OPTIONAL MATCH (p:Post)-[:LINKS_TO]->(:Url)
  WHERE p.created_at IS NOT NULL
  RETURN p.uid AS post ORDER BY p.created_at, p.uid LIMIT 1
}
RETURN video, coalesce(url, any_url) AS url, account, hashtag, post
