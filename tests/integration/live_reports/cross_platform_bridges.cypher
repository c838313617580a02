// name: cross_platform_bridges
// description: Accounts, channels, aggregator pages and URLs ranked by how much of the flow through them crosses platform boundaries, with their role
// param: kind string = null  -- 'account' or 'url'; null for both
// param: role string = null  -- beacon, aggregator, store, shortener or other; null for every role
// param: min_flow int = 1  -- leave out nodes with less flow
// param: limit int = 25  -- rows returned
// mode: read
//
// Flow through an account (a beacon: a Twitter account or a Telegram channel): its posts, plus posts on other
// platforms that link to its own posts or profile (t.me/<channel>/<n>, twitter.com/i/web/status/<id>). What crosses:
// its posts linking to content on another social platform (out_cross) and those links to it from elsewhere (in_cross).
// Flow through a URL: the posts linking it, directly or through a short link, per platform. What crosses: for a link
// to a social platform's own content (a t.me post) the posts from other platforms; for a page, copy or short link
// the posts from every platform but its busiest one. Roles: aggregator (justpaste.it, shortwiki ...), store
// (hosting), beacon (accounts and links to social posts), shortener, other.
CALL () {
  // Links from other platforms to an account's own posts or profile, counted from the (few) social-post URLs.
  CALL () {
    MATCH (u:Url {domain: 't.me'})<-[:LINKS_TO]-(p:Post)
    WHERE p.platform <> 'telegram'
    WITH split(u.url, '/')[3] AS handle, p
    MATCH (a:Account {platform: 'telegram'}) WHERE toLower(a.handle) = handle
    RETURN a, p
    UNION
    MATCH (u:Url {domain: 'twitter.com'})<-[:LINKS_TO]-(p:Post)
    WHERE p.platform <> 'twitter' AND u.url STARTS WITH 'https://twitter.com/i/web/status/'
    MATCH (a:Account)-[:POSTED]->(:Post {uid: 'twitter:' + split(u.url, '/')[-1]})
    RETURN a, p
  }
  WITH a, count(DISTINCT p) AS n, collect(DISTINCT p.platform) AS from
  WITH apoc.map.fromPairs(collect([elementId(a), {n: n, from: from}])) AS links_in
  // Posts linking another social platform's content, counted from the social URLs' side.
  CALL () {
    MATCH (pl:Platform {kind: 'social'})<-[:HOSTED_ON]-(:Url)<-[:LINKS_TO]-(p:Post)<-[:POSTED]-(a:Account)
    WHERE pl.name <> a.platform
    WITH a, count(DISTINCT p) AS n, collect(DISTINCT pl.name) AS to
    RETURN apoc.map.fromPairs(collect([elementId(a), {n: n, to: to}])) AS links_out
  }
  MATCH (a:Account)
  WHERE ($kind IS NULL OR $kind = 'account') AND ($role IS NULL OR $role = 'beacon')
  WITH a, COUNT { (a)-[:POSTED]->() } AS posts, coalesce(links_out[elementId(a)], {n: 0, to: []}) AS out,
       links_in
  WITH a, posts, out.n AS out_cross, out.to AS out_platforms, links_in
  WITH a, posts, out_cross, out_platforms, coalesce(links_in[elementId(a)], {n: 0, from: []}) AS linked
  WITH a, posts, out_cross, linked.n AS in_cross, out_platforms + linked.from AS others
  WHERE posts + in_cross >= $min_flow
  RETURN a.uid AS node, 'account' AS kind, 'beacon' AS role, a.platform AS platform, posts + in_cross AS flow,
         out_cross + in_cross AS cross, out_cross, in_cross,
         apoc.coll.sort(apoc.coll.toSet([a.platform] + others)) AS platforms,
         [(a)-[:SAME_ACTOR_AS]-(o:Account) WHERE o.platform <> a.platform | o.uid] AS same_actor_elsewhere
  UNION ALL
  MATCH (u:Url)-[:HOSTED_ON]->(host:Platform)
  WITH u, host,
       CASE host.kind WHEN 'aggregator' THEN 'aggregator' WHEN 'hosting' THEN 'store' WHEN 'social' THEN 'beacon'
                      WHEN 'shortener' THEN 'shortener' ELSE 'other' END AS role
  WHERE ($kind IS NULL OR $kind = 'url') AND ($role IS NULL OR $role = role)
  CALL (u) {
    MATCH (p:Post)-[:LINKS_TO]->(:Url)-[:REDIRECTS_TO*0..1]->(u)
    WITH p.platform AS platform, count(DISTINCT p) AS n
    RETURN collect({platform: platform, n: n}) AS per_platform, sum(n) AS flow, max(n) AS busiest
  }
  WITH u, host, role, per_platform, flow, busiest
  WHERE flow >= $min_flow
  WITH u, host, role, per_platform, flow,
       CASE WHEN host.kind = 'social' THEN reduce(s = 0, x IN per_platform | s + CASE WHEN x.platform <> host.name
            THEN x.n ELSE 0 END)
            ELSE flow - busiest END AS cross
  RETURN u.url AS node, 'url' AS kind, role, host.name AS platform, flow, cross, null AS out_cross, null AS in_cross,
         apoc.coll.sort([x IN per_platform | x.platform]) AS platforms, [] AS same_actor_elsewhere
}
WITH node, kind, role, platform, flow, cross, out_cross, in_cross, platforms, same_actor_elsewhere
WHERE cross > 0
RETURN node, kind, role, platform, cross, flow, round(toFloat(cross) / flow, 4) AS cross_share, out_cross, in_cross,
       platforms, same_actor_elsewhere
  ORDER BY cross DESC, cross_share DESC, node
  LIMIT $limit
