// name: hashtag_volume
// description: Posts per hour (or day) of each given hashtag, and how many came from flooding accounts: the volume curves behind hashtag_lifecycle
// param: tags list  -- hashtags (without #, lower case)
// param: bucket string = 'hour'  -- 'hour' or 'day' (UTC)
// materialised: reports, else live
// mode: read
//
// Flooding posts are those of accounts that never share a content link anywhere in the graph, as in
// hashtag_lifecycle (whose flooding_share is their share of all the hashtag's posts). Periods without posts are not
// listed. Reads the hourly curve `swarmgraph analyze reports` wrote on each Hashtag (lifecycle_hours,
// lifecycle_hour_posts, lifecycle_hour_flood: telling flooding accounts apart reads every post of theirs); a hashtag
// it has not seen is counted from its posts. Data loaded after that run is not in the curves: the command says so.
UNWIND $tags AS tag
MATCH (h:Hashtag {tag: tag})
CALL (h) {
  WITH h WHERE h.lifecycle_hours IS NOT NULL
  UNWIND range(0, size(h.lifecycle_hours) - 1) AS i
  RETURN h.lifecycle_hours[i] AS hour, h.lifecycle_hour_posts[i] AS n, h.lifecycle_hour_flood[i] AS f
  UNION ALL
  WITH h WHERE h.lifecycle_hours IS NULL
  MATCH (h)<-[:TAGS]-(p:Post)
  WHERE p.created_at IS NOT NULL
  OPTIONAL MATCH (a:Account)-[:POSTED]->(p)
  WITH a, collect(p) AS posts
  WITH posts, a IS NOT NULL AND NOT EXISTS { (a)-[:POSTED]->(:Post)-[:LINKS_TO]->(:Url) } AS flood
  UNWIND posts AS p
  RETURN datetime.truncate('hour', p.created_at) AS hour, 1 AS n, CASE WHEN flood THEN 1 ELSE 0 END AS f
}
WITH h.tag AS tag, n, f, datetime.truncate(CASE $bucket WHEN 'day' THEN 'day' ELSE 'hour' END, hour) AS period
RETURN tag, period, sum(n) AS posts, sum(f) AS flooding_posts
  ORDER BY tag, period
