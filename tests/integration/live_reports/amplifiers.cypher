// name: amplifiers
// description: Accounts that only ever engage with one other account (repost, quote, reply, forward, mention), grouped by the account they amplify
// param: account string = null  -- only the amplifiers of this account uid; null for every amplified account
// param: min_engagements int = 2  -- an amplifier must have engaged at least this often
// param: min_amplifiers int = 2  -- leave out accounts with fewer single-minded amplifiers
// param: limit int = 50  -- amplified accounts returned (most amplifiers first)
// mode: read
//
// The seed's influencer clusters: a few influential users, each retweeted by users who engage with that one user
// only. Engagement is any reference: a repost, quote, reply or forward of its post, a forward from its channel, or a
// mention.
CALL () {
  MATCH (a:Account)-[:POSTED]->(:Post)-[:REPOSTS|QUOTES|REPLIES_TO|FORWARDS]->(:Post)<-[:POSTED]-(t:Account)
  WHERE a <> t
  RETURN a, t
  UNION ALL
  MATCH (a:Account)-[:POSTED]->(:Post)-[:MENTIONS|FORWARDED_FROM]->(t:Account)
  WHERE a <> t
  RETURN a, t
}
WITH a, t, count(*) AS n
WITH a, collect({t: t, n: n}) AS targets
WHERE size(targets) = 1 AND targets[0].n >= $min_engagements
WITH targets[0].t AS target, a, targets[0].n AS n
WHERE $account IS NULL OR target.uid = $account
WITH target, a, n ORDER BY n DESC, a.uid
WITH target, collect(a) AS amplifiers, sum(n) AS engagements
WHERE size(amplifiers) >= $min_amplifiers
RETURN target.uid AS amplified, target.handle AS handle, target.platform AS platform, size(amplifiers) AS amplifiers,
       engagements, [x IN amplifiers | x.uid] AS amplifier_uids, [x IN amplifiers | x.handle] AS amplifier_handles,
       target.suspended_at AS suspended_at
  ORDER BY amplifiers DESC, amplified
  LIMIT $limit
