// name: coordinated_link_sharing
// description: Coordinated groups found by `swarmgraph analyze coordination`: members, how often they co-shared, and the shared objects as evidence
// param: account string = null  -- only the group of this account uid; null for every group
// param: evidence int = 10  -- shared objects (URLs or videos) listed per group
// param: limit int = 50  -- groups returned (largest first)
// mode: read
//
// COORDINATED_WITH edges are derived, never observed: each carries weight (distinct objects the pair shared within
// `window` seconds of each other), co_shares, expected (co-shares two independent sharers would reach by chance),
// p_value, the objects, and the analysis run.
OPTIONAL MATCH (seed:Account {uid: $account})
WITH seed
MATCH (a:Account) WHERE a.coordination_group IS NOT NULL
  AND ($account IS NULL OR a.coordination_group = seed.coordination_group)
WITH a.coordination_group AS grp, a ORDER BY a.uid
WITH grp, collect(a) AS members
CALL (members) {
  UNWIND members AS a
  MATCH (a)-[r:COORDINATED_WITH]->(:Account)
  RETURN count(r) AS edges, min(r.weight) AS min_weight, max(r.weight) AS max_weight, sum(r.co_shares) AS co_shares,
         max(r.p_value) AS max_p_value, min(r.first_at) AS first_at, max(r.last_at) AS last_at,
         collect(DISTINCT r.window)[0] AS window, collect(DISTINCT r.run)[0] AS run,
         apoc.coll.flatten(collect(r.objects)) AS objects
}
WITH grp, members, edges, min_weight, max_weight, co_shares, max_p_value, first_at, last_at, window, run,
     apoc.coll.frequencies(objects) AS freq
RETURN grp AS group, size(members) AS accounts, [m IN members | m.uid] AS members,
       [m IN members | m.handle] AS handles, apoc.coll.sort(apoc.coll.toSet([m IN members | m.platform])) AS platforms,
       edges, min_weight, max_weight, co_shares, max_p_value, first_at, last_at, window,
       [f IN apoc.coll.sortMaps(freq, 'count')[0..$evidence] | f.item] AS shared_objects, size(freq) AS objects, run
  ORDER BY accounts DESC, group
  LIMIT $limit
