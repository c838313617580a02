// name: hashtag_lifecycle
// description: Per hashtag: first seen, peak hour, half-life, active span, flooding share, and whether it behaves as an event hashtag
// param: tag string = null  -- one hashtag (without #, lower case); null for every hashtag
// param: min_posts int = 20  -- leave out hashtags with fewer posts
// param: event_max_span_hours float = 120.0  -- an event hashtag's active span (5th to 95th percentile of its posts) is at most this
// param: event_min_peak_day_share float = 0.3  -- and at least this share of its posts fall within 12 hours of its peak
// param: limit int = 100  -- rows returned (most posts first)
// mode: read
//
// Active span: from the 5th to the 95th percentile of its posts' times (active_from, active_until).
// Half-life: the median time from the peak hour to the posts after it (for a volume halving every h hours that median
// is h). Flooding share: posts from accounts that never share a content link anywhere in the graph (opponents and
// off-topic posters flood event hashtags with link-less posts).
MATCH (h:Hashtag)<-[:TAGS]-(p:Post)
WHERE ($tag IS NULL OR h.tag = $tag) AND p.created_at IS NOT NULL
OPTIONAL MATCH (a:Account)-[:POSTED]->(p)
WITH h, a, collect(p) AS posts
WITH h, posts, a IS NOT NULL AND NOT EXISTS { (a)-[:POSTED]->(:Post)-[:LINKS_TO]->(:Url) } AS flood
WITH h, sum(size(posts)) AS total, sum(CASE WHEN flood THEN size(posts) ELSE 0 END) AS flooded,
     apoc.coll.flatten(collect(posts)) AS posts
WHERE total >= $min_posts
CALL (posts) {
  UNWIND posts AS p
  WITH datetime.truncate('hour', p.created_at) AS hour, count(*) AS n
  RETURN hour AS peak_hour, n AS peak_count ORDER BY n DESC, hour LIMIT 1
}
CALL (posts, peak_hour) {
  UNWIND posts AS p
  WITH p, p.created_at.epochSeconds AS s, duration.inSeconds(peak_hour, p.created_at).seconds / 3600.0 AS from_peak
  RETURN min(p.created_at) AS first_seen, max(p.created_at) AS last_seen,
         percentileDisc(s, 0.05) AS s05, percentileDisc(s, 0.95) AS s95,
         percentileCont(CASE WHEN from_peak >= 0 THEN from_peak END, 0.5) AS half_life,
         toFloat(sum(CASE WHEN abs(from_peak - 0.5) <= 12.0 THEN 1 ELSE 0 END)) / count(*) AS peak_day_share,
         collect(DISTINCT p.platform) AS platforms
}
WITH h, total AS posts, first_seen, last_seen, peak_hour, peak_count, half_life, toFloat(flooded) / total AS flood_share,
     peak_day_share, platforms, s05, s95, (s95 - s05) / 3600.0 AS span_hours
RETURN h.tag AS tag, posts, first_seen, last_seen, peak_hour, peak_count,
       round(half_life, 2) AS half_life_hours, round(span_hours, 1) AS active_span_hours,
       datetime({epochSeconds: s05}) AS active_from, datetime({epochSeconds: s95}) AS active_until,
       round(flood_share, 4) AS flooding_share, round(peak_day_share, 4) AS peak_day_share,
       apoc.coll.sort(platforms) AS platforms,
       span_hours <= $event_max_span_hours AND peak_day_share >= $event_min_peak_day_share AS event_hashtag
  ORDER BY posts DESC, tag
  LIMIT $limit
