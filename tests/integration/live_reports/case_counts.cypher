// name: case_counts
// description: Nodes per type and platform in the whole graph, with the earliest and latest time of each: the summary of a case that is the whole collection
// mode: read
//
// Times: a post's created_at, an account's created_at, a URL's first_seen, a check's checked_at. Load runs are not
// counted (load_runs lists them).
// (Before materialisation; since then analysis runs and the analyses' summaries are left out too.)
MATCH (n) WHERE NOT n:LoadRun AND NOT n:AnalysisRun AND NOT n:Summary
WITH head(labels(n)) AS label, CASE WHEN n:Platform THEN n.name ELSE n.platform END AS platform,
     coalesce(n.created_at, n.first_seen, n.checked_at) AS at
RETURN label, platform, count(*) AS nodes, min(at) AS first, max(at) AS last
  ORDER BY label, nodes DESC, platform
