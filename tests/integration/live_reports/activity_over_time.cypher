// name: activity_over_time
// description: Posts per day (or hour) per platform, with the suspensions and takedowns dated in each period: the activity chart of a case
// param: bucket string = 'day'  -- 'day' or 'hour' (UTC)
// param: posts list = null  -- only these post uids (a selection); null for every post
// param: accounts list = null  -- only these accounts' suspensions (uids); null for every account
// param: urls list = null  -- only these URLs' takedowns (canonical URLs); null for every URL
// mode: read
//
// kind 'posts': posts created in the period on the platform; 'suspensions': accounts of the platform whose
// suspended_at falls in it; 'takedowns': URLs hosted on the platform whose removed_at (the earliest check that found
// them removed) falls in it. Periods without any are not listed.
CALL () {
  MATCH (p:Post) WHERE $posts IS NULL AND p.created_at IS NOT NULL
  RETURN 'posts' AS kind, p.platform AS platform, p.created_at AS at
  UNION ALL
  UNWIND coalesce($posts, []) AS uid
  MATCH (p:Post {uid: uid}) WHERE p.created_at IS NOT NULL
  RETURN 'posts' AS kind, p.platform AS platform, p.created_at AS at
  UNION ALL
  MATCH (a:Account) WHERE a.suspended_at IS NOT NULL AND ($accounts IS NULL OR a.uid IN $accounts)
  RETURN 'suspensions' AS kind, a.platform AS platform, a.suspended_at AS at
  UNION ALL
  MATCH (u:Url) WHERE u.removed_at IS NOT NULL AND ($urls IS NULL OR u.url IN $urls)
  RETURN 'takedowns' AS kind, u.platform AS platform, u.removed_at AS at
}
WITH kind, coalesce(platform, 'unknown') AS platform,
     datetime.truncate(CASE $bucket WHEN 'hour' THEN 'hour' ELSE 'day' END, at) AS period
RETURN period, kind, platform, count(*) AS count
  ORDER BY period, kind, platform
