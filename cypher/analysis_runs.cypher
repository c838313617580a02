// name: analysis_runs
// description: The analyses whose results are in the graph: each run with its parameters and how much it wrote
// mode: read
//
// One row per analysis run found (a new run of an analysis replaces the previous one's results): coordination
// (COORDINATED_WITH edges, with window, min_repeats, percentile and alpha), bridging and communities (properties on
// accounts and URLs), successors (suggested SAME_ACTOR_AS edges), copies (SAME_WORK_AS and SUGGESTED_VERSION_OF
// suggestions), and the runs recorded as AnalysisRun nodes (the materialised reports). An analysis that never ran has
// no row.
CALL () {
  MATCH ()-[r:COORDINATED_WITH]->()
  WITH r.run AS run, count(r) AS results,
       collect(DISTINCT {window: r.window, min_repeats: r.min_repeats, percentile: r.percentile, alpha: r.alpha})[0]
         AS parameters
  RETURN 'coordination' AS analysis, run, parameters, results, 'COORDINATED_WITH edges' AS wrote
  UNION ALL
  CALL () {
    MATCH (n:Account) WHERE n.bridging_run IS NOT NULL RETURN n.bridging_run AS run
    UNION ALL
    MATCH (n:Url) WHERE n.bridging_run IS NOT NULL RETURN n.bridging_run AS run
  }
  WITH run, count(*) AS results
  RETURN 'bridging' AS analysis, run, {} AS parameters, results, 'betweenness on accounts and URLs' AS wrote
  UNION ALL
  CALL () {
    MATCH (n:Account) WHERE n.communities_run IS NOT NULL RETURN n.communities_run AS run
    UNION ALL
    MATCH (n:Url) WHERE n.communities_run IS NOT NULL RETURN n.communities_run AS run
  }
  WITH run, count(*) AS results
  RETURN 'communities' AS analysis, run, {} AS parameters, results, 'community on accounts and URLs' AS wrote
  UNION ALL
  MATCH ()-[r:SAME_ACTOR_AS]->() WHERE r.suggested = true
  WITH r.run AS run, count(r) AS results
  RETURN 'successors' AS analysis, run, {} AS parameters, results, 'SAME_ACTOR_AS suggestions' AS wrote
  UNION ALL
  MATCH (:Video)-[r:SAME_WORK_AS|SUGGESTED_VERSION_OF]->(:Video)
  WITH r.run AS run, count(r) AS results
  RETURN 'copies' AS analysis, run, {} AS parameters, results, 'SAME_WORK_AS and SUGGESTED_VERSION_OF suggestions'
    AS wrote
  UNION ALL
  MATCH (r:AnalysisRun {status: 'complete'})
  RETURN r.analysis AS analysis, r.id AS run, {parameters: r.parameters, load_runs: size(r.load_runs)} AS parameters,
         r.results AS results, 'materialised figures on nodes' AS wrote
}
RETURN analysis, run, parameters, results, wrote
  ORDER BY analysis, run
