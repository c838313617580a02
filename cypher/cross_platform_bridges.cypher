// name: cross_platform_bridges
// description: Accounts, channels, aggregator pages and URLs ranked by how much of the flow through them crosses platform boundaries, with their role
// param: kind string = null  -- 'account' or 'url'; null for both
// param: role string = null  -- beacon, aggregator, store, shortener or other; null for every role
// param: min_flow int = 1  -- leave out nodes with less flow
// param: limit int = 25  -- rows returned
// materialised: reports
// mode: read
//
// Flow through an account (a beacon: a Twitter account or a Telegram channel): its posts, plus posts on other
// platforms that link to its own posts or profile (t.me/<channel>/<n>, twitter.com/i/web/status/<id>). What crosses:
// its posts linking to content on another social platform (out_cross) and those links to it from elsewhere (in_cross).
// Flow through a URL: the posts linking it, directly or through a short link, per platform. What crosses: for a link
// to a social platform's own content (a t.me post) the posts from other platforms; for a page, copy or short link
// the posts from every platform but its busiest one. Roles: aggregator (justpaste.it, shortwiki ...), store
// (hosting), beacon (accounts and links to social posts), shortener, other.
// Reads the flows `swarmgraph analyze reports` wrote on the accounts and URLs whose flow crosses platforms
// (bridge_*; counting them reads every link of every post). Data loaded after that run is not in them: the command
// says so. same_actor_elsewhere is read from the graph as it is now.
CALL () {
  MATCH (a:Account)
  WHERE a.bridge_cross > 0 AND ($kind IS NULL OR $kind = 'account') AND ($role IS NULL OR $role = 'beacon')
    AND a.bridge_posts + a.bridge_in_cross >= $min_flow
  RETURN a.uid AS node, 'account' AS kind, 'beacon' AS role, a.platform AS platform,
         a.bridge_posts + a.bridge_in_cross AS flow, a.bridge_cross AS cross, a.bridge_out_cross AS out_cross,
         a.bridge_in_cross AS in_cross, a.bridge_platforms AS platforms,
         [(a)-[:SAME_ACTOR_AS]-(o:Account) WHERE o.platform <> a.platform | o.uid] AS same_actor_elsewhere
  UNION ALL
  MATCH (u:Url)
  WHERE u.bridge_cross > 0 AND ($kind IS NULL OR $kind = 'url') AND ($role IS NULL OR $role = u.bridge_role)
    AND u.bridge_flow >= $min_flow
  RETURN u.url AS node, 'url' AS kind, u.bridge_role AS role, u.bridge_host AS platform, u.bridge_flow AS flow,
         u.bridge_cross AS cross, null AS out_cross, null AS in_cross, u.bridge_platforms AS platforms,
         [] AS same_actor_elsewhere
}
RETURN node, kind, role, platform, cross, flow, round(toFloat(cross) / flow, 4) AS cross_share, out_cross, in_cross,
       platforms, same_actor_elsewhere
  ORDER BY cross DESC, cross_share DESC, node
  LIMIT $limit
