// name: case_counts
// description: Nodes per type and platform in the whole graph, with the earliest and latest time of each: the summary of a case that is the whole collection
// materialised: reports, else live
// mode: read
//
// Times: a post's created_at, an account's created_at, a URL's first_seen, a check's checked_at. Load runs, analysis
// runs and the analyses' summaries are not counted (load_runs and analysis_runs list the runs).
// Reads the rows `swarmgraph analyze reports` wrote (Summary {report: 'case_counts'}: counting means reading every
// node, seconds per million posts); until it has run, counts the graph itself. Data loaded after that run is not in
// them: the command says so.
CALL () {
  MATCH (s:Summary {report: 'case_counts'})
  RETURN s.label AS label, s.platform AS platform, s.nodes AS nodes, s.first AS first, s.last AS last
  UNION ALL
  WITH 1 AS live WHERE NOT EXISTS { (:Summary {report: 'case_counts'}) }
  MATCH (n) WHERE NOT n:LoadRun AND NOT n:AnalysisRun AND NOT n:Summary
  WITH head(labels(n)) AS label, CASE WHEN n:Platform THEN n.name ELSE n.platform END AS platform,
       coalesce(n.created_at, n.first_seen, n.checked_at) AS at
  RETURN label, platform, count(*) AS nodes, min(at) AS first, max(at) AS last
}
RETURN label, platform, nodes, first, last
  ORDER BY label, nodes DESC, platform
