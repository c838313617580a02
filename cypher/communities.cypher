// name: communities
// description: Communities found by `swarmgraph analyze communities`: size, platforms, centralisation (hub-dominated or dispersed) and top members
// param: min_accounts int = 3  -- leave out communities with fewer accounts
// param: hub_threshold float = 0.5  -- hub_link_share at or above which a community is hub-dominated
// param: top int = 5  -- top members listed per community
// param: limit int = 50  -- communities returned (largest first)
// mode: read
//
// Each account's links to accounts of the same community (community_degree: reposts, quotes, replies, forwards,
// mentions) give two measures: hub_link_share, the share of the community's links that touch its busiest member
// (1 for a star around one hub, small when links are spread), and Freeman's degree centralisation (1 for a star).
// A community whose accounts are joined only through shared URLs has no links: its shape is 'no interactions'.
MATCH (a:Account) WHERE a.community IS NOT NULL
WITH a.community AS community, a ORDER BY coalesce(a.community_degree, 0) DESC, a.uid
WITH community, collect(a) AS members
WHERE size(members) >= $min_accounts
WITH community, members, size(members) AS n, [m IN members | coalesce(m.community_degree, 0)] AS degrees
WITH community, members, n, degrees, reduce(s = 0, d IN degrees | s + d) AS total, degrees[0] AS top_degree
WITH community, members, n, total, top_degree,
     CASE WHEN n < 3 THEN null
          ELSE toFloat(reduce(s = 0, d IN degrees | s + top_degree - d)) / ((n - 1) * (n - 2)) END AS centralisation
CALL (community) {
  MATCH (u:Url {community: community})
  RETURN count(u) AS urls
}
RETURN community, n AS accounts, urls,
       apoc.coll.sort(apoc.coll.toSet([m IN members | m.platform])) AS platforms,
       round(centralisation, 4) AS centralisation,
       CASE WHEN total = 0 THEN null ELSE round(2.0 * top_degree / total, 4) END AS hub_link_share,
       CASE WHEN total = 0 THEN 'no interactions'
            WHEN 2.0 * top_degree / total >= $hub_threshold THEN 'hub-dominated'
            ELSE 'dispersed' END AS shape,
       [m IN members[0..$top] | m.uid] AS top_members,
       [m IN members[0..$top] | m.handle] AS top_handles
  ORDER BY accounts DESC, community
  LIMIT $limit
