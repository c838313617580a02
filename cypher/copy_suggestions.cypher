// name: copy_suggestions
// description: Hosted copies suggested to be the same work (SAME_WORK_AS) or a language version (SUGGESTED_VERSION_OF) by `swarmgraph analyze copies`, with confidence, evidence and each side's copies
// param: video string = null  -- one video uid (video:<id>); null for every suggestion
// param: kind string = null  -- same_work or version_of; null for both
// param: min_confidence float = 0.0  -- leave out suggestions below this confidence
// param: limit int = 100  -- rows returned
// mode: read
//
// Suggestions are never merges: each edge carries its confidence (1.0 and certain for equal content hashes), the
// evidence in words, the kinds of evidence (basis) and the analysis run. With a video, its suggestions in either
// direction are listed from its side (`other` is the suggested twin); without, every edge once.
MATCH (v:Video)-[r:SAME_WORK_AS|SUGGESTED_VERSION_OF]-(w:Video)
WHERE ($video IS NULL OR v.uid = $video) AND ($video IS NOT NULL OR elementId(startNode(r)) = elementId(v))
  AND r.confidence >= $min_confidence
  AND ($kind IS NULL OR ($kind = 'same_work' AND type(r) = 'SAME_WORK_AS')
       OR ($kind = 'version_of' AND type(r) = 'SUGGESTED_VERSION_OF'))
RETURN v.uid AS video, w.uid AS other,
       CASE type(r) WHEN 'SAME_WORK_AS' THEN 'same_work' ELSE 'version_of' END AS kind,
       CASE WHEN type(r) = 'SUGGESTED_VERSION_OF' THEN
         CASE WHEN elementId(startNode(r)) = elementId(v) THEN 'version of other' ELSE 'other is a version' END
       END AS direction,
       r.confidence AS confidence, coalesce(r.certain, false) AS certain, r.basis AS basis, r.evidence AS evidence,
       v.title AS title, w.title AS other_title, v.language AS language, w.language AS other_language,
       COLLECT { MATCH (u:Url)-[:SERVES]->(v) RETURN u.url ORDER BY u.url } AS copies,
       COLLECT { MATCH (u:Url)-[:SERVES]->(w) RETURN u.url ORDER BY u.url } AS other_copies, r.run AS run
  ORDER BY confidence DESC, video, other
  LIMIT $limit
