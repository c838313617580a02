// name: bridging_nodes
// description: Structural brokers of the dissemination projection from `swarmgraph analyze bridging`: betweenness, articulation points and bridges
// param: kind string = null  -- 'account' or 'url'; null for both
// param: articulation_only bool = false  -- only nodes whose removal splits their component
// param: limit int = 25  -- rows returned (highest betweenness first)
// mode: read
//
// The projection joins accounts (by reposts, quotes, replies, forwards, mentions) and URLs (shared by accounts,
// listed by pages, redirected to). betweenness: shortest paths through the node, estimated from sampled sources on
// large graphs; sampled_sources says from how many (null when exact). Sampled scores are not rescaled: they rank the
// nodes of one run and are smaller than exact ones. articulation_point: removing it disconnects part of its
// component; bridge_edges: edges whose removal would cut the graph that touch it.
CALL () {
  MATCH (n:Account) WHERE n.betweenness IS NOT NULL AND ($kind IS NULL OR $kind = 'account')
    AND (NOT $articulation_only OR n.articulation_point)
  RETURN n ORDER BY n.betweenness DESC LIMIT $limit
  UNION
  MATCH (n:Url) WHERE n.betweenness IS NOT NULL AND ($kind IS NULL OR $kind = 'url')
    AND (NOT $articulation_only OR n.articulation_point)
  RETURN n ORDER BY n.betweenness DESC LIMIT $limit
}
WITH n ORDER BY n.betweenness DESC, coalesce(n.uid, n.url)
LIMIT $limit
RETURN coalesce(n.uid, n.url) AS node, CASE WHEN n:Account THEN 'account' ELSE 'url' END AS kind,
       coalesce(n.handle, n.domain) AS label,
       coalesce(n.platform, [(n)-[:HOSTED_ON]->(pl:Platform) | pl.name][0]) AS platform,
       round(n.betweenness, 2) AS betweenness, n.betweenness_sources AS sampled_sources,
       n.articulation_point AS articulation_point,
       n.bridge_edges AS bridge_edges, n.community AS community, n.bridging_run AS run
