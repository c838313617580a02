// name: successors
// description: Suspended accounts with their candidate successors (SAME_ACTOR_AS: asserted by a loaded file, or suggested by `swarmgraph analyze successors`) and the evidence
// param: account string = null  -- one suspended account uid; null for all
// param: min_confidence float = 0.0  -- leave out suggestions below this confidence (asserted identities always show)
// param: with_candidates bool = false  -- only suspended accounts that have a candidate
// param: limit int = 100  -- rows returned
// mode: read
//
// A suggestion is never a merge: it carries its confidence, the evidence in words, the per-signal scores (handle,
// name, links, audience, timing) and the analysis run. `asserted` marks identities a loaded accounts file stated.
MATCH (s:Account)
WHERE (s.suspended_at IS NOT NULL OR s.suspended = true) AND ($account IS NULL OR s.uid = $account)
  AND (s.suspended_at IS NOT NULL OR EXISTS { (s)-[:POSTED]->(:Post) })
CALL (s) {
  OPTIONAL MATCH (c:Account)-[r:SAME_ACTOR_AS]->(s)
  WHERE c.platform = s.platform AND (r.runs IS NOT NULL OR r.confidence >= $min_confidence)
  WITH c, r ORDER BY r.runs IS NULL, r.confidence DESC, c.uid
  RETURN [x IN collect(CASE WHEN c IS NOT NULL THEN {uid: c.uid, handle: c.handle, confidence: r.confidence,
          asserted: r.runs IS NOT NULL, evidence: r.evidence, scores: {handle: r.handle_score, name: r.name_score,
          links: r.link_score, audience: r.audience_score}} END) WHERE x IS NOT NULL] AS candidates
}
CALL (s) {
  OPTIONAL MATCH (s)-[:POSTED]->(p:Post)
  RETURN min(p.created_at) AS first_post, max(p.created_at) AS last_post, count(p) AS posts
}
WITH s, candidates, first_post, last_post, posts
WHERE NOT $with_candidates OR size(candidates) > 0
RETURN s.uid AS suspended, s.handle AS handle, s.name AS name, s.platform AS platform, s.suspended_at AS suspended_at,
       first_post, last_post, posts, size(candidates) AS candidate_count,
       candidates[0].uid AS best_candidate, candidates[0].confidence AS best_confidence, candidates
  ORDER BY coalesce(s.suspended_at, last_post), suspended
  LIMIT $limit
