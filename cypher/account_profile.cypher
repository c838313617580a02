// name: account_profile
// description: One account: platforms, activity span, hashtags, links by host, who it amplifies and who amplifies it, community and scores
// param: account string  -- the account uid (twitter:<id>, telegram:channel<id>)
// param: top int = 10  -- entries per list (hashtags, amplified, amplifiers)
// mode: read
//
// Amplifies: the accounts whose posts it reposts, quotes, replies to or forwards, or which it mentions. Scores come
// from the analyses (null until they ran): community, betweenness, articulation_point, coordination_group.
// suspended: a known suspension time, or a source that says the account was suspended (suspension_evidence names it,
// e.g. x-io-archive:<campaign> for an account of X's Information Operations archives).
MATCH (a:Account {uid: $account})
CALL (a) {
  OPTIONAL MATCH (a)-[:POSTED]->(p:Post)
  RETURN count(p) AS posts, min(p.created_at) AS first_post, max(p.created_at) AS last_post
}
CALL (a) {
  OPTIONAL MATCH (a)-[:POSTED]->(:Post)-[:TAGS]->(h:Hashtag)
  WITH h, count(*) AS n ORDER BY n DESC, h.tag
  RETURN [x IN collect(CASE WHEN h IS NOT NULL THEN {tag: h.tag, posts: n} END) WHERE x IS NOT NULL][0..$top] AS hashtags
}
CALL (a) {
  OPTIONAL MATCH (a)-[:POSTED]->(:Post)-[:LINKS_TO]->(:Url)-[:HOSTED_ON]->(pl:Platform)
  WITH pl.name AS host, count(*) AS n ORDER BY n DESC
  RETURN apoc.map.fromPairs(collect(CASE WHEN host IS NOT NULL THEN [host, n] END)) AS links_by_host
}
CALL (a) {
  CALL (a) {
    MATCH (a)-[:POSTED]->(:Post)-[:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]->(:Post)<-[:POSTED]-(t:Account)
    WHERE t <> a RETURN t
    UNION ALL
    MATCH (a)-[:POSTED]->(:Post)-[:MENTIONS|FORWARDED_FROM]->(t:Account)
    WHERE t <> a RETURN t
  }
  WITH t, count(*) AS n ORDER BY n DESC, t.uid
  RETURN collect({uid: t.uid, handle: t.handle, times: n}) AS amplifies
}
CALL (a) {
  CALL (a) {
    MATCH (f:Account)-[:POSTED]->(:Post)-[:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]->(:Post)<-[:POSTED]-(a)
    WHERE f <> a RETURN f
    UNION ALL
    MATCH (f:Account)-[:POSTED]->(:Post)-[:MENTIONS|FORWARDED_FROM]->(a)
    WHERE f <> a RETURN f
  }
  WITH f, count(*) AS n ORDER BY n DESC, f.uid
  RETURN collect({uid: f.uid, handle: f.handle, times: n}) AS amplified_by
}
WITH a, posts, first_post, last_post, hashtags, links_by_host, amplifies, amplified_by,
     [(a)-[r:SAME_ACTOR_AS]-(o:Account) | {uid: o.uid, platform: o.platform, confidence: r.confidence,
                                           asserted: r.runs IS NOT NULL}] AS same_actor,
     [(a)-[r:COORDINATED_WITH]-(o:Account) | {uid: o.uid, weight: r.weight}] AS coordinated_with
RETURN a.uid AS account, a.handle AS handle, a.name AS name, a.platform AS platform,
       apoc.coll.sort(apoc.coll.toSet([a.platform] + [s IN same_actor | s.platform])) AS platforms,
       a.created_at AS created_at, a.suspended_at AS suspended_at,
       a.suspended_at IS NOT NULL OR coalesce(a.suspended, false) AS suspended,
       a.suspension_evidence AS suspension_evidence,
       posts, first_post, last_post,
       CASE WHEN first_post IS NULL THEN null
            ELSE round(duration.inSeconds(first_post, last_post).seconds / 86400.0, 2) END AS active_days,
       hashtags, links_by_host, amplifies[0..$top] AS amplifies, size(amplifies) = 1 AS single_minded,
       size(amplified_by) AS amplifier_count, amplified_by[0..$top] AS amplified_by,
       same_actor, a.community AS community, a.community_degree AS community_degree,
       a.betweenness AS betweenness, a.articulation_point AS articulation_point, a.bridge_edges AS bridge_edges,
       a.coordination_group AS coordination_group, coordinated_with
