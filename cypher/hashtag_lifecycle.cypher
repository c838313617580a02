// name: hashtag_lifecycle
// description: Per hashtag: first seen, peak hour, half-life, active span, flooding share, and whether it behaves as an event hashtag
// param: tag string = null  -- one hashtag (without #, lower case); null for every hashtag
// param: min_posts int = 20  -- leave out hashtags with fewer posts
// param: event_max_span_hours float = 120.0  -- an event hashtag's active span (5th to 95th percentile of its posts) is at most this
// param: event_min_peak_day_share float = 0.3  -- and at least this share of its posts fall within 12 hours of its peak
// param: limit int = 100  -- rows returned (most posts first)
// materialised: reports
// mode: read
//
// Active span: from the 5th to the 95th percentile of its posts' times (active_from, active_until).
// Half-life: the median time from the peak hour to the posts after it (for a volume halving every h hours that median
// is h). Flooding share: posts from accounts that never share a content link anywhere in the graph (opponents and
// off-topic posters flood event hashtags with link-less posts).
// Reads the figures `swarmgraph analyze reports` wrote on each Hashtag (lifecycle_*; computing them reads every
// tagged post: seconds per million posts). Data loaded after that run is not in them: the command says so.
MATCH (h:Hashtag)
WHERE h.lifecycle_posts >= $min_posts AND ($tag IS NULL OR h.tag = $tag)
RETURN h.tag AS tag, h.lifecycle_posts AS posts, h.lifecycle_first_seen AS first_seen,
       h.lifecycle_last_seen AS last_seen, h.lifecycle_peak_hour AS peak_hour, h.lifecycle_peak_count AS peak_count,
       round(h.lifecycle_half_life, 2) AS half_life_hours, round(h.lifecycle_span_hours, 1) AS active_span_hours,
       h.lifecycle_active_from AS active_from, h.lifecycle_active_until AS active_until,
       round(h.lifecycle_flood_share, 4) AS flooding_share, round(h.lifecycle_peak_day_share, 4) AS peak_day_share,
       h.lifecycle_platforms AS platforms,
       h.lifecycle_span_hours <= $event_max_span_hours AND h.lifecycle_peak_day_share >= $event_min_peak_day_share
         AS event_hashtag
  ORDER BY posts DESC, tag
  LIMIT $limit
