// name: load_runs
// description: The load runs (file, format, sha256, records, rejects) the graph or a selection of it rests on
// param: posts list = null  -- a selection's post uids
// param: accounts list = null  -- a selection's account uids
// param: urls list = null  -- a selection's canonical URLs
// mode: read
//
// With no list given, every LoadRun. With lists, the runs that asserted any of those posts, accounts or URLs (their
// `runs` provenance, docs/model.md).
CALL () {
  UNWIND coalesce($posts, []) AS k MATCH (n:Post {uid: k}) RETURN n
  UNION ALL
  UNWIND coalesce($accounts, []) AS k MATCH (n:Account {uid: k}) RETURN n
  UNION ALL
  UNWIND coalesce($urls, []) AS k MATCH (n:Url {url: k}) RETURN n
}
UNWIND n.runs AS id
WITH collect(DISTINCT id) AS ids
MATCH (r:LoadRun) WHERE ($posts IS NULL AND $accounts IS NULL AND $urls IS NULL) OR r.id IN ids
RETURN r.id AS run, r.source AS source, r.format AS format, r.sha256 AS sha256, r.records AS records,
       r.rejected AS rejected, r.status AS status, r.loader AS loader, r.started_at AS started_at,
       r.ended_at AS ended_at, r.swarmgraph_version AS swarmgraph_version
  ORDER BY started_at, source
