// name: activity_over_time
// description: Posts per day (or hour) per platform, with the suspensions and takedowns dated in each period: the activity chart of a case
// param: bucket string = 'day'  -- 'day' or 'hour' (UTC)
// param: posts list = null  -- only these post uids (a selection); null for every post
// param: accounts list = null  -- only these accounts' suspensions (uids); null for every account
// param: urls list = null  -- only these URLs' takedowns (canonical URLs); null for every URL
// materialised: reports, else live
// live_with: posts
// mode: read
//
// kind 'posts': posts created in the period on the platform; 'suspensions': accounts of the platform whose
// suspended_at falls in it; 'takedowns': URLs hosted on the platform whose removed_at (the earliest check that found
// them removed) falls in it. Periods without any are not listed.
// Every post (posts null): the posts per hour and platform `swarmgraph analyze reports` wrote (Summary {report:
// 'activity'}: counting them reads every post, seconds per million); until it has run, counted from the posts. Data
// loaded after that run is not in them: the command says so. Suspensions and takedowns are always read live.
CALL () {
  MATCH (s:Summary {report: 'activity'}) WHERE $posts IS NULL
  UNWIND range(0, size(s.hours) - 1) AS i
  RETURN 'posts' AS kind, s.platform AS platform, s.hours[i] AS at, s.posts[i] AS n
  UNION ALL
  WITH 1 AS live WHERE $posts IS NULL AND NOT EXISTS { (:Summary {report: 'activity'}) }
  MATCH (p:Post) WHERE p.created_at IS NOT NULL
  RETURN 'posts' AS kind, p.platform AS platform, p.created_at AS at, 1 AS n
  UNION ALL
  UNWIND coalesce($posts, []) AS uid
  MATCH (p:Post {uid: uid}) WHERE p.created_at IS NOT NULL
  RETURN 'posts' AS kind, p.platform AS platform, p.created_at AS at, 1 AS n
  UNION ALL
  MATCH (a:Account) WHERE a.suspended_at IS NOT NULL AND ($accounts IS NULL OR a.uid IN $accounts)
  RETURN 'suspensions' AS kind, a.platform AS platform, a.suspended_at AS at, 1 AS n
  UNION ALL
  MATCH (u:Url) WHERE u.removed_at IS NOT NULL AND ($urls IS NULL OR u.url IN $urls)
  RETURN 'takedowns' AS kind, u.platform AS platform, u.removed_at AS at, 1 AS n
}
WITH kind, coalesce(platform, 'unknown') AS platform, n,
     datetime.truncate(CASE $bucket WHEN 'hour' THEN 'hour' ELSE 'day' END, at) AS period
RETURN period, kind, platform, sum(n) AS count
  ORDER BY period, kind, platform
