// name: hashtag_volume
// description: Posts per hour (or day) of each given hashtag, and how many came from flooding accounts: the volume curves behind hashtag_lifecycle
// param: tags list  -- hashtags (without #, lower case)
// param: bucket string = 'hour'  -- 'hour' or 'day' (UTC)
// mode: read
//
// Flooding posts are those of accounts that never share a content link anywhere in the graph, as in
// hashtag_lifecycle (whose flooding_share is their share of all the hashtag's posts). Periods without posts are not
// listed.
UNWIND $tags AS tag
MATCH (h:Hashtag {tag: tag})<-[:TAGS]-(p:Post)
WHERE p.created_at IS NOT NULL
OPTIONAL MATCH (a:Account)-[:POSTED]->(p)
WITH h, a, collect(p) AS posts
WITH h, posts, a IS NOT NULL AND NOT EXISTS { (a)-[:POSTED]->(:Post)-[:LINKS_TO]->(:Url) } AS flood
UNWIND posts AS p
WITH h.tag AS tag, flood, datetime.truncate(CASE $bucket WHEN 'day' THEN 'day' ELSE 'hour' END, p.created_at) AS period
RETURN tag, period, count(*) AS posts, sum(CASE WHEN flood THEN 1 ELSE 0 END) AS flooding_posts
  ORDER BY tag, period
